import { ValidationError } from './errors/domain-error';
import { decodeCursor, encodeCursor, toPage } from './pagination';

const row = (i: number) => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) });

describe('keyset pagination', () => {
  it('round-trips a cursor', () => {
    const k = row(7);
    expect(decodeCursor(encodeCursor(k))).toEqual(k);
    expect(decodeCursor(undefined)).toBeUndefined();
  });

  it.each(['garbage', Buffer.from('2026-01-01T00:00:00Z|not-a-uuid').toString('base64url'), Buffer.from('yesterday|00000000-0000-4000-8000-000000000001').toString('base64url')])(
    'rejects a forged cursor %s with INVALID_CURSOR',
    (c) => {
      expect(() => decodeCursor(c)).toThrow(ValidationError);
      try {
        decodeCursor(c);
      } catch (e) {
        expect((e as ValidationError).code).toBe('INVALID_CURSOR');
      }
    },
  );

  it('gives a next cursor only when there is a further row', () => {
    const rows = [row(3), row(2), row(1)];
    const first = toPage(rows, 2);
    expect(first.items).toEqual([row(3), row(2)]);
    expect(decodeCursor(first.nextCursor!)).toEqual(row(2));
    expect(toPage(rows, 3).nextCursor).toBeNull();
  });
});

import request from 'supertest';
import { CatalogService } from '../../src/catalog/catalog.service';
import { DomainError } from '../../src/common/errors/domain-error';
import { TxRunner } from '../../src/database/tx';
import { InventoryService, type StockLine } from '../../src/inventory/inventory.service';
import { truncateAll } from '../db';
import { signedIn } from '../factories/customer.factory';
import { createProduct, movementsOf, stockOf } from '../factories/product.factory';
import { createTestApp, type TestApp } from '../test-app';

const MISSING = '00000000-0000-4000-8000-000000000000';

function expectError(res: request.Response, status: number, code: string, message?: string | RegExp, extra: string[] = []) {
  expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  expect(res.body.statusCode).toBe(status);
  expect(typeof res.body.error).toBe('string');
  const keys = ['code', 'error', 'message', 'statusCode', ...extra, ...(code === 'VALIDATION_FAILED' ? ['errors'] : [])];
  expect(Object.keys(res.body).sort()).toEqual(keys.sort());
  if (typeof message === 'string') expect(res.body.message).toBe(message);
  else if (message) expect(res.body.message).toMatch(message);
}

/** Settles a promise into the DomainError code it failed with, or 'ok'. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
}

const tally = (xs: (string | number)[]) => xs.reduce<Record<string, number>>((acc, x) => ({ ...acc, [x]: (acc[x] ?? 0) + 1 }), {});

describe('inventory', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let adminId: string;
  let customer: Record<string, string>;
  let inventory: InventoryService;
  let txr: TxRunner;

  beforeAll(async () => {
    t = await createTestApp();
    inventory = t.app.get(InventoryService);
    txr = t.app.get(TxRunner);
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await truncateAll(t.ds);
    const a = await signedIn(t, { role: 'admin' });
    admin = a.auth;
    adminId = a.customer.id;
    customer = (await signedIn(t)).auth;
  });

  const api = () => request(t.http);
  const adjust = (variantId: string, body: object) => api().post(`/api/admin/inventory/${variantId}/adjustments`).set(admin).send(body);
  const adjustments = async (variantId: string) => (await movementsOf(t, variantId)).filter((m) => m.kind === 'adjustment');

  describe('GET /api/admin/inventory/:variantId', () => {
    it('returns onHand, reserved and available', async () => {
      const p = await createProduct(t, { variants: [{ stock: 9, reserved: 4 }] });
      const v = p.variants[0]!.id;
      const res = await api().get(`/api/admin/inventory/${v}`).set(admin).expect(200);
      expect(res.body).toEqual({ variantId: v, onHand: 9, reserved: 4, available: 5 });
    });

    it('404 VARIANT_NOT_FOUND, 400 malformed id, 401 without token, 403 for customers', async () => {
      const p = await createProduct(t);
      expectError(await api().get(`/api/admin/inventory/${MISSING}`).set(admin), 404, 'VARIANT_NOT_FOUND', 'Variant not found');
      expectError(await api().get('/api/admin/inventory/not-a-uuid').set(admin), 400, 'BAD_REQUEST');
      expectError(await api().get(`/api/admin/inventory/${p.variants[0]!.id}`), 401, 'MISSING_AUTH_HEADER');
      expectError(await api().get(`/api/admin/inventory/${p.variants[0]!.id}`).set(customer), 403, 'FORBIDDEN');
    });
  });

  describe('POST /api/admin/inventory/:variantId/adjustments', () => {
    it('adds and removes stock, returns the new levels and writes a ledger row with actor and reason', async () => {
      const p = await createProduct(t, { variants: [{ stock: 10, reserved: 3 }] });
      const v = p.variants[0]!.id;
      const up = await adjust(v, { delta: 5, reason: '  Delivery from supplier ' }).expect(201);
      expect(up.body).toEqual({ variantId: v, onHand: 15, reserved: 3, available: 12 });
      const down = await adjust(v, { delta: -12, reason: 'Stocktake' }).expect(201);
      expect(down.body).toEqual({ variantId: v, onHand: 3, reserved: 3, available: 0 });
      expect(await stockOf(t, v)).toEqual({ onHand: 3, reserved: 3 });

      const ledger = await adjustments(v);
      expect(ledger.map((m) => [m.deltaOnHand, m.deltaReserved, m.reason, m.actorId]).sort()).toEqual(
        [
          [5, 0, 'Delivery from supplier', adminId],
          [-12, 0, 'Stocktake', adminId],
        ].sort(),
      );
    });

    it('400 INSUFFICIENT_STOCK when on hand would drop below reserved; nothing changes', async () => {
      const p = await createProduct(t, { name: 'Desk lamp', variants: [{ stock: 10, reserved: 7 }] });
      const v = p.variants[0]!.id;
      const res = await adjust(v, { delta: -4, reason: 'Damaged' });
      expectError(res, 400, 'INSUFFICIENT_STOCK', 'Insufficient stock for Desk lamp. Available: 3', ['variantId', 'available']);
      expect(res.body).toMatchObject({ variantId: v, available: 3 });
      expect(await stockOf(t, v)).toEqual({ onHand: 10, reserved: 7 });
      expect(await adjustments(v)).toHaveLength(0);
      await adjust(v, { delta: -3, reason: 'Damaged' }).expect(201);
    });

    it('names the variant in the message when the product has several', async () => {
      const p = await createProduct(t, { name: 'Tee', variants: [{ name: 'Black / M', stock: 1 }, { name: 'White / M' }] });
      const res = await adjust(p.variants[0]!.id, { delta: -2, reason: 'x' });
      expectError(res, 400, 'INSUFFICIENT_STOCK', 'Insufficient stock for Tee (Black / M). Available: 1', ['variantId', 'available']);
    });

    it('404 VARIANT_NOT_FOUND for an unknown variant, 400 for a malformed id', async () => {
      expectError(await adjust(MISSING, { delta: 1, reason: 'x' }), 404, 'VARIANT_NOT_FOUND');
      expectError(await adjust('123', { delta: 1, reason: 'x' }), 400, 'BAD_REQUEST');
      const [{ count }] = await t.ds.query('SELECT count(*)::int AS count FROM inventory_movements');
      expect(count).toBe(0);
    });

    it.each([
      ['zero delta', { delta: 0, reason: 'x' }, ['delta']],
      ['float delta', { delta: 1.5, reason: 'x' }, ['delta']],
      ['string delta', { delta: '5', reason: 'x' }, ['delta']],
      ['delta above 1,000,000', { delta: 1_000_001, reason: 'x' }, ['delta']],
      ['delta below -1,000,000', { delta: -1_000_001, reason: 'x' }, ['delta']],
      ['missing reason', { delta: 1 }, ['reason']],
      ['blank reason', { delta: 1, reason: '   ' }, ['reason']],
      ['reason over 200 chars', { delta: 1, reason: 'r'.repeat(201) }, ['reason']],
      ['unknown field', { delta: 1, reason: 'x', sku: 'A' }, ['sku']],
      ['empty body', {}, ['delta', 'reason']],
    ])('400 VALIDATION_FAILED for %s', async (_, body, expected) => {
      const p = await createProduct(t, { variants: [{ stock: 5 }] });
      const res = await adjust(p.variants[0]!.id, body);
      expectError(res, 400, 'VALIDATION_FAILED');
      expect((res.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(expected);
      expect(await stockOf(t, p.variants[0]!.id)).toEqual({ onHand: 5, reserved: 0 });
    });

    it('401 without a token, 403 for customers; nothing changes', async () => {
      const p = await createProduct(t, { variants: [{ stock: 5 }] });
      const v = p.variants[0]!.id;
      expectError(await api().post(`/api/admin/inventory/${v}/adjustments`).send({ delta: 1, reason: 'x' }), 401, 'MISSING_AUTH_HEADER');
      expectError(await api().post(`/api/admin/inventory/${v}/adjustments`).set(customer).send({ delta: 1, reason: 'x' }), 403, 'FORBIDDEN');
      expect(await stockOf(t, v)).toEqual({ onHand: 5, reserved: 0 });
    });

    it('30 parallel adjustments of -1 against 10 on hand: exactly 10 succeed, stock ends at 0, 10 ledger rows', async () => {
      const p = await createProduct(t, { variants: [{ stock: 10 }] });
      const v = p.variants[0]!.id;
      const results = await Promise.all(Array.from({ length: 30 }, () => adjust(v, { delta: -1, reason: 'race' })));
      expect(tally(results.map((r) => r.status))).toEqual({ 201: 10, 400: 20 });
      for (const r of results.filter((x) => x.status === 400)) expect(r.body.code).toBe('INSUFFICIENT_STOCK');
      expect(results.filter((r) => r.status === 201).map((r) => r.body.onHand).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(await stockOf(t, v)).toEqual({ onHand: 0, reserved: 0 });
      expect(await adjustments(v)).toHaveLength(10);
    });
  });

  describe('GET /api/admin/inventory/:variantId/movements', () => {
    it('pages through the ledger newest first', async () => {
      const p = await createProduct(t, { variants: [{ stock: 100 }] });
      const v = p.variants[0]!.id;
      for (let i = 1; i <= 6; i++) {
        await adjust(v, { delta: i, reason: `r${i}` }).expect(201);
        await new Promise((r) => setTimeout(r, 3)); // distinct milliseconds: same-ms rows are ordered by id only
      }
      const seen: { reason: string; kind: string }[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: request.Response = await api()
          .get(`/api/admin/inventory/${v}/movements`)
          .query({ limit: 3, ...(cursor ? { cursor } : {}) })
          .set(admin)
          .expect(200);
        expect(res.body.count).toBe(res.body.movements.length);
        seen.push(...res.body.movements);
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(7);
      expect(seen.map((m) => m.reason)).toEqual(['r6', 'r5', 'r4', 'r3', 'r2', 'r1', 'Initial stock']);
      expect(seen[6]).toMatchObject({ kind: 'initial', deltaOnHand: 100, deltaReserved: 0, reference: null, actorId: null });
    });

    it('404 for an unknown variant, 400 for bad paging, 403 for customers', async () => {
      const p = await createProduct(t);
      expectError(await api().get(`/api/admin/inventory/${MISSING}/movements`).set(admin), 404, 'VARIANT_NOT_FOUND');
      expectError(await api().get(`/api/admin/inventory/${p.variants[0]!.id}/movements?limit=0`).set(admin), 400, 'VALIDATION_FAILED');
      expectError(await api().get(`/api/admin/inventory/${p.variants[0]!.id}/movements?cursor=x`).set(admin), 400, 'INVALID_CURSOR');
      expectError(await api().get(`/api/admin/inventory/${p.variants[0]!.id}/movements`).set(customer), 403, 'FORBIDDEN');
    });
  });

  describe('InventoryService (transactional API for checkout and orders)', () => {
    const run = (work: (inv: InventoryService, tx: Parameters<Parameters<TxRunner['run']>[0]>[0]) => Promise<unknown>) =>
      txr.run((tx) => work(inventory, tx));

    it('20 parallel reserves of 1 against 5 available: exactly 5 succeed', async () => {
      const p = await createProduct(t, { variants: [{ stock: 5 }] });
      const v = p.variants[0]!.id;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => outcome(run((inv, tx) => inv.reserve(tx, [{ variantId: v, quantity: 1 }], `checkout-${i}`)))),
      );
      expect(tally(results)).toEqual({ ok: 5, INSUFFICIENT_STOCK: 15 });
      expect(await stockOf(t, v)).toEqual({ onHand: 5, reserved: 5 });
      const ledger = await movementsOf(t, v);
      expect(ledger.filter((m) => m.kind === 'reserve')).toHaveLength(5);
      const pub = await api().get(`/api/products/${p.id}`).expect(200);
      expect(pub.body.product.variants[0].available).toBe(0);
    });

    it('reserve is all-or-nothing and reports the first short line with name and availability', async () => {
      const p = await createProduct(t, { name: 'Kettle', variants: [{ stock: 5 }] });
      const q = await createProduct(t, { name: 'Teapot', variants: [{ stock: 1 }] });
      const [a, b] = [p.variants[0]!.id, q.variants[0]!.id];
      const err = await run((inv, tx) =>
        inv.reserve(tx, [
          { variantId: a, quantity: 2 },
          { variantId: b, quantity: 2 },
        ], 'chk-1'),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect(err).toMatchObject({ code: 'INSUFFICIENT_STOCK', status: 400, message: 'Insufficient stock for Teapot. Available: 1', details: { variantId: b, available: 1 } });
      expect(await stockOf(t, a)).toEqual({ onHand: 5, reserved: 0 });
      expect(await stockOf(t, b)).toEqual({ onHand: 1, reserved: 0 });
      expect((await movementsOf(t, a)).filter((m) => m.kind !== 'initial')).toHaveLength(0);
    });

    it('reserve → release → reserve → commit, decrement and restock move the counters and write the ledger', async () => {
      const p = await createProduct(t, { variants: [{ stock: 10 }] });
      const v = p.variants[0]!.id;
      const line = (quantity: number): StockLine[] => [{ variantId: v, quantity }];

      await run((inv, tx) => inv.reserve(tx, [...line(2), ...line(1)], 'chk-1')); // duplicate lines are summed
      expect(await stockOf(t, v)).toEqual({ onHand: 10, reserved: 3 });
      await run((inv, tx) => inv.release(tx, line(3), 'chk-1'));
      expect(await stockOf(t, v)).toEqual({ onHand: 10, reserved: 0 });
      await run((inv, tx) => inv.reserve(tx, line(4), 'chk-2'));
      await run((inv, tx) => inv.commit(tx, line(4), 'order-2'));
      expect(await stockOf(t, v)).toEqual({ onHand: 6, reserved: 0 });
      await run((inv, tx) => inv.reserve(tx, line(2), 'chk-3'));
      await run((inv, tx) => inv.decrement(tx, line(4), 'order-3'));
      expect(await stockOf(t, v)).toEqual({ onHand: 2, reserved: 2 });
      expect(await outcome(run((inv, tx) => inv.decrement(tx, line(1), 'order-4')))).toBe('INSUFFICIENT_STOCK');
      await run((inv, tx) => inv.restock(tx, line(5), 'order-3'));
      expect(await stockOf(t, v)).toEqual({ onHand: 7, reserved: 2 });
      expect(await inventory.availability([v, MISSING])).toEqual(new Map([[v, 5], [MISSING, 0]]));

      const ledger = (await movementsOf(t, v)).map((m) => ({ kind: m.kind, onHand: m.deltaOnHand, reserved: m.deltaReserved, reference: m.reference }));
      expect(ledger).toHaveLength(8);
      expect(ledger).toEqual(
        expect.arrayContaining([
          { kind: 'initial', onHand: 10, reserved: 0, reference: null },
          { kind: 'reserve', onHand: 0, reserved: 3, reference: 'chk-1' },
          { kind: 'release', onHand: 0, reserved: -3, reference: 'chk-1' },
          { kind: 'reserve', onHand: 0, reserved: 4, reference: 'chk-2' },
          { kind: 'commit', onHand: -4, reserved: -4, reference: 'order-2' },
          { kind: 'reserve', onHand: 0, reserved: 2, reference: 'chk-3' },
          { kind: 'decrement', onHand: -4, reserved: 0, reference: 'order-3' },
          { kind: 'restock', onHand: 5, reserved: 0, reference: 'order-3' },
        ]),
      );
    });

    it('release or commit beyond what is reserved is 409 STOCK_NOT_RESERVED; unknown variants are 404', async () => {
      const p = await createProduct(t, { variants: [{ stock: 5, reserved: 1 }] });
      const v = p.variants[0]!.id;
      expect(await outcome(run((inv, tx) => inv.release(tx, [{ variantId: v, quantity: 2 }], 'chk')))).toBe('STOCK_NOT_RESERVED');
      expect(await outcome(run((inv, tx) => inv.commit(tx, [{ variantId: v, quantity: 2 }], 'ord')))).toBe('STOCK_NOT_RESERVED');
      expect(await outcome(run((inv, tx) => inv.reserve(tx, [{ variantId: MISSING, quantity: 1 }], 'chk')))).toBe('VARIANT_NOT_FOUND');
      expect(await outcome(run((inv, tx) => inv.restock(tx, [{ variantId: MISSING, quantity: 1 }], 'ord')))).toBe('VARIANT_NOT_FOUND');
      expect(await outcome(run((inv, tx) => inv.reserve(tx, [{ variantId: v, quantity: 0 }], 'chk')))).toBe('VALIDATION_FAILED');
      expect(await outcome(run((inv, tx) => inv.reserve(tx, [], 'chk')))).toBe('VALIDATION_FAILED');
      expect(await stockOf(t, v)).toEqual({ onHand: 5, reserved: 1 });
    });

    it('multi-line reserves in opposite orders run in parallel without deadlocks (fixed lock order)', async () => {
      const p = await createProduct(t, { variants: [{ stock: 1000 }, { stock: 1000 }, { stock: 1000 }] });
      const ids = p.variants.map((v) => v.id);
      const results = await Promise.all(
        Array.from({ length: 24 }, (_, i) => {
          const order = i % 2 ? [...ids].reverse() : ids;
          // Each transaction holds its first row lock a moment before taking the next.
          return outcome(
            run(async (inv, tx) => {
              await tx.query('SELECT pg_sleep(0.01)');
              await inv.reserve(tx, order.map((variantId) => ({ variantId, quantity: 1 })), `chk-${i}`);
              await tx.query('SELECT pg_sleep(0.01)');
            }),
          );
        }),
      );
      expect(tally(results)).toEqual({ ok: 24 });
      for (const id of ids) expect(await stockOf(t, id)).toEqual({ onHand: 1000, reserved: 24 });
    });

    it('multi-line reserves racing for a scarce line: exactly the stock is sold, a refused movement leaves its other lines untouched', async () => {
      const p = await createProduct(t, { variants: [{ stock: 5 }, { stock: 1000 }] });
      const [scarce, plenty] = p.variants.map((v) => v.id) as [string, string];
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          outcome(run((inv, tx) => inv.reserve(tx, [{ variantId: plenty, quantity: 2 }, { variantId: scarce, quantity: 1 }], `chk-${i}`))),
        ),
      );
      expect(tally(results)).toEqual({ ok: 5, INSUFFICIENT_STOCK: 7 });
      expect(await stockOf(t, scarce)).toEqual({ onHand: 5, reserved: 5 });
      expect(await stockOf(t, plenty)).toEqual({ onHand: 1000, reserved: 10 });
      const ledger: { variant_id: string; reserved: string; n: string }[] = await t.ds.query(
        `SELECT variant_id, sum(delta_reserved) AS reserved, count(*) AS n FROM inventory_movements WHERE kind = 'reserve' GROUP BY variant_id`,
      );
      expect(Object.fromEntries(ledger.map((r) => [r.variant_id, [Number(r.reserved), Number(r.n)]]))).toEqual({ [scarce]: [5, 5], [plenty]: [10, 5] });
    });
  });

  it('CatalogService.resolveVariant accepts a productId when the product has exactly one active variant', async () => {
    const catalog = t.app.get(CatalogService);
    const single = await createProduct(t, { name: 'Single', variants: [{}, { active: false }] });
    const multi = await createProduct(t, { variants: [{}, {}] });
    const hidden = await createProduct(t, { active: false });
    await expect(catalog.resolveVariant({ productId: single.id })).resolves.toMatchObject({ variantId: single.variants[0]!.id, label: 'Single (Variant 1)', purchasable: true });
    await expect(catalog.resolveVariant({ variantId: multi.variants[1]!.id })).resolves.toMatchObject({ variantId: multi.variants[1]!.id });
    await expect(catalog.resolveVariant({ productId: multi.id })).rejects.toMatchObject({ code: 'VARIANT_REQUIRED', status: 400 });
    await expect(catalog.resolveVariant({ productId: hidden.id })).rejects.toMatchObject({ code: 'PRODUCT_NOT_FOUND', message: `Product ${hidden.id} not found` });
    await expect(catalog.resolveVariant({ variantId: single.variants[1]!.id })).rejects.toMatchObject({ code: 'VARIANT_NOT_FOUND' });
    await expect(catalog.resolveVariant({ productId: single.id, variantId: multi.variants[0]!.id })).rejects.toMatchObject({ code: 'VARIANT_NOT_FOUND' });
  });
});

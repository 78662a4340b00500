import { UndeliverableError } from './email-composer';
import { isPermanentFailure, retryDelaySeconds } from './outbox.worker';

describe('retry schedule', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelaySeconds(n, 30, 3600))).toEqual([30, 60, 120, 240, 480, 960, 1920, 3600]);
    expect(retryDelaySeconds(1000, 30, 3600)).toBe(3600);
  });
});

describe('permanent failures', () => {
  it('dead-letters bad messages and recipients refused for good; retries the rest', () => {
    expect(isPermanentFailure(new UndeliverableError('unknown topic'))).toBe(true);
    expect(isPermanentFailure(Object.assign(new Error('550 no such user'), { responseCode: 550, permanent: true, command: 'RCPT TO' }))).toBe(true);
    expect(isPermanentFailure(Object.assign(new Error('451 try later'), { responseCode: 451, permanent: false, command: 'RCPT TO' }))).toBe(false);
    expect(isPermanentFailure(Object.assign(new Error('535 auth failed'), { responseCode: 535, permanent: true, command: 'AUTH PLAIN' }))).toBe(false);
    expect(isPermanentFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ESOCKET' }))).toBe(false);
    expect(isPermanentFailure('weird')).toBe(false);
  });
});

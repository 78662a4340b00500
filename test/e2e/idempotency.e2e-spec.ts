import request from 'supertest';
import { IdempotencyJanitor } from '../../src/common/idempotency/idempotency.module';
import { truncateAll } from '../db';
import { count, createDeliveryMethod, guestCart, guestCheckoutBody, stock } from '../factories/checkout.factory';
import { createProduct } from '../factories/product.factory';
import { FakeStripe } from '../support/fake-stripe';
import { createTestApp, type TestApp } from '../test-app';

describe('Idempotency-Key', () => {
  let t: TestApp;
  let fake: FakeStripe;

  beforeAll(async () => {
    fake = await FakeStripe.start();
    t = await createTestApp({ PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_idem', STRIPE_API_URL: fake.url });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });
  beforeEach(async () => {
    await truncateAll(t.ds);
    fake.reset();
  });

  async function setup(quantity = 2) {
    const p = await createProduct(t, { variants: [{ price: 1000, stock: 10 }] });
    const dm = await createDeliveryMethod(t, { price: 0 });
    const session = await guestCart(t, [{ variantId: p.variants[0]!.id, quantity }]);
    return { v: p.variants[0]!, dm, session };
  }
  const post = (headers: Record<string, string>, body: object) => request(t.http).post('/api/checkout').set(headers).send(body);

  it('20 concurrent identical checkouts with one key → one checkout, one reservation; the rest replay or wait', async () => {
    const { v, dm, session } = await setup(2);
    const headers = { ...session, 'Idempotency-Key': 'checkout-attempt-1' };
    const body = guestCheckoutBody(dm);
    const results = await Promise.all(Array.from({ length: 20 }, () => post(headers, body)));
    const created = results.filter((r) => r.status === 201);
    const inProgress = results.filter((r) => r.status === 409 && r.body.code === 'REQUEST_IN_PROGRESS');
    expect(created.length + inProgress.length).toBe(20);
    expect(created.length).toBeGreaterThanOrEqual(1);
    // Every 201 is the same checkout; all but the first are replays.
    expect(new Set(created.map((r) => r.body.checkoutId)).size).toBe(1);
    expect(created.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    expect(await count(t, 'checkouts')).toBe(1);
    expect(await stock(t, v.id)).toEqual({ onHand: 10, reserved: 2 });
    expect(fake.requests.filter((r) => r.path === '/v1/payment_intents')).toHaveLength(1);

    const replay = await post(headers, body).expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(created[0]!.body);
  });

  it('the same key with a different body → 409 IDEMPOTENCY_KEY_REUSED, nothing changes', async () => {
    const { v, dm, session } = await setup(1);
    const headers = { ...session, 'Idempotency-Key': 'k-reuse' };
    await post(headers, guestCheckoutBody(dm)).expect(201);
    const res = await post(headers, guestCheckoutBody(dm, { notes: 'different' })).expect(409);
    expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await count(t, 'checkouts')).toBe(1);
    expect(await stock(t, v.id)).toEqual({ onHand: 10, reserved: 1 });
  });

  it('a 4xx is stored and replayed; a 5xx frees the key so the retry runs', async () => {
    const { v, dm, session } = await setup(1);
    // 400 stored: replayed even though the request would now pass.
    const bad = { ...session, 'Idempotency-Key': 'k-400' };
    await request(t.http).delete('/api/cart').set(session).expect(200);
    expect((await post(bad, guestCheckoutBody(dm)).expect(400)).body.code).toBe('CART_EMPTY');
    await request(t.http).post('/api/cart/items').set(session).send({ variantId: v.id, quantity: 1 }).expect(201);
    const replayed = await post(bad, guestCheckoutBody(dm)).expect(400);
    expect(replayed.body).toMatchObject({ code: 'CART_EMPTY', message: 'Cart is empty' });
    expect(replayed.headers['idempotent-replayed']).toBe('true');

    // 502 from the provider: the key is freed and the retry with the same key succeeds.
    const retry = { ...session, 'Idempotency-Key': 'k-502' };
    fake.failNext(402, { code: 'card_declined', message: 'Your card was declined.' });
    await post(retry, guestCheckoutBody(dm)).expect(502);
    const ok = await post(retry, guestCheckoutBody(dm)).expect(201);
    expect(ok.headers['idempotent-replayed']).toBeUndefined();
    expect(await stock(t, v.id)).toEqual({ onHand: 10, reserved: 1 });
  });

  it('keys are scoped to the caller; malformed keys are 400; expired keys are purged and reusable', async () => {
    const a = await setup(1);
    const b = { session: await guestCart(t, [{ variantId: a.v.id, quantity: 1 }]) };
    await post({ ...a.session, 'Idempotency-Key': 'same' }, guestCheckoutBody(a.dm)).expect(201);
    const other = await post({ ...b.session, 'Idempotency-Key': 'same' }, guestCheckoutBody(a.dm)).expect(201);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(await count(t, 'checkouts')).toBe(2);

    expect((await post({ ...a.session, 'Idempotency-Key': 'x'.repeat(256) }, guestCheckoutBody(a.dm)).expect(400)).body.code).toBe('INVALID_IDEMPOTENCY_KEY');

    await t.ds.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second'`);
    expect(await t.app.get(IdempotencyJanitor).purge()).toBe(2);
    const fresh = await post({ ...a.session, 'Idempotency-Key': 'same' }, guestCheckoutBody(a.dm)).expect(201);
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
  });

  it('a request that died in progress (lease expired) can be retried with its key', async () => {
    const { dm, session } = await setup(1);
    const headers = { ...session, 'Idempotency-Key': 'k-dead' };
    const body = guestCheckoutBody(dm);
    await post(headers, body).expect(201);
    // Simulate a crash after the claim: the row is in progress with an expired lease.
    await t.ds.query(`UPDATE idempotency_keys SET state = 'in_progress', response_status = NULL, response_body = NULL, locked_until = now() - interval '1 second'`);
    const again = await post(headers, body).expect(201);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    // While a live lease is held, a duplicate is told to wait.
    await t.ds.query(`UPDATE idempotency_keys SET state = 'in_progress', locked_until = now() + interval '1 minute'`);
    expect((await post(headers, body).expect(409)).body.code).toBe('REQUEST_IN_PROGRESS');
  });
});

import Stripe from 'stripe';
import request from 'supertest';
import { FakeStripe, signStripeEvent } from '../support/fake-stripe';
import { createSecurityApp, dbState, type DbState, expectError, nowSeconds, resetDb, seedWorld, stateDiff, type World } from '../support/security';
import { intentSucceededEvent, WEBHOOK_PATH } from '../support/webhooks';
import type { TestApp } from '../test-app';

/**
 * Forged and replayed Stripe webhooks (SPEC.md "Payments"): only a body signed with STRIPE_WEBHOOK_SECRET within
 * the SDK's 300 s tolerance is applied, exactly once per event id. Each forgery is sent for a real checkout
 * awaiting payment, must be 400 and leave every table as it was; then the genuine event, sent last, must
 * still work (so the forgeries failed for the right reason).
 */

describe('security: webhook forgeries', () => {
  let t: TestApp;
  let w: World;
  let secret: string;

  beforeAll(async () => {
    t = await createSecurityApp();
    secret = t.config.payments.webhookSecret;
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    w = await seedWorld(t);
  });

  const post = (payload: string, signature?: string, contentType = 'application/json') => {
    const r = request(t.http).post(WEBHOOK_PATH).set('Content-Type', contentType);
    return (signature === undefined ? r : r.set('Stripe-Signature', signature)).send(payload);
  };

  /** The genuine `payment_intent.succeeded` for B's checkout, as Stripe would send it. */
  const genuineEvent = (eventId = `evt_sec_${Date.now()}`) => intentSucceededEvent(t, w.b.paymentIntentId, { eventId });

  const checkoutStatus = async (): Promise<string> => (await t.ds.query('SELECT status FROM checkouts WHERE id = $1', [w.b.checkoutId]))[0].status;

  async function expectUntouched(before: DbState) {
    expect(stateDiff(before, await dbState(t.ds))).toEqual([]);
    expect(await checkoutStatus()).toBe('awaiting_payment');
  }

  it('forged signatures, foreign secrets, stale timestamps and edited bodies are all 400 INVALID_SIGNATURE and change nothing; the genuine event then applies', async () => {
    const event = await genuineEvent();
    const { payload, signature } = signStripeEvent(event, secret);
    const ts = Number(/t=(\d+)/.exec(signature)![1]);
    const v1 = /v1=([0-9a-f]+)/.exec(signature)![1]!;
    const hmac = (key: string, t0: number, body: string) => Stripe.webhooks.generateTestHeaderString({ payload: body, secret: key, timestamp: t0 });
    const otherCheckout = { ...event, data: { object: { ...(event.data.object as object), metadata: { checkoutId: w.guest.checkoutId } } } };
    const cheaper = { ...event, data: { object: { ...(event.data.object as object), amount_received: 1, amount: 1 } } };

    const forgeries: [string, string, string | undefined][] = [
      ['no Stripe-Signature header', payload, undefined],
      ['empty header', payload, ''],
      ['garbage header', payload, 'garbage'],
      ['made-up signature', payload, `t=${ts},v1=${'0'.repeat(64)}`],
      ['signed with another secret', payload, hmac('whsec_attacker_secret', nowSeconds(), payload)],
      ['signed with the secret without its whsec_ prefix', payload, hmac(secret.replace(/^whsec_/, ''), nowSeconds(), payload)],
      ['signed 301 s ago (tolerance is 300 s)', payload, hmac(secret, nowSeconds() - 301, payload)],
      ['signed an hour ago', payload, hmac(secret, nowSeconds() - 3600, payload)],
      ['timestamp edited to now, signature kept', payload, `t=${nowSeconds() + 5},v1=${v1}`],
      ['only the v0 (test) scheme', payload, `t=${ts},v0=${v1}`],
      ['signature for another body', JSON.stringify(cheaper), signature],
      ['body altered after signing: amount', payload.replace(/"amount_received":\d+/, '"amount_received":1'), signature],
      ['body altered after signing: checkout id', JSON.stringify(otherCheckout), signature],
      ['body altered after signing: event type', payload.replace('payment_intent.succeeded', 'payment_intent.canceled'), signature],
      ['same JSON, different bytes (whitespace)', JSON.stringify(event, null, 2), signature],
      ['signature sent twice in one header, both wrong', payload, `t=${ts},v1=${'1'.repeat(64)},v1=${'2'.repeat(64)}`],
    ];
    expect(payload).toContain('"amount_received":');

    const before = await dbState(t.ds);
    for (const [label, body, sig] of forgeries) {
      const res = await post(body, sig);
      try {
        expectError(res, 400, 'INVALID_SIGNATURE');
      } catch (e) {
        throw new Error(`${label}: ${String(e)}`, { cause: e });
      }
    }
    expectError(await post('', hmac(secret, nowSeconds(), '')), 400);
    await expectUntouched(before);

    // Control: the untouched delivery is accepted and completes the checkout exactly once.
    const ok = await post(payload, signature).expect(200);
    expect(ok.body).toEqual({ received: true, outcome: 'applied' });
    expect(await checkoutStatus()).toBe('completed');
    expect((await t.ds.query('SELECT count(*)::int AS n FROM orders WHERE checkout_id = $1', [w.b.checkoutId]))[0].n).toBe(1);
  });

  it('a signature 290 s old is still inside the tolerance (the boundary is the SDK default, not stricter)', async () => {
    const event = await genuineEvent();
    const { payload, signature } = signStripeEvent(event, secret, nowSeconds() - 290);
    expect((await post(payload, signature).expect(200)).body.outcome).toBe('applied');
  });

  it('a replayed event id is 200 `duplicate` and changes nothing, with the same signature or a fresh one', async () => {
    const event = await genuineEvent('evt_sec_replay');
    const first = signStripeEvent(event, secret);
    expect((await post(first.payload, first.signature).expect(200)).body.outcome).toBe('applied');
    const after = await dbState(t.ds);

    expect((await post(first.payload, first.signature).expect(200)).body).toEqual({ received: true, outcome: 'duplicate' });
    const fresh = signStripeEvent(event, secret, nowSeconds() + 1);
    expect((await post(fresh.payload, fresh.signature).expect(200)).body.outcome).toBe('duplicate');
    // Replayed in a burst, as a retry storm or several instances would see it.
    const burst = await Promise.all(Array.from({ length: 8 }, () => post(first.payload, first.signature)));
    expect(burst.map((r) => r.body.outcome)).toEqual(Array(8).fill('duplicate'));
    expect(stateDiff(after, await dbState(t.ds))).toEqual([]);
  });

  it('the same payment reported again under a new event id creates no second order and moves no stock or money', async () => {
    const first = signStripeEvent(await genuineEvent('evt_sec_a'), secret);
    expect((await post(first.payload, first.signature).expect(200)).body.outcome).toBe('applied');
    const after = await dbState(t.ds);
    const again = signStripeEvent(await genuineEvent('evt_sec_b'), secret);
    expect((await post(again.payload, again.signature).expect(200)).body.outcome).toBe('order_exists');
    // Only the processed-event log records the second id.
    const n = after.counts.payment_events!;
    expect(stateDiff(after, await dbState(t.ds))).toEqual([`payment_events (count ${n} → ${n + 1})`]);
  });

  it('concurrent first deliveries of one event: exactly one applies', async () => {
    const { payload, signature } = signStripeEvent(await genuineEvent('evt_sec_race'), secret);
    const results = await Promise.all(Array.from({ length: 10 }, () => post(payload, signature)));
    const outcomes = results.map((r) => r.body.outcome).sort();
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'applied').every((o) => o === 'duplicate')).toBe(true);
    expect((await t.ds.query('SELECT count(*)::int AS n FROM orders WHERE checkout_id = $1', [w.b.checkoutId]))[0].n).toBe(1);
  });
});

describe('security: sandbox settlement routes with the real provider configured', () => {
  let fake: FakeStripe;
  let t: TestApp;
  beforeAll(async () => {
    fake = await FakeStripe.start();
    t = await createSecurityApp({ PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_security', STRIPE_API_URL: fake.url });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('are 404: nobody can mark a Stripe payment succeeded through them', async () => {
    await resetDb(t.ds);
    const before = await dbState(t.ds);
    for (const path of ['/api/payments/sandbox/intents/pi_123/succeed', '/api/payments/sandbox/intents/pi_123/fail', '/api/payments/sandbox/sessions/cs_123/complete', '/api/payments/sandbox/sessions/cs_123/expire']) {
      expectError(await request(t.http).post(path).send({}), 404);
    }
    expect(stateDiff(before, await dbState(t.ds))).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });
});

import { Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { FakeStripe, parseForm, signStripeEvent, stripeEvent } from '../../test/support/fake-stripe';
import { AppConfig } from '../config/app-config';
import { validateEnv } from '../config/env';
import { PaymentProviderError } from './payment-provider';
import { STRIPE_API_VERSION, StripeProvider, stripeEndpoint } from './stripe.provider';

const SECRET = 'sk_test_51FakeSecretKeyForUnitTests0123456789';

function providerFor(url: string, env: Record<string, string> = {}): StripeProvider {
  const config = new AppConfig(
    validateEnv({ NODE_ENV: 'test', PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: SECRET, STRIPE_API_URL: url, STORE_CURRENCY: 'usd', ...env }),
  );
  return new StripeProvider(config);
}

/** Resolves to the error a promise rejected with; fails the test if it resolved. */
async function rejection(p: Promise<unknown>): Promise<PaymentProviderError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PaymentProviderError);
    return err as PaymentProviderError;
  }
  throw new Error('expected the call to reject');
}

const intentInput = (overrides: Partial<Parameters<StripeProvider['createIntent']>[0]> = {}) => ({
  amount: 12_345,
  currency: 'usd',
  metadata: { checkoutId: 'c0ffee00-0000-4000-8000-000000000001', orderId: 'c0ffee00-0000-4000-8000-000000000002', customerId: 'cust-1' },
  idempotencyKey: 'c0ffee00-0000-4000-8000-000000000001',
  description: 'Order ORD-000042',
  receiptEmail: 'buyer@test.local',
  ...overrides,
});

describe('StripeProvider (real SDK against a local fake Stripe)', () => {
  let fake: FakeStripe;
  let provider: StripeProvider;

  beforeAll(async () => {
    Logger.overrideLogger(false); // failures are logged as warnings; keep the test output readable
    fake = await FakeStripe.start();
    provider = providerFor(fake.url);
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it('pins the SDK default API version and parses STRIPE_API_URL into host/port/protocol', () => {
    expect(STRIPE_API_VERSION).toBe(Stripe.API_VERSION);
    expect(stripeEndpoint('http://127.0.0.1:12111')).toEqual({ host: '127.0.0.1', port: 12111, protocol: 'http' });
    expect(stripeEndpoint('https://stripe-mock.internal/')).toEqual({ host: 'stripe-mock.internal', port: 443, protocol: 'https' });
    expect(provider.name).toBe('stripe');
  });

  describe('PaymentIntents', () => {
    it('creates an intent with amount, currency, metadata, idempotency key and auth', async () => {
      const created = await provider.createIntent(intentInput());

      expect(created.id).toMatch(/^pi_/);
      expect(created.clientSecret).toMatch(new RegExp(`^${created.id}_secret_`));
      expect(created.status).toBe('requires_payment_method');

      expect(fake.requests).toHaveLength(1);
      const [req] = fake.requests;
      expect(req.method).toBe('POST');
      expect(req.path).toBe('/v1/payment_intents');
      expect(req.authorization).toBe(`Bearer ${SECRET}`);
      expect(req.idempotencyKey).toBe('c0ffee00-0000-4000-8000-000000000001');
      expect(req.headers['stripe-version']).toBe(STRIPE_API_VERSION);
      expect(req.headers['content-type']).toContain('application/x-www-form-urlencoded');
      expect(String(req.headers['user-agent'])).toContain('checkout-orders');
      expect(req.body).toEqual({
        amount: '12345',
        currency: 'usd',
        metadata: intentInput().metadata,
        description: 'Order ORD-000042',
        receipt_email: 'buyer@test.local',
        automatic_payment_methods: { enabled: 'true' },
      });
    });

    it('sends the same idempotency key twice and gets one intent back', async () => {
      const a = await provider.createIntent(intentInput());
      const b = await provider.createIntent(intentInput());

      expect(b).toEqual(a);
      expect(fake.intents.size).toBe(1);
      expect(fake.requests.map((r) => r.idempotencyKey)).toEqual([intentInput().idempotencyKey, intentInput().idempotencyKey]);
    });

    it('refuses to reuse an idempotency key for a different amount', async () => {
      await provider.createIntent(intentInput());
      const err = await rejection(provider.createIntent(intentInput({ amount: 999 })));

      expect(err.message).toMatch(/^idempotency_error: Keys for idempotent requests/);
      expect(fake.intents.size).toBe(1);
    });

    it('retrieves an intent, including what was received once paid', async () => {
      const { id } = await provider.createIntent(intentInput());
      expect(await provider.retrieveIntent(id)).toEqual({
        id,
        status: 'requires_payment_method',
        amount: 12_345,
        amountReceived: 0,
        currency: 'usd',
        metadata: intentInput().metadata,
      });

      fake.succeed(id);
      const paid = await provider.retrieveIntent(id);
      expect(paid.status).toBe('succeeded');
      expect(paid.amountReceived).toBe(12_345);
      expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', path: `/v1/payment_intents/${id}`, idempotencyKey: undefined });
    });

    it('maps an unknown intent to a 404 resource_missing PaymentProviderError', async () => {
      const err = await rejection(provider.retrieveIntent('pi_doesnotexist'));
      expect(err.message).toBe("resource_missing: No such payment_intent: 'pi_doesnotexist'");
      expect(fake.requests.map((r) => r.status)).toEqual([404]);
    });

    it('cancels an open intent', async () => {
      const { id } = await provider.createIntent(intentInput());
      await provider.cancelIntent(id);

      expect(fake.intents.get(id)?.status).toBe('canceled');
      expect(fake.requests.at(-1)).toMatchObject({ method: 'POST', path: `/v1/payment_intents/${id}/cancel`, status: 200 });
    });

    it('treats cancelling a succeeded or already canceled intent as a no-op', async () => {
      const paid = await provider.createIntent(intentInput());
      fake.succeed(paid.id);
      await expect(provider.cancelIntent(paid.id)).resolves.toBeUndefined();
      expect(fake.intents.get(paid.id)?.status).toBe('succeeded');
      expect(fake.requests.at(-1)).toMatchObject({ path: `/v1/payment_intents/${paid.id}/cancel`, status: 400 });

      const other = await provider.createIntent(intentInput({ idempotencyKey: 'other-checkout' }));
      await provider.cancelIntent(other.id);
      await expect(provider.cancelIntent(other.id)).resolves.toBeUndefined();
      expect(fake.intents.get(other.id)?.status).toBe('canceled');
    });

    it('still fails when cancelling an unknown intent', async () => {
      const err = await rejection(provider.cancelIntent('pi_missing'));
      expect(err.message).toMatch(/^resource_missing: /);
    });
  });

  describe('Checkout Sessions', () => {
    const expiresAt = () => new Date(Date.now() + 45 * 60 * 1000);
    const sessionInput = (overrides: Partial<Parameters<StripeProvider['createSession']>[0]> = {}) => ({
      ...intentInput(),
      expiresAt: expiresAt(),
      successUrl: 'http://shop.test/checkout/success?checkout=c1',
      cancelUrl: 'http://shop.test/checkout/cancelled?checkout=c1',
      lineName: 'Order ORD-000042',
      customerEmail: 'buyer@test.local',
      ...overrides,
    });

    it('creates a hosted session for the whole amount, metadata on the session and on its PaymentIntent', async () => {
      const input = sessionInput();
      const created = await provider.createSession(input);

      expect(created.id).toMatch(/^cs_test_/);
      expect(created.url).toBe(`https://checkout.stripe.com/c/pay/${created.id}`);

      const [req] = fake.requests;
      expect(req).toMatchObject({ method: 'POST', path: '/v1/checkout/sessions', idempotencyKey: input.idempotencyKey, authorization: `Bearer ${SECRET}` });
      expect(req.body).toMatchObject({
        mode: 'payment',
        line_items: [{ quantity: '1', price_data: { currency: 'usd', unit_amount: '12345', product_data: { name: 'Order ORD-000042' } } }],
        metadata: input.metadata,
        payment_intent_data: { metadata: input.metadata },
        client_reference_id: input.metadata.checkoutId,
        customer_email: 'buyer@test.local',
        expires_at: String(Math.floor(input.expiresAt.getTime() / 1000)),
        success_url: input.successUrl,
        cancel_url: input.cancelUrl,
      });
      expect(fake.sessions.get(created.id)).toMatchObject({ amount_total: 12_345, expires_at: Math.floor(input.expiresAt.getTime() / 1000) });
    });

    it('returns the same session for the same idempotency key', async () => {
      const input = sessionInput();
      const a = await provider.createSession(input);
      const b = await provider.createSession(input);
      expect(b).toEqual(a);
      expect(fake.sessions.size).toBe(1);
    });

    it('retrieves an open session, then the completed one with its PaymentIntent', async () => {
      const input = sessionInput();
      const { id } = await provider.createSession(input);

      expect(await provider.retrieveSession(id)).toEqual({
        id,
        status: 'open',
        paymentStatus: 'unpaid',
        paymentIntentId: null,
        amountTotal: 12_345,
        currency: 'usd',
        metadata: input.metadata,
      });

      const { intent } = fake.completeSession(id);
      const done = await provider.retrieveSession(id);
      expect(done).toMatchObject({ status: 'complete', paymentStatus: 'paid', paymentIntentId: intent.id });
      // The PaymentIntent created by the hosted page carries the same ids (payment_intent_data.metadata).
      expect((await provider.retrieveIntent(String(intent.id))).metadata).toEqual(input.metadata);
    });

    it('expires an open session, and treats expiring a completed or expired one as a no-op', async () => {
      const open = await provider.createSession(sessionInput());
      await provider.expireSession(open.id);
      expect(fake.sessions.get(open.id)).toMatchObject({ status: 'expired', url: null });
      expect(fake.requests.at(-1)).toMatchObject({ method: 'POST', path: `/v1/checkout/sessions/${open.id}/expire`, status: 200 });

      await expect(provider.expireSession(open.id)).resolves.toBeUndefined();

      const paid = await provider.createSession(sessionInput({ idempotencyKey: 'checkout-2' }));
      fake.completeSession(paid.id);
      await expect(provider.expireSession(paid.id)).resolves.toBeUndefined();
      expect(fake.sessions.get(paid.id)?.status).toBe('complete');
    });

    it('fails on an unknown session', async () => {
      expect((await rejection(provider.retrieveSession('cs_test_nope'))).message).toBe("resource_missing: No such checkout.session: 'cs_test_nope'");
      expect((await rejection(provider.expireSession('cs_test_nope'))).message).toMatch(/^resource_missing: /);
    });

    it('surfaces Stripe rejecting an expires_at under 30 minutes', async () => {
      const err = await rejection(provider.createSession(sessionInput({ expiresAt: new Date(Date.now() + 15 * 60 * 1000) })));
      expect(err.message).toMatch(/expires_at/);
      expect(fake.sessions.size).toBe(0);
    });
  });

  describe('refunds', () => {
    it('refunds part of a paid intent with reason, metadata and idempotency key, once per key', async () => {
      const { id } = await provider.createIntent(intentInput());
      fake.succeed(id);

      const input = { paymentIntentId: id, amount: 2_000, idempotencyKey: 'refund-1', reason: 'requested_by_customer' as const, metadata: { orderId: 'o-1' } };
      const refund = await provider.refund(input);
      expect(refund).toEqual({ id: expect.stringMatching(/^re_/), amount: 2_000, status: 'succeeded' });
      expect(await provider.refund(input)).toEqual(refund);
      expect(fake.refunds.size).toBe(1);

      const req = fake.requests.find((r) => r.path === '/v1/refunds');
      expect(req).toMatchObject({
        method: 'POST',
        idempotencyKey: 'refund-1',
        body: { payment_intent: id, amount: '2000', reason: 'requested_by_customer', metadata: { orderId: 'o-1' } },
      });
    });

    it('refuses to refund more than was received', async () => {
      const { id } = await provider.createIntent(intentInput());
      fake.succeed(id);
      await provider.refund({ paymentIntentId: id, amount: 12_000, idempotencyKey: 'r-a' });

      const err = await rejection(provider.refund({ paymentIntentId: id, amount: 500, idempotencyKey: 'r-b' }));
      expect(err.message).toMatch(/^amount_too_large: /);
    });

    it('refuses to refund an unpaid intent', async () => {
      const { id } = await provider.createIntent(intentInput());
      const err = await rejection(provider.refund({ paymentIntentId: id, amount: 100, idempotencyKey: 'r-c' }));
      expect(err.message).toMatch(/^charge_not_refundable: /);
    });
  });

  describe('error mapping', () => {
    it('maps a 402 card_declined to a PaymentProviderError with the code and no secret', async () => {
      fake.failNext(402, { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' });
      const err = await rejection(provider.createIntent(intentInput()));

      expect(err.message).toBe('card_declined: Your card was declined.');
      expect(err.message).not.toContain(SECRET);
      expect(err.cause).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(fake.requests).toHaveLength(1); // 4xx is not retried
    });

    it('never repeats the secret key even if an upstream message echoes it', async () => {
      fake.failNext(401, { type: 'invalid_request_error', message: `Invalid API Key provided: ${SECRET}` });
      const err = await rejection(provider.retrieveIntent('pi_x'));
      expect(err.message).toBe('Stripe authentication failed (check STRIPE_SECRET_KEY)');
      expect(err.message).not.toContain(SECRET);
      expect(err.message).not.toMatch(/sk_test_/);

      fake.failNext(400, { type: 'invalid_request_error', code: 'parameter_invalid', message: `bad request for key ${SECRET}` });
      const err2 = await rejection(provider.retrieveIntent('pi_x'));
      expect(err2.message).toBe('parameter_invalid: bad request for key [redacted]');
    });

    it('retries a transient 500 with the same idempotency key and creates one intent', async () => {
      fake.failNext(500);
      const created = await provider.createIntent(intentInput());

      expect(fake.requests.map((r) => r.status)).toEqual([500, 200]);
      expect(fake.requests.map((r) => r.idempotencyKey)).toEqual([intentInput().idempotencyKey, intentInput().idempotencyKey]);
      expect(fake.intents.size).toBe(1);
      expect(created.id).toMatch(/^pi_/);
    });

    it('maps a 500 that Stripe says not to retry to a PaymentProviderError', async () => {
      fake.failNext(500, { type: 'api_error', message: 'Something went wrong on our end.' }, { headers: { 'stripe-should-retry': 'false' } });
      const err = await rejection(provider.createIntent(intentInput()));

      expect(err.message).toBe('api_error: Something went wrong on our end.');
      expect(fake.requests).toHaveLength(1);
    });

    it('gives up after the configured retries when every attempt is a 500', async () => {
      fake.failNext(503, { type: 'api_error', message: 'Service unavailable' }, { times: 3 });
      const err = await rejection(provider.retrieveIntent('pi_any'));

      expect(err.message).toBe('api_error: Service unavailable');
      expect(fake.requests).toHaveLength(3); // 1 + maxNetworkRetries (2)
    });

    it('maps an unreachable API to "Stripe API unreachable"', async () => {
      const gone = await FakeStripe.start();
      const url = gone.url;
      await gone.close();

      const err = await rejection(providerFor(url).createIntent(intentInput()));
      expect(err.message).toBe('Stripe API unreachable');
      expect(err.message).not.toContain(SECRET);
    });

    it('refuses every call without a secret key, before any request', async () => {
      const unconfigured = new StripeProvider(new AppConfig(validateEnv({ NODE_ENV: 'test', STRIPE_API_URL: fake.url })));
      const err = await rejection(unconfigured.createIntent(intentInput()));
      expect(err.message).toMatch(/STRIPE_SECRET_KEY/);
      await rejection(unconfigured.cancelIntent('pi_x'));
      expect(fake.requests).toHaveLength(0);
    });
  });
});

describe('fake Stripe helpers', () => {
  it('parses bracketed form bodies into objects and arrays', () => {
    expect(parseForm('a=1&metadata[k]=v%20w&line_items[0][price_data][unit_amount]=5&line_items[1][quantity]=2&tags[]=x&tags[]=y')).toEqual({
      a: '1',
      metadata: { k: 'v w' },
      line_items: [{ price_data: { unit_amount: '5' } }, { quantity: '2' }],
      tags: ['x', 'y'],
    });
  });

  it('builds events that the SDK verifies and parses', () => {
    const secret = 'whsec_test_fake_stripe';
    const event = stripeEvent('payment_intent.succeeded', { id: 'pi_1', object: 'payment_intent', amount: 100 });
    expect(event).toMatchObject({
      id: expect.stringMatching(/^evt_/),
      object: 'event',
      api_version: STRIPE_API_VERSION,
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: 'payment_intent.succeeded',
      data: { object: { id: 'pi_1' } },
    });

    const { payload, signature } = signStripeEvent(event, secret);
    const verified = Stripe.webhooks.constructEvent(payload, signature, secret);
    expect(verified.id).toBe(event.id);
    expect(() => Stripe.webhooks.constructEvent(payload, signature, 'whsec_other')).toThrow(Stripe.errors.StripeSignatureVerificationError);
  });
});

import request from 'supertest';
import { truncateAll } from '../db';
import { ADDRESS, count, createDeliveryMethod, createDiscount, guestCart, guestCheckoutBody, stock } from '../factories/checkout.factory';
import { createCustomer, DEFAULT_PASSWORD, signedIn } from '../factories/customer.factory';
import { createProduct } from '../factories/product.factory';
import { FakeStripe, signStripeEvent, stripeEvent } from '../support/fake-stripe';
import { createTestApp, type TestApp } from '../test-app';

describe('checkout', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ DEFAULT_TAX_RATE_BPS: '1000' });
  });
  afterAll(() => t.close());
  beforeEach(() => truncateAll(t.ds));

  const checkout = (headers: Record<string, string>, body: object) => request(t.http).post('/api/checkout').set(headers).send(body);
  const succeed = (intentId: string) => request(t.http).post(`/api/payments/sandbox/intents/${intentId}/succeed`).expect(200);

  async function oneItemGuest(o: { price?: number; stock?: number; quantity?: number } = {}) {
    const p = await createProduct(t, { variants: [{ price: o.price ?? 1000, stock: o.stock ?? 5 }] });
    const v = p.variants[0]!;
    const dm = await createDeliveryMethod(t, { price: 500 });
    const session = await guestCart(t, [{ variantId: v.id, quantity: o.quantity ?? 1 }]);
    return { p, v, dm, session };
  }

  it('guest: cart → checkout (stock reserved) → sandbox pay → order, stock committed, cart cleared', async () => {
    const p = await createProduct(t, { variants: [{ price: 1250, stock: 5 }, { price: 999, stock: 3 }] });
    const [a, b] = p.variants;
    const dm = await createDeliveryMethod(t, { price: 500 });
    const session = await guestCart(t, [
      { variantId: a!.id, quantity: 2 },
      { variantId: b!.id, quantity: 1 },
    ]);

    const res = await checkout(session, guestCheckoutBody(dm)).expect(201);
    // subtotal 3499, tax 10% of 3499 = 349.9 → 350, shipping 500
    expect(res.body).toMatchObject({ amount: 4349, currency: 'usd', status: 'awaiting_payment' });
    expect(res.body.paymentIntentId).toMatch(/^pi_sandbox_/);
    expect(res.body.clientSecret).toContain(res.body.paymentIntentId);
    expect(await stock(t, a!.id)).toEqual({ onHand: 5, reserved: 2 });
    // The cart is kept until the order exists.
    expect((await request(t.http).get('/api/cart').set(session).expect(200)).body.cart.items).toHaveLength(2);

    const pay = await succeed(res.body.paymentIntentId);
    expect(pay.body.outcome).toBe('applied');

    const status = await request(t.http).get(`/api/checkout/${res.body.checkoutId}`).set(session).expect(200);
    expect(status.body.status).toBe('completed');
    expect(status.body.order).toMatchObject({
      id: res.body.orderId,
      status: 'paid',
      paymentStatus: 'paid',
      paymentMethod: 'card',
      subtotal: 3499,
      shipping: 500,
      tax: 350,
      total: 4349,
      amountPaid: 4349,
      email: 'guest@example.com',
      paymentIntentId: res.body.paymentIntentId,
      shippingAddress: { ...ADDRESS, state: null, district: null },
      billingAddress: { ...ADDRESS, state: null, district: null },
      deliveryMethod: { id: dm, name: 'Standard', price: 500 },
    });
    expect(status.body.order.number).toMatch(/^ORD-\d{6}$/);
    expect(status.body.order.items).toHaveLength(2);
    expect(status.body.order.history.map((h: { status: string }) => h.status)).toEqual(['pending', 'paid']);
    expect(await stock(t, a!.id)).toEqual({ onHand: 3, reserved: 0 });
    expect(await stock(t, b!.id)).toEqual({ onHand: 2, reserved: 0 });
    expect((await request(t.http).get('/api/cart').set(session).expect(200)).body.cart.items).toHaveLength(0);
    expect(await count(t, 'outbox_messages', `topic = 'email.order_confirmation'`)).toBe(1);
    const [guest] = await t.ds.query(`SELECT is_guest FROM customers WHERE email = 'guest@example.com'`);
    expect(guest.is_guest).toBe(true);
  });

  describe('validation and errors (nothing changes)', () => {
    it('empty cart → 400 CART_EMPTY', async () => {
      const p = await createProduct(t, { variants: [{ price: 1000, stock: 5 }] });
      const dm = await createDeliveryMethod(t);
      const session = await guestCart(t, [{ variantId: p.variants[0]!.id, quantity: 1 }]);
      await request(t.http).delete('/api/cart').set(session).expect(200);
      const body = guestCheckoutBody(dm);
      const res = await checkout(session, body).expect(400);
      expect(res.body).toMatchObject({ code: 'CART_EMPTY', message: 'Cart is empty' });
      // The guest customer is written in the same round trip as the cart's lines are read: rolled back with the rest.
      expect(await count(t, 'customers', 'lower(email) = lower($1)', [body.email])).toBe(0);
      const { auth } = await signedIn(t);
      expect((await checkout(auth, { shippingAddress: ADDRESS, deliveryMethodId: dm, paymentMethod: 'card' }).expect(400)).body.code).toBe('CART_EMPTY');
    });

    it('a database error on the guest customer (sent with the cart reads) is reported as itself, not as "transaction aborted"', async () => {
      const { dm, session, v } = await oneItemGuest({ stock: 5, quantity: 1 });
      await t.ds.query(`CREATE FUNCTION checkout_fail_customer() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '40001'; END $$`);
      await t.ds.query('CREATE TRIGGER checkout_fail_customer BEFORE INSERT ON customers FOR EACH ROW EXECUTE FUNCTION checkout_fail_customer()');
      try {
        const res = await checkout(session, guestCheckoutBody(dm)).expect(409);
        expect(res.body).toMatchObject({ code: 'CONFLICT', message: 'Concurrent update, please retry' });
      } finally {
        await t.ds.query('DROP TRIGGER checkout_fail_customer ON customers');
        await t.ds.query('DROP FUNCTION checkout_fail_customer()');
      }
      expect(await count(t, 'checkouts')).toBe(0);
      expect(await stock(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
      await checkout(session, guestCheckoutBody(dm)).expect(201);
    });

    it('guest without a session → 400 "Session ID is required for guest checkout"', async () => {
      const dm = await createDeliveryMethod(t);
      const res = await checkout({}, guestCheckoutBody(dm)).expect(400);
      expect(res.body).toMatchObject({ code: 'SESSION_REQUIRED', message: 'Session ID is required for guest checkout' });
    });

    it('an unknown or malformed session → 404 / 400', async () => {
      const dm = await createDeliveryMethod(t);
      expect((await checkout({ 'X-Session-Id': 'A'.repeat(43) }, guestCheckoutBody(dm)).expect(404)).body.code).toBe('CART_SESSION_NOT_FOUND');
      expect((await checkout({ 'X-Session-Id': 'nope' }, guestCheckoutBody(dm)).expect(400)).body.code).toBe('INVALID_SESSION_ID');
    });

    it.each(['email', 'name', 'phone', 'shippingAddress'])('guest without %s → 400 GUEST_DETAILS_REQUIRED', async (field) => {
      const { dm, session, v } = await oneItemGuest();
      const body: Record<string, unknown> = guestCheckoutBody(dm);
      delete body[field];
      const res = await checkout(session, body).expect(400);
      expect(res.body).toMatchObject({ code: 'GUEST_DETAILS_REQUIRED', message: 'Email, name, phone, and address are required for guest checkout' });
      expect(await stock(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
      expect(await count(t, 'customers')).toBe(0);
    });

    it('malformed fields → 400 VALIDATION_FAILED listing each', async () => {
      const { session } = await oneItemGuest();
      const res = await checkout(session, { email: 'not-an-email', deliveryMethodId: 'x', paymentMethod: 'bitcoin', shippingAddress: { country: 'ZZ' } }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['email', 'deliveryMethodId', 'paymentMethod']));
    });

    it('guest email of a registered account → 400 "Email already registered. Please login to continue."', async () => {
      await createCustomer(t.ds, { email: 'taken@example.com' });
      const { dm, session, v } = await oneItemGuest();
      const res = await checkout(session, guestCheckoutBody(dm, { email: 'TAKEN@example.com' })).expect(400);
      expect(res.body).toMatchObject({ code: 'EMAIL_REGISTERED', message: 'Email already registered. Please login to continue.' });
      expect(await stock(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
    });

    it('unknown delivery method → 404; one not serving the country → 400 DELIVERY_METHOD_UNAVAILABLE', async () => {
      const { session, v } = await oneItemGuest();
      expect((await checkout(session, guestCheckoutBody('00000000-0000-4000-8000-000000000000')).expect(404)).body.code).toBe('DELIVERY_METHOD_NOT_FOUND');
      const usOnly = await createDeliveryMethod(t, { countries: ['US'] });
      expect((await checkout(session, guestCheckoutBody(usOnly)).expect(400)).body.code).toBe('DELIVERY_METHOD_UNAVAILABLE');
      expect(await stock(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
      expect(await count(t, 'checkouts')).toBe(0);
    });

    it('bad discount code → 400 INVALID_DISCOUNT_CODE', async () => {
      const { dm, session } = await oneItemGuest();
      await createDiscount(t, { code: 'OLD', value: 10, endsAt: new Date(Date.now() - 1000) });
      expect((await checkout(session, guestCheckoutBody(dm, { discountCode: 'NOPE' })).expect(400)).body.code).toBe('INVALID_DISCOUNT_CODE');
      expect((await checkout(session, guestCheckoutBody(dm, { discountCode: 'old' })).expect(400)).body.message).toMatch(/expired/);
    });

    it('more than is available (stock sold since the cart was built) → 400 INSUFFICIENT_STOCK with the count', async () => {
      const { dm, session, v } = await oneItemGuest({ stock: 5, quantity: 4 });
      await t.ds.query('UPDATE stock_items SET on_hand = 2 WHERE variant_id = $1', [v.id]);
      const res = await checkout(session, guestCheckoutBody(dm)).expect(400);
      expect(res.body).toMatchObject({ code: 'INSUFFICIENT_STOCK', available: 2 });
      expect(res.body.message).toMatch(/^Insufficient stock for .+\. Available: 2$/);
      expect(await stock(t, v.id)).toEqual({ onHand: 2, reserved: 0 });
      // The checkout row goes out with the reservation (one round trip) and is rolled back with it.
      expect(await count(t, 'checkouts')).toBe(0);
    });

    it('a product deactivated since → 400 PRODUCT_UNAVAILABLE', async () => {
      const { dm, session, p } = await oneItemGuest();
      await t.ds.query('UPDATE products SET active = false WHERE id = $1', [p.id]);
      expect((await checkout(session, guestCheckoutBody(dm)).expect(400)).body.code).toBe('PRODUCT_UNAVAILABLE');
    });

    it("another customer's address id → 404", async () => {
      const other = await createCustomer(t.ds);
      const [addr] = await t.ds.query(`INSERT INTO addresses (customer_id, name, street, city, postal_code, country) VALUES ($1, 'X', 'Y', 'Z', '1', 'GB') RETURNING id`, [other.id]);
      const { auth } = await signedIn(t);
      const p = await createProduct(t, { variants: [{ price: 1000, stock: 5 }] });
      await request(t.http).post('/api/cart/items').set(auth).send({ variantId: p.variants[0]!.id, quantity: 1 }).expect(201);
      const dm = await createDeliveryMethod(t);
      const res = await checkout(auth, { shippingAddressId: addr.id, deliveryMethodId: dm, paymentMethod: 'card' }).expect(404);
      expect(res.body.code).toBe('ADDRESS_NOT_FOUND');
    });
  });

  describe('customers', () => {
    it('registered: address-book ids, billing defaults to shipping; GET /api/orders/:id is theirs only', async () => {
      const { customer, auth } = await signedIn(t);
      const p = await createProduct(t, { variants: [{ price: 2000, stock: 5 }] });
      await request(t.http).post('/api/cart/items').set(auth).send({ variantId: p.variants[0]!.id, quantity: 2 }).expect(201);
      const addr = await request(t.http).post('/api/customers/me/addresses').set(auth).send(ADDRESS).expect(201);
      const dm = await createDeliveryMethod(t, { price: 0 });
      const res = await checkout(auth, { shippingAddressId: addr.body.address.id, deliveryMethodId: dm, paymentMethod: 'card', notes: 'Leave at the door' }).expect(201);
      await succeed(res.body.paymentIntentId);
      const order = await request(t.http).get(`/api/orders/${res.body.orderId}`).set(auth).expect(200);
      expect(order.body.order).toMatchObject({ customerId: customer.id, total: 4400, notes: 'Leave at the door', shippingAddress: { city: 'London' }, billingAddress: { city: 'London' } });
      const other = await signedIn(t);
      expect((await request(t.http).get(`/api/orders/${res.body.orderId}`).set(other.auth).expect(404)).body.code).toBe('ORDER_NOT_FOUND');
      expect((await request(t.http).get(`/api/checkout/${res.body.checkoutId}`).set(other.auth).expect(404)).body.code).toBe('CHECKOUT_NOT_FOUND');
      await request(t.http).get(`/api/orders/${res.body.orderId}`).expect(401);
    });

    it('a guest who checks out again with the same email reuses the guest customer', async () => {
      const a = await oneItemGuest();
      await checkout(a.session, guestCheckoutBody(a.dm, { email: 'again@example.com' })).expect(201);
      const session2 = await guestCart(t, [{ variantId: a.v.id, quantity: 1 }]);
      await checkout(session2, guestCheckoutBody(a.dm, { email: 'Again@Example.com' })).expect(201);
      expect(await count(t, 'customers')).toBe(1);
      const ids = await t.ds.query('SELECT DISTINCT customer_id FROM checkouts');
      expect(ids).toHaveLength(1);
    });

    it('a guest password creates a registered account that can log in; an existing guest email must be claimed', async () => {
      const a = await oneItemGuest();
      await checkout(a.session, guestCheckoutBody(a.dm, { email: 'new@example.com', password: DEFAULT_PASSWORD })).expect(201);
      const [c] = await t.ds.query(`SELECT is_guest FROM customers WHERE email = 'new@example.com'`);
      expect(c.is_guest).toBe(false);
      await request(t.http).post('/api/auth/login').send({ email: 'new@example.com', password: DEFAULT_PASSWORD }).expect(200);

      await createCustomer(t.ds, { email: 'was-guest@example.com', isGuest: true, passwordHash: null });
      const session2 = await guestCart(t, [{ variantId: a.v.id, quantity: 1 }]);
      const res = await checkout(session2, guestCheckoutBody(a.dm, { email: 'was-guest@example.com', password: DEFAULT_PASSWORD })).expect(409);
      expect(res.body.code).toBe('ACCOUNT_CLAIM_REQUIRED');
      // The real owner of the email gets a claim link instead.
      expect(await count(t, 'outbox_messages', `topic = 'email.claim_account'`)).toBe(1);
    });
  });

  describe('cash on delivery', () => {
    it('creates the order at once: pending/unpaid, stock decremented, cart cleared, discount counted', async () => {
      const { dm, session, v } = await oneItemGuest({ price: 1000, stock: 5, quantity: 3 });
      await createDiscount(t, { code: 'TEN', value: 10, usageLimit: 5 });
      const res = await checkout(session, guestCheckoutBody(dm, { paymentMethod: 'cash_on_delivery', discountCode: 'ten' })).expect(201);
      // 3000 − 300 = 2700; tax 270; shipping 500
      expect(res.body.order).toMatchObject({ status: 'pending', paymentStatus: 'unpaid', paymentMethod: 'cash_on_delivery', subtotal: 3000, discount: 300, tax: 270, total: 3470, discountCode: 'TEN', amountPaid: 0 });
      expect(await stock(t, v.id)).toEqual({ onHand: 2, reserved: 0 });
      expect((await request(t.http).get('/api/cart').set(session).expect(200)).body.cart.items).toHaveLength(0);
      expect(await count(t, 'discount_redemptions')).toBe(1);
      expect(await count(t, 'checkouts')).toBe(0);
    });

    it('paymentFlow with cash on delivery → 400', async () => {
      const { dm, session } = await oneItemGuest();
      await checkout(session, guestCheckoutBody(dm, { paymentMethod: 'cash_on_delivery', paymentFlow: 'hosted' })).expect(400);
    });
  });

  describe('payment outcomes', () => {
    it('a declined payment is recorded; the checkout stays payable and can still succeed', async () => {
      const { dm, session, v } = await oneItemGuest();
      const res = await checkout(session, guestCheckoutBody(dm)).expect(201);
      await request(t.http).post(`/api/payments/sandbox/intents/${res.body.paymentIntentId}/fail`).send({ message: 'Insufficient funds.' }).expect(200);
      const s = await request(t.http).get(`/api/checkout/${res.body.checkoutId}`).set(session).expect(200);
      expect(s.body).toMatchObject({ status: 'awaiting_payment', lastPaymentError: 'Insufficient funds.' });
      expect(await stock(t, v.id)).toEqual({ onHand: 5, reserved: 1 });
      await succeed(res.body.paymentIntentId);
      expect((await request(t.http).get(`/api/checkout/${res.body.checkoutId}`).set(session).expect(200)).body.status).toBe('completed');
    });

    it('confirm: 409 PAYMENT_NOT_COMPLETED before payment, 200 {order} after, same order on repeat', async () => {
      const { dm, session } = await oneItemGuest();
      const res = await checkout(session, guestCheckoutBody(dm)).expect(201);
      const early = await request(t.http).post(`/api/checkout/${res.body.checkoutId}/confirm`).set(session).expect(409);
      expect(early.body.code).toBe('PAYMENT_NOT_COMPLETED');
      await t.ds.query(`UPDATE sandbox_payment_objects SET status = 'succeeded' WHERE id = $1`, [res.body.paymentIntentId]);
      const ok = await request(t.http).post(`/api/checkout/${res.body.checkoutId}/confirm`).set(session).expect(200);
      expect(ok.body.order).toMatchObject({ id: res.body.orderId, status: 'paid' });
      const again = await request(t.http).post(`/api/checkout/${res.body.checkoutId}/confirm`).set(session).expect(200);
      expect(again.body.order.id).toBe(res.body.orderId);
      // The webhook arriving afterwards finds the order and changes nothing.
      const late = await deliver(t, 'payment_intent.succeeded', { id: res.body.paymentIntentId, object: 'payment_intent', status: 'succeeded', amount: res.body.amount, amount_received: res.body.amount, currency: 'usd', metadata: { checkoutId: res.body.checkoutId } });
      expect(late.body.outcome).toBe('order_exists');
      expect(await count(t, 'orders')).toBe(1);
      // Another session cannot confirm or read it.
      const stranger = await guestCart(t, [{ variantId: (await createProduct(t)).variants[0]!.id, quantity: 1 }]);
      await request(t.http).post(`/api/checkout/${res.body.checkoutId}/confirm`).set(stranger).expect(404);
    });

    it('payment_intent.canceled releases the stock; the checkout is failed', async () => {
      const { dm, session, v } = await oneItemGuest();
      const res = await checkout(session, guestCheckoutBody(dm)).expect(201);
      await deliver(t, 'payment_intent.canceled', { id: res.body.paymentIntentId, object: 'payment_intent', status: 'canceled', amount: res.body.amount, currency: 'usd', metadata: { checkoutId: res.body.checkoutId } });
      expect(await stock(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
      expect((await request(t.http).get(`/api/checkout/${res.body.checkoutId}`).set(session).expect(200)).body.status).toBe('failed');
    });

    it('hosted flow: url, session completed → order; session expired → stock released', async () => {
      const { dm, session, v } = await oneItemGuest();
      const res = await checkout(session, guestCheckoutBody(dm, { paymentFlow: 'hosted' })).expect(201);
      expect(res.body.url).toMatch(/\/api\/payments\/sandbox\/sessions\/cs_sandbox_/);
      expect(new Date(res.body.expiresAt).getTime() - Date.now()).toBeGreaterThan(30 * 60 * 1000);
      const sessionId = (res.body.url as string).split('/').pop()!;
      const done = await request(t.http).post(`/api/payments/sandbox/sessions/${sessionId}/complete`).expect(200);
      expect(done.body.outcome).toBe('applied');
      expect(await stock(t, v.id)).toEqual({ onHand: 4, reserved: 0 });
      const order = (await request(t.http).get(`/api/checkout/${res.body.checkoutId}`).set(session).expect(200)).body.order;
      expect(order).toMatchObject({ status: 'paid', amountPaid: res.body.amount });
      expect(order.paymentIntentId).toMatch(/^pi_sandbox_/);

      const session2 = await guestCart(t, [{ variantId: v.id, quantity: 2 }]);
      const res2 = await checkout(session2, guestCheckoutBody(dm, { paymentFlow: 'hosted' })).expect(201);
      expect(await stock(t, v.id)).toEqual({ onHand: 4, reserved: 2 });
      await request(t.http).post(`/api/payments/sandbox/sessions/${(res2.body.url as string).split('/').pop()}/expire`).expect(200);
      expect(await stock(t, v.id)).toEqual({ onHand: 4, reserved: 0 });
      expect((await request(t.http).get(`/api/checkout/${res2.body.checkoutId}`).set(session2).expect(200)).body.status).toBe('expired');
    });

    it('charge.refunded: recorded once per refund, however often it is delivered', async () => {
      const { dm, session } = await oneItemGuest();
      const res = await checkout(session, guestCheckoutBody(dm)).expect(201);
      await succeed(res.body.paymentIntentId);
      const charge = (refunded: number, refunds: { id: string; amount: number }[]) => ({
        id: 'ch_test_1',
        object: 'charge',
        amount: res.body.amount,
        amount_refunded: refunded,
        currency: 'usd',
        payment_intent: res.body.paymentIntentId,
        refunds: { object: 'list', data: refunds.map((r) => ({ ...r, object: 'refund', status: 'succeeded' })) },
      });
      await deliver(t, 'charge.refunded', charge(500, [{ id: 're_1', amount: 500 }]));
      await deliver(t, 'charge.refunded', charge(500, [{ id: 're_1', amount: 500 }]));
      let order = (await request(t.http).get(`/api/checkout/${res.body.checkoutId}`).set(session).expect(200)).body.order;
      expect(order).toMatchObject({ amountRefunded: 500, paymentStatus: 'partially_refunded' });
      await deliver(t, 'charge.refunded', charge(res.body.amount, [{ id: 're_1', amount: 500 }, { id: 're_2', amount: res.body.amount - 500 }]));
      order = (await request(t.http).get(`/api/checkout/${res.body.checkoutId}`).set(session).expect(200)).body.order;
      expect(order).toMatchObject({ amountRefunded: res.body.amount, paymentStatus: 'refunded' });
      expect(await count(t, 'refunds')).toBe(2);
    });

    it('webhook: missing or bad signature → 400 and nothing changes; unknown event types → 200 ignored', async () => {
      const { dm, session, v } = await oneItemGuest();
      const res = await checkout(session, guestCheckoutBody(dm)).expect(201);
      const event = stripeEvent('payment_intent.succeeded', { id: res.body.paymentIntentId, object: 'payment_intent', status: 'succeeded', amount: res.body.amount, amount_received: res.body.amount, currency: 'usd', metadata: { checkoutId: res.body.checkoutId } } as never);
      const payload = JSON.stringify(event);
      const post = (sig?: string) => {
        const r = request(t.http).post('/api/payments/stripe/webhook').set('Content-Type', 'application/json');
        return (sig ? r.set('Stripe-Signature', sig) : r).send(payload);
      };
      expect((await post().expect(400)).body.code).toBe('INVALID_SIGNATURE');
      const forged = signStripeEvent(event, 'whsec_not_our_secret').signature;
      expect((await post(forged).expect(400)).body.code).toBe('INVALID_SIGNATURE');
      const old = signStripeEvent(event, t.config.payments.webhookSecret, Math.floor(Date.now() / 1000) - 600).signature;
      expect((await post(old).expect(400)).body.code).toBe('INVALID_SIGNATURE');
      expect(await count(t, 'orders')).toBe(0);
      expect(await count(t, 'payment_events')).toBe(0);
      expect(await stock(t, v.id)).toEqual({ onHand: 5, reserved: 1 });
      for (const path of ['intents/pi_sandbox_unknown/succeed', 'intents/pi_sandbox_unknown/fail', 'sessions/cs_sandbox_unknown/complete']) {
        expect((await request(t.http).post(`/api/payments/sandbox/${path}`).send({}).expect(404)).body.code).toBe('PAYMENT_NOT_FOUND');
      }
      const other = await deliver(t, 'customer.created', { id: 'cus_1', object: 'customer', metadata: {} });
      expect(other.body.outcome).toBe('ignored');
    });
  });

  it('a newer checkout for the same cart supersedes the older one and releases its stock', async () => {
    const { dm, session, v } = await oneItemGuest({ quantity: 2 });
    const first = await checkout(session, guestCheckoutBody(dm)).expect(201);
    const second = await checkout(session, guestCheckoutBody(dm)).expect(201);
    expect(await stock(t, v.id)).toEqual({ onHand: 5, reserved: 2 });
    expect((await request(t.http).get(`/api/checkout/${first.body.checkoutId}`).set(session).expect(200)).body.status).toBe('superseded');
    // The old intent is cancelled at the provider right after the response.
    let piStatus = '';
    for (let i = 0; i < 50 && piStatus !== 'canceled'; i++) {
      [{ status: piStatus }] = await t.ds.query('SELECT status FROM sandbox_payment_objects WHERE id = $1', [first.body.paymentIntentId]);
      if (piStatus !== 'canceled') await new Promise((r) => setTimeout(r, 20));
    }
    expect(piStatus).toBe('canceled');
    expect(second.body.checkoutId).not.toBe(first.body.checkoutId);
  });

  async function deliver(app: TestApp, type: string, object: Record<string, unknown>) {
    const { payload, signature } = signStripeEvent(stripeEvent(type as never, object as never), app.config.payments.webhookSecret);
    return request(app.http).post('/api/payments/stripe/webhook').set('Content-Type', 'application/json').set('Stripe-Signature', signature).send(payload).expect(200);
  }
});

describe('checkout with the Stripe provider (real SDK, local fake Stripe API)', () => {
  let t: TestApp;
  let fake: FakeStripe;

  beforeAll(async () => {
    fake = await FakeStripe.start();
    t = await createTestApp({ PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_checkout', STRIPE_API_URL: fake.url });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });
  beforeEach(async () => {
    await truncateAll(t.ds);
    fake.reset();
  });

  async function cart() {
    const p = await createProduct(t, { variants: [{ price: 1500, stock: 4 }] });
    const dm = await createDeliveryMethod(t, { price: 0 });
    return { v: p.variants[0]!, dm, session: await guestCart(t, [{ variantId: p.variants[0]!.id, quantity: 2 }]) };
  }

  it('creates a PaymentIntent with amount, currency, ids in metadata and the checkout id as idempotency key; confirm completes', async () => {
    const { dm, session, v } = await cart();
    const res = await request(t.http).post('/api/checkout').set(session).send(guestCheckoutBody(dm)).expect(201);
    const create = fake.requests.find((r) => r.method === 'POST' && r.path === '/v1/payment_intents')!;
    expect(create.idempotencyKey).toBe(res.body.checkoutId);
    expect(create.body).toMatchObject({ amount: '3000', currency: 'usd', metadata: { checkoutId: res.body.checkoutId, orderId: res.body.orderId } });
    expect(res.body.clientSecret).toBe(fake.intents.get(res.body.paymentIntentId)!.client_secret);

    fake.succeed(res.body.paymentIntentId);
    const ok = await request(t.http).post(`/api/checkout/${res.body.checkoutId}/confirm`).set(session).expect(200);
    expect(ok.body.order).toMatchObject({ id: res.body.orderId, status: 'paid', amountPaid: 3000 });
    expect(await stock(t, v.id)).toEqual({ onHand: 2, reserved: 0 });
  });

  it('provider failure → 502 "Failed to initialize payment: …", reservation released, checkout failed', async () => {
    const { dm, session, v } = await cart();
    fake.failNext(402, { code: 'card_declined', message: 'Your card was declined.' });
    const res = await request(t.http).post('/api/checkout').set(session).send(guestCheckoutBody(dm)).expect(502);
    expect(res.body.code).toBe('PAYMENT_PROVIDER_ERROR');
    expect(res.body.message).toMatch(/^Failed to initialize payment: /);
    expect(await stock(t, v.id)).toEqual({ onHand: 4, reserved: 0 });
    const [c] = await t.ds.query('SELECT status, reservation FROM checkouts');
    expect(c).toEqual({ status: 'failed', reservation: 'released' });
    // The cart is intact; a retry works.
    await request(t.http).post('/api/checkout').set(session).send(guestCheckoutBody(dm)).expect(201);
  });

  it('hosted flow creates a Checkout Session expiring with the reservation', async () => {
    const { dm, session } = await cart();
    const res = await request(t.http).post('/api/checkout').set(session).send(guestCheckoutBody(dm, { paymentFlow: 'hosted' })).expect(201);
    expect(res.body.url).toMatch(/^https:\/\/checkout\.stripe\.com\//);
    const create = fake.requests.find((r) => r.path === '/v1/checkout/sessions')!;
    expect(Number(create.body.expires_at)).toBe(Math.floor(new Date(res.body.expiresAt).getTime() / 1000));
    expect(create.idempotencyKey).toBe(res.body.checkoutId);
  });
});

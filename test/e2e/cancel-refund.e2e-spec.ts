import request from 'supertest';
import { truncateAll } from '../db';
import { ADDRESS, count, createDeliveryMethod, guestCart, guestCheckoutBody, stock } from '../factories/checkout.factory';
import { signedIn } from '../factories/customer.factory';
import { createProduct } from '../factories/product.factory';
import { signStripeEvent, stripeEvent } from '../support/fake-stripe';
import { createTestApp, type TestApp } from '../test-app';

describe('cancel and refunds', () => {
  let t: TestApp;
  let admin: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp({ DEFAULT_TAX_RATE_BPS: '0' });
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await truncateAll(t.ds);
    admin = (await signedIn(t, { role: 'admin' })).auth;
  });

  /** A signed-in customer's paid card order for 2 × 1000 + shipping 0. */
  async function paidOrder() {
    const buyer = await signedIn(t);
    const p = await createProduct(t, { variants: [{ price: 1000, stock: 5 }] });
    const v = p.variants[0]!;
    const dm = await createDeliveryMethod(t, { price: 0 });
    await request(t.http).post('/api/cart/items').set(buyer.auth).send({ variantId: v.id, quantity: 2 }).expect(201);
    const co = await request(t.http).post('/api/checkout').set(buyer.auth).send({ shippingAddress: ADDRESS, deliveryMethodId: dm, paymentMethod: 'card' }).expect(201);
    await request(t.http).post(`/api/payments/sandbox/intents/${co.body.paymentIntentId}/succeed`).expect(200);
    return { buyer, v, orderId: co.body.orderId as string, intentId: co.body.paymentIntentId as string };
  }

  const view = async (auth: Record<string, string>, id: string) => (await request(t.http).get(`/api/orders/${id}`).set(auth).expect(200)).body.order;

  it('the owner cancels a paid card order: refunded in full through the provider, restocked, once', async () => {
    const { buyer, v, orderId, intentId } = await paidOrder();
    expect(await stock(t, v.id)).toEqual({ onHand: 3, reserved: 0 });
    const res = await request(t.http).post(`/api/orders/${orderId}/cancel`).set(buyer.auth).send({ reason: 'Changed my mind' }).expect(200);
    expect(res.body.order).toMatchObject({ status: 'cancelled', paymentStatus: 'refunded', amountPaid: 2000, amountRefunded: 2000 });
    expect(res.body.order.history.at(-1)).toMatchObject({ status: 'cancelled', actor: expect.stringMatching(/^customer:/), note: expect.stringContaining('Changed my mind') });
    expect(await stock(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
    const [pi] = await t.ds.query('SELECT amount_refunded FROM sandbox_payment_objects WHERE id = $1', [intentId]);
    expect(Number(pi.amount_refunded)).toBe(2000);

    // Again: refused, nothing moves.
    expect((await request(t.http).post(`/api/orders/${orderId}/cancel`).set(buyer.auth).send({}).expect(409)).body.code).toBe('INVALID_STATUS_TRANSITION');
    expect(await stock(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
    expect(await count(t, 'refunds')).toBe(1);
    expect(await count(t, 'outbox_messages', `topic = 'email.order_cancelled'`)).toBe(1);
  });

  it("another customer's cancel is 404; customers cannot cancel once processing, admins can until shipped", async () => {
    const { buyer, orderId } = await paidOrder();
    const other = await signedIn(t);
    await request(t.http).post(`/api/orders/${orderId}/cancel`).set(other.auth).send({}).expect(404);
    await t.ds.query(`UPDATE orders SET status = 'processing' WHERE id = $1`, [orderId]);
    expect((await request(t.http).post(`/api/orders/${orderId}/cancel`).set(buyer.auth).send({}).expect(409)).body.code).toBe('INVALID_STATUS_TRANSITION');
    await request(t.http).post(`/api/orders/${orderId}/cancel`).set(admin).send({ reason: 'Out of stock' }).expect(200);
    expect((await view(buyer.auth, orderId)).status).toBe('cancelled');

    const second = await paidOrder();
    await t.ds.query(`UPDATE orders SET status = 'shipped' WHERE id = $1`, [second.orderId]);
    await request(t.http).post(`/api/orders/${second.orderId}/cancel`).set(admin).send({}).expect(409);
  });

  it('cancelling a cash-on-delivery order restocks and refunds nothing', async () => {
    const buyer = await signedIn(t);
    const p = await createProduct(t, { variants: [{ price: 700, stock: 4 }] });
    const order = (await request(t.http).post('/api/orders').set(buyer.auth).send({ items: [{ variantId: p.variants[0]!.id, quantity: 3 }], shippingAddress: ADDRESS }).expect(201)).body.order;
    expect(await stock(t, p.variants[0]!.id)).toEqual({ onHand: 1, reserved: 0 });
    const res = await request(t.http).post(`/api/orders/${order.id}/cancel`).set(buyer.auth).send({}).expect(200);
    expect(res.body.order).toMatchObject({ status: 'cancelled', paymentStatus: 'unpaid', amountRefunded: 0 });
    expect(await stock(t, p.variants[0]!.id)).toEqual({ onHand: 4, reserved: 0 });
    expect(await count(t, 'refunds')).toBe(0);
  });

  it('partial refunds add up; more than is left → 400; the charge.refunded webhook does not double count', async () => {
    const { buyer, v, orderId, intentId } = await paidOrder();
    const refund = (body: object) => request(t.http).post(`/api/admin/orders/${orderId}/refunds`).set(admin).send(body);
    let res = await refund({ amount: 500, reason: 'Damaged box' }).expect(201);
    expect(res.body.order).toMatchObject({ status: 'paid', paymentStatus: 'partially_refunded', amountRefunded: 500 });
    const tooMuch = await refund({ amount: 1501 }).expect(400);
    expect(tooMuch.body).toMatchObject({ code: 'REFUND_EXCEEDS_PAID', remaining: 1500 });
    await refund({ amount: 0 }).expect(400);

    // Stripe reports the refund we made: nothing new is booked.
    const [ledger] = await t.ds.query('SELECT provider_refund_id FROM refunds');
    const charge = { id: 'ch_x', object: 'charge', amount: 2000, amount_refunded: 500, currency: 'usd', payment_intent: intentId, refunds: { object: 'list', data: [{ id: ledger.provider_refund_id, object: 'refund', amount: 500, status: 'succeeded' }] } };
    const { payload, signature } = signStripeEvent(stripeEvent('charge.refunded', charge as never), t.config.payments.webhookSecret);
    const hook = await request(t.http).post('/api/payments/stripe/webhook').set('Content-Type', 'application/json').set('Stripe-Signature', signature).send(payload).expect(200);
    expect(hook.body.outcome).toBe('ignored');
    expect((await view(buyer.auth, orderId)).amountRefunded).toBe(500);

    res = await refund({ restock: true }).expect(201);
    expect(res.body.order).toMatchObject({ paymentStatus: 'refunded', amountRefunded: 2000 });
    expect(await stock(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
    expect((await refund({}).expect(400)).body.code).toBe('NOTHING_TO_REFUND');
    expect(await count(t, 'refunds')).toBe(2);
  });

  it('concurrent refunds never exceed what was paid', async () => {
    const { orderId } = await paidOrder();
    const results = await Promise.all(Array.from({ length: 8 }, () => request(t.http).post(`/api/admin/orders/${orderId}/refunds`).set(admin).send({ amount: 600 })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect(results.filter((r) => r.status === 400)).toHaveLength(5);
    const [row] = await t.ds.query('SELECT amount_refunded, (SELECT sum(amount) FROM refunds WHERE order_id = $1) AS ledger FROM orders WHERE id = $1', [orderId]);
    expect(Number(row.amount_refunded)).toBe(1800);
    expect(Number(row.ledger)).toBe(1800);
  });

  it('refunds are admin-only; customers get 403', async () => {
    const { buyer, orderId } = await paidOrder();
    await request(t.http).post(`/api/admin/orders/${orderId}/refunds`).set(buyer.auth).send({}).expect(403);
    await request(t.http).post(`/api/admin/orders/${orderId}/refunds`).send({}).expect(401);
    expect(await view(buyer.auth, orderId)).toMatchObject({ amountRefunded: 0, paymentStatus: 'paid' });
    expect(await count(t, 'refunds')).toBe(0);
  });

  it('a guest order cancelled by an admin restocks the checkout-committed units', async () => {
    const p = await createProduct(t, { variants: [{ price: 1000, stock: 3 }] });
    const dm = await createDeliveryMethod(t, { price: 0 });
    const session = await guestCart(t, [{ variantId: p.variants[0]!.id, quantity: 3 }]);
    const co = await request(t.http).post('/api/checkout').set(session).send(guestCheckoutBody(dm)).expect(201);
    await request(t.http).post(`/api/payments/sandbox/intents/${co.body.paymentIntentId}/succeed`).expect(200);
    expect(await stock(t, p.variants[0]!.id)).toEqual({ onHand: 0, reserved: 0 });
    await request(t.http).post(`/api/orders/${co.body.orderId}/cancel`).set(admin).send({}).expect(200);
    expect(await stock(t, p.variants[0]!.id)).toEqual({ onHand: 3, reserved: 0 });
  });
});

import request from 'supertest';
import { truncateAll } from '../db';
import { ADDRESS, count, createDeliveryMethod, createDiscount, stock } from '../factories/checkout.factory';
import { signedIn } from '../factories/customer.factory';
import { createProduct } from '../factories/product.factory';
import { signStripeEvent, stripeEvent } from '../support/fake-stripe';
import { createTestApp, type TestApp } from '../test-app';

describe('direct orders (POST /api/orders, /pay)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ DEFAULT_TAX_RATE_BPS: '2000' });
  });
  afterAll(() => t.close());
  beforeEach(() => truncateAll(t.ds));

  const place = (auth: Record<string, string>, body: object) => request(t.http).post('/api/orders').set(auth).send(body);

  it('places a pending, unpaid order priced by the shared function; stock taken; discount counted', async () => {
    const { auth, customer } = await signedIn(t);
    const p = await createProduct(t, { variants: [{ price: 1999, stock: 5 }] });
    const single = await createProduct(t, { variants: [{ price: 500, stock: 2 }] });
    const dm = await createDeliveryMethod(t, { price: 450 });
    await createDiscount(t, { code: 'FIVER', type: 'fixed', value: 500 });
    const res = await place(auth, {
      items: [
        { variantId: p.variants[0]!.id, quantity: 2 },
        { productId: single.id, quantity: 1 },
        { variantId: p.variants[0]!.id, quantity: 1 },
      ],
      discountCode: 'fiver',
      deliveryMethodId: dm,
      shippingAddress: ADDRESS,
      notes: 'Ring twice',
    }).expect(201);
    // subtotal 3×1999 + 500 = 6497; discount 500 → 5997; tax 20% = 1199.4 → 1199; shipping 450 → 7646
    expect(res.body.order).toMatchObject({ customerId: customer.id, status: 'pending', paymentStatus: 'unpaid', subtotal: 6497, discount: 500, tax: 1199, shipping: 450, total: 7646, notes: 'Ring twice' });
    expect(res.body.order.items).toHaveLength(2);
    expect(await stock(t, p.variants[0]!.id)).toEqual({ onHand: 2, reserved: 0 });
    expect(await stock(t, single.variants[0]!.id)).toEqual({ onHand: 1, reserved: 0 });
    expect(await count(t, 'discount_redemptions')).toBe(1);
  });

  it('a line total above 2^31 - 1 minor units is stored (the line check multiplies in 64 bits)', async () => {
    const { auth } = await signedIn(t);
    const p = await createProduct(t, { variants: [{ price: 10_000_000, stock: 500 }] });
    const res = await place(auth, { items: [{ variantId: p.variants[0]!.id, quantity: 300 }], shippingAddress: ADDRESS }).expect(201);
    expect(res.body.order.items[0]).toMatchObject({ quantity: 300, unitPrice: 10_000_000, totalPrice: 3_000_000_000 });
    expect(res.body.order.subtotal).toBe(3_000_000_000);
  });

  it('errors: no items, unknown product, too many, no token — and nothing changes', async () => {
    const { auth } = await signedIn(t);
    const p = await createProduct(t, { variants: [{ price: 1000, stock: 2 }] });
    const empty = await place(auth, { items: [], shippingAddress: ADDRESS }).expect(400);
    expect(empty.body).toMatchObject({ code: 'ORDER_ITEMS_REQUIRED', message: 'Order must include at least one item' });
    const ghost = '00000000-0000-4000-8000-000000000000';
    const unknown = await place(auth, { items: [{ productId: ghost, quantity: 1 }], shippingAddress: ADDRESS }).expect(404);
    expect(unknown.body).toMatchObject({ code: 'PRODUCT_NOT_FOUND', message: `Product ${ghost} not found` });
    const tooMany = await place(auth, { items: [{ variantId: p.variants[0]!.id, quantity: 3 }], shippingAddress: ADDRESS }).expect(400);
    expect(tooMany.body).toMatchObject({ code: 'INSUFFICIENT_STOCK', available: 2 });
    await place({}, { items: [{ variantId: p.variants[0]!.id, quantity: 1 }], shippingAddress: ADDRESS }).expect(401);
    expect(await count(t, 'orders')).toBe(0);
    expect(await stock(t, p.variants[0]!.id)).toEqual({ onHand: 2, reserved: 0 });
  });

  it('concurrent direct orders never oversell (stock 5, 12 buyers)', async () => {
    const p = await createProduct(t, { variants: [{ price: 100, stock: 5 }] });
    const buyers = await Promise.all(Array.from({ length: 12 }, () => signedIn(t)));
    const results = await Promise.all(buyers.map((b) => place(b.auth, { items: [{ variantId: p.variants[0]!.id, quantity: 1 }], shippingAddress: ADDRESS })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(5);
    expect(results.filter((r) => r.status === 400 && r.body.code === 'INSUFFICIENT_STOCK')).toHaveLength(7);
    expect(await stock(t, p.variants[0]!.id)).toEqual({ onHand: 0, reserved: 0 });
  });

  it('pay: one PaymentIntent per order (retries get the same), the webhook marks it paid once', async () => {
    const { auth } = await signedIn(t);
    const p = await createProduct(t, { variants: [{ price: 1000, stock: 5 }] });
    const order = (await place(auth, { items: [{ variantId: p.variants[0]!.id, quantity: 1 }], shippingAddress: ADDRESS }).expect(201)).body.order;
    const pay = await request(t.http).post(`/api/orders/${order.id}/pay`).set(auth).expect(200);
    expect(pay.body).toMatchObject({ orderId: order.id, amount: 1200, currency: 'usd' });
    const again = await request(t.http).post(`/api/orders/${order.id}/pay`).set(auth).expect(200);
    expect(again.body.paymentIntentId).toBe(pay.body.paymentIntentId);

    const other = await signedIn(t);
    await request(t.http).post(`/api/orders/${order.id}/pay`).set(other.auth).expect(404);

    const res = await request(t.http).post(`/api/payments/sandbox/intents/${pay.body.paymentIntentId}/succeed`).expect(200);
    expect(res.body.outcome).toBe('applied');
    const paid = (await request(t.http).get(`/api/orders/${order.id}`).set(auth).expect(200)).body.order;
    expect(paid).toMatchObject({ status: 'paid', paymentStatus: 'paid', paymentMethod: 'card', amountPaid: 1200, paymentIntentId: pay.body.paymentIntentId });
    expect((await request(t.http).post(`/api/orders/${order.id}/pay`).set(auth).expect(409)).body.code).toBe('ORDER_NOT_PAYABLE');

    // A different event for the same payment changes nothing.
    const intent = { id: pay.body.paymentIntentId, object: 'payment_intent', status: 'succeeded', amount: 1200, amount_received: 1200, currency: 'usd', metadata: { orderId: order.id } };
    const { payload, signature } = signStripeEvent(stripeEvent('payment_intent.succeeded', intent as never), t.config.payments.webhookSecret);
    const dup = await request(t.http).post('/api/payments/stripe/webhook').set('Content-Type', 'application/json').set('Stripe-Signature', signature).send(payload).expect(200);
    expect(dup.body.outcome).toBe('order_exists');
    const after = (await request(t.http).get(`/api/orders/${order.id}`).set(auth).expect(200)).body.order;
    expect(after.amountPaid).toBe(1200);
    expect(after.history.filter((h: { status: string }) => h.status === 'paid')).toHaveLength(1);
  });
});

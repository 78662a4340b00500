import request from 'supertest';
import { truncateAll } from '../db';
import { count, createDeliveryMethod, guestCart, guestCheckoutBody, stock } from '../factories/checkout.factory';
import { createProduct } from '../factories/product.factory';
import { createTestApp, type TestApp } from '../test-app';

describe('checkout', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ DEFAULT_TAX_RATE_BPS: '1000' });
  });
  afterAll(() => t.close());
  beforeEach(() => truncateAll(t.ds));

  it('guest: cart → checkout (stock reserved) → sandbox pay → order, stock committed, cart cleared', async () => {
    const p = await createProduct(t, { variants: [{ price: 1250, stock: 5 }, { price: 999, stock: 3 }] });
    const [a, b] = p.variants;
    const dm = await createDeliveryMethod(t, { price: 500 });
    const session = await guestCart(t, [
      { variantId: a!.id, quantity: 2 },
      { variantId: b!.id, quantity: 1 },
    ]);

    const res = await request(t.http).post('/api/checkout').set(session).send(guestCheckoutBody(dm)).expect(201);
    // subtotal 3499, tax 10% of 3499 = 349.9 → 350, shipping 500
    expect(res.body).toMatchObject({ amount: 4349, currency: 'usd', status: 'awaiting_payment' });
    expect(res.body.paymentIntentId).toMatch(/^pi_sandbox_/);
    expect(res.body.clientSecret).toContain(res.body.paymentIntentId);
    expect(await stock(t, a!.id)).toEqual({ onHand: 5, reserved: 2 });

    const pay = await request(t.http).post(`/api/payments/sandbox/intents/${res.body.paymentIntentId}/succeed`).expect(200);
    expect(pay.body.outcome).toBe('applied');

    const status = await request(t.http).get(`/api/checkout/${res.body.checkoutId}`).set(session).expect(200);
    expect(status.body.status).toBe('completed');
    expect(status.body.order).toMatchObject({
      id: res.body.orderId,
      status: 'paid',
      paymentStatus: 'paid',
      subtotal: 3499,
      shipping: 500,
      tax: 350,
      total: 4349,
      amountPaid: 4349,
      email: 'guest@example.com',
    });
    expect(status.body.order.number).toMatch(/^ORD-\d{6}$/);
    expect(status.body.order.items).toHaveLength(2);
    expect(await stock(t, a!.id)).toEqual({ onHand: 3, reserved: 0 });
    expect(await stock(t, b!.id)).toEqual({ onHand: 2, reserved: 0 });
    const cart = await request(t.http).get('/api/cart').set(session).expect(200);
    expect(cart.body.cart.items).toHaveLength(0);
    expect(await count(t, 'outbox_messages', `topic = 'email.order_confirmation'`)).toBe(1);
  });
});

import type { Middleware } from 'openapi-fetch';
import { type CheckoutOrdersClient, createClient, idempotent, newIdempotencyKey } from '../../clients/ts/src';
import { truncateAll } from '../db';
import { signedIn } from '../factories/customer.factory';
import { ResponseChecker } from '../support/openapi';
import { createTestApp, type TestApp } from '../test-app';

/**
 * The typed client (clients/ts) against the real app on a real port: the README's guest cart → checkout →
 * sandbox pay → confirm → order, and a guest cart merged at register. Every response is also checked against
 * openapi.json (status documented, body matches its schema, no undeclared fields).
 */
describe('typed client (clients/ts) against the running app', () => {
  let t: TestApp;
  let baseUrl: string;
  const checker = new ResponseChecker();
  const problems: string[] = [];

  const conformance: Middleware = {
    async onResponse({ request, response }) {
      const type = response.headers.get('content-type');
      const text = await response.clone().text();
      const body = type?.startsWith('application/json') ? (JSON.parse(text) as unknown) : text;
      problems.push(...checker.check(request.method, new URL(request.url).pathname, response.status, type, response.status === 204 ? undefined : body));
      return response;
    },
  };
  const client = (...args: Parameters<typeof createClient>): CheckoutOrdersClient => {
    const api = createClient(...args);
    api.use(conformance);
    return api;
  };

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await truncateAll(t.ds);
    problems.length = 0;
  });

  /** What an admin panel does first: a product with two variants and a delivery method for GB. */
  async function seedCatalog() {
    const { customer } = await signedIn(t, { role: 'admin' });
    const login = await client(baseUrl).POST('/api/auth/login', { body: { email: customer.email, password: 'password-123' } });
    const admin = client(baseUrl, { token: login.data!.accessToken });
    const product = await admin.POST('/api/admin/products', {
      body: {
        name: 'Organic Cotton Tee',
        variants: [
          { sku: 'CL-TEE-M', name: 'Black / M', price: 2800, initialStock: 10 },
          { sku: 'CL-TEE-L', name: 'Black / L', price: 2800, initialStock: 3 },
        ],
      },
    });
    expect(product.response.status).toBe(201);
    const method = await admin.POST('/api/admin/delivery-methods', { body: { name: 'Standard', price: 500, countries: ['GB'] } });
    expect(method.response.status).toBe(201);
    return { productId: product.data!.product.id, deliveryMethodId: method.data!.deliveryMethod.id };
  }

  it('guest cart → checkout → sandbox pay → confirm → order (the README example)', async () => {
    const { productId } = await seedCatalog();
    const api = client(baseUrl);

    // Catalog and cart. The first add issues the guest session; the client keeps it and sends it from now on.
    const products = await api.GET('/api/products', { params: { query: { q: 'tee', limit: 10 } } });
    const tee = products.data!.products.find((p) => p.id === productId)!;
    const variant = tee.variants.find((v) => v.available > 0)!;
    const added = await api.POST('/api/cart/items', { body: { variantId: variant.id, quantity: 2 } });
    expect(added.response.status).toBe(201);
    expect(added.data!.sessionId).toBeDefined();
    expect(api.auth.sessionId).toBe(added.data!.sessionId);

    const methods = await api.GET('/api/delivery-methods', { params: { query: { country: 'GB' } } });
    const standard = methods.data!.deliveryMethods[0]!;
    const cart = await api.GET('/api/cart', { params: { query: { country: 'GB', deliveryMethodId: standard.id } } });
    expect(cart.data!.cart.totals).toMatchObject({ subtotal: 5600, shipping: 500 });

    // Checkout (card): one Idempotency-Key for this attempt, reused if the request is retried.
    const key = newIdempotencyKey();
    const body = {
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      phone: '+44 20 7946 0000',
      shippingAddress: { name: 'Ada Lovelace', street: '12 Analytical Row', city: 'London', postalCode: 'EC1A 1BB', country: 'GB' },
      deliveryMethodId: standard.id,
      paymentMethod: 'card' as const,
    };
    const started = await api.POST('/api/checkout', { body, params: { header: idempotent(key) } });
    expect(started.response.status).toBe(201);
    const checkout = started.data!;
    if (!('checkoutId' in checkout)) throw new Error('a card checkout answers a payment, not an order');
    expect(checkout).toMatchObject({ status: 'awaiting_payment', amount: 6100, currency: 'usd' });

    const retried = await api.POST('/api/checkout', { body, params: { header: idempotent(key) } });
    expect(retried.response.headers.get('Idempotent-Replayed')).toBe('true');
    expect(retried.data).toEqual(checkout);

    // Not paid yet: confirm answers a typed error.
    const early = await api.POST('/api/checkout/{id}/confirm', { params: { path: { id: checkout.checkoutId } } });
    expect(early.response.status).toBe(409);
    expect(early.error?.code).toBe('PAYMENT_NOT_COMPLETED');

    // The buyer pays (sandbox: what Stripe.js confirmPayment does with a real key), then the storefront confirms.
    const paid = await api.POST('/api/payments/sandbox/intents/{id}/succeed', { params: { path: { id: checkout.paymentIntentId! } } });
    expect(paid.data!.type).toBe('payment_intent.succeeded');
    const confirmed = await api.POST('/api/checkout/{id}/confirm', { params: { path: { id: checkout.checkoutId }, header: idempotent() } });
    expect(confirmed.response.status).toBe(200);
    const order = confirmed.data!.order;
    expect(order).toMatchObject({ id: checkout.orderId, status: 'paid', paymentStatus: 'paid', total: 6100, email: 'ada@example.com' });
    expect(order.items).toHaveLength(1);

    // Polling the checkout shows the same order; the guest finds it again by email and number.
    const status = await api.GET('/api/checkout/{id}', { params: { path: { id: checkout.checkoutId } } });
    expect(status.data).toMatchObject({ status: 'completed', orderId: order.id });
    const found = await createClient(baseUrl).POST('/api/orders/lookup', { body: { email: 'ADA@example.com', orderNumber: order.number } });
    expect(found.data!.order.id).toBe(order.id);

    expect(problems).toEqual([]);
  });

  it('a guest cart is merged at register; the client then calls as the customer', async () => {
    const { productId } = await seedCatalog();
    const api = client(baseUrl);
    const product = await api.GET('/api/products/{id}', { params: { path: { id: productId } } });
    await api.POST('/api/cart/items', { body: { variantId: product.data!.product.variants[1]!.id, quantity: 1 } });
    expect(api.auth.sessionId).toBeDefined();

    const registered = await api.POST('/api/auth/register', { body: { email: 'grace@example.com', password: 'a-long-password', name: 'Grace Hopper' } });
    expect(registered.response.status).toBe(201);
    api.auth.token = registered.data!.accessToken;
    api.auth.sessionId = undefined;

    const cart = await api.GET('/api/cart');
    expect(cart.data!.cart.items).toHaveLength(1);
    const me = await api.GET('/api/customers/me');
    expect(me.data!.customer).toMatchObject({ email: 'grace@example.com', isGuest: false });
    const orders = await api.GET('/api/orders');
    expect(orders.data).toEqual({ orders: [], count: 0, nextCursor: null });

    expect(problems).toEqual([]);
  });
});

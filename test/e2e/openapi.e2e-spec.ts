import { RequestMethod } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { IS_PUBLIC, OPTIONAL_AUTH, ROLES_KEY } from '../../src/common/auth/auth.decorators';
import { ERROR_CODES } from '../../src/common/http/api-errors.decorator';
import { IDEMPOTENT } from '../../src/common/idempotency/idempotency.interceptor';
import { serializeOpenApi } from '../../src/openapi';
import { truncateAll } from '../db';
import { ADDRESS, createDeliveryMethod } from '../factories/checkout.factory';
import { signedIn } from '../factories/customer.factory';
import { HTTP_METHODS, OPENAPI_FILE, type OpenApiDoc, type Operation, ResponseChecker } from '../support/openapi';
import { createTestApp, type TestApp } from '../test-app';

const REGENERATE = 'openapi.json is out of date: run `npm run openapi` and commit openapi.json (and `npm run client:generate` for clients/ts)';

/** Routes that are not API operations: Swagger UI and its document, the demo pages' static files. */
const NOT_API = [/^\/docs(\/|-json$|-yaml$|$)/, /^\/demo(\/|$)/];

/**
 * Every route Fastify will answer, as `METHOD /path/{param}` (collected by createTestApp's `onRoute` hook). The HEAD
 * route Fastify adds beside each GET and the CORS preflight route are not endpoints of their own; no controller uses
 * `@All()` (asserted below).
 */
function serverRoutes(t: TestApp): string[] {
  const out = new Set<string>();
  for (const route of t.routes) {
    const [method, url] = route.split(' ') as [string, string];
    const path = url.replace(/:(\w+)/g, '{$1}');
    if (NOT_API.some((re) => re.test(path))) continue;
    if (method === 'HEAD' && t.routes.includes(`GET ${url}`)) continue;
    if (method === 'OPTIONS' && url === '*') continue; // @fastify/cors: CORS preflights on every path
    out.add(`${method} ${path}`);
  }
  return [...out].sort();
}

function documented(doc: OpenApiDoc): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).filter((m) => HTTP_METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

function operations(doc: OpenApiDoc): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => HTTP_METHODS.includes(m))
      .map(([m, op]): [string, Operation] => [`${m.toUpperCase()} ${path}`, op]),
  );
}

/** Every controller handler with its auth metadata, keyed by operationId (src/openapi.ts: `Cart_add`). */
function handlers(t: TestApp) {
  const reflector = new Reflector();
  const out = new Map<string, { isPublic: boolean; optional: boolean; roles: string[]; idempotent: boolean; throttled: boolean }>();
  for (const mod of t.app.get(ModulesContainer).values()) {
    for (const wrapper of mod.controllers.values()) {
      const cls = wrapper.metatype as (new (...a: unknown[]) => unknown) | null;
      if (!cls) continue;
      for (const name of Object.getOwnPropertyNames(cls.prototype)) {
        const fn = (cls.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof fn !== 'function' || Reflect.getMetadata('method', fn) === undefined) continue;
        const targets = [fn, cls];
        const guards: unknown[] = [...(Reflect.getMetadata(GUARDS_METADATA, fn) ?? []), ...(Reflect.getMetadata(GUARDS_METADATA, cls) ?? [])];
        if (Reflect.getMetadata('method', fn) === RequestMethod.ALL) throw new Error(`${cls.name}.${name} uses @All(): serverRoutes() would list every method`);
        out.set(`${cls.name.replace(/Controller$/, '')}_${name}`, {
          isPublic: !!reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets),
          optional: !!reflector.getAllAndOverride<boolean>(OPTIONAL_AUTH, targets),
          roles: reflector.getAllAndOverride<string[]>(ROLES_KEY, targets) ?? [],
          idempotent: !!Reflect.getMetadata(IDEMPOTENT, fn),
          throttled: guards.some((g) => (g as { name?: string }).name === 'ThrottlerGuard'),
        });
      }
    }
  }
  return out;
}

describe('OpenAPI document (/docs-json and openapi.json)', () => {
  let t: TestApp;
  let served: OpenApiDoc;

  beforeAll(async () => {
    t = await createTestApp();
    served = (await request(t.http).get('/docs-json').expect(200)).body as OpenApiDoc;
  });
  afterAll(() => t.close());

  it('the checked-in openapi.json is exactly what the app serves', () => {
    const file = readFileSync(OPENAPI_FILE, 'utf8');
    const matches = file === serializeOpenApi(served as never);
    if (!matches) throw new Error(REGENERATE);
    expect(matches).toBe(true);
  });

  it('documents every route Nest registered, and nothing else', () => {
    const routes = serverRoutes(t);
    expect(routes.length).toBeGreaterThan(60);
    const docs = documented(served);
    expect({ undocumented: routes.filter((r) => !docs.includes(r)), notServed: docs.filter((d) => !routes.includes(d)) }).toEqual({ undocumented: [], notServed: [] });
  });

  it('names no schema after a type the compiler could not see (`Object`: a DTO property without a type)', () => {
    // tsc emits `design:type Object` for an unannotated initialised property where swc (Jest) emits the real
    // type, so this would also make the built app serve another document than the tests (CI's
    // `node dist/scripts/openapi.js --check` compares the tsc build's document with openapi.json too).
    expect(Object.keys(served.components.schemas)).not.toContain('Object');
  });

  it('has the bearer and guest-session security schemes', () => {
    expect(served.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
      'guest-session': expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-Session-Id' }),
    });
  });

  it('every operation: a summary, a 2xx with a schema (or a 204), error responses in the ErrorBody shape', () => {
    const problems: string[] = [];
    for (const [name, op] of operations(served)) {
      const statuses = Object.keys(op.responses);
      const ok = statuses.filter((s) => s.startsWith('2'));
      const errors = statuses.filter((s) => /^[45]/.test(s));
      if (!(op as { summary?: string }).summary) problems.push(`${name}: no summary`);
      if (!ok.some((s) => s === '204' || Object.values(op.responses[s]!.content ?? {}).some((c) => c.schema))) problems.push(`${name}: no 2xx response with a schema`);
      if (!errors.length) problems.push(`${name}: no error response`);
      for (const s of errors) {
        const schema = op.responses[s]!.content?.['application/json']?.schema;
        if (schema?.$ref !== '#/components/schemas/ErrorBody') problems.push(`${name}: ${s} is not an application/json ErrorBody`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every error example has its documented status and a known code', () => {
    const problems: string[] = [];
    for (const [name, op] of operations(served)) {
      for (const [status, r] of Object.entries(op.responses)) {
        const examples = (r.content?.['application/json'] as { examples?: Record<string, { value: { statusCode: number; code: string } }> } | undefined)?.examples ?? {};
        for (const [key, ex] of Object.entries(examples)) {
          if (String(ex.value.statusCode) !== status || ex.value.code !== key || !(key in ERROR_CODES)) problems.push(`${name} ${status}: example ${key}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('security and auth errors follow the guards: public, guest-or-bearer, bearer, admin (403), rate limits (429), idempotency', () => {
    const meta = handlers(t);
    const problems: string[] = [];
    for (const [name, op] of operations(served)) {
      const h = meta.get(op.operationId);
      if (!h) {
        problems.push(`${name}: no handler for ${op.operationId}`);
        continue;
      }
      const security = JSON.stringify(op.security ?? null);
      const statuses = Object.keys(op.responses);
      const headers = (op.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name);
      if (h.isPublic) {
        if (security !== '[{}]') problems.push(`${name}: public, but security is ${security}`);
      } else if (h.optional) {
        if (!security.includes('"bearer"') || !security.includes('"guest-session"')) problems.push(`${name}: guest or bearer, but security is ${security}`);
        if (!statuses.includes('401')) problems.push(`${name}: a bad token is 401, not documented`);
      } else {
        if (security !== '[{"bearer":[]}]') problems.push(`${name}: needs a token, but security is ${security}`);
        if (!statuses.includes('401')) problems.push(`${name}: 401 not documented`);
      }
      if (h.roles.length && !statuses.includes('403')) problems.push(`${name}: role-restricted, 403 not documented`);
      if (!h.roles.length && statuses.includes('403')) problems.push(`${name}: 403 documented, but no role is required`);
      if (h.throttled !== statuses.includes('429')) problems.push(`${name}: rate limited ${h.throttled}, 429 documented ${statuses.includes('429')}`);
      if (h.idempotent !== headers.includes('Idempotency-Key')) problems.push(`${name}: idempotent ${h.idempotent}, Idempotency-Key documented ${headers.includes('Idempotency-Key')}`);
      if (h.idempotent && !statuses.includes('409')) problems.push(`${name}: idempotent, 409 (key reused / in progress) not documented`);
      if (headers.some((x) => x.toLowerCase() === 'x-session-id') && (op.parameters ?? []).some((p) => p.name.toLowerCase() === 'x-session-id' && p.required)) {
        problems.push(`${name}: X-Session-Id is never required`);
      }
    }
    expect(problems).toEqual([]);
  });

  describe('real responses match the document (undeclared fields fail too)', () => {
    const checker = new ResponseChecker();
    const problems: string[] = [];
    const call = async (method: 'get' | 'post' | 'patch' | 'put' | 'delete', path: string, headers: Record<string, string> = {}, body?: object) => {
      const res = await request(t.http)[method](path).set(headers).send(body);
      const text = res.headers['content-type']?.startsWith('application/json') ? res.body : res.text;
      problems.push(...checker.check(method, path.split('?')[0]!, res.status, res.headers['content-type'] ?? null, res.status === 204 ? undefined : text));
      return res;
    };

    beforeEach(async () => {
      await truncateAll(t.ds);
      problems.length = 0;
    });

    it('admin catalog, pricing and inventory; storefront reads; errors', async () => {
      const { auth: admin } = await signedIn(t, { role: 'admin' });
      const { auth: customer } = await signedIn(t);
      const created = await call('post', '/api/admin/products', admin, {
        name: 'Tee',
        description: null,
        variants: [
          { sku: 'OA-TEE-M', name: 'M', price: 2500, initialStock: 5 },
          { sku: 'OA-TEE-L', name: 'L', price: 2500, active: false },
        ],
      });
      expect(created.status).toBe(201);
      const product = created.body.product as { id: string; variants: { id: string }[] };
      const variant = product.variants[0]!.id;
      await call('get', '/api/admin/products?limit=1', admin);
      await call('get', `/api/admin/products/${product.id}`, admin);
      await call('patch', `/api/admin/products/${product.id}`, admin, { description: 'Soft' });
      const added = await call('post', `/api/admin/products/${product.id}/variants`, admin, { sku: 'OA-TEE-S', name: 'S', price: 2400 });
      await call('patch', `/api/admin/products/${product.id}/variants/${added.body.variant.id}`, admin, { price: 2300 });
      await call('delete', `/api/admin/products/${product.id}/variants/${added.body.variant.id}`, admin);
      await call('get', `/api/admin/inventory/${variant}`, admin);
      await call('post', `/api/admin/inventory/${variant}/adjustments`, admin, { delta: 3, reason: 'Restock' });
      await call('get', `/api/admin/inventory/${variant}/movements`, admin);
      const dm = await call('post', '/api/admin/delivery-methods', admin, { name: 'Standard', price: 500, countries: ['gb'] });
      await call('get', '/api/admin/delivery-methods', admin);
      await call('get', `/api/admin/delivery-methods/${dm.body.deliveryMethod.id}`, admin);
      await call('patch', `/api/admin/delivery-methods/${dm.body.deliveryMethod.id}`, admin, { price: 450 });
      const discount = await call('post', '/api/admin/discounts', admin, { code: 'OA10', type: 'percentage', value: 10, endsAt: '2099-01-01T00:00:00Z' });
      await call('get', '/api/admin/discounts', admin);
      await call('patch', `/api/admin/discounts/${discount.body.discount.id}`, admin, { usageLimit: 5 });
      await call('get', `/api/admin/discounts/${discount.body.discount.id}`, admin);
      await call('put', '/api/admin/tax-rates/gb', admin, { rateBps: 2000 });
      await call('get', '/api/admin/tax-rates', admin);
      await call('get', '/api/products?q=tee');
      await call('get', `/api/products/${product.id}`);
      await call('get', '/api/delivery-methods?country=GB');
      await call('get', '/api/auth/me', customer);
      await call('patch', '/api/customers/me', customer, { phone: '+44 20 7946 0000' });
      const address = await call('post', '/api/customers/me/addresses', customer, ADDRESS);
      await call('get', '/api/customers/me/addresses', customer);
      await call('patch', `/api/customers/me/addresses/${address.body.address.id}`, customer, { state: null });
      await call('post', '/api/cart/items', customer, { variantId: variant, quantity: 1 });
      await call('post', '/api/cart/discount', customer, { code: 'oa10' });
      await call('get', `/api/cart?country=GB&deliveryMethodId=${dm.body.deliveryMethod.id}`, customer);
      await call('delete', '/api/cart/discount', customer);
      await call('get', '/api/orders', customer);
      await call('delete', `/api/customers/me/addresses/${address.body.address.id}`, customer);
      await call('delete', `/api/admin/tax-rates/GB`, admin);
      await call('delete', `/api/admin/discounts/${discount.body.discount.id}`, admin);
      await call('delete', `/api/admin/products/${product.id}`, admin);
      // Errors, each in a documented status with the ErrorBody shape.
      await call('get', '/api/admin/products', customer); // 403
      await call('get', '/api/orders'); // 401
      await call('get', '/api/products/not-a-uuid'); // 400
      await call('post', '/api/admin/products', admin, { name: '', variants: [] }); // 400 VALIDATION_FAILED with errors[]
      await call('post', '/api/admin/inventory/' + variant + '/adjustments', admin, { delta: -100, reason: 'x' }); // 400 INSUFFICIENT_STOCK
      await call('post', '/api/auth/login', {}, { email: 'nobody@example.com', password: 'wrong-password' }); // 401
      await call('post', '/api/auth/register', {}, { email: 'new@example.com', password: 'password-123', name: 'New' }); // 201
      await call('post', '/api/auth/register', {}, { email: 'new@example.com', password: 'password-123', name: 'New' }); // 409
      await call('post', '/api/customers/claim/request', {}, { email: 'new@example.com' }); // 202
      await call('post', '/api/orders/lookup', {}, { email: 'x@example.com', orderNumber: 'ORD-000001' }); // 404
      await call('get', '/health');
      await call('get', '/health/ready');
      const metrics = await call('get', '/metrics');
      expect(metrics.status).toBe(200);
      expect(problems).toEqual([]);
    });

    it('orders: cash on delivery, direct order + pay, admin list/detail/status/refund/export, archive', async () => {
      const { auth: admin } = await signedIn(t, { role: 'admin' });
      const { auth: customer } = await signedIn(t);
      const product = (await call('post', '/api/admin/products', admin, { name: 'Mug', variants: [{ sku: 'OA-MUG', name: 'Mug', price: 1800, initialStock: 10 }] })).body.product;
      const variantId = product.variants[0].id as string;
      const dm = await createDeliveryMethod(t, { price: 500 });
      await call('post', '/api/cart/items', customer, { variantId, quantity: 1 });
      const cod = await call('post', '/api/checkout', customer, { shippingAddress: ADDRESS, deliveryMethodId: dm, paymentMethod: 'cash_on_delivery' });
      expect(cod.status).toBe(201);
      const direct = await call('post', '/api/orders', customer, { items: [{ variantId, quantity: 2 }], deliveryMethodId: dm, shippingAddress: ADDRESS });
      const pay = await call('post', `/api/orders/${direct.body.order.id}/pay`, customer);
      await call('post', `/api/payments/sandbox/intents/${pay.body.paymentIntentId}/succeed`);
      await call('get', `/api/orders/${direct.body.order.id}`, customer);
      await call('get', '/api/admin/orders?limit=1', admin);
      await call('get', `/api/admin/orders/${direct.body.order.id}`, admin);
      await call('patch', `/api/admin/orders/${direct.body.order.id}/status`, admin, { status: 'processing' });
      await call('patch', `/api/admin/orders/${direct.body.order.id}/status`, admin, { status: 'delivered' }); // 409
      await call('post', `/api/admin/orders/${direct.body.order.id}/refunds`, admin, { amount: 100, reason: 'Scratched' });
      await call('patch', `/api/orders/${cod.body.order.id}/paid`, admin, { note: 'Cash' });
      await call('patch', `/api/orders/${cod.body.order.id}/paid`, admin, {}); // 400 ORDER_ALREADY_PAID
      await call('post', `/api/orders/${cod.body.order.id}/cancel`, customer, { reason: 'Changed my mind' });
      await call('delete', `/api/orders/${cod.body.order.id}`, customer);
      const csv = await call('get', '/api/admin/orders/export', admin);
      expect(csv.status).toBe(200);
      await call('post', '/api/orders/lookup', {}, { email: direct.body.order.email, orderNumber: direct.body.order.number });
      await call('post', '/api/payments/stripe/webhook', { 'Stripe-Signature': 't=1,v1=bad' }, { id: 'evt_1' }); // 400
      expect(problems).toEqual([]);
    });

    it('guest checkout: card (confirm before and after paying), hosted, failure, status', async () => {
      const { auth: admin } = await signedIn(t, { role: 'admin' });
      const product = (await call('post', '/api/admin/products', admin, { name: 'Beans', variants: [{ sku: 'OA-BEANS', name: '250 g', price: 1600, initialStock: 10 }] })).body.product;
      const dm = await createDeliveryMethod(t, { price: 500 });
      const first = await call('post', '/api/cart/items', {}, { productId: product.id, quantity: 2 });
      const guest = { 'X-Session-Id': first.body.sessionId as string };
      await call('patch', `/api/cart/items/${first.body.cart.items[0].id}`, guest, { quantity: 1 });
      const body = { shippingAddress: ADDRESS, deliveryMethodId: dm, paymentMethod: 'card', email: 'guest@example.com', name: 'Ada', phone: '+44 20 7946 0000' };
      const hosted = await call('post', '/api/checkout', guest, { ...body, paymentFlow: 'hosted' });
      expect(hosted.status).toBe(201);
      const sessionId = new URL(hosted.body.url as string).pathname.split('/').pop() ?? '';
      await call('post', `/api/payments/sandbox/sessions/${sessionId}/expire`);
      const card = await call('post', '/api/checkout', guest, body);
      await call('post', `/api/checkout/${card.body.checkoutId}/confirm`, guest); // 409 PAYMENT_NOT_COMPLETED
      await call('post', `/api/payments/sandbox/intents/${card.body.paymentIntentId}/fail`, {}, { message: 'Declined' });
      await call('get', `/api/checkout/${card.body.checkoutId}`, guest);
      await call('post', `/api/payments/sandbox/intents/${card.body.paymentIntentId}/succeed`);
      await call('post', `/api/payments/sandbox/intents/${card.body.paymentIntentId}/succeed`); // 409
      await call('post', `/api/checkout/${card.body.checkoutId}/confirm`, guest);
      await call('get', `/api/checkout/${card.body.checkoutId}`, guest);
      await call('get', `/api/checkout/${card.body.checkoutId}`, { 'X-Session-Id': 'x'.repeat(43) }); // 404
      await call('post', '/api/checkout', guest, body); // 400 CART_EMPTY
      await call('delete', '/api/cart', guest);
      expect(problems).toEqual([]);
    });
  });
});

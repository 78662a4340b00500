import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request, { type Response, type Test } from 'supertest';
import type { App } from 'supertest/types';
import type { DataSource } from 'typeorm';
import { truncateAll } from '../db';
import { ADDRESS, createDeliveryMethod, createDiscount, guestCart, guestCheckoutBody } from '../factories/checkout.factory';
import { signedIn } from '../factories/customer.factory';
import { createOrder } from '../factories/order.factory';
import { createProduct, type CreatedProduct } from '../factories/product.factory';
import { createTestApp, type TestApp } from '../test-app';

/**
 * Shared pieces of the security suite (test/e2e/security-*.e2e-spec.ts): the OpenAPI document as the list of
 * routes, a world of two customers, a guest, an admin and their resources, whole-database snapshots to prove
 * that a rejected request changed nothing, JWT forging, and hostile strings.
 */

// ---------------------------------------------------------------- the app

/**
 * A test app for the security suite: background mail delivery parked (no poll during the run, files in a
 * temp dir), so database snapshots only move when a request moves them.
 */
export function createSecurityApp(env: Record<string, string> = {}): Promise<TestApp> {
  return createTestApp({
    DEFAULT_TAX_RATE_BPS: '0',
    OUTBOX_POLL_SECONDS: '3600',
    MAIL_TRANSPORT: 'file',
    MAIL_DIR: mkdtempSync(join(tmpdir(), 'co-sec-mail-')),
    ...env,
  });
}

// ---------------------------------------------------------------- OpenAPI

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
export const HTTP_METHODS: readonly HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete'];

export interface Schema {
  type?: string;
  format?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  nullable?: boolean;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  example?: unknown;
  default?: unknown;
}

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export interface OpenApiOperation {
  operationId?: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, unknown>;
  security?: Record<string, string[]>[];
}

export interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Partial<Record<HttpMethod, OpenApiOperation>>>;
  components?: { schemas?: Record<string, Schema>; securitySchemes?: Record<string, unknown> };
}

/** One operation of the document; `key` is `"PATCH /api/orders/{id}/paid"` (OpenAPI path syntax). */
export interface Operation {
  method: HttpMethod;
  path: string;
  key: string;
  op: OpenApiOperation;
}

/** The document the running app serves at /docs-json (the same one Swagger UI and client generators read). */
export async function loadOpenApi(http: App): Promise<OpenApiDoc> {
  const res = await request(http).get('/docs-json').expect(200);
  const doc = res.body as OpenApiDoc;
  if (!doc.openapi?.startsWith('3.') || !doc.paths) throw new Error(`/docs-json is not an OpenAPI 3 document: ${res.text.slice(0, 200)}`);
  return doc;
}

export function listOperations(doc: OpenApiDoc): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (op) out.push({ method, path, key: `${method.toUpperCase()} ${path}`, op });
    }
  }
  return out;
}

export const pathParamNames = (op: Operation): string[] => [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);

/** Resolves `$ref` and single-member `allOf` wrappers (how @nestjs/swagger documents a nested DTO with a description). */
export function deref(doc: OpenApiDoc, schema: Schema | undefined, depth = 0): Schema | undefined {
  if (!schema || depth > 10) return schema;
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return deref(doc, doc.components?.schemas?.[name], depth + 1);
  }
  if (schema.allOf?.length === 1 && !schema.properties) return deref(doc, { ...schema.allOf[0], ...omit(schema, 'allOf') }, depth + 1);
  return schema;
}

function omit<T extends object>(o: T, key: keyof T): Partial<T> {
  const { [key]: _dropped, ...rest } = o;
  return rest as Partial<T>;
}

/** The JSON request-body schema of an operation, dereferenced; undefined when it takes none. */
export function jsonBodySchema(doc: OpenApiDoc, op: Operation): Schema | undefined {
  return deref(doc, op.op.requestBody?.content?.['application/json']?.schema);
}

/** Fills `{name}` placeholders, percent-encoding every value (so hostile values stay inside one segment). */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for {${name}} in ${path}`);
    return encodeURIComponent(v);
  });
}

export function call(http: App, method: HttpMethod, url: string): Test {
  return request(http)[method](url);
}

// ---------------------------------------------------------------- who may call what

/*
 * The expected access of every route (SPEC.md §2–3, docs/api.md "Authentication and roles"). Admin routes are
 * recognised by path (`/api/admin/…`, plus `PATCH /api/orders/{id}/paid`); every other route must be listed
 * as public, cart (guest or token) or signed-in, so a route added to the API without an entry here fails
 * security-authz's first test.
 */

export type Access = 'public' | 'cart' | 'signed-in' | 'admin';

/** No token needed; an Authorization header is ignored. */
export const PUBLIC_ROUTES: readonly string[] = [
  'GET /health',
  'GET /health/ready',
  'GET /metrics',
  'POST /api/auth/register',
  'POST /api/auth/login',
  'POST /api/auth/refresh',
  'POST /api/customers/claim/request',
  'POST /api/customers/claim',
  'GET /api/products',
  'GET /api/products/{id}',
  'GET /api/delivery-methods',
  'POST /api/orders/lookup',
  'POST /api/payments/stripe/webhook',
  'POST /api/payments/sandbox/intents/{id}/succeed',
  'POST /api/payments/sandbox/intents/{id}/fail',
  'POST /api/payments/sandbox/sessions/{id}/complete',
  'POST /api/payments/sandbox/sessions/{id}/expire',
];

/**
 * Cart callers: a token, a guest X-Session-Id, or neither (a bad token is still 401). The value is the 404
 * code another caller gets for B's resource in the path (B's cart line, B's checkout).
 */
export const CART_ROUTES: Readonly<Record<string, string | null>> = {
  'GET /api/cart': null,
  'DELETE /api/cart': null,
  'POST /api/cart/items': null,
  'PATCH /api/cart/items/{id}': 'CART_ITEM_NOT_FOUND',
  'DELETE /api/cart/items/{id}': 'CART_ITEM_NOT_FOUND',
  'POST /api/cart/discount': null,
  'DELETE /api/cart/discount': null,
  'POST /api/checkout': null,
  'GET /api/checkout/{id}': 'CHECKOUT_NOT_FOUND',
  'POST /api/checkout/{id}/confirm': 'CHECKOUT_NOT_FOUND',
};

/** Any valid token (customer or admin). Value: the 404 code customer A gets for B's resource in the path. */
export const SIGNED_IN_ROUTES: Readonly<Record<string, string | null>> = {
  'GET /api/auth/me': null,
  'GET /api/customers/me': null,
  'PATCH /api/customers/me': null,
  'GET /api/customers/me/addresses': null,
  'POST /api/customers/me/addresses': null,
  'PATCH /api/customers/me/addresses/{id}': 'ADDRESS_NOT_FOUND',
  'DELETE /api/customers/me/addresses/{id}': 'ADDRESS_NOT_FOUND',
  'GET /api/orders': null,
  'POST /api/orders': null,
  'GET /api/orders/{id}': 'ORDER_NOT_FOUND',
  'DELETE /api/orders/{id}': 'ORDER_NOT_FOUND',
  'POST /api/orders/{id}/cancel': 'ORDER_NOT_FOUND',
  'POST /api/orders/{id}/pay': 'ORDER_NOT_FOUND',
};

export const isAdminRoute = (key: string): boolean => / \/api\/admin\//.test(key) || key === 'PATCH /api/orders/{id}/paid';

export interface Expectation {
  access: Access;
  /** 404 code for someone else's resource in the path, when the route has one. */
  foreign: string | null;
}

export function expectationFor(key: string): Expectation | undefined {
  const listed: Access[] = [];
  if (PUBLIC_ROUTES.includes(key)) listed.push('public');
  if (key in CART_ROUTES) listed.push('cart');
  if (key in SIGNED_IN_ROUTES) listed.push('signed-in');
  if (isAdminRoute(key)) {
    if (listed.length) throw new Error(`${key} is an admin route but is also listed as ${listed.join(', ')}`);
    return { access: 'admin', foreign: null };
  }
  if (listed.length !== 1) return undefined;
  const access = listed[0]!;
  const foreign = access === 'cart' ? CART_ROUTES[key]! : access === 'signed-in' ? SIGNED_IN_ROUTES[key]! : null;
  return { access, foreign };
}

/** Real ids for path parameters: B's resources wherever the route is about a customer's resource. */
export const PARAMS: readonly [RegExp, (w: World) => Record<string, string>][] = [
  [/^\/api\/customers\/me\/addresses\/\{id\}$/, (w) => ({ id: w.b.addressId })],
  [/^\/api\/(admin\/)?products\/\{id\}/, (w) => ({ id: w.product.id, variantId: w.variantId })],
  [/^\/api\/admin\/inventory\/\{variantId\}/, (w) => ({ variantId: w.variantId })],
  [/^\/api\/admin\/delivery-methods\/\{id\}$/, (w) => ({ id: w.deliveryMethodId })],
  [/^\/api\/admin\/discounts\/\{id\}$/, (w) => ({ id: w.discountId })],
  [/^\/api\/admin\/tax-rates\/\{country\}$/, (w) => ({ country: w.taxCountry })],
  [/^\/api\/cart\/items\/\{id\}$/, (w) => ({ id: w.b.cartItemId })],
  [/^\/api\/(admin\/)?orders\/\{id\}/, (w) => ({ id: w.b.orderId })],
  [/^\/api\/checkout\/\{id\}/, (w) => ({ id: w.b.checkoutId })],
  [/^\/api\/payments\/sandbox\/intents\/\{id\}\//, (w) => ({ id: w.b.paymentIntentId })],
  [/^\/api\/payments\/sandbox\/sessions\/\{id\}\//, () => ({ id: 'cs_sandbox_not_a_real_session' })],
];

export function urlFor(op: Operation, w: World): string {
  if (!pathParamNames(op).length) return op.path;
  const rule = PARAMS.find(([re]) => re.test(op.path));
  if (!rule) throw new Error(`${op.key}: no real id for its path parameters; add a rule to PARAMS`);
  return fillPath(op.path, rule[1](w));
}

// ---------------------------------------------------------------- responses

export const ERROR_CODE = /^[A-Z][A-Z0-9_]*$/;

/** The standard error body, with the status and code given (message too when given). */
export function expectError(res: Response, status: number, code?: string, message?: string): void {
  const req = (res as Response & { req?: { method?: string; path?: string } }).req;
  const where = `${req?.method ?? ''} ${req?.path ?? ''} → ${res.status} ${res.text.slice(0, 300)}`;
  if (res.status !== status) throw new Error(`expected ${status}${code ? ` ${code}` : ''}, got ${where}`);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body.statusCode).toBe(status);
  expect(typeof res.body.error).toBe('string');
  expect(typeof res.body.message).toBe('string');
  expect(res.body.code).toMatch(ERROR_CODE);
  if (code !== undefined && res.body.code !== code) throw new Error(`expected code ${code}, got ${where}`);
  if (message !== undefined) expect(res.body.message).toBe(message);
}

export const brief = (res: Response): string => `${res.status} ${res.text.slice(0, 240)}`;

// ---------------------------------------------------------------- database state

/** Every table of the schema but the migrations log. */
export async function tableNames(ds: DataSource): Promise<string[]> {
  const rows: { tablename: string }[] = await ds.query(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'migrations' ORDER BY tablename`,
  );
  return rows.map((r) => r.tablename);
}

export interface DbState {
  /** `SELECT count(*)` per table (pg_stat's n_live_tup lags; this does not). */
  counts: Record<string, number>;
  /** An order-independent digest of every row of each table: catches UPDATEs that counts cannot. */
  digests: Record<string, string>;
}

const tablesCache = new WeakMap<DataSource, string[]>();

/** Exact row counts and content digests of every table, in one round trip. */
export async function dbState(ds: DataSource): Promise<DbState> {
  let tables = tablesCache.get(ds);
  if (!tables) {
    tables = await tableNames(ds);
    tablesCache.set(ds, tables);
  }
  const sql = tables
    .map(
      (t) =>
        `SELECT '${t}' AS t, count(*)::int AS n, coalesce(md5(string_agg(md5(x::text), '' ORDER BY md5(x::text))), '-') AS h FROM "${t}" x`,
    )
    .join(' UNION ALL ');
  const rows: { t: string; n: number; h: string }[] = await ds.query(sql);
  const state: DbState = { counts: {}, digests: {} };
  for (const r of rows) {
    state.counts[r.t] = r.n;
    state.digests[r.t] = r.h;
  }
  return state;
}

/** Tables whose row count or content differ, e.g. `["orders (count 3 → 4)", "carts (rows changed)"]`. */
export function stateDiff(before: DbState, after: DbState): string[] {
  const out: string[] = [];
  for (const t of Object.keys({ ...before.counts, ...after.counts })) {
    if (before.counts[t] !== after.counts[t]) out.push(`${t} (count ${before.counts[t]} → ${after.counts[t]})`);
    else if (before.digests[t] !== after.digests[t]) out.push(`${t} (rows changed)`);
  }
  return out;
}

// ---------------------------------------------------------------- JWT forging

export const b64url = (v: object | string): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** A compact JWS built by hand: any header (alg none, HS512, …), any payload, signed with `secret` (HMAC) or not at all. */
export function forgeJwt(header: object, payload: object, secret?: string, alg: 'sha256' | 'sha512' = 'sha256'): string {
  const signingInput = `${b64url(header)}.${b64url(payload)}`;
  const sig = secret === undefined ? '' : createHmac(alg, secret).update(signingInput).digest('base64url');
  return `${signingInput}.${sig}`;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

// ---------------------------------------------------------------- hostile strings

/** SQL injection classics (every one is also valid, printable text a customer might type). */
export const SQLI_STRINGS: readonly string[] = [
  `' OR 1=1 --`,
  `'; DROP TABLE orders; --`,
  `Robert'); DROP TABLE customers;--`,
  `" OR ""="`,
  `1' UNION SELECT password_hash FROM customers --`,
  `'); SELECT pg_sleep(3); --`,
  `%' OR '%'='`,
  `\\'; TRUNCATE refresh_tokens; --`,
  `$1 $$ $tag$ ::text`,
];

/** The NUL character: PostgreSQL cannot store it in text or jsonb (SQLSTATE 22021 / 22P05). */
export const NUL = '\u0000';

// ---------------------------------------------------------------- the world

export interface World {
  product: CreatedProduct;
  variantId: string;
  deliveryMethodId: string;
  discountId: string;
  discountCode: string;
  taxCountry: string;
  /** The caller under test: owns nothing the others own. */
  a: { id: string; email: string; auth: Record<string, string> };
  /** The victim: an address, an order, a card checkout awaiting payment, a cart line. */
  b: {
    id: string;
    email: string;
    auth: Record<string, string>;
    addressId: string;
    orderId: string;
    orderNumber: string;
    checkoutId: string;
    paymentIntentId: string;
    cartItemId: string;
  };
  admin: { id: string; email: string; auth: Record<string, string> };
  /** A guest with a cart and a card checkout of its own. */
  guest: { session: Record<string, string>; checkoutId: string; cartItemId: string };
  /** Strings that belong to B (and the guest) and must never appear in anyone else's responses. */
  secretsOfOthers: string[];
}

const deleteOrder = new WeakMap<DataSource, string[]>();

/**
 * Empties every table like test/db.ts `truncateAll`, but with DELETEs in foreign-key order: on the few rows a
 * security test creates that is ~10× faster than TRUNCATE, which matters when the matrix reseeds per route.
 * Sequences are not reset (nothing here depends on them).
 */
export async function resetDb(ds: DataSource): Promise<void> {
  let order = deleteOrder.get(ds);
  if (!order) {
    const tables = await tableNames(ds);
    const fks: { child: string; parent: string }[] = await ds.query(
      `SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE c.contype = 'f' AND n.nspname = 'public'`,
    );
    const unquote = (s: string) => s.replace(/^"|"$/g, '');
    // Children first: repeatedly take a table no remaining table references.
    const remaining = new Set(tables);
    order = [];
    while (remaining.size) {
      const next = [...remaining].find((tb) => !fks.some((f) => unquote(f.parent) === tb && unquote(f.child) !== tb && remaining.has(unquote(f.child))));
      if (!next) {
        await truncateAll(ds);
        return;
      }
      order.push(next);
      remaining.delete(next);
    }
    deleteOrder.set(ds, order);
  }
  await ds.transaction(async (tx) => {
    for (const tb of order) await tx.query(`DELETE FROM "${tb}"`);
  });
}

/** Empties the database and builds the world through the real API wherever the API can build it. */
export async function seedWorld(t: TestApp): Promise<World> {
  await resetDb(t.ds);
  const product = await createProduct(t, { variants: [{ stock: 1000 }] });
  const variantId = product.variants[0]!.id;
  const deliveryMethodId = await createDeliveryMethod(t);
  const discountCode = 'SEC10';
  const discountId = await createDiscount(t, { code: discountCode, value: 10 });
  await t.ds.query(`INSERT INTO tax_rates (country, rate_bps) VALUES ('GB', 2000)`);

  const a = await signedIn(t, { name: 'Alice Attacker' });
  const b = await signedIn(t, { name: 'Bob Victim' });
  const admin = await signedIn(t, { role: 'admin', name: 'Ada Admin' });

  const address = await request(t.http).post('/api/customers/me/addresses').set(b.auth).send({ ...ADDRESS, street: '7 Victim Lane' }).expect(201);
  const addressId = address.body.address.id as string;
  const order = await createOrder(t, { customerId: b.customer.id, email: b.customer.email });
  await request(t.http).post('/api/cart/items').set(b.auth).send({ variantId, quantity: 1 }).expect(201);
  const checkout = await request(t.http)
    .post('/api/checkout')
    .set(b.auth)
    .send({ shippingAddressId: addressId, deliveryMethodId, paymentMethod: 'card' })
    .expect(201);
  const bCart = await request(t.http).get('/api/cart').set(b.auth).expect(200);

  const session = await guestCart(t, [{ variantId, quantity: 2 }]);
  const guestCheckout = await request(t.http).post('/api/checkout').set(session).send(guestCheckoutBody(deliveryMethodId, { email: 'guest-victim@test.local' })).expect(201);
  const gCart = await request(t.http).get('/api/cart').set(session).expect(200);

  const world: World = {
    product,
    variantId,
    deliveryMethodId,
    discountId,
    discountCode,
    taxCountry: 'GB',
    a: { id: a.customer.id, email: a.customer.email, auth: a.auth },
    b: {
      id: b.customer.id,
      email: b.customer.email,
      auth: b.auth,
      addressId,
      orderId: order.id,
      orderNumber: order.number,
      checkoutId: checkout.body.checkoutId,
      paymentIntentId: checkout.body.paymentIntentId,
      cartItemId: bCart.body.cart.items[0].id,
    },
    admin: { id: admin.customer.id, email: admin.customer.email, auth: admin.auth },
    guest: { session, checkoutId: guestCheckout.body.checkoutId, cartItemId: gCart.body.cart.items[0].id },
    secretsOfOthers: [],
  };
  world.secretsOfOthers = [
    world.b.id,
    world.b.email,
    world.b.addressId,
    '7 Victim Lane',
    world.b.orderId,
    world.b.orderNumber,
    world.b.checkoutId,
    world.b.paymentIntentId,
    world.b.cartItemId,
    checkout.body.orderId,
    world.guest.checkoutId,
    world.guest.cartItemId,
    'guest-victim@test.local',
    session['X-Session-Id']!,
  ];
  return world;
}

/** Which of `secrets` appear in a response (headers or body). */
export function leaked(res: Response, secrets: readonly string[]): string[] {
  const text = `${JSON.stringify(res.headers)}\n${res.text}`.toLowerCase();
  return secrets.filter((s) => text.includes(s.toLowerCase()));
}

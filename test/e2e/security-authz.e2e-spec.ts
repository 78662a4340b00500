import request, { type Response } from 'supertest';
import { guestCart } from '../factories/checkout.factory';
import { DEFAULT_PASSWORD } from '../factories/customer.factory';
import {
  type Access,
  brief,
  call,
  CART_ROUTES,
  createSecurityApp,
  dbState,
  type DbState,
  type Expectation,
  expectationFor,
  expectError,
  forgeJwt,
  isAdminRoute,
  leaked,
  listOperations,
  loadOpenApi,
  nowSeconds,
  type OpenApiDoc,
  type Operation,
  PUBLIC_ROUTES,
  seedWorld,
  SIGNED_IN_ROUTES,
  stateDiff,
  urlFor,
  type World,
} from '../support/security';
import type { TestApp } from '../test-app';

/**
 * The authorization matrix (SPEC.md §2–3, docs/api.md "Authentication and roles"), driven by the OpenAPI
 * document the app serves: every operation is called as an anonymous client, with a forged token, with a guest
 * X-Session-Id, as customer A aimed at customer B's resources, as B (the control: the ids are real) and as an
 * admin. Rejected calls must change nothing in the database and leak nothing of B's.
 *
 * The expectations are explicit (test/support/security.ts): admin routes are recognised by path
 * (`/api/admin/…`, plus `PATCH /api/orders/{id}/paid`); every other route must be listed there as public, cart
 * (guest or token) or signed-in. A route added to the API without an entry fails the first test.
 */

let registrations = 0;

/** A body each route accepts as valid (so a 404 for B's resource is not pre-empted by a 400), else `{}`. */
async function bodyFor(key: string, w: World): Promise<object> {
  const bodies: Record<string, () => object | Promise<object>> = {
    'POST /api/auth/register': () => ({ email: `matrix-${++registrations}@test.local`, password: 'password-123', name: 'New Person' }),
    'POST /api/auth/login': () => ({ email: w.a.email, password: DEFAULT_PASSWORD }),
    // A genuine, unused refresh token of A's for every call: a refresh route that turns callers away fails.
    'POST /api/auth/refresh': async () => ({ refreshToken: (await request(t.http).post('/api/auth/login').send({ email: w.a.email, password: DEFAULT_PASSWORD }).expect(200)).body.refreshToken }),
    'POST /api/customers/claim/request': () => ({ email: w.b.email }),
    'POST /api/customers/claim': () => ({ email: w.b.email, token: 'A'.repeat(43), newPassword: 'password-123' }),
    // B's order number with A's email: a lookup must never hand B's order to whoever knows the number.
    'POST /api/orders/lookup': () => ({ email: w.a.email, orderNumber: w.b.orderNumber }),
    'PATCH /api/customers/me': () => ({ name: 'Renamed' }),
    'PATCH /api/customers/me/addresses/{id}': () => ({ street: '1 Mallory Street' }),
    'POST /api/customers/me/addresses': () => ({ name: 'N', street: 'S', city: 'C', postalCode: 'P', country: 'GB' }),
    'POST /api/orders': () => ({ items: [{ variantId: w.variantId, quantity: 1 }] }),
    'POST /api/orders/{id}/cancel': () => ({ reason: 'matrix' }),
    'PATCH /api/cart/items/{id}': () => ({ quantity: 5 }),
    'POST /api/cart/items': () => ({ variantId: w.variantId, quantity: 1 }),
    'POST /api/cart/discount': () => ({ code: w.discountCode }),
    'POST /api/checkout': () => ({ deliveryMethodId: w.deliveryMethodId, paymentMethod: 'card' }),
  };
  return (await bodies[key]?.()) ?? {};
}

type Caller = 'anonymous' | 'forged token' | 'guest session' | 'customer A' | 'owner B' | 'admin';

/** A token signed with the wrong key, claiming admin for A: must be 401 everywhere a token is read. */
const forgedToken = (w: World) =>
  `Bearer ${forgeJwt({ alg: 'HS256', typ: 'JWT' }, { sub: w.a.id, role: 'admin', typ: 'access', iss: 'checkout-orders', iat: nowSeconds(), exp: nowSeconds() + 600 }, 'not-the-signing-key-0123456789')}`;

function headersFor(caller: Caller, w: World): Record<string, string> {
  switch (caller) {
    case 'anonymous':
      return {};
    case 'forged token':
      return { Authorization: forgedToken(w) };
    case 'guest session':
      return w.guest.session;
    case 'customer A':
      return w.a.auth;
    case 'owner B':
      return w.b.auth;
    case 'admin':
      return w.admin.auth;
  }
}

type Outcome =
  /** Refused with this status and one of these codes. */
  | { kind: 'status'; status: number; code: string | readonly string[]; message?: string }
  /** Let in: anything but 401/403 and never a 5xx. */
  | { kind: 'allowed' }
  /** The owner's control call: the id is real (not 404), the caller is let in. */
  | { kind: 'owner' };

const MISSING = { kind: 'status', status: 401, code: 'MISSING_AUTH_HEADER', message: 'Missing Authorization Header' } as const;
const INVALID = { kind: 'status', status: 401, code: 'INVALID_TOKEN' } as const;
const FORBIDDEN = { kind: 'status', status: 403, code: 'FORBIDDEN' } as const;
const ALLOWED = { kind: 'allowed' } as const;

/** What each caller must get, by the route's access class. Only the calls listed are made. */
function plan(e: Expectation): [Caller, Outcome][] {
  const notFound = (...code: string[]): Outcome => ({ kind: 'status', status: 404, code });
  switch (e.access) {
    case 'public':
      return [['anonymous', ALLOWED], ['forged token', ALLOWED], ['guest session', ALLOWED], ['customer A', ALLOWED], ['admin', ALLOWED]];
    case 'cart':
      return [
        // No token and no session: a cart write has no cart to act on (docs/api.md "Guest sessions").
        ['anonymous', e.foreign ? notFound(e.foreign, 'CART_NOT_FOUND') : ALLOWED],
        ['forged token', INVALID],
        ['guest session', e.foreign ? notFound(e.foreign) : ALLOWED],
        ['customer A', e.foreign ? notFound(e.foreign) : ALLOWED],
        ...(e.foreign ? [['owner B', { kind: 'owner' }] as [Caller, Outcome]] : []),
        ['admin', ALLOWED],
      ];
    case 'signed-in':
      return [
        ['anonymous', MISSING],
        ['forged token', INVALID],
        ['guest session', MISSING],
        ['customer A', e.foreign ? notFound(e.foreign) : ALLOWED],
        ...(e.foreign ? [['owner B', { kind: 'owner' }] as [Caller, Outcome]] : []),
        ['admin', ALLOWED],
      ];
    case 'admin':
      return [['anonymous', MISSING], ['forged token', INVALID], ['guest session', MISSING], ['customer A', FORBIDDEN], ['admin', ALLOWED]];
  }
}

/** Checks one response against its outcome; returns a problem description or null. */
function judge(res: Response, outcome: Outcome): string | null {
  if (res.status >= 500) return `5xx: ${brief(res)}`;
  switch (outcome.kind) {
    case 'allowed':
      return res.status === 401 || res.status === 403 ? `expected to be let in, got ${brief(res)}` : null;
    case 'owner':
      return res.status === 401 || res.status === 403 || res.status === 404 ? `the owner should reach the resource, got ${brief(res)}` : null;
    case 'status':
      try {
        const codes = typeof outcome.code === 'string' ? [outcome.code] : outcome.code;
        expectError(res, outcome.status, codes.includes(res.body?.code) ? res.body.code : codes.join(' | '), outcome.message);
        return null;
      } catch (e) {
        return e instanceof Error ? e.message.split('\n')[0]! : String(e);
      }
  }
}

let t: TestApp;

describe('security: authorization matrix over every OpenAPI operation', () => {
  let doc: OpenApiDoc;
  let ops: Operation[];

  beforeAll(async () => {
    t = await createSecurityApp();
    doc = await loadOpenApi(t.http);
    ops = listOperations(doc);
  });
  afterAll(() => t.close());

  it('every operation in /docs-json has an expectation, and every listed route is still in the document', () => {
    expect(ops.length).toBeGreaterThan(50);
    const unknown = ops.filter((o) => !expectationFor(o.key)).map((o) => o.key);
    expect(unknown).toEqual([]);
    const keys = new Set(ops.map((o) => o.key));
    const stale = [...PUBLIC_ROUTES, ...Object.keys(CART_ROUTES), ...Object.keys(SIGNED_IN_ROUTES)].filter((k) => !keys.has(k));
    expect(stale).toEqual([]);
    // The admin rule must actually match admin routes (a typo in the regex would silently make it vacuous).
    expect(ops.filter((o) => isAdminRoute(o.key)).length).toBeGreaterThan(20);
  });

  /**
   * What the document should say for each access class. A requirement list containing `{}` (or no `security`
   * at all) means anonymous callers are accepted.
   */
  function docProblems(o: Operation): string[] {
    const e = expectationFor(o.key);
    if (!e) return [`${o.key}: no access expectation`];
    const reqs = o.op.security ?? [];
    const anonymous = reqs.length === 0 || reqs.some((r) => Object.keys(r).length === 0);
    const schemes = [...new Set(reqs.flatMap((r) => Object.keys(r)))].sort();
    const responses = Object.keys(o.op.responses ?? {});
    const problems: string[] = [];
    const shown = `security ${JSON.stringify(o.op.security ?? null)}`;
    if (e.access === 'public' && (!anonymous || schemes.length)) problems.push(`${shown}, but the route is public`);
    if (e.access === 'cart' && !(schemes.includes('bearer') && schemes.includes('guest-session'))) problems.push(`${shown}, but the route takes a token or a guest session`);
    if ((e.access === 'signed-in' || e.access === 'admin') && (anonymous || schemes.join() !== 'bearer')) problems.push(`${shown}, but the route needs a bearer token`);
    if (e.access !== 'public' && !responses.includes('401')) problems.push('401 not documented');
    if (e.access === 'admin' && !responses.includes('403')) problems.push('403 not documented');
    if (e.foreign && !responses.includes('404')) problems.push('404 not documented');
    return problems.map((p) => `${o.key}: ${p}`);
  }

  // Found by this test, and fixed in the working tree while the suite was being written: the public guest
  // lookup (POST /api/orders/lookup) inherited the controller-wide @ApiBearerAuth() and was documented as
  // needing a token.
  it("the document declares each route's security and auth errors as the table says", () => {
    expect(ops.flatMap(docProblems)).toEqual([]);
  });

  /** Operations that answer 5xx today (reported bugs): run by the `it.failing` below instead of the class tests. */
  const KNOWN_5XX_BUGS: readonly string[] = []; // the sandbox unknown-id 500 is fixed (404 PAYMENT_NOT_FOUND)

  let world: { w: World; seeded: DbState } | undefined;

  /** The seeded world, rebuilt only when an earlier call changed the database (most refused calls do not). */
  async function freshWorld(): Promise<World> {
    if (world && stateDiff(world.seeded, await dbState(t.ds)).length === 0) return world.w;
    const w = await seedWorld(t);
    world = { w, seeded: await dbState(t.ds) };
    return w;
  }

  /**
   * Runs the plan for each operation on a freshly seeded world. Every call that must be refused is also
   * checked to change no row anywhere; every call but the owner's and the admin's to leak none of B's (or the
   * guest's) identifiers.
   */
  async function runMatrix(selected: Operation[]): Promise<void> {
    expect(selected.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const o of selected) {
      const e = expectationFor(o.key)!;
      const w = await freshWorld();
      const url = urlFor(o, w);
      for (const [caller, outcome] of plan(e)) {
        const before = await dbState(t.ds);
        const req = call(t.http, o.method, url).set(headersFor(caller, w));
        const res = await (o.op.requestBody ? req.send(await bodyFor(o.key, w)) : req);
        const problem = judge(res, outcome);
        if (problem) failures.push(`${o.key} as ${caller}: ${problem}`);
        if (caller !== 'admin' && caller !== 'owner B') {
          // The guest's own cart, checkout and session are its own to see.
          const own = caller === 'guest session' ? [w.guest.checkoutId, w.guest.cartItemId, 'guest-victim@test.local', w.guest.session['X-Session-Id']!] : [];
          const seen = leaked(res, w.secretsOfOthers.filter((s) => !own.includes(s)));
          if (seen.length) failures.push(`${o.key} as ${caller}: response leaks ${seen.join(', ')}`);
        }
        if (outcome.kind === 'status') {
          const changed = stateDiff(before, await dbState(t.ds));
          if (changed.length) failures.push(`${o.key} as ${caller}: refused with ${res.status} but changed ${changed.join(', ')}`);
        }
      }
    }
    expect(failures).toEqual([]);
  }

  const ofClass = (access: Access) => ops.filter((o) => expectationFor(o.key)?.access === access && !KNOWN_5XX_BUGS.includes(o.key));

  it('admin routes: anonymous and guest 401 "Missing Authorization Header", forged 401 INVALID_TOKEN, customer 403, admin let in', () =>
    runMatrix(ofClass('admin')));

  it("signed-in routes: anonymous and guest 401, forged 401, customer A gets 404 for B's resources, B and admin let in", () =>
    runMatrix(ofClass('signed-in')));

  it("cart routes: anonymous and guest let in, forged token 401 (never a guest), B's cart line and checkout 404 for anyone else", () =>
    runMatrix(ofClass('cart')));

  it('public routes: nobody is refused with 401/403, whatever Authorization header comes along', () => runMatrix(ofClass('public')));


  describe("customer A aiming at others' resources through request bodies and headers", () => {
    let w: World;
    beforeEach(async () => {
      w = await seedWorld(t);
      await request(t.http).post('/api/cart/items').set(w.a.auth).send({ variantId: w.variantId, quantity: 1 }).expect(201);
    });

    it("checkout with B's address book ids is 404 ADDRESS_NOT_FOUND and reserves nothing", async () => {
      for (const body of [
        { shippingAddressId: w.b.addressId, deliveryMethodId: w.deliveryMethodId, paymentMethod: 'card' },
        { shippingAddressId: w.b.addressId, deliveryMethodId: w.deliveryMethodId, paymentMethod: 'cash_on_delivery' },
        { shippingAddress: { name: 'A', street: 'S', city: 'C', postalCode: 'P', country: 'GB' }, billingAddressId: w.b.addressId, deliveryMethodId: w.deliveryMethodId, paymentMethod: 'card' },
      ]) {
        const before = await dbState(t.ds);
        const res = await request(t.http).post('/api/checkout').set(w.a.auth).send(body);
        expectError(res, 404, 'ADDRESS_NOT_FOUND');
        expect(leaked(res, w.secretsOfOthers)).toEqual([]);
        expect(stateDiff(before, await dbState(t.ds))).toEqual([]);
      }
    });

    it("a direct order shipped to B's address book id is 404 and takes no stock", async () => {
      const before = await dbState(t.ds);
      const res = await request(t.http)
        .post('/api/orders')
        .set(w.a.auth)
        .send({ items: [{ variantId: w.variantId, quantity: 1 }], shippingAddressId: w.b.addressId });
      expectError(res, 404, 'ADDRESS_NOT_FOUND');
      expect(stateDiff(before, await dbState(t.ds))).toEqual([]);
    });

    it("the guest lookup with B's order number and any other email is the same 404 as an unknown number", async () => {
      const wrongEmail = await request(t.http).post('/api/orders/lookup').send({ email: w.a.email, orderNumber: w.b.orderNumber });
      const unknown = await request(t.http).post('/api/orders/lookup').send({ email: w.a.email, orderNumber: 'ORD-999999' });
      expectError(wrongEmail, 404, 'ORDER_NOT_FOUND');
      expect(wrongEmail.body).toEqual(unknown.body);
      // Control: the right pair finds it.
      const right = await request(t.http).post('/api/orders/lookup').send({ email: w.b.email, orderNumber: w.b.orderNumber }).expect(200);
      expect(right.body.order.id).toBe(w.b.orderId);
    });

    it("A's token plus the guest's X-Session-Id is A's cart: the session is ignored, never merged or shown", async () => {
      const res = await request(t.http).get('/api/cart').set(w.a.auth).set(w.guest.session).expect(200);
      expect(res.body.cart.items).toHaveLength(1);
      expect(leaked(res, [w.guest.cartItemId, w.b.cartItemId])).toEqual([]);
      const before = await dbState(t.ds);
      expectError(await request(t.http).patch(`/api/cart/items/${w.guest.cartItemId}`).set(w.a.auth).set(w.guest.session).send({ quantity: 9 }), 404, 'CART_ITEM_NOT_FOUND');
      expectError(await request(t.http).delete(`/api/cart/items/${w.guest.cartItemId}`).set(w.a.auth).set(w.guest.session), 404, 'CART_ITEM_NOT_FOUND');
      expect(stateDiff(before, await dbState(t.ds))).toEqual([]);
    });

    it("a guest's checkout and cart line are 404 for customers and for another guest session, and visible to their own session", async () => {
      const other = await guestCart(t, [{ variantId: w.variantId, quantity: 1 }]);
      const before = await dbState(t.ds);
      for (const headers of [w.a.auth, w.b.auth, w.admin.auth, other]) {
        expectError(await request(t.http).get(`/api/checkout/${w.guest.checkoutId}`).set(headers), 404, 'CHECKOUT_NOT_FOUND');
        expectError(await request(t.http).post(`/api/checkout/${w.guest.checkoutId}/confirm`).set(headers), 404, 'CHECKOUT_NOT_FOUND');
        expectError(await request(t.http).patch(`/api/cart/items/${w.guest.cartItemId}`).set(headers).send({ quantity: 3 }), 404, 'CART_ITEM_NOT_FOUND');
      }
      expect(stateDiff(before, await dbState(t.ds))).toEqual([]);
      const own = await request(t.http).get(`/api/checkout/${w.guest.checkoutId}`).set(w.guest.session).expect(200);
      expect(own.body).toMatchObject({ checkoutId: w.guest.checkoutId, status: 'awaiting_payment' });
    });

    it("B's resources answer A exactly like ids that do not exist (no existence oracle)", async () => {
      const missing = '00000000-0000-4000-8000-000000000000';
      const pairs: [string, string, object?][] = [
        ['get', '/api/orders/{id}'],
        ['post', '/api/orders/{id}/cancel', {}],
        ['patch', '/api/customers/me/addresses/{id}', { city: 'X' }],
        ['get', '/api/checkout/{id}'],
        ['patch', '/api/cart/items/{id}', { quantity: 2 }],
      ];
      const realIds: Record<string, string> = {
        '/api/orders/{id}': w.b.orderId,
        '/api/orders/{id}/cancel': w.b.orderId,
        '/api/customers/me/addresses/{id}': w.b.addressId,
        '/api/checkout/{id}': w.b.checkoutId,
        '/api/cart/items/{id}': w.b.cartItemId,
      };
      for (const [method, path, body] of pairs) {
        const send = (id: string) => call(t.http, method as 'get', path.replace('{id}', id)).set(w.a.auth).send(body ?? {});
        const [real, none] = [await send(realIds[path]!), await send(missing)];
        expect({ path, status: real.status, body: real.body }).toEqual({ path, status: none.status, body: none.body });
        expect(real.status).toBe(404);
      }
    });
  });
});

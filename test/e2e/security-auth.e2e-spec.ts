import { existsSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { DEFAULT_PASSWORD, signedIn } from '../factories/customer.factory';
import { createOrder } from '../factories/order.factory';
import {
  b64url,
  brief,
  call,
  createSecurityApp,
  dbState,
  expectationFor,
  expectError,
  forgeJwt,
  listOperations,
  loadOpenApi,
  nowSeconds,
  type Operation,
  resetDb,
  seedWorld,
  stateDiff,
  urlFor,
  type World,
} from '../support/security';
import type { TestApp } from '../test-app';

/**
 * Tokens and credentials under attack: forged, tampered, expired and malformed access tokens on every route
 * that reads one; tokens of deleted accounts; refresh-token theft (reuse revokes the family); and the per-IP
 * rate limits on the credential and lookup routes.
 */

const ISSUER = 'checkout-orders';
const HS256 = { alg: 'HS256', typ: 'JWT' };

describe('security: access tokens', () => {
  let t: TestApp;
  let w: World;
  /** Every operation that reads a token: admin, signed-in and cart routes. */
  let guarded: Operation[];

  beforeAll(async () => {
    t = await createSecurityApp();
    const ops = listOperations(await loadOpenApi(t.http));
    guarded = ops.filter((o) => expectationFor(o.key)?.access !== 'public');
    w = await seedWorld(t);
  });
  afterAll(() => t.close());

  /** Claims exactly as the app issues them for customer A, valid for 10 minutes. */
  const claims = (over: Record<string, unknown> = {}) => ({ sub: w.a.id, role: 'customer', typ: 'access', iss: ISSUER, iat: nowSeconds(), exp: nowSeconds() + 600, ...over });
  const secret = () => t.config.auth.jwtSecret;
  const genuine = () => w.a.auth.Authorization!.slice('Bearer '.length);

  /** Forgeries that must be 401 INVALID_TOKEN wherever a token is read. */
  function forgeries(): Record<string, string> {
    const [header, , signature] = genuine().split('.');
    return {
      'alg none, empty signature': forgeJwt({ alg: 'none', typ: 'JWT' }, claims({ role: 'admin' })),
      'alg none, upper case': forgeJwt({ alg: 'NONE', typ: 'JWT' }, claims({ role: 'admin' })),
      'alg none with the genuine signature kept': `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims({ role: 'admin' }))}.${signature}`,
      'signed with another key': forgeJwt(HS256, claims({ role: 'admin' }), 'another-key-0123456789abcdef'),
      'signed with an empty key': forgeJwt(HS256, claims({ role: 'admin' }), ''),
      'HS512 with the real key (algorithm not allowed)': forgeJwt({ alg: 'HS512', typ: 'JWT' }, claims(), secret(), 'sha512'),
      'expired (real key)': forgeJwt(HS256, claims({ iat: nowSeconds() - 3600, exp: nowSeconds() - 1 }), secret()),
      'not yet valid (nbf in an hour, real key)': forgeJwt(HS256, claims({ nbf: nowSeconds() + 3600 }), secret()),
      'role changed to admin, signature not redone': `${header}.${b64url(claims({ role: 'admin' }))}.${signature}`,
      'sub changed to B, signature not redone': `${header}.${b64url(claims({ sub: w.b.id }))}.${signature}`,
      'wrong issuer (real key)': forgeJwt(HS256, claims({ iss: 'someone-else' }), secret()),
      'typ refresh (real key)': forgeJwt(HS256, claims({ typ: 'refresh' }), secret()),
      'role superuser (real key)': forgeJwt(HS256, claims({ role: 'superuser' }), secret()),
    };
  }

  it('the genuine token works (control for everything below)', async () => {
    await request(t.http).get('/api/orders').set('Authorization', `Bearer ${genuine()}`).expect(200);
    // A hand-built token with the app's key and claims is accepted too, so the forgeries differ only in what they say.
    await request(t.http).get('/api/orders').set('Authorization', `Bearer ${forgeJwt(HS256, claims(), secret())}`).expect(200);
  });

  /** The four classic attacks, tried on every route; the full list on one route of each kind below. */
  const CORE = ['alg none, empty signature', 'signed with another key', 'expired (real key)', 'role changed to admin, signature not redone'];

  it('alg none, a foreign key, an expired token and an edited role claim are 401 INVALID_TOKEN on every route that reads a token, and change nothing', async () => {
    expect(guarded.length).toBeGreaterThan(40);
    const failures: string[] = [];
    const before = await dbState(t.ds);
    for (const o of guarded) {
      const url = urlFor(o, w);
      for (const [label, token] of Object.entries(forgeries()).filter(([l]) => CORE.includes(l))) {
        const req = call(t.http, o.method, url).set('Authorization', `Bearer ${token}`);
        const res = await (o.op.requestBody ? req.send({}) : req);
        if (res.status !== 401 || res.body.code !== 'INVALID_TOKEN') failures.push(`${o.key} with ${label}: ${brief(res)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(stateDiff(before, await dbState(t.ds))).toEqual([]);
  });

  it.each(['GET /api/orders', 'GET /api/admin/orders', 'GET /api/cart', 'POST /api/checkout', 'PATCH /api/orders/{id}/paid'])(
    '%s: every forgery in the list is 401 INVALID_TOKEN',
    async (key) => {
      const o = guarded.find((x) => x.key === key)!;
      expect(o).toBeDefined();
      const failures: string[] = [];
      for (const [label, token] of Object.entries(forgeries())) {
        const req = call(t.http, o.method, urlFor(o, w)).set('Authorization', `Bearer ${token}`);
        const res = await (o.op.requestBody ? req.send({}) : req);
        if (res.status !== 401 || res.body.code !== 'INVALID_TOKEN') failures.push(`${label}: ${brief(res)}`);
      }
      expect(failures).toEqual([]);
    },
  );

  it('a customer token whose role claim was edited to admin opens no admin route (401, not 403, not 200)', async () => {
    const [header, , signature] = genuine().split('.');
    const tampered = `${header}.${b64url(claims({ role: 'admin' }))}.${signature}`;
    const before = await dbState(t.ds);
    expectError(await request(t.http).get('/api/admin/orders').set('Authorization', `Bearer ${tampered}`), 401, 'INVALID_TOKEN');
    expectError(
      await request(t.http).post('/api/admin/delivery-methods').set('Authorization', `Bearer ${tampered}`).send({ name: 'Pwned', price: 0, countries: [] }),
      401,
      'INVALID_TOKEN',
    );
    expectError(await request(t.http).patch(`/api/orders/${w.b.orderId}/paid`).set('Authorization', `Bearer ${tampered}`).send({}), 401, 'INVALID_TOKEN');
    expect(stateDiff(before, await dbState(t.ds))).toEqual([]);
  });

  describe('malformed Authorization headers', () => {
    const ROUTES: [string, string][] = [
      ['get', '/api/orders'],
      ['get', '/api/admin/orders'],
      ['get', '/api/cart'],
      ['post', '/api/cart/items'],
    ];
    const values = (): Record<string, string> => ({
      'scheme only': 'Bearer',
      'scheme and spaces': 'Bearer     ',
      'Basic credentials': `Basic ${Buffer.from(`${w.a.email}:${DEFAULT_PASSWORD}`).toString('base64')}`,
      'Token scheme with a genuine token': `Token ${genuine()}`,
      'genuine token without a scheme': genuine(),
      'two segments': 'Bearer aaa.bbb',
      'four segments': `Bearer ${genuine()}.extra`,
      'two tokens': `Bearer ${genuine()}, Bearer ${genuine()}`,
      'not base64': 'Bearer !!!.$$$.%%%',
      'json instead of a jwt': `Bearer {"sub":"${w.a.id}","role":"admin"}`,
      'sql in the token': "Bearer ' OR 1=1 --",
      'latin-1 bytes': 'Bearer ÿþýü.ÿþýü.ÿþýü',
      '8 kB of junk': `Bearer ${'a'.repeat(8192)}`,
      'refresh token as access token': 'Bearer 00000000-0000-4000-8000-000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    });

    it.each(ROUTES)('%s %s: every malformed value is 401 with a stable code, never 400/500, never a guest', async (method, path) => {
      const failures: string[] = [];
      const before = await dbState(t.ds);
      for (const [label, value] of Object.entries(values())) {
        const req = call(t.http, method as 'get', path).set('Authorization', value);
        const res = await (method === 'post' ? req.send({ variantId: w.variantId, quantity: 1 }) : req);
        const ok = res.status === 401 && ['INVALID_TOKEN', 'MISSING_AUTH_HEADER'].includes(res.body.code) && typeof res.body.message === 'string';
        if (!ok) failures.push(`${label}: ${brief(res)}`);
      }
      expect(failures).toEqual([]);
      expect(stateDiff(before, await dbState(t.ds))).toEqual([]);
      // Control: the scheme is case-insensitive, and a genuine token (an admin's on the admin route) is let in.
      const token = path.startsWith('/api/admin/') ? w.admin.auth.Authorization!.slice('Bearer '.length) : genuine();
      const control = call(t.http, method as 'get', path).set('Authorization', `bearer ${token}`);
      expect((await (method === 'post' ? control.send({ variantId: w.variantId, quantity: 1 }) : control)).status).toBeLessThan(300);
    });

    it('an empty Authorization header counts as missing on a signed-in route', async () => {
      const res = await request(t.http).get('/api/orders').set('Authorization', '');
      expect(res.status).toBe(401);
      expect(['MISSING_AUTH_HEADER', 'INVALID_TOKEN']).toContain(res.body.code);
    });
  });

  describe('tokens of accounts that no longer exist (docs/api.md: 401 INVALID_TOKEN)', () => {
    it('GET /api/auth/me and /api/customers/me refuse them', async () => {
      const gone = await signedIn(t);
      await t.ds.query('DELETE FROM customers WHERE id = $1', [gone.customer.id]);
      expectError(await request(t.http).get('/api/auth/me').set(gone.auth), 401, 'INVALID_TOKEN');
      expectError(await request(t.http).get('/api/customers/me').set(gone.auth), 401, 'INVALID_TOKEN');
    });

    // BUG (reported): JwtStrategy.validate (src/auth/jwt.strategy.ts:27) trusts the token's claims without looking
    // the account up, so a deleted customer's token keeps working until it expires: GET /api/orders and the
    // address book answer 200, cart routes 200/409, and so on. Only the handlers that load the customer
    // (getSelf) notice. Fix: in validate(), load the customer by `sub` (CustomersService.findById) and return
    // false when it is missing, using the stored role (which also makes demotions take effect at once).
    it("every other route that reads a token refuses a deleted customer's token", async () => {
      const gone = await signedIn(t);
      await t.ds.query('DELETE FROM customers WHERE id = $1', [gone.customer.id]);
      const failures: string[] = [];
      for (const o of guarded) {
        const req = call(t.http, o.method, urlFor(o, w)).set(gone.auth);
        const res = await (o.op.requestBody ? req.send({}) : req);
        if (res.status !== 401 || res.body.code !== 'INVALID_TOKEN') failures.push(`${o.key}: ${brief(res)}`);
      }
      expect(failures).toEqual([]);
    });

    // BUG (reported), same cause: a deleted admin keeps full admin powers for the token's remaining lifetime
    // (up to JWT_ACCESS_TTL_SECONDS, 15 min by default) — e.g. it can still create delivery methods or mark orders paid.
    it("a deleted admin's token administers nothing", async () => {
      const gone = await signedIn(t, { role: 'admin' });
      await t.ds.query('DELETE FROM customers WHERE id = $1', [gone.customer.id]);
      const before = await dbState(t.ds);
      const res = await request(t.http).post('/api/admin/delivery-methods').set(gone.auth).send({ name: 'Ghost', price: 0, countries: [] });
      const after = await dbState(t.ds);
      expect({ status: res.status, code: res.body.code, changed: stateDiff(before, after) }).toEqual({ status: 401, code: 'INVALID_TOKEN', changed: [] });
    });
  });
});

describe('security: refresh tokens', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createSecurityApp();
  });
  afterAll(() => t.close());
  beforeEach(() => resetDb(t.ds));

  const login = async (email: string) => (await request(t.http).post('/api/auth/login').send({ email, password: DEFAULT_PASSWORD }).expect(200)).body;
  const refresh = (refreshToken: string) => request(t.http).post('/api/auth/refresh').send({ refreshToken });

  it('reusing a rotated token revokes the whole family, including the newest token the thief or the owner holds', async () => {
    const { customer } = await signedIn(t);
    const first = await login(customer.email);
    const otherDevice = await login(customer.email);
    const second = (await refresh(first.refreshToken).expect(200)).body;
    const third = (await refresh(second.refreshToken).expect(200)).body;

    // The stolen first token comes back.
    expectError(await refresh(first.refreshToken), 401, 'REFRESH_TOKEN_REUSED');
    // Every token of that login is dead now, the unused newest one included, and stays dead.
    expectError(await refresh(third.refreshToken), 401, 'INVALID_REFRESH_TOKEN');
    expectError(await refresh(second.refreshToken), 401);
    const family: { revoked: boolean }[] = await t.ds.query(
      `SELECT revoked_at IS NOT NULL AS revoked FROM refresh_tokens WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE id = $1)`,
      [first.refreshToken.split('.')[0]],
    );
    expect(family).toHaveLength(3);
    expect(family.every((r) => r.revoked)).toBe(true);
    // Another login of the same customer is another family: untouched.
    await refresh(otherDevice.refreshToken).expect(200);
  });

  it("a guessed secret for someone else's token id is invalid and does not revoke the victim's session", async () => {
    const victim = await signedIn(t);
    const session = await login(victim.customer.email);
    const [id] = session.refreshToken.split('.');
    for (const forged of [`${id}.${'A'.repeat(43)}`, `${id}.${session.refreshToken.split('.')[1].slice(0, 42)}B`, `${id}.`, `${id}`]) {
      expectError(await refresh(forged), 401, 'INVALID_REFRESH_TOKEN');
    }
    const [row] = await t.ds.query('SELECT used_at, revoked_at FROM refresh_tokens WHERE id = $1', [id]);
    expect(row).toEqual({ used_at: null, revoked_at: null });
    await refresh(session.refreshToken).expect(200);
  });

  it('an access token is not a refresh token, and a refresh token is not an access token', async () => {
    const { customer } = await signedIn(t);
    const s = await login(customer.email);
    // Refused either way (an access token is longer than any refresh token, so validation stops it first).
    const asRefresh = await refresh(s.accessToken);
    expect([400, 401]).toContain(asRefresh.status);
    expect(asRefresh.body.accessToken).toBeUndefined();
    expectError(await request(t.http).get('/api/orders').set('Authorization', `Bearer ${s.refreshToken}`), 401, 'INVALID_TOKEN');
  });
});

/** The claim-request route is being built by another issue; its rate-limit test waits for it. */
const CLAIM_ROUTE_EXISTS = existsSync(join(__dirname, '../../src/customers/claims.controller.ts'));

describe('security: rate limits (AUTH_RATE_LIMIT=3 per IP and route)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createSecurityApp({ AUTH_RATE_LIMIT: '3', AUTH_RATE_TTL_SECONDS: '60' });
  });
  afterAll(() => t.close());

  /** 429 RATE_LIMITED with a positive Retry-After, in the standard error shape. */
  function expectLimited(res: request.Response) {
    expectError(res, 429, 'RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  }

  // Each test uses its own routes: the counters live in the app and are per route.

  it('login: the 4th attempt is 429 even with the right password or a spoofed X-Forwarded-For, issues no token, and other routes are not affected', async () => {
    const { customer } = await signedIn(t);
    for (let i = 0; i < 3; i++) expectError(await request(t.http).post('/api/auth/login').send({ email: customer.email, password: 'wrong-password' }), 401, 'INVALID_CREDENTIALS');
    const tokensBefore = await dbState(t.ds);
    expectLimited(await request(t.http).post('/api/auth/login').send({ email: customer.email, password: DEFAULT_PASSWORD }));
    // Without TRUST_PROXY the client cannot pick its own IP.
    expectLimited(await request(t.http).post('/api/auth/login').set('X-Forwarded-For', '203.0.113.7').send({ email: customer.email, password: DEFAULT_PASSWORD }));
    expect(stateDiff(tokensBefore, await dbState(t.ds))).toEqual([]);
    // Counted per route: refresh still has its own budget; unlimited routes are untouched.
    expectError(await request(t.http).post('/api/auth/refresh').send({ refreshToken: 'nope' }), 401, 'INVALID_REFRESH_TOKEN');
    for (let i = 0; i < 5; i++) await request(t.http).get('/api/products').expect(200);
  });

  it('POST /api/orders/lookup: the 4th lookup is 429, even for the right email and number, and reveals nothing', async () => {
    const { customer } = await signedIn(t);
    const order = await createOrder(t, { customerId: customer.id, email: 'buyer@test.local' });
    for (let i = 0; i < 3; i++) expectError(await request(t.http).post('/api/orders/lookup').send({ email: 'guess@test.local', orderNumber: order.number }), 404, 'ORDER_NOT_FOUND');
    const res = await request(t.http).post('/api/orders/lookup').send({ email: 'buyer@test.local', orderNumber: order.number });
    expectLimited(res);
    expect(res.text).not.toContain(order.id);
  });

  it('register: the 4th registration is 429 and creates no account', async () => {
    for (let i = 0; i < 3; i++) await request(t.http).post('/api/auth/register').send({ email: `rl-${i}@test.local`, password: 'password-123', name: 'R' }).expect(201);
    const before = await dbState(t.ds);
    expectLimited(await request(t.http).post('/api/auth/register').send({ email: 'rl-4@test.local', password: 'password-123', name: 'R' }));
    expect(stateDiff(before, await dbState(t.ds))).toEqual([]);
  });

  if (CLAIM_ROUTE_EXISTS) {
    it('POST /api/customers/claim/request: the 4th request is 429 and queues no email; POST /api/customers/claim is limited too', async () => {
      const guest = await signedIn(t, { isGuest: true, email: 'rl-guest@test.local' });
      for (let i = 0; i < 3; i++) await request(t.http).post('/api/customers/claim/request').send({ email: `nobody-${i}@test.local` }).expect(202);
      const before = await dbState(t.ds);
      expectLimited(await request(t.http).post('/api/customers/claim/request').send({ email: guest.customer.email }));
      expect(stateDiff(before, await dbState(t.ds))).toEqual([]);

      const claim = { email: guest.customer.email, token: 'A'.repeat(43), newPassword: 'password-123' };
      for (let i = 0; i < 3; i++) expectError(await request(t.http).post('/api/customers/claim').send(claim), 400, 'INVALID_CLAIM_TOKEN');
      expectLimited(await request(t.http).post('/api/customers/claim').send(claim));
    });
  } else {
    it.todo('POST /api/customers/claim/request: the 4th request is 429 (route not built yet: src/customers/claims.controller.ts missing)');
  }
});

import { JwtService } from '@nestjs/jwt';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { truncateAll } from '../db';
import { createCustomer, DEFAULT_PASSWORD, signedIn, tokenFor } from '../factories/customer.factory';
import { createTestApp, type TestApp } from '../test-app';

const ERROR_KEYS = ['code', 'error', 'message', 'statusCode'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The one error shape: exactly statusCode, error, code, message (+ errors for validation). */
function expectError(res: request.Response, status: number, code: string, message?: string) {
  expect(res.status).toBe(status);
  expect(res.body.code).toBe(code);
  expect(res.body.statusCode).toBe(status);
  expect(typeof res.body.error).toBe('string');
  expect(typeof res.body.message).toBe('string');
  const keys = Object.keys(res.body).sort();
  expect(keys).toEqual(code === 'VALIDATION_FAILED' ? [...ERROR_KEYS, 'errors'].sort() : ERROR_KEYS);
  if (message !== undefined) expect(res.body.message).toBe(message);
}

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('auth', () => {
  let t: TestApp;
  let seq = 0;
  const email = () => `auth${++seq}-${process.pid}@test.local`;
  const newAccount = (overrides: Record<string, unknown> = {}) => ({
    email: email(),
    password: 'correct horse battery',
    name: 'Ada Lovelace',
    ...overrides,
  });

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());
  beforeEach(() => truncateAll(t.ds));

  const register = (body: object) => request(t.http).post('/api/auth/register').send(body);
  const login = (body: object) => request(t.http).post('/api/auth/login').send(body);
  const refresh = (refreshToken: unknown) => request(t.http).post('/api/auth/refresh').send({ refreshToken });
  const me = (token?: string) => {
    const r = request(t.http).get('/api/auth/me');
    return token === undefined ? r : r.set('Authorization', `Bearer ${token}`);
  };
  const tokenRow = async (refreshToken: string) => {
    const [row] = await t.ds.query(`SELECT * FROM refresh_tokens WHERE id = $1`, [refreshToken.split('.')[0]]);
    return row as { id: string; family_id: string; token_hash: string; used_at: Date | null; revoked_at: Date | null } | undefined;
  };

  describe('POST /api/auth/register', () => {
    it('creates an account and returns tokens and the customer, never the password hash', async () => {
      const body = newAccount({ phone: '+44 20 7946 0000' });
      const res = await register(body).expect(201);
      expect(Object.keys(res.body).sort()).toEqual(['accessToken', 'customer', 'expiresIn', 'refreshToken', 'tokenType']);
      expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: t.config.auth.accessTtlSeconds });
      expect(res.body.accessToken.split('.')).toHaveLength(3);
      expect(res.body.refreshToken).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
      expect(res.body.customer).toEqual({
        id: expect.stringMatching(UUID),
        email: body.email,
        name: 'Ada Lovelace',
        phone: '+44 20 7946 0000',
        role: 'customer',
        isGuest: false,
        emailVerified: false,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(res.text).not.toMatch(/password/i);
      expect(res.text).not.toContain(body.password);

      const [row] = await t.ds.query(`SELECT password_hash, role, is_guest FROM customers WHERE id = $1`, [res.body.customer.id]);
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      expect(row).toMatchObject({ role: 'customer', is_guest: false });

      // The access token works straight away.
      const meRes = await me(res.body.accessToken).expect(200);
      expect(meRes.body.customer.id).toBe(res.body.customer.id);
    });

    it('trims the email and name', async () => {
      const res = await register(newAccount({ email: '  Trim.Me@Test.Local  ', name: '  Ada  ' })).expect(201);
      expect(res.body.customer.email).toBe('Trim.Me@Test.Local');
      expect(res.body.customer.name).toBe('Ada');
      const [row] = await t.ds.query(`SELECT email FROM customers WHERE id = $1`, [res.body.customer.id]);
      expect(row.email).toBe('Trim.Me@Test.Local');
    });

    it('rejects an email already registered in another case with 409 EMAIL_TAKEN', async () => {
      await register(newAccount({ email: 'taken@test.local' })).expect(201);
      const res = await register(newAccount({ email: 'TAKEN@Test.Local' }));
      expectError(res, 409, 'EMAIL_TAKEN');
      const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM customers WHERE lower(email) = 'taken@test.local'`);
      expect(n).toBe(1);
    });

    it('asks for an account claim when the email belongs to a guest (409 ACCOUNT_CLAIM_REQUIRED)', async () => {
      const guest = await createCustomer(t.ds, { isGuest: true });
      const res = await register(newAccount({ email: guest.email.toUpperCase() }));
      expectError(res, 409, 'ACCOUNT_CLAIM_REQUIRED');
      const [row] = await t.ds.query(`SELECT is_guest, password_hash FROM customers WHERE id = $1`, [guest.id]);
      expect(row).toEqual({ is_guest: true, password_hash: null });
    });

    it('lets exactly one of 20 concurrent registrations of one email win; the rest are 409', async () => {
      const address = email();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          register(newAccount({ email: i % 2 ? address.toUpperCase() : address, name: `Racer ${i}` })),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(19);
      for (const r of results.filter((x) => x.status === 409)) expectError(r, 409, 'EMAIL_TAKEN');
      const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM customers WHERE lower(email) = lower($1)`, [address]);
      expect(n).toBe(1);
    });

    it('lists every field problem: bad email, short password, missing name, unknown field', async () => {
      const res = await register({ email: 'not-an-email', password: 'short', isAdmin: true });
      expectError(res, 400, 'VALIDATION_FAILED');
      const fields = (res.body.errors as { field: string; messages: string[] }[]).map((e) => e.field).sort();
      expect(fields).toEqual(['email', 'isAdmin', 'name', 'password']);
      for (const e of res.body.errors) {
        expect(e.messages.length).toBeGreaterThan(0);
        for (const m of e.messages) expect(typeof m).toBe('string');
      }
      const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM customers`);
      expect(n).toBe(0);
    });

    it('cannot be used to pick a role or become a guest', async () => {
      expectError(await register(newAccount({ role: 'admin' })), 400, 'VALIDATION_FAILED');
      expectError(await register(newAccount({ isGuest: true })), 400, 'VALIDATION_FAILED');
      expectError(await register(newAccount({ emailVerified: true })), 400, 'VALIDATION_FAILED');
      const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM customers`);
      expect(n).toBe(0);
    });

    it('rejects wrong types, blank names, over-long values and a bad phone', async () => {
      for (const body of [
        newAccount({ email: 42 }),
        newAccount({ password: 12345678 }),
        newAccount({ name: '   ' }),
        newAccount({ name: null }),
        newAccount({ password: 'x'.repeat(201) }),
        newAccount({ email: `${'a'.repeat(250)}@x.io` }),
        newAccount({ phone: 'call me' }),
      ]) {
        const res = await register(body);
        expectError(res, 400, 'VALIDATION_FAILED');
        expect(res.body.errors).toHaveLength(1);
      }
    });
  });

  describe('POST /api/auth/login', () => {
    it('logs in with the right password and returns tokens and the customer', async () => {
      const c = await createCustomer(t.ds);
      const res = await login({ email: c.email, password: DEFAULT_PASSWORD }).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(['accessToken', 'customer', 'expiresIn', 'refreshToken', 'tokenType']);
      expect(res.body.customer).toMatchObject({ id: c.id, email: c.email, role: 'customer' });
      expect(res.text).not.toMatch(/password/i);
      const payload = new JwtService().decode(res.body.accessToken);
      expect(payload).toMatchObject({ sub: c.id, role: 'customer', typ: 'access', iss: 'checkout-orders' });
      expect(payload.exp - payload.iat).toBe(t.config.auth.accessTtlSeconds);
    });

    it('is case-insensitive and trims the email', async () => {
      const c = await createCustomer(t.ds, { email: 'Mixed.Case@Test.Local' });
      const res = await login({ email: '  mixed.CASE@test.local ', password: DEFAULT_PASSWORD }).expect(200);
      expect(res.body.customer.id).toBe(c.id);
    });

    it('answers a wrong password and an unknown email with the same 401', async () => {
      const c = await createCustomer(t.ds);
      const wrong = await login({ email: c.email, password: 'not-the-password' });
      const unknown = await login({ email: 'nobody@test.local', password: DEFAULT_PASSWORD });
      expectError(wrong, 401, 'INVALID_CREDENTIALS');
      expect(unknown.body).toEqual(wrong.body);
      expect(unknown.status).toBe(401);
      // The password is case-sensitive.
      expectError(await login({ email: c.email, password: DEFAULT_PASSWORD.toUpperCase() }), 401, 'INVALID_CREDENTIALS');
    });

    it('refuses a guest account, whatever the password', async () => {
      const guest = await createCustomer(t.ds, { isGuest: true });
      expectError(await login({ email: guest.email, password: DEFAULT_PASSWORD }), 401, 'INVALID_CREDENTIALS');
      expectError(await login({ email: guest.email, password: 'anything-at-all' }), 401, 'INVALID_CREDENTIALS');
    });

    it('an admin logs in with role admin in the token', async () => {
      const admin = await createCustomer(t.ds, { role: 'admin' });
      const res = await login({ email: admin.email, password: DEFAULT_PASSWORD }).expect(200);
      expect(res.body.customer.role).toBe('admin');
      expect(new JwtService().decode(res.body.accessToken)).toMatchObject({ sub: admin.id, role: 'admin' });
    });

    it('validates the body', async () => {
      const res = await login({ email: 'nope' });
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'password']);
      expectError(await login({ email: 'a@test.local', password: 'x', remember: true }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('POST /api/auth/refresh', () => {
    const session = async () => {
      const c = await createCustomer(t.ds);
      const res = await login({ email: c.email, password: DEFAULT_PASSWORD }).expect(200);
      return { customer: c, accessToken: res.body.accessToken as string, refreshToken: res.body.refreshToken as string };
    };

    it('rotates: returns a new pair, and the new pair works', async () => {
      const s = await session();
      const res = await refresh(s.refreshToken).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'tokenType']);
      expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: t.config.auth.accessTtlSeconds });
      expect(res.body.refreshToken).not.toBe(s.refreshToken);
      expect((await me(res.body.accessToken).expect(200)).body.customer.id).toBe(s.customer.id);

      // Same family, old one marked used.
      const oldRow = await tokenRow(s.refreshToken);
      const newRow = await tokenRow(res.body.refreshToken);
      expect(newRow?.family_id).toBe(oldRow?.family_id);
      expect(oldRow?.used_at).not.toBeNull();
      expect(newRow?.used_at).toBeNull();

      // And the next rotation works too.
      await refresh(res.body.refreshToken).expect(200);
    });

    it('stores refresh tokens hashed, never the secret', async () => {
      const s = await session();
      const [, secret] = s.refreshToken.split('.');
      const row = await tokenRow(s.refreshToken);
      expect(row).toBeDefined();
      expect(row!.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row!.token_hash).not.toBe(secret);
      expect(row!.token_hash).not.toContain(secret!);
      expect(row!.token_hash).toBe(createHash('sha256').update(secret!).digest('hex'));
      const dump = JSON.stringify(await t.ds.query(`SELECT * FROM refresh_tokens`));
      expect(dump).not.toContain(secret!);
    });

    it('a reused token is 401 REFRESH_TOKEN_REUSED and revokes the whole family', async () => {
      const s = await session();
      const next = await refresh(s.refreshToken).expect(200);
      expectError(await refresh(s.refreshToken), 401, 'REFRESH_TOKEN_REUSED');
      // The legitimate-looking newer token of that family is dead as well.
      expectError(await refresh(next.body.refreshToken), 401, 'INVALID_REFRESH_TOKEN');
      const rows = await t.ds.query(`SELECT revoked_at FROM refresh_tokens WHERE family_id = $1`, [(await tokenRow(s.refreshToken))!.family_id]);
      expect(rows.length).toBe(2);
      for (const r of rows) expect(r.revoked_at).not.toBeNull();
    });

    it('revoking one family leaves the customer\'s other sessions alone', async () => {
      const s = await session();
      const other = await login({ email: s.customer.email, password: DEFAULT_PASSWORD }).expect(200);
      await refresh(s.refreshToken).expect(200);
      expectError(await refresh(s.refreshToken), 401, 'REFRESH_TOKEN_REUSED');
      await refresh(other.body.refreshToken).expect(200);
    });

    it('two concurrent refreshes with one token: exactly one 200, the other 401, and the family is revoked', async () => {
      const s = await session();
      const results = await Promise.all([refresh(s.refreshToken), refresh(s.refreshToken)]);
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 401]);
      const loser = results.find((r) => r.status === 401)!;
      expectError(loser, 401, 'REFRESH_TOKEN_REUSED');
      // A raced token counts as reuse: the token the winner got belongs to the revoked family too.
      const winner = results.find((r) => r.status === 200)!;
      expectError(await refresh(winner.body.refreshToken), 401, 'INVALID_REFRESH_TOKEN');
    });

    it('garbage, forged and malformed tokens are 401 INVALID_REFRESH_TOKEN', async () => {
      const s = await session();
      const [id] = s.refreshToken.split('.');
      for (const token of [
        'garbage',
        `${id}.${'A'.repeat(43)}`, // right id, wrong secret
        `00000000-0000-4000-8000-000000000000.${s.refreshToken.split('.')[1]}`, // unknown id
        s.accessToken.slice(0, 200),
        `${s.refreshToken}x`,
      ]) {
        expectError(await refresh(token), 401, 'INVALID_REFRESH_TOKEN', 'Invalid refresh token');
      }
      // Guessing does not burn the real token.
      await refresh(s.refreshToken).expect(200);
    });

    it('a missing or non-string token is a validation error', async () => {
      expectError(await request(t.http).post('/api/auth/refresh').send({}), 400, 'VALIDATION_FAILED');
      expectError(await refresh(12345), 400, 'VALIDATION_FAILED');
      expectError(await refresh(''), 400, 'VALIDATION_FAILED');
    });

    it('an expired refresh token is 401', async () => {
      const s = await session();
      await t.ds.query(`UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [s.refreshToken.split('.')[0]]);
      expectError(await refresh(s.refreshToken), 401, 'INVALID_REFRESH_TOKEN');
    });

    it('refresh tokens expire after the configured lifetime', async () => {
      const before = Date.now();
      const s = await session();
      const [row] = await t.ds.query(`SELECT expires_at FROM refresh_tokens WHERE id = $1`, [s.refreshToken.split('.')[0]]);
      const ttl = t.config.auth.refreshTtlSeconds * 1000;
      expect(new Date(row.expires_at).getTime()).toBeGreaterThanOrEqual(before + ttl - 1000);
      expect(new Date(row.expires_at).getTime()).toBeLessThanOrEqual(Date.now() + ttl + 1000);
    });

    it('reads the role afresh: a promotion shows up in the refreshed access token', async () => {
      const s = await session();
      await t.ds.query(`UPDATE customers SET role = 'admin' WHERE id = $1`, [s.customer.id]);
      const res = await refresh(s.refreshToken).expect(200);
      expect(new JwtService().decode(res.body.accessToken)).toMatchObject({ sub: s.customer.id, role: 'admin' });
    });

    it('a refresh token stops working when its account is deleted', async () => {
      const s = await session();
      await t.ds.query(`DELETE FROM customers WHERE id = $1`, [s.customer.id]);
      expectError(await refresh(s.refreshToken), 401, 'INVALID_REFRESH_TOKEN');
    });
  });

  describe('GET /api/auth/me and access tokens', () => {
    const paths = ['/api/auth/me', '/api/customers/me'];

    it('returns the signed-in customer', async () => {
      const { customer, auth } = await signedIn(t, { phone: '+1 555 0100' });
      const res = await request(t.http).get('/api/auth/me').set(auth).expect(200);
      expect(res.body).toEqual({
        customer: {
          id: customer.id,
          email: customer.email,
          name: customer.name,
          phone: '+1 555 0100',
          role: 'customer',
          isGuest: false,
          emailVerified: false,
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
        },
      });
    });

    it.each(paths)('%s without an Authorization header is 401 "Missing Authorization Header"', async (path) => {
      const res = await request(t.http).get(path);
      expectError(res, 401, 'MISSING_AUTH_HEADER', 'Missing Authorization Header');
      expect(res.body.error).toBe('Unauthorized');
    });

    it.each(paths)('%s rejects every bad token with 401', async (path) => {
      const customer = await createCustomer(t.ds);
      const secret = t.config.auth.jwtSecret;
      const claims = { sub: customer.id, role: 'customer', typ: 'access' };
      const good = tokenFor(t, customer);
      const [header, payload] = good.split('.');
      const now = Math.floor(Date.now() / 1000);
      const session = await request(t.http).post('/api/auth/login').send({ email: customer.email, password: DEFAULT_PASSWORD }).expect(200);

      const bad: Record<string, string> = {
        'not a bearer scheme': `Basic ${Buffer.from('a:b').toString('base64')}`,
        'bearer without a token': 'Bearer',
        'bearer and spaces': 'Bearer    ',
        'garbage token': 'Bearer not.a.jwt',
        'random word': 'Bearer hello',
        'another secret': `Bearer ${new JwtService({ secret: 'another-secret-0123456789' }).sign(claims, { issuer: 'checkout-orders' })}`,
        'alg none': `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`,
        'alg none, no dot': `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${payload}`,
        'tampered payload': `Bearer ${header}.${b64url({ ...claims, role: 'admin', iss: 'checkout-orders', iat: now })}.${good.split('.')[2]}`,
        'HS512 instead of HS256': `Bearer ${new JwtService({ secret }).sign(claims, { algorithm: 'HS512', issuer: 'checkout-orders' })}`,
        expired: `Bearer ${new JwtService({ secret }).sign({ ...claims, iat: now - 3600, exp: now - 60 }, { issuer: 'checkout-orders' })}`,
        'wrong issuer': `Bearer ${new JwtService({ secret }).sign(claims, { issuer: 'someone-else', expiresIn: 60 })}`,
        'no issuer': `Bearer ${new JwtService({ secret }).sign(claims, { expiresIn: 60 })}`,
        'role superuser': `Bearer ${new JwtService({ secret }).sign({ ...claims, role: 'superuser' }, { issuer: 'checkout-orders', expiresIn: 60 })}`,
        'no role': `Bearer ${new JwtService({ secret }).sign({ sub: customer.id, typ: 'access' }, { issuer: 'checkout-orders', expiresIn: 60 })}`,
        'typ refresh': `Bearer ${new JwtService({ secret }).sign({ ...claims, typ: 'refresh' }, { issuer: 'checkout-orders', expiresIn: 60 })}`,
        'no sub': `Bearer ${new JwtService({ secret }).sign({ role: 'customer', typ: 'access' }, { issuer: 'checkout-orders', expiresIn: 60 })}`,
        'sub not a uuid': `Bearer ${new JwtService({ secret }).sign({ ...claims, sub: 'not-a-uuid' }, { issuer: 'checkout-orders', expiresIn: 60 })}`,
        'refresh token as access token': `Bearer ${session.body.refreshToken}`,
      };
      for (const [label, value] of Object.entries(bad)) {
        const res = await request(t.http).get(path).set('Authorization', value);
        try {
          expect(res.status).toBe(401);
          expectError(res, 401, res.body.code);
          expect(['INVALID_TOKEN', 'MISSING_AUTH_HEADER']).toContain(res.body.code);
        } catch (e) {
          throw new Error(`${label}: got ${res.status} ${JSON.stringify(res.body)}\n${String(e)}`, { cause: e });
        }
      }
      // Control: the genuine token is accepted on the same route.
      await request(t.http).get(path).set('Authorization', `Bearer ${good}`).expect(200);
      await request(t.http).get(path).set('Authorization', `bearer ${good}`).expect(200);
    });

    it('an expired token signed by the app itself is 401 INVALID_TOKEN', async () => {
      const customer = await createCustomer(t.ds);
      const jwt = t.app.get(JwtService);
      const token = jwt.sign({ sub: customer.id, role: 'customer', typ: 'access' }, { expiresIn: -10 });
      expectError(await me(token), 401, 'INVALID_TOKEN');
    });

    it('a valid token for an account that no longer exists is 401', async () => {
      const { customer, auth } = await signedIn(t);
      await t.ds.query(`DELETE FROM customers WHERE id = $1`, [customer.id]);
      const res = await request(t.http).get('/api/auth/me').set(auth);
      expectError(res, 401, 'INVALID_TOKEN');
    });
  });

  describe('roles (through a real admin route)', () => {
    // GET /api/admin/products is @Roles('admin'); only the guard outcome is asserted, not the catalog's body.
    const ADMIN_ROUTE = '/api/admin/products';

    it('a customer gets 403 FORBIDDEN, an admin gets in, an anonymous caller gets 401', async () => {
      const asCustomer = await signedIn(t);
      expectError(await request(t.http).get(ADMIN_ROUTE).set(asCustomer.auth), 403, 'FORBIDDEN');
      const asAdmin = await signedIn(t, { role: 'admin' });
      await request(t.http).get(ADMIN_ROUTE).set(asAdmin.auth).expect(200);
      expectError(await request(t.http).get(ADMIN_ROUTE), 401, 'MISSING_AUTH_HEADER', 'Missing Authorization Header');
    });

    it('a customer token with a forged admin role is rejected by signature, not let in', async () => {
      const { customer } = await signedIn(t);
      const good = tokenFor(t, customer);
      const [header, , sig] = good.split('.');
      const now = Math.floor(Date.now() / 1000);
      const forged = `${header}.${b64url({ sub: customer.id, role: 'admin', typ: 'access', iss: 'checkout-orders', iat: now, exp: now + 60 })}.${sig}`;
      expectError(await request(t.http).get(ADMIN_ROUTE).set('Authorization', `Bearer ${forged}`), 401, 'INVALID_TOKEN');
    });
  });

  describe('rate limit', () => {
    it('the 4th login within the window is 429 RATE_LIMITED when AUTH_RATE_LIMIT=3', async () => {
      const limited = await createTestApp({ AUTH_RATE_LIMIT: '3' });
      try {
        const c = await createCustomer(limited.ds);
        const attempt = () => request(limited.http).post('/api/auth/login').send({ email: c.email, password: 'wrong-password' });
        for (let i = 0; i < 3; i++) expectError(await attempt(), 401, 'INVALID_CREDENTIALS');
        const res = await attempt();
        expectError(res, 429, 'RATE_LIMITED');
        expect(res.body.error).toBe('Too Many Requests');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        // Even the right password is refused until the window passes.
        expectError(
          await request(limited.http).post('/api/auth/login').send({ email: c.email, password: DEFAULT_PASSWORD }),
          429,
          'RATE_LIMITED',
        );
        // Register and refresh are limited as well.
        for (let i = 0; i < 3; i++) await request(limited.http).post('/api/auth/refresh').send({ refreshToken: 'x' }).expect(401);
        expectError(await request(limited.http).post('/api/auth/refresh').send({ refreshToken: 'x' }), 429, 'RATE_LIMITED');
      } finally {
        await limited.close();
      }
    });
  });

  describe('admin bootstrap', () => {
    const ADMIN = { ADMIN_EMAIL: 'boss@test.local', ADMIN_PASSWORD: 'boss-password-1' };

    it('creates the admin from ADMIN_EMAIL / ADMIN_PASSWORD; a second boot neither duplicates nor changes it', async () => {
      const first = await createTestApp(ADMIN);
      let before: { id: string; password_hash: string; updated_at: Date }[];
      try {
        const res = await request(first.http).post('/api/auth/login').send({ email: 'boss@test.local', password: 'boss-password-1' }).expect(200);
        expect(res.body.customer).toMatchObject({ email: 'boss@test.local', role: 'admin', isGuest: false, emailVerified: true });
        expect(new JwtService().decode(res.body.accessToken)).toMatchObject({ role: 'admin' });
        const meRes = await request(first.http).get('/api/auth/me').set('Authorization', `Bearer ${res.body.accessToken}`).expect(200);
        expect(meRes.body.customer.role).toBe('admin');
        before = await first.ds.query(`SELECT id, password_hash, updated_at FROM customers WHERE lower(email) = 'boss@test.local'`);
        expect(before).toHaveLength(1);
      } finally {
        await first.close();
      }

      // A second boot, even with another password (and another case), leaves the account alone.
      const second = await createTestApp({ ADMIN_EMAIL: 'BOSS@test.local', ADMIN_PASSWORD: 'other-password-2' });
      try {
        const after = await second.ds.query(`SELECT id, password_hash, updated_at, role FROM customers WHERE lower(email) = 'boss@test.local'`);
        expect(after).toHaveLength(1);
        expect(after[0]).toEqual({ ...before[0], role: 'admin' });
        await request(second.http).post('/api/auth/login').send({ email: 'boss@test.local', password: 'boss-password-1' }).expect(200);
        expectError(
          await request(second.http).post('/api/auth/login').send({ email: 'boss@test.local', password: 'other-password-2' }),
          401,
          'INVALID_CREDENTIALS',
        );
      } finally {
        await second.close();
      }
    });

    it('two instances booting at once create one admin', async () => {
      const apps = await Promise.all([createTestApp(ADMIN), createTestApp(ADMIN)]);
      try {
        const rows = await apps[0].ds.query(`SELECT role FROM customers WHERE lower(email) = 'boss@test.local'`);
        expect(rows).toEqual([{ role: 'admin' }]);
      } finally {
        await Promise.all(apps.map((a) => a.close()));
      }
    });

    it('does not promote an existing customer who holds ADMIN_EMAIL', async () => {
      const c = await createCustomer(t.ds, { email: 'boss@test.local' });
      const app = await createTestApp(ADMIN);
      try {
        const rows = await app.ds.query(`SELECT id, role FROM customers WHERE lower(email) = 'boss@test.local'`);
        expect(rows).toEqual([{ id: c.id, role: 'customer' }]);
      } finally {
        await app.close();
      }
    });

    it('creates no account when ADMIN_EMAIL is empty', async () => {
      // `t` was booted with ADMIN_EMAIL=''; a fresh boot after truncation proves it.
      const app = await createTestApp();
      try {
        const [{ n }] = await app.ds.query(`SELECT count(*)::int AS n FROM customers`);
        expect(n).toBe(0);
      } finally {
        await app.close();
      }
    });
  });
});

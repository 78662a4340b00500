import request from 'supertest';
import { truncateAll } from '../db';
import { createCustomer, DEFAULT_PASSWORD, signedIn } from '../factories/customer.factory';
import { createTestApp, type TestApp } from '../test-app';

const ERROR_KEYS = ['code', 'error', 'message', 'statusCode'];

/** Exactly `{ statusCode, error, code, message }` (+ `errors` for validation), status and code as given. */
function expectError(res: request.Response, status: number, code: string, message?: string) {
  expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body.statusCode).toBe(status);
  expect(typeof res.body.error).toBe('string');
  expect(res.body.error.length).toBeGreaterThan(0);
  expect(typeof res.body.message).toBe('string');
  expect(res.body.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
  const keys = Object.keys(res.body).sort();
  if (code === 'VALIDATION_FAILED') {
    expect(keys).toEqual([...ERROR_KEYS, 'errors'].sort());
    expect(Array.isArray(res.body.errors)).toBe(true);
    expect(res.body.errors.length).toBeGreaterThan(0);
  } else {
    expect(keys).toEqual(ERROR_KEYS);
  }
  if (message !== undefined) expect(res.body.message).toBe(message);
}

const ALLOWED_ORIGIN = 'http://localhost:5173';
const EVIL_ORIGIN = 'https://evil.example';

describe('HTTP behaviour shared by every route', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());
  beforeEach(() => truncateAll(t.ds));

  describe('request bodies', () => {
    it.each([
      ['truncated object', '{"email": "a@test.local", "password":'],
      ['single quotes', "{'email': 'a@test.local'}"],
      ['trailing comma', '{"email": "a@test.local",}'],
      ['bare string', '"just a string"'],
      ['bare number', '42'],
      ['null', 'null'],
      ['not json at all', 'email=a@test.local'],
    ])('malformed JSON (%s) is 400 MALFORMED_JSON, never a 500', async (_label, raw) => {
      const res = await request(t.http).post('/api/auth/login').set('Content-Type', 'application/json').send(raw);
      expectError(res, 400, 'MALFORMED_JSON', 'Request body is not valid JSON');
      expect(res.body.error).toBe('Bad Request');
      // The parser's own message (positions, tokens) is not echoed.
      expect(res.text).not.toMatch(/Unexpected|position|JSON\.parse/);
    });

    it('malformed JSON on an authenticated route is also 400 MALFORMED_JSON', async () => {
      const { auth } = await signedIn(t);
      const res = await request(t.http).patch('/api/customers/me').set(auth).set('Content-Type', 'application/json').send('{"name": ');
      expectError(res, 400, 'MALFORMED_JSON');
    });

    it('a JSON array, an empty body or a non-JSON content type is a 400, never a 500', async () => {
      for (const raw of ['[]', '[{"email":"a@test.local","password":"x"}]', '']) {
        const res = await request(t.http).post('/api/auth/login').set('Content-Type', 'application/json').send(raw);
        expect(res.status).toBe(400);
        expectError(res, 400, res.body.code);
      }
      const text = await request(t.http).post('/api/auth/login').set('Content-Type', 'text/plain').send('hello');
      expect(text.status).toBe(400);
      expectError(text, 400, text.body.code);
    });

    it('an unsupported charset is a 415 in the error shape', async () => {
      const res = await request(t.http)
        .post('/api/auth/login')
        .set('Content-Type', 'application/json; charset=klingon')
        .send('{"email":"a@test.local","password":"x"}');
      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('a form-encoded login works like JSON (and is validated the same way)', async () => {
      const c = await createCustomer(t.ds);
      await request(t.http).post('/api/auth/login').type('form').send({ email: c.email, password: DEFAULT_PASSWORD }).expect(200);
      expectError(await request(t.http).post('/api/auth/login').type('form').send({ email: c.email }), 400, 'VALIDATION_FAILED');
    });

    describe('with BODY_LIMIT=1kb', () => {
      let small: TestApp;
      beforeAll(async () => {
        small = await createTestApp({ BODY_LIMIT: '1kb' });
      });
      afterAll(() => small.close());

      it('a JSON body over the limit is 413 PAYLOAD_TOO_LARGE', async () => {
        const res = await request(small.http)
          .post('/api/auth/login')
          .send({ email: 'a@test.local', password: 'x'.repeat(2048) });
        expectError(res, 413, 'PAYLOAD_TOO_LARGE', 'Request body is too large');
        expect(res.body.error).toBe('Payload Too Large');
      });

      it('a form body over the limit is 413 too', async () => {
        const res = await request(small.http).post('/api/auth/login').type('form').send(`email=a%40test.local&password=${'x'.repeat(2048)}`);
        expectError(res, 413, 'PAYLOAD_TOO_LARGE');
      });

      it('a body under the limit is served normally', async () => {
        const res = await request(small.http).post('/api/auth/login').send({ email: 'nobody@test.local', password: 'x'.repeat(100) });
        expectError(res, 401, 'INVALID_CREDENTIALS');
      });
    });
  });

  describe('URLs and methods', () => {
    it('a path with broken percent-encoding is 400, never 500', async () => {
      const { auth } = await signedIn(t);
      const res = await request(t.http).delete('/api/customers/me/addresses/%E0%A4%A').set(auth);
      expect(res.status).toBe(400);
      expectError(res, 400, res.body.code);
    });

    it('paths outside /api are JSON 404s too, while health, metrics and the docs stay served', async () => {
      for (const path of ['/', '/customers/me', '/favicon.ico', '/apiary', '/healthz', '/docsx']) {
        const res = await request(t.http).get(path);
        try {
          expectError(res, 404, 'NOT_FOUND', 'Route not found');
        } catch (e) {
          throw new Error(`${path}: got ${res.status} ${res.text}\n${String(e)}`, { cause: e });
        }
      }
      expectError(await request(t.http).post('/health').send({}), 404, 'NOT_FOUND', 'Route not found');
      await request(t.http).get('/health').expect(200);
      await request(t.http).get('/health/').expect(200);
      await request(t.http).get('/health/ready').expect(200);
      await request(t.http).get('/metrics').expect(200);
      expect((await request(t.http).get('/docs-json').expect(200)).body.openapi).toMatch(/^3\./);
      expect((await request(t.http).get('/docs-yaml').expect(200)).text).toMatch(/^openapi: /m);
      expect((await request(t.http).get('/docs').redirects(1)).status).toBe(200);
      await request(t.http).get('/docs/swagger-ui-init.js').expect(200);
    });

    it('an unknown route or method is 404 in the error shape', async () => {
      const { auth } = await signedIn(t);
      expectError(await request(t.http).put('/api/customers/me').set(auth).send({}), 404, 'NOT_FOUND', 'Route not found');
      expectError(await request(t.http).get('/api/auth/register'), 404, 'NOT_FOUND', 'Route not found');
      expectError(await request(t.http).get('/customers/me'), 404, 'NOT_FOUND', 'Route not found');
    });
  });

  describe('CORS', () => {
    it('a preflight from an allowed origin is answered with the allow headers', async () => {
      const res = await request(t.http)
        .options('/api/auth/login')
        .set('Origin', ALLOWED_ORIGIN)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type,authorization,idempotency-key,x-session-id');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      expect(res.headers['access-control-allow-methods']).toEqual(expect.stringContaining('POST'));
      expect(res.headers['access-control-allow-methods']).toEqual(expect.stringContaining('PATCH'));
      const allowed = String(res.headers['access-control-allow-headers']).toLowerCase();
      for (const h of ['authorization', 'content-type', 'idempotency-key', 'x-session-id']) expect(allowed).toContain(h);
      expect(res.headers['access-control-max-age']).toBe('600');
      expect(String(res.headers.vary)).toMatch(/Origin/i);
    });

    it('the other configured origin is allowed too', async () => {
      const res = await request(t.http)
        .options('/api/customers/me')
        .set('Origin', 'http://localhost:3000')
        .set('Access-Control-Request-Method', 'GET');
      expect(res.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    });

    it('a preflight from a disallowed origin gets no allow-origin header', async () => {
      const res = await request(t.http)
        .options('/api/auth/login')
        .set('Origin', EVIL_ORIGIN)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type');
      expect(res.status).toBeLessThan(500);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('actual responses carry allow-origin and expose the headers a client reads, only for allowed origins', async () => {
      const ok = await request(t.http).get('/api/auth/me').set('Origin', ALLOWED_ORIGIN);
      expect(ok.status).toBe(401);
      expect(ok.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      const exposed = String(ok.headers['access-control-expose-headers']).toLowerCase();
      for (const h of ['x-request-id', 'x-session-id', 'idempotent-replayed', 'retry-after']) expect(exposed).toContain(h);

      const evil = await request(t.http).get('/api/auth/me').set('Origin', EVIL_ORIGIN);
      expect(evil.status).toBe(401);
      expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('CORS_ORIGINS replaces the default list', async () => {
      const app = await createTestApp({ CORS_ORIGINS: 'https://shop.example' });
      try {
        const shop = await request(app.http).options('/api/auth/login').set('Origin', 'https://shop.example').set('Access-Control-Request-Method', 'POST');
        expect(shop.headers['access-control-allow-origin']).toBe('https://shop.example');
        const dev = await request(app.http).options('/api/auth/login').set('Origin', ALLOWED_ORIGIN).set('Access-Control-Request-Method', 'POST');
        expect(dev.headers['access-control-allow-origin']).toBeUndefined();
      } finally {
        await app.close();
      }
    });
  });

  describe('security headers', () => {
    it.each([
      ['a success', (app: TestApp) => request(app.http).get('/health')],
      ['an error', (app: TestApp) => request(app.http).get('/api/customers/me')],
      ['an unknown route', (app: TestApp) => request(app.http).get('/api/nope')],
    ])('helmet headers are on %s', async (_label, call) => {
      const res = await call(t);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['content-security-policy']).toBeDefined();
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('error bodies', () => {
    it('every kind of error has exactly statusCode, error, code, message (+ errors for validation)', async () => {
      const { customer, auth } = await signedIn(t);
      const other = await createCustomer(t.ds);
      const cases: [string, () => request.Test, number, string][] = [
        ['validation', () => request(t.http).post('/api/auth/register').send({}), 400, 'VALIDATION_FAILED'],
        ['malformed uuid', () => request(t.http).patch('/api/customers/me/addresses/nope').set(auth).send({}), 400, 'BAD_REQUEST'],
        ['malformed JSON', () => request(t.http).post('/api/auth/login').set('Content-Type', 'application/json').send('{'), 400, 'MALFORMED_JSON'],
        ['missing token', () => request(t.http).get('/api/customers/me'), 401, 'MISSING_AUTH_HEADER'],
        ['bad token', () => request(t.http).get('/api/customers/me').set('Authorization', 'Bearer x.y.z'), 401, 'INVALID_TOKEN'],
        ['bad credentials', () => request(t.http).post('/api/auth/login').send({ email: customer.email, password: 'wrong-password' }), 401, 'INVALID_CREDENTIALS'],
        ['bad refresh token', () => request(t.http).post('/api/auth/refresh').send({ refreshToken: 'nope' }), 401, 'INVALID_REFRESH_TOKEN'],
        ['missing resource', () => request(t.http).delete('/api/customers/me/addresses/00000000-0000-4000-8000-000000000000').set(auth), 404, 'ADDRESS_NOT_FOUND'],
        ['unknown route', () => request(t.http).get('/api/nope'), 404, 'NOT_FOUND'],
        ['conflict', () => request(t.http).post('/api/auth/register').send({ email: other.email, password: 'long-enough-1', name: 'X' }), 409, 'EMAIL_TAKEN'],
      ];
      for (const [label, call, status, code] of cases) {
        const res = await call();
        try {
          expectError(res, status, code);
        } catch (e) {
          throw new Error(`${label}: got ${res.status} ${res.text}\n${String(e)}`, { cause: e });
        }
      }
    });

    it('validation errors list each field with its messages', async () => {
      const res = await request(t.http).post('/api/auth/register').send({ email: 'x', password: 1, name: '', role: 'admin' });
      expectError(res, 400, 'VALIDATION_FAILED');
      for (const e of res.body.errors) {
        expect(Object.keys(e).sort()).toEqual(['field', 'messages']);
        expect(e.messages.length).toBeGreaterThan(0);
      }
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'name', 'password', 'role']);
      // The summary message mentions every problem.
      for (const e of res.body.errors) for (const m of e.messages) expect(res.body.message).toContain(m);
    });

    it('an unexpected server fault is a bare 500 that echoes nothing internal', async () => {
      const { auth } = await signedIn(t);
      await t.ds.query(`ALTER TABLE addresses RENAME TO addresses_hidden`);
      let res: request.Response;
      try {
        res = await request(t.http).get('/api/customers/me/addresses').set(auth);
      } finally {
        await t.ds.query(`ALTER TABLE addresses_hidden RENAME TO addresses`);
      }
      expectError(res, 500, 'INTERNAL_ERROR', 'Internal server error');
      expect(res.body.error).toBe('Internal Server Error');
      expect(res.text).not.toMatch(/addresses|relation|SELECT|QueryFailed/i);
    });
  });
});

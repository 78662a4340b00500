import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { truncateAll } from '../db';
import { signedIn } from '../factories/customer.factory';
import { createTestApp, type TestApp } from '../test-app';

/** helmet 8's default response headers (`helmet()`), which Express sent on every response. */
const HELMET_DEFAULTS: readonly (readonly [string, string])[] = [
  [
    'Content-Security-Policy',
    "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;" +
      "object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
  ],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['Referrer-Policy', 'no-referrer'],
  ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Download-Options', 'noopen'],
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
  ['X-XSS-Protection', '0'],
];

/**
 * HTTP details the move from Express to Fastify had to keep (docs/architecture.md, "HTTP layer"): each of these was
 * Express's (or body-parser's, helmet's, cors') behaviour, and Fastify's default differs.
 */
describe('HTTP behaviour kept from the Express version', () => {
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(() => t.close());
  beforeEach(() => truncateAll(t.ds));

  describe('request bodies', () => {
    it('Content-Type: application/json with an empty body is {} (not Fastify\'s 400), and no body at all is fine', async () => {
      const { auth } = await signedIn(t);
      // Routes without a body: a client library that always sends the JSON content type must not get a 400.
      expect((await request(t.http).delete('/api/cart').set(auth).set('Content-Type', 'application/json').send('')).status).toBe(200);
      const confirm = await request(t.http).post('/api/checkout/00000000-0000-4000-8000-000000000000/confirm').set(auth).set('Content-Type', 'application/json').send('');
      expect({ status: confirm.status, code: confirm.body.code }).toEqual({ status: 404, code: 'CHECKOUT_NOT_FOUND' });
      // A route with a body DTO: the empty body is validated as {}.
      const login = await request(t.http).post('/api/auth/login').set('Content-Type', 'application/json').send('');
      expect({ status: login.status, code: login.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    });

    it('a content type the API does not parse is left unread (validation answers), not a 415', async () => {
      for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/vnd.api+json']) {
        const res = await request(t.http).post('/api/auth/login').set('Content-Type', type).send('{"email":"a@test.local","password":"x"}');
        expect({ type, status: res.status, code: res.body.code }).toEqual({ type, status: 400, code: 'VALIDATION_FAILED' });
      }
    });

    it('JSON charsets: utf-8 in any case and a BOM are read; a non-UTF charset is 415', async () => {
      for (const [type, body] of [
        ['application/json; charset=UTF-8', '{"email":"nobody@test.local","password":"x"}'],
        ['APPLICATION/JSON', '{"email":"nobody@test.local","password":"x"}'],
        ['application/json', '\ufeff{"email":"nobody@test.local","password":"x"}'],
      ] as const) {
        const res = await request(t.http).post('/api/auth/login').set('Content-Type', type).send(body);
        expect({ type, status: res.status, code: res.body.code }).toEqual({ type, status: 401, code: 'INVALID_CREDENTIALS' });
      }
      // utf-16 was decoded under Express; JSON is UTF-8 only now (RFC 8259), as in Fastify.
      for (const charset of ['latin1', 'utf-klingon', 'utf-16le']) {
        const res = await request(t.http).post('/api/auth/login').set('Content-Type', `application/json; charset=${charset}`).send('{}');
        expect({ charset, status: res.status, code: res.body.code }).toEqual({ charset, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
      }
    });

    // Changed with @fastify/formbody + qs (was body-parser): a non-UTF-8 form charset is 415 (iso-8859-1 was decoded),
    // and past qs' 1000 parameters the rest is dropped, so validation answers (body-parser: 413).
    it('forms: flat keys (no nesting), UTF-8 only, more than 1000 parameters is a 400', async () => {
      const nested = await request(t.http).post('/api/auth/login').type('form').send('email[a]=1&password=x');
      expect(nested.body.message).toContain('property email[a] should not exist');
      const utf8 = await request(t.http).post('/api/auth/login').set('Content-Type', 'application/x-www-form-urlencoded; charset=UTF-8').send('email=nobody%40test.local&password=x');
      expect(utf8.status).toBe(401);
      const latin1 = await request(t.http).post('/api/auth/login').set('Content-Type', 'application/x-www-form-urlencoded; charset=iso-8859-1').send('email=nobody%40test.local&password=x');
      expect({ status: latin1.status, code: latin1.body.code }).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
      const many = await request(t.http).post('/api/auth/login').type('form').send(Array.from({ length: 1001 }, (_, i) => `p${i}=1`).join('&'));
      expect({ status: many.status, code: many.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    });

    it('deflate and br bodies are inflated too, a coding in capitals as well (codings are case-insensitive); an unknown encoding is 415', async () => {
      const { deflateSync, brotliCompressSync } = await import('node:zlib');
      const login = '{"email":"nobody@test.local","password":"x"}';
      for (const [encoding, body] of [['deflate', deflateSync(login)], ['br', brotliCompressSync(login)], ['GZIP', gzipSync(login)]] as const) {
        const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Encoding': encoding }, body });
        expect({ encoding, status: res.status }).toEqual({ encoding, status: 401 });
      }
      const unknown = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'x-klingon' }, body: '{}' });
      expect({ status: unknown.status, code: ((await unknown.json()) as { code: string }).code }).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    });
  });

  describe('routing', () => {
    it('paths under /api match case-insensitively and with a trailing slash; outside /api only the exact spellings', async () => {
      await request(t.http).get('/api/PRODUCTS').expect(200);
      await request(t.http).get('/api/products/').expect(200);
      await request(t.http).get('/health/ready/').expect(200);
      for (const path of ['/API/products', '/Health', '/Docs-json', '//api/products', '/METRICS']) {
        const res = await request(t.http).get(path);
        expect({ path, status: res.status, code: res.body.code, message: res.body.message }).toEqual({ path, status: 404, code: 'NOT_FOUND', message: 'Route not found' });
      }
    });

    it('HEAD is answered for every GET route, with its headers and no body', async () => {
      const res = await request(t.http).head('/api/products');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.text ?? '').toBe('');
      expect((await request(t.http).head('/nope')).status).toBe(404);
    });

    it('a broken percent-encoding in the path is a 400 in the error shape, with the request id and security headers', async () => {
      const res = await request(t.http).get('/api/customers/me/addresses/%E0%A4%A');
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'BAD_REQUEST' });
      expect(Object.keys(res.body).sort()).toEqual(['code', 'error', 'message', 'statusCode']);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    });
  });

  describe('headers', () => {
    it('helmet\'s headers are on CORS preflights too (they ran before cors under Express)', async () => {
      const res = await request(t.http).options('/api/auth/login').set('Origin', 'http://localhost:5173').set('Access-Control-Request-Method', 'POST');
      expect(res.status).toBe(204);
      for (const [name, value] of HELMET_DEFAULTS) expect({ name, value: res.headers[name.toLowerCase()] }).toEqual({ name, value });
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      // The `cors` package's list format (no spaces).
      expect(res.headers['access-control-allow-methods']).toBe('GET,HEAD,POST,PUT,PATCH,DELETE');
      expect(res.headers['access-control-expose-headers']).toBe('X-Request-Id,X-Session-Id,Idempotent-Replayed,Retry-After');
    });

    it('a preflight without Origin is still answered 204, as the cors package did', async () => {
      expect((await request(t.http).options('/api/auth/login')).status).toBe(204);
    });

    it('Swagger UI\'s pages and documents name their charset', async () => {
      expect((await request(t.http).get('/docs/')).headers['content-type']).toBe('text/html; charset=utf-8');
      expect((await request(t.http).get('/docs-yaml')).headers['content-type']).toBe('text/yaml; charset=utf-8');
      expect((await request(t.http).get('/docs/swagger-ui-init.js')).headers['content-type']).toBe('application/javascript; charset=utf-8');
    });
  });

  it('metrics label a parameterised route by its template, and unknown paths as unmatched', async () => {
    await request(t.http).get('/api/products/00000000-0000-4000-8000-000000000000').expect(404);
    await request(t.http).get('/api/nope').expect(404);
    const text = (await request(t.http).get('/metrics').expect(200)).text;
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/api\/products\/:id",status_code="404"\} \d+/);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} \d+/);
  });

  it('idempotency keys are stored under the route template, as under Express (keys survive the switch)', async () => {
    const { auth } = await signedIn(t);
    await request(t.http).post('/api/checkout/00000000-0000-4000-8000-000000000000/confirm').set(auth).set('Idempotency-Key', 'k-route').send();
    const rows: { route: string }[] = await t.ds.query(`SELECT route FROM idempotency_keys WHERE key = 'k-route'`);
    expect(rows.map((r) => r.route)).toEqual(['POST /api/checkout/:id/confirm']);
  });

  (existsSync(join(__dirname, '..', '..', 'dist', 'demo', 'index.html')) ? describe : describe.skip)('demo pages (built)', () => {
    it('/demo redirects to /demo/, pages revalidate, hashed assets are immutable scripts, dot segments are 404', async () => {
      const redirect = await request(t.http).get('/demo?x=1');
      expect({ status: redirect.status, location: redirect.headers.location }).toEqual({ status: 301, location: '/demo/?x=1' });
      const page = await request(t.http).get('/demo/').expect(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['cache-control']).toBe('no-cache');
      await request(t.http).get('/DEMO/').expect(200);
      const script = /src="\/demo\/(assets\/[^"]+\.js)"/.exec(page.text)?.[1];
      expect(script).toBeDefined();
      const asset = await request(t.http).get(`/demo/${script}`).expect(200);
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
      for (const path of ['/demo/nope.js', '/demo/../package.json', '/demo/%2e%2e/package.json', '/demo/.hidden']) {
        const res = await request(t.http).get(path);
        expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 404, code: 'NOT_FOUND' });
      }
    });
  });
});

describe('TRUST_PROXY', () => {
  it('behind a trusted proxy, the client address comes from X-Forwarded-For (rate limits per client)', async () => {
    const t = await createTestApp({ TRUST_PROXY: 'loopback', AUTH_RATE_LIMIT: '2' });
    try {
      const login = (ip: string) => request(t.http).post('/api/auth/login').set('X-Forwarded-For', ip).send({ email: 'nobody@test.local', password: 'x' });
      expect((await login('203.0.113.1')).status).toBe(401);
      expect((await login('203.0.113.1')).status).toBe(401);
      expect((await login('203.0.113.1')).status).toBe(429);
      // Another client behind the same proxy has its own budget.
      expect((await login('203.0.113.2')).status).toBe(401);
    } finally {
      await t.close();
    }
  });
});

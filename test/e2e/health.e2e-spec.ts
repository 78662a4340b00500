import request from 'supertest';
import { createTestApp, type TestApp } from '../test-app';

describe('health, metrics, docs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('GET /health answers without the database', async () => {
    const res = await request(t.http).get('/health').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('GET /health/ready pings the database', async () => {
    const res = await request(t.http).get('/health/ready').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.info.database.status).toBe('up');
  });

  it('GET /metrics exposes request durations by route template and pool gauges', async () => {
    await request(t.http).get('/health').expect(200);
    const res = await request(t.http).get('/metrics').expect(200);
    expect(res.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/health",status_code="200"\} \d+/);
    expect(res.text).toMatch(/db_pool_connections_total \d+/);
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const doc = await request(t.http).get('/docs-json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/customers/me']));
    expect(doc.body.components.schemas.ErrorBody).toBeDefined();
    const ui = await request(t.http).get('/docs/').expect(200);
    expect(ui.text).toContain('swagger-ui');
  });

  it('echoes a sane X-Request-Id and replaces an unsafe one', async () => {
    const ok = await request(t.http).get('/health').set('X-Request-Id', 'abc-123').expect(200);
    expect(ok.headers['x-request-id']).toBe('abc-123');
    const bad = await request(t.http).get('/health').set('X-Request-Id', 'a b\tc').expect(200);
    expect(bad.headers['x-request-id']).not.toBe('a b\tc');
  });

  it('unknown routes are a 404 in the error shape', async () => {
    const res = await request(t.http).get('/api/nope').expect(404);
    expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', code: 'NOT_FOUND', message: 'Route not found' });
  });
});

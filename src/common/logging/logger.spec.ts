import fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { createLogger, genReqId, httpLogger } from './logger';

/**
 * Serves one request through httpLogger's hooks on a bare Fastify instance; the handler logs after an await, as a
 * service would. `body`: a POST with a JSON body (the AsyncLocalStorage context must survive reading it).
 */
async function serveOnce(requestContext: boolean, reqId?: string, opts: { status?: number; path?: string; body?: string } = {}) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger('info', sink);
  const hooks = httpLogger(logger, { requestContext });
  const app = fastify({ genReqId });
  app.addHook('onRequest', hooks.onRequest);
  if (hooks.preValidation) app.addHook('preValidation', hooks.preValidation);
  const handler = async (_req: unknown, reply: { code(n: number): unknown }) => {
    await sleep(1);
    logger.info({ context: 'Service' }, 'inside the request');
    reply.code(opts.status ?? 200);
    return 'ok';
  };
  app.get('/api/x', handler);
  app.get('/health', handler);
  app.post('/api/x', handler);
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}${opts.path ?? '/api/x'}`;
    const headers: Record<string, string> = reqId ? { 'X-Request-Id': reqId } : {};
    const res = opts.body
      ? await fetch(url, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: opts.body })
      : await fetch(url, { headers });
    expect(await res.text()).toBe('ok');
    expect(res.headers.get('x-request-id')).toEqual(reqId ?? expect.stringMatching(/^[0-9a-f-]{36}$/));
    await sleep(5); // the line is written once the response has finished
  } finally {
    await app.close();
  }
  return lines;
}

describe('httpLogger', () => {
  it('stamps reqId on lines logged inside the request when requestContext is on', async () => {
    const lines = await serveOnce(true, 'req-42');
    expect(lines.find((l) => l.msg === 'inside the request')).toMatchObject({ reqId: 'req-42', context: 'Service' });
    expect(lines.find((l) => l.msg === 'request completed')).toMatchObject({ req: { id: 'req-42', method: 'GET', url: '/api/x' }, res: { statusCode: 200 } });
  });

  it('keeps the context across reading a request body', async () => {
    const lines = await serveOnce(true, 'req-44', { body: '{"a":1}' });
    expect(lines.find((l) => l.msg === 'inside the request')).toMatchObject({ reqId: 'req-44' });
  });

  it('leaves them unstamped when it is off; the request line still has the id', async () => {
    const lines = await serveOnce(false, 'req-43');
    const inside = lines.find((l) => l.msg === 'inside the request');
    expect(inside).toBeDefined();
    expect(inside).not.toHaveProperty('reqId');
    expect(lines.find((l) => l.msg === 'request completed')).toMatchObject({ req: { id: 'req-43' }, res: { statusCode: 200 } });
  });

  it('writes the line pino-http wrote: same keys, in the same order, and levels by status', async () => {
    const [ok] = (await serveOnce(false, 'req-1')).filter((l) => l.req);
    expect(Object.keys(ok!)).toEqual(['level', 'time', 'req', 'res', 'responseTime', 'msg']);
    expect(ok).toMatchObject({ level: 30, req: { id: 'req-1', method: 'GET', url: '/api/x' }, res: { statusCode: 200 }, responseTime: expect.any(Number), msg: 'request completed' });
    expect((await serveOnce(false, 'req-2', { status: 404 })).find((l) => l.req)).toMatchObject({ level: 40, msg: 'request completed' });
    const failed = (await serveOnce(false, 'req-3', { status: 503 })).find((l) => l.req)!;
    expect(Object.keys(failed)).toEqual(['level', 'time', 'req', 'res', 'err', 'responseTime', 'msg']);
    expect(failed).toMatchObject({ level: 50, res: { statusCode: 503 }, err: { type: 'Error', message: 'failed with status code 503' }, msg: 'request errored' });
  });

  it('writes no line for /health, and replaces an unusable X-Request-Id', async () => {
    expect((await serveOnce(false, 'req-5', { path: '/health' })).filter((l) => l.req)).toEqual([]);
    const lines = await serveOnce(false, undefined);
    expect(lines.find((l) => l.req)).toMatchObject({ req: { id: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
  });
});

describe('genReqId', () => {
  it('adopts a sane incoming id and replaces anything else', () => {
    const req = (id?: string) => ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as never;
    expect(genReqId(req('abc-1.2_3'))).toBe('abc-1.2_3');
    for (const bad of ['a b', 'x'.repeat(65), '', '<script>']) expect(genReqId(req(bad))).toMatch(/^[0-9a-f-]{36}$/);
    expect(genReqId(req())).toMatch(/^[0-9a-f-]{36}$/);
  });
});

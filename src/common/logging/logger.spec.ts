import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { createLogger, httpLogger } from './logger';

/** Serves one request through httpLogger; the handler logs after an await, as a service would. */
async function serveOnce(requestContext: boolean, reqId?: string): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger('info', sink);
  const middleware = httpLogger(logger, { requestContext });
  const server = createServer((req: IncomingMessage, res: ServerResponse) =>
    middleware(req, res, () => {
      void (async () => {
        await sleep(1);
        logger.info({ context: 'Service' }, 'inside the request');
        res.end('ok');
      })();
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/x`, { headers: reqId ? { 'X-Request-Id': reqId } : {} });
    expect(await res.text()).toBe('ok');
    expect(res.headers.get('x-request-id')).toBe(reqId ?? expect.any(String));
    await sleep(5); // pino-http logs on 'finish'
  } finally {
    server.close();
  }
  return lines;
}

describe('httpLogger', () => {
  it('stamps reqId on lines logged inside the request when requestContext is on', async () => {
    const lines = await serveOnce(true, 'req-42');
    expect(lines.find((l) => l.msg === 'inside the request')).toMatchObject({ reqId: 'req-42', context: 'Service' });
    expect(lines.find((l) => l.msg === 'request completed')).toMatchObject({ req: { id: 'req-42', method: 'GET', url: '/api/x' }, res: { statusCode: 200 } });
  });

  it('leaves them unstamped when it is off; the request line still has the id', async () => {
    const lines = await serveOnce(false, 'req-43');
    const inside = lines.find((l) => l.msg === 'inside the request');
    expect(inside).toBeDefined();
    expect(inside).not.toHaveProperty('reqId');
    expect(lines.find((l) => l.msg === 'request completed')).toMatchObject({ req: { id: 'req-43' }, res: { statusCode: 200 } });
  });
});

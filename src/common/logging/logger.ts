import { LoggerService } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import pino, { Logger as Pino } from 'pino';

/**
 * The current request's id, so every log line written while serving it carries `reqId` — when
 * `LOG_REQUEST_CONTEXT` is on. Off by default: on Node 20 an active AsyncLocalStorage hooks every promise,
 * ≈ 8 % of the app's CPU under checkout load (docs/performance.md).
 */
export const requestContext = new AsyncLocalStorage<{ reqId: string }>();

/** Never written to the log, wherever they appear. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  'req.headers["x-session-id"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.clientSecret',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Pino {
  return pino({
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT, censor: '[redacted]' },
    mixin: () => {
      const ctx = requestContext.getStore();
      return ctx ? { reqId: ctx.reqId } : {};
    },
  }, destination);
}

const REQ_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Fastify's `genReqId`: a sane incoming X-Request-Id is adopted, anything else replaced by a fresh UUID. */
export function genReqId(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQ_ID.test(incoming) ? incoming : randomUUID();
}

type Done = (err?: Error) => void;
type Hook = (req: FastifyRequest, reply: FastifyReply, done: Done) => void;

const levelOf = (status: number): 'error' | 'warn' | 'info' => (status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info');

/**
 * The request line: one JSON line per request with method, url, status and duration, written when the response
 * has been sent or the connection closed before that (the line pino-http wrote under Express, same keys and
 * messages: `request completed`, or `request errored` with an `err` for a 5xx). Not for `/health` and `/metrics`.
 * The request's id (`req.id`, see `genReqId`) goes back in `X-Request-Id`, on every response.
 *
 * `onRequest` runs first of all hooks (FastifyAdapter.setOnRequestHook, before CORS and the security headers).
 * With `requestContext`, the id also goes on every line logged while serving the request: the AsyncLocalStorage
 * context is entered in `onRequest` and again in `preValidation`, since reading the body (stream events) loses it.
 */
export function httpLogger(logger: Pino, opts: { requestContext: boolean }): { onRequest: Hook; preValidation?: Hook } {
  const onRequest: Hook = (req, reply, done) => {
    const res = reply.raw;
    const raw = req.raw;
    const id = String(req.id);
    res.setHeader('X-Request-Id', id);
    if (raw.url !== '/health' && raw.url !== '/metrics') {
      const start = Date.now();
      let logged = false;
      const line = () => {
        if (logged) return;
        logged = true;
        res.removeListener('finish', line);
        res.removeListener('close', line);
        const responseTime = Date.now() - start;
        const entry = { req: { id, method: raw.method, url: raw.url }, res: { statusCode: res.statusCode } };
        const level = levelOf(res.statusCode);
        if (res.statusCode >= 500) {
          logger[level]({ ...entry, err: new Error(`failed with status code ${res.statusCode}`), responseTime }, 'request errored');
        } else {
          logger[level]({ ...entry, responseTime }, 'request completed');
        }
      };
      res.once('finish', line);
      res.once('close', line);
    }
    if (opts.requestContext) requestContext.run({ reqId: id }, done);
    else done();
  };
  if (!opts.requestContext) return { onRequest };
  return { onRequest, preValidation: (req, _reply, done) => requestContext.run({ reqId: String(req.id) }, done) };
}

/** Nest's LoggerService on top of pino, so framework and app logs are the same JSON stream. */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly pino: Pino) {}

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, params: unknown[]) {
    const context = typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    if (message !== null && typeof message === 'object' && !(message instanceof Error)) {
      const text = typeof params[0] === 'string' ? (params.shift() as string) : undefined;
      this.pino[level]({ context, ...(message as object) }, text);
    } else if (message instanceof Error) {
      this.pino[level]({ context, err: message }, message.message);
    } else {
      const stack = level === 'error' && typeof params[0] === 'string' ? params[0] : undefined;
      this.pino[level]({ context, ...(stack ? { stack } : {}) }, String(message));
    }
  }

  log(message: unknown, ...params: unknown[]) { this.write('info', message, params); }
  error(message: unknown, ...params: unknown[]) { this.write('error', message, params); }
  warn(message: unknown, ...params: unknown[]) { this.write('warn', message, params); }
  debug(message: unknown, ...params: unknown[]) { this.write('debug', message, params); }
  verbose(message: unknown, ...params: unknown[]) { this.write('trace', message, params); }
  fatal(message: unknown, ...params: unknown[]) { this.write('fatal', message, params); }
}

import fastifyCompress from '@fastify/compress';
import fastifyFormbody from '@fastify/formbody';
import { errorCodes, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { parse as parseQuery } from 'qs';
import type { Readable } from 'node:stream';

/**
 * Request bodies, read by Fastify (which enforces `bodyLimit`, 413 `FST_ERR_CTP_BODY_TOO_LARGE`) with libraries:
 *
 * - gzip, deflate, br (zstd where Node has it): inflated by @fastify/compress, and Fastify counts the limit after
 *   inflation (a gzip bomb is a 413). An unsupported Content-Encoding is 415, a broken compressed body 400.
 * - JSON and forms: UTF-8 only (415 for any other charset). An empty JSON body is `{}`; only an object or an array
 *   is accepted (as body-parser's `strict`); parsed by Fastify's secure-json-parse, so a `__proto__` key (or
 *   `constructor.prototype`) is refused with 400. The raw bytes (after inflation) are kept as `req.rawBody`
 *   (Stripe webhook signatures).
 * - Forms: @fastify/formbody with `qs` flat (no nesting; qs drops `__proto__`-like keys, keeps 1000 parameters).
 * - Any other content type is not read at all: the body stays `undefined` (validation answers), not Fastify's 415.
 *
 * Errors are Fastify's or @fastify/compress's (`FST_*` codes); ErrorFilter maps them to our error bodies.
 * @fastify/compress hooks into the routes added after it has loaded: await this before any route with a body.
 */
export async function registerBodyParsers(fastify: FastifyInstance): Promise<void> {
  fastify.removeAllContentTypeParsers();
  // Request decompression only: responses are not compressed, and routes get no `reply.compress` hook either.
  fastify.addHook('onRoute', (route) => void (route.compress ??= false));
  await fastify.register(fastifyCompress, { globalCompression: false });
  fastify.addHook('preParsing', utf8Only);
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req: FastifyRequest & { rawBody?: Buffer }, body: Buffer, done) => {
    req.rawBody = body;
    if (body.length === 0) return done(null, {});
    parseJson(req, body as unknown as string, (err, parsed) =>
      err || (typeof parsed === 'object' && parsed !== null) ? done(err, parsed) : done(new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY()),
    );
  });
  await fastify.register(fastifyFormbody, { parser: (body: string) => parseQuery(body, { depth: 0 }) });
  // Anything else: left unread (Node discards it once the response is sent).
  fastify.addContentTypeParser('*', (_req: FastifyRequest, _payload: Readable, done: (err: null, body: undefined) => void) => done(null, undefined));
}

const PARSED_TYPE = /^\s*application\/(json|x-www-form-urlencoded)\s*(;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/** The JSON and form parsers decode UTF-8 only: any other charset is refused (415) before the body is read. */
function utf8Only(req: FastifyRequest, _reply: FastifyReply, payload: Readable, done: (err: Error | null, payload?: Readable) => void): void {
  const type = req.headers['content-type'];
  const charset = type && PARSED_TYPE.test(type) ? CHARSET.exec(type)?.[1]?.toLowerCase() : undefined;
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE());
  done(null, payload);
}

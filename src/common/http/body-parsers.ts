import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { parse as parseQuery } from 'qs';

/**
 * Request body parsing: JSON and form bodies exactly as Express's body-parser 2 read them (the API's behaviour
 * before the move to Fastify), on Fastify content-type parsers:
 *
 * - `BODY_LIMIT` counts the bytes after inflation (gzip, deflate, br; zstd where Node has it); an unknown
 *   Content-Encoding is 415; a body over the limit is 413 (read off in full first, as body-parser did).
 * - JSON: `utf-*` charsets only (415 otherwise), a BOM is skipped, an empty body is `{}`, and only an object or
 *   an array is accepted (`null`, `"x"`, `42` are malformed, as with body-parser's `strict`). `JSON.parse`, so
 *   `__proto__` is an ordinary key, as before.
 * - Forms: `utf-8` or `iso-8859-1`; parsed by `qs` without nesting (body-parser's `extended: false`); more than
 *   1000 parameters is 413.
 * - Any other content type is not read at all: the body stays `undefined` (validation answers), as on Express,
 *   rather than Fastify's 415.
 * - A request without a body (no Content-Length and no Transfer-Encoding) has an `undefined` body.
 *
 * Failures are http-errors-shaped (`status`, `statusCode`, `expose`) with body-parser's `type`, so the Fastify
 * adapter passes them to ErrorFilter inside an HttpException and ErrorFilter maps them by `type` as before.
 * The raw bytes (after inflation) of JSON and form bodies are kept as `req.rawBody` (Stripe webhook signatures).
 */
export function registerBodyParsers(fastify: FastifyInstance, opts: { limit: number }): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', (req: FastifyRequest, payload: Readable, done: ParserDone) =>
    read(req, payload, opts.limit, jsonCharset, parseJson, done),
  );
  fastify.addContentTypeParser('application/x-www-form-urlencoded', (req: FastifyRequest, payload: Readable, done: ParserDone) =>
    read(req, payload, opts.limit, formCharset, parseForm, done),
  );
  // Anything else: left unread (Node discards it once the response is sent).
  fastify.addContentTypeParser('*', (_req: FastifyRequest, _payload: Readable, done: ParserDone) => done(null, undefined));
}

type ParserDone = (err: Error | null, body?: unknown) => void;

/** An http-errors-shaped error: the Fastify adapter maps it to an HttpException (`cause`: this error). */
export class BodyParserError extends Error {
  readonly status: number;
  readonly statusCode: number;
  readonly expose: boolean;
  constructor(status: number, message: string, readonly type?: string) {
    super(message);
    this.status = status;
    this.statusCode = status;
    this.expose = status < 500;
  }
}

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** `100kb` → 102400, as body-parser's `limit` (the `bytes` package: 1 kb = 1024 bytes). */
export function parseBytes(limit: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(limit.trim());
  if (!m) throw new Error(`Not a size: ${limit}`);
  return Math.floor(Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]!);
}

/** type-is' `hasBody`: a Transfer-Encoding, or any numeric Content-Length (`0` included). */
function hasBody(raw: IncomingMessage): boolean {
  return raw.headers['transfer-encoding'] !== undefined || !Number.isNaN(Number.parseInt(String(raw.headers['content-length']), 10));
}

function charsetOf(raw: IncomingMessage): string | undefined {
  const m = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(raw.headers['content-type'] ?? '');
  const v = m ? (m[1] ?? m[2]) : undefined;
  return v ? v.toLowerCase() : undefined;
}

type Decode = (bytes: Buffer) => string;
/** The decoder for the request's charset, or an error (415) for a charset the parser does not take. */
type CharsetCheck = (charset: string) => Decode | BodyParserError;

const unsupportedCharset = (charset: string) => new BodyParserError(415, `unsupported charset "${charset.toUpperCase()}"`, 'charset.unsupported');

const UTF8 = new TextDecoder('utf-8');
const utf8: Decode = (bytes) => UTF8.decode(bytes); // a leading BOM is dropped, as iconv-lite did
const latin1: Decode = (bytes) => bytes.toString('latin1'); // ISO-8859-1 proper (TextDecoder would read windows-1252)

/** Other `utf-*` charsets (utf-16le/be) through TextDecoder; `undefined` for one it does not know. */
function utfDecoder(charset: string): Decode | undefined {
  if (charset === 'utf-8') return utf8;
  try {
    const d = new TextDecoder(charset);
    return (bytes) => d.decode(bytes);
  } catch {
    return undefined;
  }
}

const jsonCharset: CharsetCheck = (charset) => (charset.startsWith('utf-') ? (utfDecoder(charset) ?? unsupportedCharset(charset)) : unsupportedCharset(charset));
const formCharset: CharsetCheck = (charset) => (charset === 'utf-8' ? utf8 : charset === 'iso-8859-1' ? latin1 : unsupportedCharset(charset));

/** body-parser's `strict` check: the first character after JSON whitespace (space, tab, LF, CR). */
const WHITESPACE_THEN_FIRST = /^[ \t\n\r]*([^ \t\n\r])/;

function parseJson(text: string): unknown {
  if (text.length === 0) return {};
  const first = WHITESPACE_THEN_FIRST.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw new BodyParserError(400, 'Unexpected token in JSON', 'entity.parse.failed');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BodyParserError(400, 'Unexpected token in JSON', 'entity.parse.failed');
  }
}

const PARAMETER_LIMIT = 1000;

function parseForm(text: string, charset: string): unknown {
  if (text.length === 0) return {};
  let count = 0;
  let index = -1;
  do {
    if (++count > PARAMETER_LIMIT) throw new BodyParserError(413, 'too many parameters', 'parameters.too.many');
    index = text.indexOf('&', index + 1);
  } while (index !== -1);
  return parseQuery(text, {
    allowPrototypes: true,
    arrayLimit: count,
    depth: 0,
    charset: charset as 'utf-8' | 'iso-8859-1',
    parameterLimit: PARAMETER_LIMIT,
    strictDepth: true,
  });
}

function decompressor(encoding: string): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  switch (encoding) {
    case 'gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    case 'zstd': {
      const zstd = (zlib as unknown as { createZstdDecompress?: () => zlib.Gunzip }).createZstdDecompress;
      return zstd ? zstd() : undefined;
    }
    default:
      return undefined;
  }
}

/** Reads the rest of the request and drops it, then calls back (body-parser answers errors only after that). */
function dump(raw: IncomingMessage, then: () => void): void {
  if (raw.complete || raw.destroyed) return then();
  raw.once('end', then);
  raw.once('close', then);
  raw.resume();
}

function read(
  req: FastifyRequest,
  payload: Readable,
  limit: number,
  charsetCheck: CharsetCheck,
  parse: (text: string, charset: string) => unknown,
  done: ParserDone,
): void {
  const raw = req.raw;
  if (!hasBody(raw)) return done(null, undefined);
  const charset = charsetOf(raw) ?? 'utf-8';
  const decode = charsetCheck(charset);
  if (decode instanceof BodyParserError) return done(decode);

  const encoding = String(raw.headers['content-encoding'] ?? 'identity').toLowerCase();
  let inflate: ReturnType<typeof decompressor>;
  if (encoding !== 'identity') {
    inflate = decompressor(encoding);
    if (!inflate) return done(new BodyParserError(415, `unsupported content encoding "${encoding}"`, 'encoding.unsupported'));
    payload.pipe(inflate);
  } else {
    const length = Number.parseInt(String(raw.headers['content-length']), 10);
    if (length > limit) return dump(raw, () => done(new BodyParserError(413, 'request entity too large', 'entity.too.large')));
  }

  const source: Readable = inflate ?? payload;
  const chunks: Buffer[] = [];
  let received = 0;
  let finished = false;
  const finish = (err: Error | null, body?: Buffer) => {
    if (finished) return;
    finished = true;
    source.removeListener('data', onData);
    source.removeListener('end', onEnd);
    source.removeListener('error', onError);
    raw.removeListener('aborted', onAborted);
    if (inflate) {
      // Detached and destroyed: nothing more is inflated; the rest of the request is read off.
      payload.unpipe(inflate);
      inflate.on('error', () => undefined);
      inflate.destroy();
    }
    if (err) return dump(raw, () => done(err));
    if (inflate) payload.resume();
    let parsed: unknown;
    try {
      (req as FastifyRequest & { rawBody?: Buffer }).rawBody = body!;
      parsed = parse(decode(body!), charset);
    } catch (e) {
      return done(e instanceof BodyParserError ? e : new BodyParserError(400, 'Malformed request body', 'entity.parse.failed'));
    }
    done(null, parsed);
  };
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > limit) return finish(new BodyParserError(413, 'request entity too large', 'entity.too.large'));
    chunks.push(chunk);
  };
  const onEnd = () => finish(null, Buffer.concat(chunks, received));
  // A broken compressed body: a plain 400, as body-parser answered it.
  const onError = (err: Error) => finish(!inflate ? new BodyParserError(400, 'request aborted', 'request.aborted') : Object.assign(new BodyParserError(400, 'Bad Request'), { cause: err }));
  const onAborted = () => finish(new BodyParserError(400, 'request aborted', 'request.aborted'));
  source.on('data', onData);
  source.once('end', onEnd);
  source.once('error', onError);
  raw.once('aborted', onAborted);
}

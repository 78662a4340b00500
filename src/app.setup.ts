import { NotFoundException, ValidationPipe } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import fastifyStatic from '@fastify/static';
import { parse as parseBytes } from 'bytes';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Logger as Pino } from 'pino';
import { ErrorFilter } from './common/errors/error.filter';
import { registerBodyParsers } from './common/http/body-parsers';
import { BodyDepthPipe } from './common/http/body-depth.pipe';
import { validationExceptionFactory } from './common/errors/validation';
import { genReqId, httpLogger } from './common/logging/logger';
import { Metrics, observeHttpMetrics } from './common/metrics/metrics';
import { AppConfig } from './config/app-config';
import { createOpenApiDocument } from './openapi';

/** Headers a browser client must be able to read. */
const EXPOSED_HEADERS = ['X-Request-Id', 'X-Session-Id', 'Idempotent-Replayed', 'Retry-After'];
const API_PREFIX = 'api';
/** Routes served outside the `/api` prefix. */
const UNPREFIXED_ROUTES = ['health', 'health/ready', 'metrics'];
const DOCS_PATH = 'docs';
const DOCS_JSON_PATH = 'docs-json';
const DOCS_YAML_PATH = 'docs-yaml';
const DEMO_PATH = 'demo';

/**
 * Node's limit on the request line plus headers is 16 kB, so no URL parameter can be longer: route parameters
 * are never cut off by the router (find-my-way's default, 100 characters, would turn a long id into a 404 instead
 * of the route's own 400).
 */
const MAX_PARAM_LENGTH = 16 * 1024;

type FrameworkErrorHandler = (error: Error, req: FastifyRequest, reply: FastifyReply) => void;
/** Set by configureApp, which has the logger; the adapter is built before it. */
const frameworkErrorHandlers = new WeakMap<FastifyInstance, FrameworkErrorHandler>();

/**
 * The Fastify adapter with the options that must be given at construction: proxy trust (`TRUST_PROXY`, read like
 * Express's `trust proxy` string: a comma-separated list of addresses, subnets or `loopback`/`linklocal`/`uniquelocal`),
 * the body limit, our request ids (`X-Request-Id`), and Express's routing defaults (case-insensitive paths, an
 * optional trailing slash).
 */
export function createHttpAdapter(opts: { trustProxy?: string; bodyLimit?: string } = {}): FastifyAdapter {
  return new FastifyAdapter({
    frameworkErrors: (error: Error, req: FastifyRequest, reply: FastifyReply) => {
      const handle = frameworkErrorHandlers.get(reply.server);
      if (handle) handle(error, req, reply);
      else void reply.send(error);
    },
    ...(opts.trustProxy ? { trustProxy: opts.trustProxy } : {}),
    // `100kb` → 102400 (1 kb = 1024 bytes), as body-parser read BODY_LIMIT (validated by env.ts).
    ...(opts.bodyLimit ? { bodyLimit: parseBytes(opts.bodyLimit)! } : {}),
    genReqId,
    // No Fastify logger (so no request logging of its own): our request line is common/logging/logger.ts.
    logger: false,
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: MAX_PARAM_LENGTH },
  });
}

/**
 * The demo pages built by `npm run demo:build` (Vite, sources in demo/) into dist/demo: next to dist/src/ when
 * compiled, under dist/ when running from src/ (tests, ts runners). Never the demo/ sources themselves.
 */
function demoBuildDir(): string | undefined {
  const parent = dirname(__dirname);
  const dir = basename(parent) === 'dist' ? join(parent, DEMO_PATH) : join(parent, 'dist', DEMO_PATH);
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

/** `/demo`: static files only (the pages call the public API like any browser client). */
function serveDemo(fastify: FastifyInstance, logger: Pino): void {
  const dir = demoBuildDir();
  if (!dir) {
    logger.warn({ context: 'Demo' }, 'The demo pages are enabled (DEMO_ENABLED) but not built: run `npm run demo:build`');
    const notBuilt = () => {
      throw new NotFoundException('The demo pages are not built: run `npm run demo:build`');
    };
    fastify.get(`/${DEMO_PATH}`, notBuilt);
    fastify.get(`/${DEMO_PATH}/*`, notBuilt);
    return;
  }
  void fastify.register(fastifyStatic, {
    root: dir,
    prefix: `/${DEMO_PATH}/`,
    index: 'index.html',
    // A directory without its slash is redirected (301) to the slash form, as Express's static did.
    redirect: true,
    // Vite puts content hashes in asset names: cache those for good, always revalidate the pages.
    setHeaders: (reply: FastifyReply, path: string) => {
      void reply.header('Cache-Control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
      // The type Express's `send` gave scripts (@fastify/send says application/javascript; both are valid).
      if (/\.m?js$/.test(path)) void reply.header('Content-Type', 'text/javascript; charset=utf-8');
    },
  });
  // `/demo` itself: the router ignores a trailing slash, so one route answers both `/demo` (301 to `/demo/`) and
  // `/demo/` (the storefront page).
  fastify.get(`/${DEMO_PATH}`, (req: FastifyRequest, reply: FastifyReply) => {
    const path = pathOf(req.url);
    if (path.endsWith('/')) return reply.sendFile('index.html');
    return reply.redirect(`${path}/${req.url.slice(path.length)}`, 301);
  });
}

/**
 * Only `/api/…`, health, metrics, the docs and the demo are served, with exactly these spellings outside `/api`
 * (routing itself is case-insensitive, as it was on Express). Anything else goes to the not-found handler, so it
 * gets the JSON error shape, after the CORS and security headers were set.
 */
function isServedOutsideApi(path: string, demo: boolean): boolean {
  return (
    path === `/${API_PREFIX}` ||
    path.startsWith(`/${API_PREFIX}/`) ||
    path === `/${DOCS_PATH}` ||
    path.startsWith(`/${DOCS_PATH}/`) ||
    path === `/${DOCS_JSON_PATH}` ||
    path === `/${DOCS_YAML_PATH}` ||
    UNPREFIXED_ROUTES.some((r) => path === `/${r}`) ||
    // Express mounted the static pages case-insensitively (`/DEMO/` was served).
    (demo && (path.length === DEMO_PATH.length + 1 || path[DEMO_PATH.length + 1] === '/') && path.slice(1, DEMO_PATH.length + 1).toLowerCase() === DEMO_PATH)
  );
}

const DOT_SEGMENT = /\/(\.|%2e){1,2}(\/|$)/i;
const DOCS_ROUTE = /^\/docs(\/|-json$|-yaml$|$)/;

function withUtf8Charset(_req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void {
  const type = reply.getHeader('content-type');
  if (typeof type === 'string' && !/;\s*charset=/i.test(type) && /^(text\/|application\/(javascript|json))/.test(type)) void reply.header('content-type', `${type}; charset=utf-8`);
  done(null, payload);
}

/** The URL without its query string. */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** The path without its query string or trailing slashes. */
function requestPath(url: string): string {
  const path = pathOf(url);
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/** Everything between "module graph built" and "listening", shared by main.ts and the e2e tests. */
export async function configureApp(app: NestFastifyApplication, logger: Pino): Promise<NestFastifyApplication> {
  const config = app.get(AppConfig);
  const adapter = app.getHttpAdapter() as FastifyAdapter;
  const fastify = adapter.getInstance();
  // Swagger UI's pages and documents name their charset, as Express's res.send() added it (routes added below).
  fastify.addHook('onRoute', (route) => {
    if (DOCS_ROUTE.test(route.url)) route.onSend = [route.onSend ?? []].flat().concat(withUtf8Charset);
  });
  // Before any route is added (request decompression hooks into the routes added after it).
  await registerBodyParsers(fastify);

  // First of all (before CORS, as under Express): the request id, the request line, helmet's headers.
  // helmet() works on the Node request and response; its headers are merged into whatever answers the request.
  const log = httpLogger(logger, { requestContext: config.logRequestContext });
  const securityHeaders = helmet();
  const first = (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    // Content codings are case-insensitive (RFC 9110); @fastify/compress matches them as sent.
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined) req.headers['content-encoding'] = encoding.toLowerCase();
    securityHeaders(req.raw, reply.raw, () => log.onRequest(req, reply, done));
  };
  adapter.setOnRequestHook(first);
  // Requests the router refuses before any hook (broken percent-encoding in the path): same headers, line and body.
  const errors = new ErrorFilter();
  frameworkErrorHandlers.set(fastify, (error, req, reply) =>
    first(req, reply, () => {
      const body = errors.toBody(error);
      void reply.code(body.statusCode).type('application/json; charset=utf-8').send(body);
    }),
  );
  if (log.preValidation) fastify.addHook('preValidation', log.preValidation);
  const metrics = app.get(Metrics);
  fastify.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    observeHttpMetrics(metrics, req, reply);
    done();
  });

  const origins = config.http.corsOrigins;
  app.enableCors({
    origin: origins.includes('*') ? true : origins,
    // Joined without spaces, as the `cors` package wrote these lists under Express (@fastify/cors joins with ", ").
    methods: 'GET,HEAD,POST,PUT,PATCH,DELETE',
    allowedHeaders: 'Authorization,Content-Type,X-Session-Id,Idempotency-Key,X-Request-Id',
    exposedHeaders: EXPOSED_HEADERS.join(','),
    maxAge: 600,
    // As the `cors` package did: a preflight without Origin or Access-Control-Request-Method is still a 204.
    strictPreflight: false,
  });
  const demo = config.demo.enabled;
  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const path = requestPath(req.url);
    // A dot segment in a static path (`/demo/../x`) is a 404, as Express's static answered it (@fastify/static: 403).
    if (req.is404 || (isServedOutsideApi(path, demo) && !(demo && DOT_SEGMENT.test(path)))) return done();
    reply.callNotFound();
  });
  if (demo) serveDemo(fastify, logger);
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED_ROUTES });
  app.useGlobalPipes(
    new BodyDepthPipe(),
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: validationExceptionFactory,
    }),
  );
  app.useGlobalFilters(new ErrorFilter());

  // The same document `npm run openapi` writes to openapi.json (src/openapi.ts).
  SwaggerModule.setup(DOCS_PATH, app, () => createOpenApiDocument(app), {
    jsonDocumentUrl: DOCS_JSON_PATH,
    yamlDocumentUrl: DOCS_YAML_PATH,
  });
  return app;
}

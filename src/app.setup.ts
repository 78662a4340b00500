import { NotFoundException, ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Logger as Pino } from 'pino';
import { ErrorFilter } from './common/errors/error.filter';
import { BodyDepthPipe } from './common/http/body-depth.pipe';
import { validationExceptionFactory } from './common/errors/validation';
import { httpLogger } from './common/logging/logger';
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
 * The demo pages built by `npm run demo:build` (Vite, sources in demo/) into dist/demo: next to dist/src/ when
 * compiled, under dist/ when running from src/ (tests, ts runners). Never the demo/ sources themselves.
 */
function demoBuildDir(): string | undefined {
  const parent = dirname(__dirname);
  const dir = basename(parent) === 'dist' ? join(parent, DEMO_PATH) : join(parent, 'dist', DEMO_PATH);
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

/** `/demo`: static files only (the pages call the public API like any browser client). */
function serveDemo(app: NestExpressApplication, logger: Pino): void {
  const dir = demoBuildDir();
  if (!dir) {
    logger.warn({ context: 'Demo' }, 'The demo pages are enabled (DEMO_ENABLED) but not built: run `npm run demo:build`');
    app.use(`/${DEMO_PATH}`, (_req: Request, _res: Response, next: NextFunction) =>
      next(new NotFoundException('The demo pages are not built: run `npm run demo:build`')),
    );
    return;
  }
  app.useStaticAssets(dir, {
    prefix: `/${DEMO_PATH}`,
    index: 'index.html',
    // Vite puts content hashes in asset names: cache those for good, always revalidate the pages.
    setHeaders: (res: Response, path: string) =>
      res.setHeader('Cache-Control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache'),
  });
}

/**
 * Nest only answers unknown paths under the global prefix; anything else would fall through to Express's
 * HTML "Cannot GET". Send those to the exception layer so they get the JSON error shape too.
 */
function notFoundOutsideApi(req: Request, _res: Response, next: NextFunction): void {
  const path = req.path.length > 1 ? req.path.replace(/\/+$/, '') : req.path;
  const served =
    path === `/${API_PREFIX}` ||
    path.startsWith(`/${API_PREFIX}/`) ||
    path === `/${DOCS_PATH}` ||
    path.startsWith(`/${DOCS_PATH}/`) ||
    path === `/${DOCS_JSON_PATH}` ||
    path === `/${DOCS_YAML_PATH}` ||
    UNPREFIXED_ROUTES.some((r) => path === `/${r}`);
  next(served ? undefined : new NotFoundException(`Cannot ${req.method} ${path}`));
}

/** Everything between "module graph built" and "listening", shared by main.ts and the e2e tests. */
export function configureApp(app: NestExpressApplication, logger: Pino): NestExpressApplication {
  const config = app.get(AppConfig);
  app.use(httpLogger(logger, { requestContext: config.logRequestContext }));
  if (config.http.trustProxy) app.set('trust proxy', config.http.trustProxy);
  app.use(helmet());
  const origins = config.http.corsOrigins;
  app.enableCors({
    origin: origins.includes('*') ? true : origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Session-Id', 'Idempotency-Key', 'X-Request-Id'],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
  if (config.demo.enabled) serveDemo(app, logger);
  app.use(notFoundOutsideApi);
  app.useBodyParser('json', { limit: config.http.bodyLimit });
  app.useBodyParser('urlencoded', { limit: config.http.bodyLimit, extended: false });
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

import { NotFoundException, ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import type { Logger as Pino } from 'pino';
import { ErrorFilter } from './common/errors/error.filter';
import { validationExceptionFactory } from './common/errors/validation';
import { httpLogger } from './common/logging/logger';
import { AppConfig } from './config/app-config';

/** Headers a browser client must be able to read. */
const EXPOSED_HEADERS = ['X-Request-Id', 'X-Session-Id', 'Idempotent-Replayed', 'Retry-After'];
const API_PREFIX = 'api';
/** Routes served outside the `/api` prefix. */
const UNPREFIXED_ROUTES = ['health', 'health/ready', 'metrics'];
const DOCS_PATH = 'docs';
const DOCS_JSON_PATH = 'docs-json';
const DOCS_YAML_PATH = 'docs-yaml';

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
  app.use(httpLogger(logger));
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
  app.use(notFoundOutsideApi);
  app.useBodyParser('json', { limit: config.http.bodyLimit });
  app.useBodyParser('urlencoded', { limit: config.http.bodyLimit, extended: false });
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED_ROUTES });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: validationExceptionFactory,
    }),
  );
  app.useGlobalFilters(new ErrorFilter());

  const doc = new DocumentBuilder()
    .setTitle('Checkout & Orders API')
    .setDescription(
      'Carts, checkout, payments and orders. Money is integer minor units (cents) with a lower-case ISO 4217 currency. ' +
        'Errors are `{ statusCode, error, code, message }` with a stable `code`.',
    )
    .setVersion('0.1.0')
    .addBearerAuth()
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Session-Id' }, 'guest-session')
    .build();
  SwaggerModule.setup(DOCS_PATH, app, () => SwaggerModule.createDocument(app, doc), {
    jsonDocumentUrl: DOCS_JSON_PATH,
    yamlDocumentUrl: DOCS_YAML_PATH,
  });
  return app;
}

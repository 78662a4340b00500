import { ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import type { Logger as Pino } from 'pino';
import { ErrorFilter } from './common/errors/error.filter';
import { validationExceptionFactory } from './common/errors/validation';
import { httpLogger } from './common/logging/logger';
import { AppConfig } from './config/app-config';

/** Headers a browser client must be able to read. */
const EXPOSED_HEADERS = ['X-Request-Id', 'X-Session-Id', 'Idempotent-Replayed', 'Retry-After'];

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
  app.useBodyParser('json', { limit: config.http.bodyLimit });
  app.useBodyParser('urlencoded', { limit: config.http.bodyLimit, extended: false });
  app.setGlobalPrefix('api', { exclude: ['health', 'health/ready', 'metrics'] });
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
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, doc), { jsonDocumentUrl: 'docs-json' });
  return app;
}

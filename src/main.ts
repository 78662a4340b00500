import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { AppModule } from './app.module';
import { configureApp, createHttpAdapter } from './app.setup';
import { createLogger, PinoLoggerService } from './common/logging/logger';
import { DEV_DEFAULTS, InvalidConfigError, validateEnv } from './config/env';
import { prepareDatabase } from './database/prepare';

function portIsFree(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const srv = createServer()
      .once('error', () => ok(false))
      .once('listening', () => srv.close(() => ok(true)))
      .listen(port);
  });
}

async function choosePort(explicit: number | undefined): Promise<number> {
  if (explicit !== undefined) return explicit;
  // No PORT given: 3000, or the next free one, so a second copy of the app can run beside the first.
  for (let p = 3000; p < 3020; p++) if (await portIsFree(p)) return p;
  return 0;
}

async function bootstrap() {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = validateEnv(process.env);
  const logger = createLogger(env.LOG_LEVEL);

  const db = await prepareDatabase(env, { onLog: (l) => logger.debug({ context: 'postgres' }, l.trim()) });
  if (db.embedded) logger.info({ context: 'Bootstrap', dir: env.EMBEDDED_PG_DIR }, 'Embedded PostgreSQL started');
  if (db.applied.length) logger.info({ context: 'Bootstrap', migrations: db.applied }, 'Migrations applied');
  process.env.DATABASE_URL = db.url;

  const app = await NestFactory.create<NestFastifyApplication>(AppModule, createHttpAdapter({ trustProxy: env.TRUST_PROXY, bodyLimit: env.BODY_LIMIT }), {
    // Body parsing is set up by configureApp (common/http/body-parsers.ts, raw bodies included).
    bodyParser: false,
    bufferLogs: true,
    logger: new PinoLoggerService(logger),
  });
  await configureApp(app, logger);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ context: 'Bootstrap', signal }, 'Shutting down');
    // Drain first: stop accepting, let in-flight requests finish (they still have the database), then stop
    // the background workers and close the pool (app.close), then the embedded server.
    const server = app.getHttpServer();
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const grace = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    await drained;
    clearTimeout(grace);
    await app.close();
    await db.stop();
    logger.info({ context: 'Bootstrap' }, 'Stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const port = await choosePort(env.PORT);
  await app.listen(port, env.HOST);
  const addr = app.getHttpServer().address() as { port: number };
  const base = `http://localhost:${addr.port}`;
  logger.info({ context: 'Bootstrap', api: `${base}/api`, docs: `${base}/docs` }, 'Listening');
  const devAdmin = env.ADMIN_EMAIL === DEV_DEFAULTS.ADMIN_EMAIL && env.ADMIN_PASSWORD === DEV_DEFAULTS.ADMIN_PASSWORD;
  if (!env.NODE_ENV.startsWith('prod')) {
    // A plain banner for people; the JSON lines above are for machines.
    process.stdout.write(
      [
        '',
        `  API         ${base}/api`,
        `  Swagger UI  ${base}/docs   (OpenAPI JSON: ${base}/docs-json)`,
        (env.DEMO_ENABLED ?? true) ? `  Demo        ${base}/demo   (storefront; admin at ${base}/demo/admin.html)` : '',
        `  Health      ${base}/health/ready   Metrics: ${base}/metrics`,
        `  Database    ${db.embedded ? `embedded PostgreSQL in ${env.EMBEDDED_PG_DIR}` : 'DATABASE_URL'}`,
        `  Payments    ${env.STRIPE_SECRET_KEY && env.PAYMENT_PROVIDER !== 'sandbox' ? 'stripe' : 'sandbox (offline)'}`,
        devAdmin ? `  Admin       ${env.ADMIN_EMAIL} / ${env.ADMIN_PASSWORD}   (development defaults: set ADMIN_EMAIL / ADMIN_PASSWORD)` : '',
        '',
      ].join('\n') + '\n',
    );
  }
}

/** In-flight requests get this long to finish after SIGTERM; then their connections are closed. */
const SHUTDOWN_GRACE_MS = 10_000;

bootstrap().catch((e: unknown) => {
  if (e instanceof InvalidConfigError) {
    process.stderr.write(`${e.message}\n`);
  } else {
    process.stderr.write(`Failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  }
  process.exit(1);
});

import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { App } from 'supertest/types';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { configureApp, createHttpAdapter } from '../src/app.setup';
import { createLogger } from '../src/common/logging/logger';
import { AppConfig } from '../src/config/app-config';
import { validateEnv } from '../src/config/env';
import { withDatabase } from '../src/database/url';

/** This Jest worker's own database, cloned from the migrated template by global-setup. */
export function workerDatabaseUrl(): string {
  const url = process.env.TEST_PG_URL;
  const prefix = process.env.TEST_DB_PREFIX;
  if (!url || !prefix) throw new Error('test/global-setup.ts did not run');
  const worker = Number(process.env.JEST_WORKER_ID ?? '1');
  const count = Number(process.env.TEST_DB_COUNT ?? '1');
  return withDatabase(url, `${prefix}_${((worker - 1) % count) + 1}`);
}

export interface TestApp {
  app: NestFastifyApplication;
  http: App;
  ds: DataSource;
  config: AppConfig;
  /** Every route registered on Fastify (its `onRoute` hook), `METHOD /path/:param`, in registration order. */
  routes: string[];
  close(): Promise<void>;
}

/**
 * The real AppModule on this worker's database, configured exactly as main.ts does. `env` overrides
 * environment variables (e.g. `{ AUTH_RATE_LIMIT: '3' }`).
 */
export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const config = new AppConfig(
    validateEnv({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: workerDatabaseUrl(),
      DATABASE_POOL_SIZE: '10',
      ADMIN_EMAIL: '',
      PASSWORD_HASH_MEMORY_KIB: '1024',
      AUTH_RATE_LIMIT: '10000',
      // The file mail transport writes here, never into the project's ./.data/mail.
      MAIL_DIR: join(tmpdir(), `co-test-mail-${process.pid}`),
      ...env,
    }),
  );
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(AppConfig)
    .useValue(config)
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(config.http), { bodyParser: false, logger: false });
  const routes: string[] = [];
  app.getHttpAdapter().getInstance().addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) routes.push(`${m} ${r.url}`);
  });
  await configureApp(app, createLogger(config.logLevel));
  await app.init();
  // Fastify loads its plugins (CORS, static files, Swagger UI) on ready(); supertest talks to the bare server.
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    http: app.getHttpServer() as App,
    ds: app.get(DataSource),
    config,
    routes,
    close: () => (app as INestApplication).close(),
  };
}

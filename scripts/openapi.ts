/**
 * `npm run openapi`: writes the OpenAPI document the app serves at /docs-json to `openapi.json`, without a database.
 * `npm run openapi -- --check`: exits 1 when `openapi.json` is not up to date (writes nothing).
 *
 * The whole AppModule is built (every controller and DTO, exactly as served), but nothing is connected: the
 * TypeORM DataSource is replaced by one that is never initialized, and the app is not started (no `init()`, so no
 * workers, no admin bootstrap). The document only needs the route and DTO metadata.
 */
import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { configureApp, createHttpAdapter } from '../src/app.setup';
import { createLogger } from '../src/common/logging/logger';
import { AppConfig } from '../src/config/app-config';
import { validateEnv } from '../src/config/env';
import { dataSourceOptions } from '../src/database/data-source';
import { createOpenApiDocument, serializeOpenApi } from '../src/openapi';

/** Never connected to: the DataSource below is not initialized. */
const UNUSED_URL = 'postgres://openapi@127.0.0.1:1/openapi';

export async function generateOpenApi(): Promise<string> {
  const config = new AppConfig(validateEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: UNUSED_URL, ADMIN_EMAIL: '' }));
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(AppConfig)
    .useValue(config)
    .overrideProvider(DataSource)
    .useValue(new DataSource(dataSourceOptions(UNUSED_URL)))
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(), { bodyParser: false, logger: false });
  try {
    await configureApp(app, createLogger('silent'));
    return serializeOpenApi(createOpenApiDocument(app));
  } finally {
    await app.close();
  }
}

async function main() {
  const check = process.argv.includes('--check');
  const file = join(process.cwd(), 'openapi.json');
  const doc = await generateOpenApi();
  if (check) {
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // missing: out of date
    }
    if (current !== doc) {
      process.stderr.write(`${relative(process.cwd(), file)} is out of date: run \`npm run openapi\` and commit it.\n`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`${relative(process.cwd(), file)} is up to date.\n`);
    return;
  }
  writeFileSync(file, doc);
  const paths = Object.keys((JSON.parse(doc) as { paths: object }).paths).length;
  process.stdout.write(`Wrote ${relative(process.cwd(), file)} (${paths} paths).\n`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}

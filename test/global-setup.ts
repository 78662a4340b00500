import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres, type EmbeddedPg } from '../src/database/embedded-postgres';
import { withDatabase } from '../src/database/url';
import { runMigrations } from '../src/database/migrate';

declare global {
  var __TEST_PG__: { stop(): Promise<void> } | undefined;
}

/** Test-speed settings for throw-away clusters: durability does not matter here. */
const FAST = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: 300 };

async function startServer(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => undefined };
  if (process.env.TEST_DB === 'testcontainers') {
    // Needs a Docker engine; only loaded when asked for.
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const c = await new PostgreSqlContainer('postgres:17-alpine')
      .withCommand(['postgres', ...Object.entries(FAST).flatMap(([k, v]) => ['-c', `${k}=${v}`])])
      .start();
    return { url: c.getConnectionUri(), stop: async () => void (await c.stop()) };
  }
  const parent = mkdtempSync(join(tmpdir(), 'co-test-'));
  chmodSync(parent, 0o755); // the server may run as the `postgres` system user (see embedded-postgres.ts)
  const pg: EmbeddedPg = await startEmbeddedPostgres({ dir: join(parent, 'pg'), persistent: false, settings: FAST });
  return pg;
}

/**
 * One PostgreSQL for the run (DATABASE_URL, a testcontainer, or embedded), a template database built by the
 * real migrations, and one database per Jest worker cloned from it.
 */
export default async function globalSetup(globalConfig: { maxWorkers: number }): Promise<void> {
  const server = await startServer();
  globalThis.__TEST_PG__ = server;
  const prefix = `co_test_${process.pid}`;
  const admin = new Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${prefix}_tpl WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${prefix}_tpl`);
    await runMigrations(withDatabase(server.url, `${prefix}_tpl`));
    for (let i = 1; i <= Math.max(1, globalConfig.maxWorkers); i++) {
      await admin.query(`DROP DATABASE IF EXISTS ${prefix}_${i} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${prefix}_${i} TEMPLATE ${prefix}_tpl`);
    }
  } finally {
    await admin.end();
  }
  process.env.TEST_PG_URL = server.url;
  process.env.TEST_DB_PREFIX = prefix;
  process.env.TEST_DB_COUNT = String(Math.max(1, globalConfig.maxWorkers));
}

// The benchmark's PostgreSQL: a dedicated database on DATABASE_URL, or an embedded server in a temp dir.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { URL } from 'node:url';
import pg from 'pg';
import { postmasterOf } from './proc.mjs';
import { sleep, step } from './util.mjs';

/**
 * Server settings of the embedded cluster. Durability stays ON (fsync, synchronous_commit, full_page_writes):
 * the numbers must mean something for production. Memory and WAL sizes are raised from the tiny defaults, as
 * any production server would be, and pg_stat_statements is loaded to count and rank the app's SQL.
 */
export const EMBEDDED_SETTINGS = {
  max_connections: 200,
  shared_buffers: '512MB',
  max_wal_size: '4GB',
  checkpoint_timeout: '15min',
  shared_preload_libraries: 'pg_stat_statements',
  'pg_stat_statements.track': 'top',
  'pg_stat_statements.max': 10000,
  track_io_timing: 'on',
};

export function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A pg client on `url`; the caller ends it. */
export async function connect(url) {
  const c = new pg.Client({ connectionString: url, application_name: 'checkout-bench' });
  await c.connect();
  return c;
}

/** Runs `fn` with a short-lived client. */
export async function withClient(url, fn) {
  const c = await connect(url);
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Starts the server (or takes DATABASE_URL), creates a fresh bench database and applies the app's own
 * migrations (from the build). Returns the bench database URL and a stop() that undoes everything.
 * @param {{ buildDir: string, dbName: string, keep: boolean, cleanup: (fn: () => Promise<void>, label: string) => void }} o
 */
export async function prepareDatabase(o) {
  const require = createRequire(import.meta.url);
  let serverUrl = process.env.DATABASE_URL;
  let embedded = false;
  let dataDir = null;
  if (!serverUrl) {
    const { startEmbeddedPostgres } = require(join(o.buildDir, 'src/database/embedded-postgres.js'));
    const parent = mkdtempSync(join(tmpdir(), 'checkout-bench-'));
    chmodSync(parent, 0o755); // the server runs as the `postgres` system user when we are root
    dataDir = join(parent, 'pg');
    step(`Starting embedded PostgreSQL in ${dataDir}`);
    const server = await startEmbeddedPostgres({ dir: dataDir, persistent: true, settings: EMBEDDED_SETTINGS });
    serverUrl = server.url;
    embedded = true;
    o.cleanup(async () => {
      await server.stop();
      if (!o.keep) rmSync(parent, { recursive: true, force: true });
    }, 'embedded PostgreSQL');
  }
  const url = withDatabase(serverUrl, o.dbName);
  await withClient(serverUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${o.dbName} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${o.dbName}`);
  });
  if (!embedded && !o.keep) {
    o.cleanup(() => withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${o.dbName} WITH (FORCE)`)), `database ${o.dbName}`);
  }
  const { runMigrations } = require(join(o.buildDir, 'src/database/migrate.js'));
  const applied = await runMigrations(url);
  step(`Database ${o.dbName} ready (${applied.length} migrations)`);

  const info = await withClient(url, async (c) => {
    // Without the library preloaded on the server, statement counts are skipped.
    const statements = await c
      .query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
      .then(() => c.query('SELECT 1 FROM pg_stat_statements LIMIT 1'))
      .then(
        () => true,
        () => false,
      );
    const { rows } = await c.query(
      `SELECT current_setting('server_version') AS version, current_setting('shared_buffers') AS shared_buffers,
              current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit,
              current_setting('max_connections') AS max_connections, current_setting('max_wal_size') AS max_wal_size,
              pg_backend_pid() AS backend_pid`,
    );
    // The server's processes (for CPU accounting) while our backend is alive: its parent is the postmaster.
    return { ...rows[0], statements, postmasterPid: postmasterOf(rows[0].backend_pid) };
  });
  return { url, serverUrl, embedded, dataDir, ...info };
}

/**
 * A quiet start for the next measurement: waits until the app's outbox is drained (the emails of earlier
 * orders; only while an app is running to drain it), then checkpoints.
 */
export async function settle(url, { outbox = true, timeoutMs = 60_000 } = {}) {
  await withClient(url, async (c) => {
    const deadline = Date.now() + timeoutMs;
    while (outbox) {
      const { rows } = await c.query(`SELECT count(*)::int AS ${BENCH} FROM outbox_messages WHERE processed_at IS NULL AND failed_at IS NULL`);
      if (rows[0][BENCH] === 0 || Date.now() > deadline) break;
      await sleep(200);
    }
    await c.query('CHECKPOINT').catch(() => undefined);
  });
}

/**
 * A column alias in the harness's own SQL, so that statement counts leave it out (pg_stat_statements drops
 * comments from the stored text, but keeps aliases). The app never runs CHECKPOINT, so that goes too.
 */
export const BENCH = 'bench_harness';

/** pg_stat_statements helpers; every function is a no-op without the extension. */
export const statements = {
  async reset(url, enabled) {
    if (enabled) await withClient(url, (c) => c.query('SELECT pg_stat_statements_reset()'));
  },
  /** Calls of every statement in the bench database since the last reset, and the top `limit` by total time. */
  async read(url, enabled, limit = 15) {
    if (!enabled) return null;
    return withClient(url, async (c) => {
      const where = `dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT ILIKE '%pg_stat_statements%' AND query NOT LIKE '%${BENCH}%' AND query <> 'CHECKPOINT'`;
      const { rows: totals } = await c.query(
        `SELECT coalesce(sum(calls), 0)::bigint AS calls,
                coalesce(sum(calls) FILTER (WHERE query ~* '^\\s*(BEGIN|START TRANSACTION|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|SET TRANSACTION)'), 0)::bigint AS tx_control,
                coalesce(sum(total_exec_time), 0)::float AS exec_ms
         FROM pg_stat_statements WHERE ${where}`,
      );
      const { rows: top } = await c.query(
        `SELECT calls::bigint AS calls, round(total_exec_time::numeric, 1)::float AS total_ms, round(mean_exec_time::numeric, 3)::float AS mean_ms,
                rows::bigint AS rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 300) AS query
         FROM pg_stat_statements WHERE ${where} ORDER BY total_exec_time DESC LIMIT ${Number(limit)}`,
      );
      return {
        calls: Number(totals[0].calls),
        txControl: Number(totals[0].tx_control),
        execMs: Math.round(totals[0].exec_ms),
        top: top.map((r) => ({ ...r, calls: Number(r.calls), rows: Number(r.rows) })),
      };
    });
  },
};

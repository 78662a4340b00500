import { createHash } from 'node:crypto';
import { Client } from 'pg';

const MAX_NAMES = 5_000;
const names = new Map<string, string>();

/** A stable statement name for a query text (the same on every connection and instance). */
export function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `s_${createHash('sha1').update(text).digest('base64url')}`;
    // The texts are the app's own query shapes; the bound only guards against a leak if that ever changes.
    if (names.size >= MAX_NAMES) names.clear();
    names.set(text, name);
  }
  return name;
}

/**
 * node-postgres client that sends every parameterised query as a named (prepared) statement: PostgreSQL
 * parses and plans it once per connection instead of on every execution, which halves its CPU per statement
 * on the checkout path (docs/performance.md). TypeORM never names statements, so this is done at the driver.
 * Queries without parameters (transaction control, migrations with several statements) go as they are.
 * Off with DATABASE_PREPARED_STATEMENTS=false, e.g. behind a PgBouncer in transaction mode older than 1.21.
 */
export class PreparingClient extends Client {
  override query(config: unknown, values?: unknown, callback?: unknown): never {
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      return (super.query as (...a: unknown[]) => never)({ name: statementName(config), text: config, values }, undefined, callback);
    }
    return (super.query as (...a: unknown[]) => never)(config, values, callback);
  }
}

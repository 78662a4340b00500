import { createHash } from 'node:crypto';
import { Client } from 'pg';

/** A text is prepared from its second use on: one-off texts (odd LIMITs, long IN lists) never are. */
const MIN_USES = 2;
/** Named statements per connection at most; later texts run unnamed. Bounds the server's memory per backend. */
const MAX_PER_CONNECTION = 256;
/** Texts remembered process-wide (a bound against a leak if the app ever builds texts from data). */
const MAX_TEXTS = 5_000;

const texts = new Map<string, { name: string; uses: number }>();

/** A stable statement name for a query text (the same on every connection and instance). */
function statementName(text: string): string {
  return `s_${createHash('sha1').update(text).digest('base64url')}`;
}

/** After a migration changes a table, a statement prepared before it may fail like this until re-prepared. */
const isStalePlan = (e: unknown) => (e as { code?: string } | null)?.code === '0A000' && /cached plan must not change result type/.test(String((e as Error).message));

/**
 * node-postgres client that sends the app's repeated parameterised queries as named (prepared) statements:
 * PostgreSQL parses and plans each once per connection instead of on every execution, which halves its CPU
 * per statement on the checkout path (docs/performance.md). TypeORM never names statements, so this is done
 * at the driver. Queries without parameters (transaction control, migrations) go as they are.
 *
 * A prepared statement's result columns are fixed: if a migration run by a newer instance changes them (a
 * column added to a table read with `*`, a type changed), PostgreSQL refuses the statement from then on. The
 * connection is then closed, so the pool replaces it and the next use prepares the statement afresh: one
 * failed query per connection instead of failures until restart.
 *
 * Off with DATABASE_PREPARED_STATEMENTS=false, e.g. behind a PgBouncer in transaction mode older than 1.21.
 */
export class PreparingClient extends Client {
  private readonly prepared = new Set<string>();

  override query(config: unknown, values?: unknown, callback?: unknown): never {
    const run = super.query as (...a: unknown[]) => never;
    const name = typeof config === 'string' && Array.isArray(values) && values.length > 0 ? this.nameFor(config) : null;
    if (!name) return run.call(this, config, values, callback);
    const result = run.call(this, { name, text: config, values }, undefined, callback) as unknown;
    if (result instanceof Promise) {
      result.catch((e: unknown) => {
        if (isStalePlan(e)) void this.end().catch(() => undefined);
      });
    }
    return result as never;
  }

  private nameFor(text: string): string | null {
    let t = texts.get(text);
    if (!t) {
      if (texts.size >= MAX_TEXTS) texts.clear();
      t = { name: statementName(text), uses: 0 };
      texts.set(text, t);
    }
    t.uses++;
    if (this.prepared.has(t.name)) return t.name;
    if (t.uses < MIN_USES || this.prepared.size >= MAX_PER_CONNECTION) return null;
    this.prepared.add(t.name);
    return t.name;
  }
}

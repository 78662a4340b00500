import { createHash } from 'node:crypto';
import { Client, type ClientConfig, type QueryResult } from 'pg';

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

/** What the deferred `START TRANSACTION`, and the `COMMIT`/`ROLLBACK` of a transaction that sent nothing, answer. */
const done = (command: string): QueryResult => ({ command, rowCount: null, oid: 0, rows: [], fields: [] });

/**
 * The app's node-postgres client (the pool's `Client`). Two things on top of node-postgres, both for the number
 * of round trips a checkout costs (docs/performance.md):
 *
 * **Prepared statements.** It sends the app's repeated parameterised queries as named statements: PostgreSQL
 * parses and plans each once per connection instead of on every execution, which halves its CPU per statement
 * on the checkout path. TypeORM never names statements, so this is done at the driver. Queries without
 * parameters (transaction control, migrations) go as they are. A prepared statement's result columns are
 * fixed: if a migration run by a newer instance changes them (a column added to a table read with `*`, a type
 * changed), PostgreSQL refuses the statement from then on. The connection is then closed, so the pool replaces
 * it and the next use prepares the statement afresh: one failed query per connection instead of failures until
 * restart. Off with DATABASE_PREPARED_STATEMENTS=false (`preparedStatements: false` in the pool's options),
 * e.g. behind a PgBouncer in transaction mode older than 1.21.
 *
 * **`START TRANSACTION` rides with the transaction's first statement.** TypeORM awaits it before running the
 * transaction's work: one round trip, a socket write on each side and a wake-up of the backend for a command
 * with nothing to say. Here it is answered at once and written to the socket together with the next query
 * (node-postgres' pipeline mode; both in one write, see corkUntilNextTick), so it costs no round trip of its own;
 * a transaction that sends nothing before its `COMMIT`/`ROLLBACK` sends nothing at all. PostgreSQL runs the two in order, so the first
 * statement is inside the transaction as before. The only way `START TRANSACTION` fails on an idle connection is
 * the connection failing, which fails the statement behind it too.
 */
export class AppClient extends Client {
  private readonly prepared = new Set<string>();
  private readonly prepare: boolean;
  private beginDeferred = false;
  private corked = false;

  constructor(config?: ClientConfig & { preparedStatements?: boolean }) {
    super({ ...config, pipeline: true });
    this.prepare = config?.preparedStatements !== false;
  }

  override query(config: unknown, values?: unknown, callback?: unknown): never {
    if (typeof config === 'string' && values === undefined && callback === undefined) {
      if (config === 'START TRANSACTION' && !this.beginDeferred) {
        this.beginDeferred = true;
        return Promise.resolve(done('BEGIN')) as never;
      }
      if (this.beginDeferred && (config === 'COMMIT' || config === 'ROLLBACK')) {
        this.beginDeferred = false;
        return Promise.resolve(done(config)) as never;
      }
    }
    this.corkUntilNextTick();
    if (!this.beginDeferred) return this.send(config, values, callback);
    this.beginDeferred = false;
    (super.query('START TRANSACTION') as Promise<unknown>).catch(() => undefined); // its failure fails the next query too
    return this.send(config, values, callback);
  }

  /**
   * Holds the socket's writes until the current tick's promise jobs have run, then writes them at once: the
   * deferred `START TRANSACTION` and its statement, or the statements a transaction sends together
   * (`together` in tx.ts), leave in one write and arrive together.
   */
  private corkUntilNextTick(): void {
    if (this.corked) return;
    const socket = this.connection.stream as { cork(): void; uncork(): void };
    socket.cork();
    this.corked = true;
    process.nextTick(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  private send(config: unknown, values?: unknown, callback?: unknown): never {
    const run = super.query.bind(this) as (...a: unknown[]) => never;
    const name = this.prepare && typeof config === 'string' && Array.isArray(values) && values.length > 0 ? this.nameFor(config) : null;
    if (!name) return run(config, values, callback);
    const result = run({ name, text: config, values }, undefined, callback) as unknown;
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

import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source';
import { workerDatabaseUrl } from '../test-app';

/** src/database/app-client.ts against a real server: what gets prepared, and recovery after a schema change. */
describe('prepared statements (AppClient)', () => {
  let ds: DataSource;
  const table = `prep_probe_${process.pid}`;

  beforeAll(async () => {
    // One connection, so every query below runs on the same backend.
    ds = await new DataSource({ ...dataSourceOptions(workerDatabaseUrl(), 1), migrations: [] }).initialize();
    await ds.query(`DROP TABLE IF EXISTS ${table}`);
    await ds.query(`CREATE TABLE ${table} (id int PRIMARY KEY, a text)`);
    await ds.query(`INSERT INTO ${table} VALUES (1, 'one')`);
  });
  afterAll(async () => {
    await ds.query(`DROP TABLE IF EXISTS ${table}`);
    await ds.destroy();
  });

  const named = async (): Promise<string[]> =>
    ((await ds.query(`SELECT statement FROM pg_prepared_statements WHERE name LIKE 's\\_%' ORDER BY statement`)) as { statement: string }[]).map((r) => r.statement);

  it('prepares a parameterised text from its second use; texts without parameters and one-off texts stay unnamed', async () => {
    const select = `SELECT * FROM ${table} WHERE id = $1`;
    await ds.query(select, [1]);
    expect(await named()).not.toContain(select);
    expect(await ds.query(select, [1])).toEqual([{ id: 1, a: 'one' }]);
    expect(await named()).toContain(select);
    await ds.query(`SELECT count(*) FROM ${table}`);
    await ds.query(`SELECT id FROM ${table} WHERE id = $1 AND a IS NOT NULL`, [1]);
    expect((await named()).filter((s) => s.includes(table))).toEqual([select]);
  });

  it('after a migration changes the result columns, one query fails, the connection is replaced and the next one works', async () => {
    const select = `SELECT * FROM ${table} WHERE id = $1`;
    await ds.query(select, [1]);
    await ds.query(select, [1]);
    expect(await named()).toContain(select);
    await ds.query(`ALTER TABLE ${table} ADD COLUMN b int DEFAULT 7`);
    await expect(ds.query(select, [1])).rejects.toMatchObject({ code: '0A000' });
    // The pool has dropped the closed connection: the statement is prepared again on a new one.
    await ds.query(select, [1]);
    expect(await ds.query(select, [1])).toEqual([{ id: 1, a: 'one', b: 7 }]);
  });
});

/** AppClient's deferred START TRANSACTION and corked writes, on the wire and in their effect. */
describe('transactions on the wire (AppClient)', () => {
  let ds: DataSource;
  const table = `tx_probe_${process.pid}`;

  beforeAll(async () => {
    ds = await new DataSource({ ...dataSourceOptions(workerDatabaseUrl(), 1), migrations: [] }).initialize();
    await ds.query(`DROP TABLE IF EXISTS ${table}`);
    await ds.query(`CREATE TABLE ${table} (id int PRIMARY KEY)`);
  });
  afterAll(async () => {
    await ds.query(`DROP TABLE IF EXISTS ${table}`);
    await ds.destroy();
  });
  beforeEach(() => ds.query(`TRUNCATE ${table}`));

  /** Socket writes (syscalls' worth: one per write or writev) the pool's only connection makes during `work`. */
  async function writesDuring(work: () => Promise<unknown>): Promise<number> {
    const pool = (ds.driver as unknown as { master: Pool & { _clients: { connection: { stream: Record<string, (...a: unknown[]) => unknown> } }[] } }).master;
    expect(pool._clients).toHaveLength(1);
    const socket = pool._clients[0].connection.stream;
    const spies = [jest.spyOn(socket, '_write'), jest.spyOn(socket, '_writev')];
    try {
      await work();
      return spies.reduce((n, s) => n + s.mock.calls.length, 0);
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
  }
  const rows = async () => ((await ds.query(`SELECT id FROM ${table} ORDER BY id`)) as { id: number }[]).map((r) => r.id);
  const txState = async () => ((await ds.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' AND application_name = 'checkout-orders' AND datname = current_database()`)) as { n: number }[])[0].n;

  it('sends START TRANSACTION in the same write as the first statement, and that statement is inside the transaction', async () => {
    const writes = await writesDuring(() => ds.transaction((m) => m.query(`INSERT INTO ${table} VALUES ($1)`, [1])));
    expect(writes).toBe(2); // START TRANSACTION + INSERT, then COMMIT
    expect(await rows()).toEqual([1]);

    // Rolled back: the first statement did not commit on its own.
    await expect(
      ds.transaction(async (m) => {
        await m.query(`INSERT INTO ${table} VALUES ($1)`, [2]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await rows()).toEqual([1]);
    expect(await txState()).toBe(0);
  });

  it('a transaction that sends no statement sends nothing, and the next one still opens its own', async () => {
    expect(await writesDuring(() => ds.transaction(async () => 'nothing'))).toBe(0);
    await expect(ds.transaction(async () => Promise.reject(new Error('before any statement')))).rejects.toThrow('before any statement');
    await ds.transaction(async (m) => {
      await m.query(`INSERT INTO ${table} VALUES ($1)`, [3]);
      expect(((await m.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = pg_backend_pid() AND xact_start IS NOT NULL')) as { n: number }[])[0].n).toBe(1);
    });
    expect(await rows()).toEqual([3]);
    expect(await txState()).toBe(0);
  });

  it('an isolation level is set before the first statement (START TRANSACTION rides with the SET)', async () => {
    let level: unknown;
    const writes = await writesDuring(() =>
      ds.transaction('REPEATABLE READ', async (m) => {
        level = ((await m.query('SELECT current_setting($1) AS l', ['transaction_isolation'])) as { l: string }[])[0].l;
      }),
    );
    expect(level).toBe('repeatable read');
    expect(writes).toBe(3); // START TRANSACTION + SET TRANSACTION ISOLATION LEVEL (TypeORM awaits it), the SELECT, COMMIT
  });

  it('a failing first statement fails the transaction; the connection is clean afterwards', async () => {
    await ds.query(`INSERT INTO ${table} VALUES (4)`);
    await expect(ds.transaction((m) => m.query(`INSERT INTO ${table} VALUES ($1)`, [4]))).rejects.toMatchObject({ code: '23505' });
    expect(await txState()).toBe(0);
    await ds.transaction((m) => m.query(`INSERT INTO ${table} VALUES ($1)`, [5]));
    expect(await rows()).toEqual([4, 5]);
  });

  it('statements sent together (Promise.all) leave in one write and get their own results; a failure among them rolls all back', async () => {
    let results: unknown[] = [];
    const writes = await writesDuring(() =>
      ds.transaction(async (m) => {
        await m.query(`INSERT INTO ${table} VALUES ($1)`, [10]);
        results = await Promise.all([
          m.query(`INSERT INTO ${table} VALUES ($1) RETURNING id`, [11]),
          m.query(`INSERT INTO ${table} VALUES ($1) RETURNING id`, [12]),
          m.query(`SELECT count(*)::int AS n FROM ${table}`),
        ]);
      }),
    );
    expect(writes).toBe(3); // START TRANSACTION + first INSERT, the three together, COMMIT
    expect(results).toEqual([[{ id: 11 }], [{ id: 12 }], [{ n: 3 }]]);

    await expect(
      ds.transaction((m) => Promise.all([m.query(`INSERT INTO ${table} VALUES ($1)`, [13]), m.query(`INSERT INTO ${table} VALUES ($1)`, [10]), m.query(`INSERT INTO ${table} VALUES ($1)`, [14])])),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await rows()).toEqual([10, 11, 12]);
    expect(await txState()).toBe(0);
  });
});

import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source';
import { workerDatabaseUrl } from '../test-app';

/** src/database/preparing-client.ts against a real server: what gets prepared, and recovery after a schema change. */
describe('prepared statements (PreparingClient)', () => {
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

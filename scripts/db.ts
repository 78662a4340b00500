/**
 * `npm run migration:<generate|run|revert|show> [-- name]`: runs the typeorm CLI against DATABASE_URL, or
 * against the embedded PostgreSQL that `npm start` uses when DATABASE_URL is not set.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { validateEnv } from '../src/config/env';
import { prepareDatabase } from '../src/database/prepare';

async function main() {
  const [cmd, name] = process.argv.slice(2);
  const commands = ['generate', 'create', 'run', 'revert', 'show', 'check'];
  if (!cmd || !commands.includes(cmd)) throw new Error(`usage: db <${commands.join('|')}> [migrations/<kebab-name>]`);
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = validateEnv(process.env);
  // Migrations are the subject here, so nothing is applied on the way in, except for `check`, which
  // applies them all and then fails if the entities describe a schema the migrations do not build.
  const db = await prepareDatabase(env, { migrate: cmd === 'check' });
  try {
    const cli = require.resolve('typeorm/cli.js');
    const dataSource = join(__dirname, '..', 'src', 'database', 'cli-data-source.js');
    const args =
      cmd === 'create'
        ? [cli, 'migration:create', name ?? '']
        : cmd === 'check'
          ? [cli, 'migration:generate', '-d', dataSource, '--check', 'migrations/drift']
          : [cli, `migration:${cmd}`, '-d', dataSource, ...(cmd === 'generate' ? ['--pretty', name ?? ''] : [])];
    const r = spawnSync(process.execPath, args.filter(Boolean), { stdio: 'inherit', env: { ...process.env, DATABASE_URL: db.url } });
    process.exitCode = r.status ?? 1;
  } finally {
    await db.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

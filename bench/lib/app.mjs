// Building and running the app under test: production mode, loopback, one process per instance.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { client } from './http.mjs';
import { sleep, step } from './util.mjs';

/** Runs a command to completion (inherits stdout/stderr), failing after `timeoutMs`. */
export function run(cmd, args, { cwd, timeoutMs = 300_000, env = process.env } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')}: timed out`));
    }, timeoutMs);
    p.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    p.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code ?? signal}`));
    });
  });
}

/**
 * Compiles the app with the project's tsc into a private directory (not dist/, which colleagues' dev servers
 * may be running from). node_modules/.cache/ is ignored by git and eslint and resolves the app's packages.
 */
export async function build(root, outDir) {
  rmSync(outDir, { recursive: true, force: true });
  step(`Building the app (tsc -p tsconfig.build.json --outDir ${outDir.replace(`${root}/`, '')})`);
  await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: root, timeoutMs: 600_000 });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = srv.address();
        srv.close(() => resolve(port));
      });
  });
}

/**
 * The runtime tuning the Docker image sets (`NODE_OPTIONS`, glibc `MALLOC_*` in the runtime stage's ENV), so
 * the bench measures the app as it is shipped. Flags in `--app-node-args` come after NODE_OPTIONS and win.
 */
export function imageRuntimeEnv(root) {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const runtime = dockerfile.slice(dockerfile.search(/^FROM .* AS runtime$/m));
  const env = {};
  for (const line of runtime.split('\n').filter((l) => l.startsWith('ENV '))) {
    for (const [, k, v] of line.matchAll(/([A-Z_]+)=("[^"]*"|\S+)/g)) {
      if (k === 'NODE_OPTIONS' || k.startsWith('MALLOC_')) env[k] = v.replace(/^"|"$/g, '');
    }
  }
  return env;
}

/** Production secrets for this run only: random, never the development defaults the app refuses. */
export function productionEnv(o) {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'production',
    DATABASE_URL: o.databaseUrl,
    DATABASE_POOL_SIZE: String(o.poolSize),
    JWT_SECRET: randomBytes(32).toString('hex'),
    JWT_ACCESS_TTL_SECONDS: '7200',
    PAYMENT_PROVIDER: 'sandbox',
    STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('hex')}`,
    ADMIN_EMAIL: o.adminEmail,
    ADMIN_PASSWORD: o.adminPassword,
    CORS_ORIGINS: 'http://localhost:5173',
    MAIL_TRANSPORT: 'file',
    MAIL_DIR: o.mailDir,
    LOG_LEVEL: o.logLevel,
    HOST: '127.0.0.1',
    ...o.runtimeEnv,
  };
}

/**
 * Starts one instance and waits for /health/ready. stdout/stderr go to a log file (no pipe back into the
 * harness, so logging costs the app what it would in production, not more).
 * @param {{ buildDir: string, workDir: string, name: string, env: Record<string,string>, nodeArgs?: string[], connections: number }} o
 */
export async function startApp(o) {
  const port = await freePort();
  const logFile = join(o.workDir, `${o.name}.log`);
  mkdirSync(o.workDir, { recursive: true });
  const fd = openSync(logFile, 'a');
  const env = { ...o.env, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` };
  // cwd = the work dir: no stray .env file of a developer is loaded by the app.
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), join(o.buildDir, 'src/main.js')], { cwd: o.workDir, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited = null;
  const exitPromise = new Promise((resolve) => child.once('exit', (code, signal) => resolve((exited = { code, signal }))));
  const origin = `http://127.0.0.1:${port}`;
  const pool = client(origin, o.connections);
  const app = {
    name: o.name,
    pid: child.pid,
    port,
    origin,
    pool,
    logFile,
    get running() {
      return !exited;
    },
    /** SIGTERM (graceful: the app closes its pool; --cpu-prof writes the profile), SIGKILL after 20 s. */
    async stop() {
      await pool.close().catch(() => undefined);
      if (exited) return exited;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const r = await exitPromise;
      clearTimeout(killer);
      return r;
    },
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited) throw new Error(`${o.name} exited during start-up (${exited.code ?? exited.signal}); log tail:\n${tail(logFile)}`);
    if (Date.now() > deadline) {
      await app.stop();
      throw new Error(`${o.name} did not become ready in 90 s; log tail:\n${tail(logFile)}`);
    }
    try {
      const res = await pool.request({ method: 'GET', path: '/health/ready' });
      await res.body.text();
      if (res.statusCode === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  step(`${o.name} ready on ${origin} (pid ${child.pid})`);
  return app;
}

export function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

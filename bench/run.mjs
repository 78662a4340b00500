#!/usr/bin/env node
// npm run bench [-- --quick] [-- --only=s1,s3] [-- --profile] … — see bench/README.md.
// Builds the app, starts PostgreSQL (embedded, or a fresh database on DATABASE_URL), seeds with SQL, runs the
// app in production mode on loopback, drives the scenarios, writes bench/results/<stamp>.json + .md, prints the
// table, and stops everything it started, also on errors and Ctrl-C.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { hrtime } from 'node:process';
import { randomBytes } from 'node:crypto';
import { build, imageRuntimeEnv, productionEnv, startApp } from './lib/app.mjs';
import { prepareDatabase, settle } from './lib/db.mjs';
import { login } from './lib/http.mjs';
import { summarizeProfile } from './lib/profile.mjs';
import { render } from './lib/report.mjs';
import { log, step } from './lib/util.mjs';
import { ceiling } from './scenarios/ceiling.mjs';
import { checkoutLoad, s1 } from './scenarios/s1-checkout.mjs';
import { s2 } from './scenarios/s2-hot-item.mjs';
import { s3 } from './scenarios/s3-reads.mjs';
import { s4 } from './scenarios/s4-export.mjs';
import { s5 } from './scenarios/s5-scale-out.mjs';
import { bulkLayout, DELIVERY_METHOD, READER, seedCatalog, seedOrders } from './seed.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ALL = ['s1', 's2', 's3', 's4', 's5', 'ceiling'];

/** Every bound of a run. Full: ~8–10 minutes on 2 cores; quick: ~1–2 minutes (CI smoke). */
const PLANS = {
  full: {
    bulk: { orders: 1_000_000, customers: 20_000 },
    s1: { levels: [1, 16, 64], durationMs: 15_000, maxOrders: 20_000, warmupMs: 3_000 },
    s2: { buyers: 64, maxAttempts: 640, timeoutMs: 60_000 },
    s3: { requests: 200, budgetMs: 15_000 },
    s4: { orders: 100_000 },
    s5: { concurrency: 16, durationMs: 15_000, maxOrders: 20_000 },
    ceiling: { levels: [1, 16, 64], seconds: 10 },
    profile: { concurrency: 16, durationMs: 15_000 },
    watchdogMs: 30 * 60_000,
  },
  quick: {
    bulk: { orders: 10_000, customers: 1_000 },
    s1: { levels: [1, 16, 64], durationMs: 3_000, maxOrders: 2_000, warmupMs: 1_000 },
    s2: { buyers: 64, maxAttempts: 320, timeoutMs: 30_000 },
    s3: { requests: 40, budgetMs: 2_000 },
    s4: { orders: 10_000 },
    s5: { concurrency: 16, durationMs: 3_000, maxOrders: 2_000 },
    ceiling: { levels: [1, 16, 64], seconds: 3 },
    profile: { concurrency: 16, durationMs: 5_000 },
    watchdogMs: 10 * 60_000,
  },
};

const HELP = `npm run bench -- [options]
  --quick             ~2–3 s per scenario, 10 000 bulk orders (CI smoke)
  --only=s1,s2,...    scenarios to run: ${ALL.join(', ')} (default: all)
  --profile           also run S1 at concurrency 16 under node --cpu-prof and list the top self-time functions
  --duration=SECONDS  override S1/S5 time per level
  --bulk=N            override the number of bulk-loaded orders (S3/S4)
  --pool=N            DATABASE_POOL_SIZE of the app (default 10, the app's default)
  --log-level=LEVEL   LOG_LEVEL of the app (default info, as in production)
  --no-build          reuse the previous build in node_modules/.cache/checkout-bench/build
  --keep              keep the embedded data directory / the bench database afterwards
  --db-name=NAME      database created on DATABASE_URL's server (default checkout_bench; dropped and recreated)
  --app-node-args="…" extra node flags for the app instances, e.g. "--max-old-space-size=128"
Environment: DATABASE_URL=postgres://… uses that server instead of an embedded one.`;

function parseArgs(argv) {
  const a = { quick: false, only: ALL, profile: false, build: true, keep: false, pool: 10, logLevel: 'info', dbName: 'checkout_bench' };
  for (const arg of argv) {
    const eq = arg.indexOf('=');
    const [k, v] = eq === -1 ? [arg, ''] : [arg.slice(0, eq), arg.slice(eq + 1)];
    if (k === '--quick') a.quick = true;
    else if (k === '--only') a.only = v.split(',').map((s) => s.trim().toLowerCase());
    else if (k === '--profile') a.profile = true;
    else if (k === '--no-build') a.build = false;
    else if (k === '--keep') a.keep = true;
    else if (k === '--duration') a.duration = Number(v);
    else if (k === '--bulk') a.bulk = Number(v);
    else if (k === '--pool') a.pool = Number(v);
    else if (k === '--log-level') a.logLevel = v;
    else if (k === '--db-name') a.dbName = v;
    else if (k === '--app-node-args') a.appNodeArgs = v.split(' ').filter(Boolean);
    else if (k === '--help' || k === '-h') {
      log(HELP);
      process.exit(0);
    } else throw new Error(`Unknown option ${arg}\n${HELP}`);
  }
  for (const s of a.only) if (!ALL.includes(s)) throw new Error(`Unknown scenario ${s} (${ALL.join(', ')})`);
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(a.dbName)) throw new Error('--db-name must be a plain lower-case identifier');
  return a;
}

function planFor(a) {
  const plan = JSON.parse(JSON.stringify(PLANS[a.quick ? 'quick' : 'full']));
  if (a.duration > 0) plan.s1.durationMs = plan.s5.durationMs = a.duration * 1000;
  if (a.bulk > 0) plan.bulk.orders = Math.max(1000, Math.floor(a.bulk));
  plan.bulk.customers = Math.min(plan.bulk.customers, Math.max(10, Math.floor(plan.bulk.orders / 10)));
  return plan;
}

function gitCommit() {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'migrations'], { cwd: ROOT, encoding: 'utf8' }).trim() ? '+dirty' : '';
    return sha + dirty;
  } catch {
    return 'unknown';
  }
}

function machine() {
  const c = cpus();
  return {
    cores: c.length,
    cpuModel: c[0]?.model?.replace(/\s+/g, ' ').trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
  };
}

/** The emails written by this run go; app logs of the last 3 runs stay (node_modules/.cache/checkout-bench/run-*). */
function pruneWorkDirs(parent, mailDir) {
  rmSync(mailDir, { recursive: true, force: true });
  const runs = readdirSync(parent)
    .filter((d) => d.startsWith('run-'))
    .sort();
  for (const d of runs.slice(0, -3)) rmSync(join(parent, d), { recursive: true, force: true });
}

/** Lines the app logged at level error (50) or fatal (60). */
function appErrors(file) {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => /"level":(50|60)/.test(l)).length;
  } catch {
    return null;
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const plan = planFor(args);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const resultsDir = join(ROOT, 'bench/results');
  const workDir = join(ROOT, 'node_modules/.cache/checkout-bench', `run-${stamp}`);
  const buildDir = join(ROOT, 'node_modules/.cache/checkout-bench/build');
  mkdirSync(resultsDir, { recursive: true });
  mkdirSync(workDir, { recursive: true });

  // Everything started is registered here and undone in reverse order, whatever happens.
  const cleanups = [];
  const cleanup = (fn, label) => cleanups.push({ fn, label });
  let cleaning = null;
  const cleanAll = () =>
    (cleaning ??= (async () => {
      for (const { fn, label } of cleanups.reverse()) {
        try {
          await fn();
        } catch (e) {
          step(`cleanup of ${label} failed: ${e.message}`);
        }
      }
    })());
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      step(`${sig}: stopping the app and PostgreSQL…`);
      void cleanAll().finally(() => process.exit(130));
    });
  }
  const watchdog = setTimeout(() => {
    step(`Watchdog: the run exceeded ${plan.watchdogMs / 60_000} minutes; stopping`);
    void cleanAll().finally(() => process.exit(124));
  }, plan.watchdogMs);
  watchdog.unref();

  const results = {
    meta: { startedAt: new Date().toISOString(), mode: args.quick ? 'quick' : 'full', commit: gitCommit(), args: process.argv.slice(2), scenarios: args.only },
    machine: machine(),
    loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    app: { poolSize: args.pool, logLevel: args.logLevel, nodeArgs: args.appNodeArgs ?? [], workDir },
    plan,
  };
  let failure = null;
  try {
    if (args.build || !existsSync(join(buildDir, 'src/main.js'))) await build(ROOT, buildDir);
    const db = await prepareDatabase({ buildDir, dbName: args.dbName, keep: args.keep, cleanup });
    results.database = { version: db.version, embedded: db.embedded, fsync: db.fsync, synchronous_commit: db.synchronous_commit, shared_buffers: db.shared_buffers, max_wal_size: db.max_wal_size, statementsExtension: db.statements };
    await seedCatalog(db.url, ROOT);
    const needsBulk = args.only.includes('s3') || args.only.includes('s4');
    const layout = needsBulk ? await seedOrders(db.url, bulkLayout(plan.bulk.orders, plan.bulk.customers)) : null;
    if (layout) results.bulk = layout;

    const adminEmail = 'bench-admin@bench.example';
    const adminPassword = randomBytes(18).toString('base64url');
    const runtimeEnv = imageRuntimeEnv(ROOT);
    results.app.runtimeEnv = runtimeEnv;
    const env = productionEnv({ databaseUrl: db.url, poolSize: args.pool, adminEmail, adminPassword, mailDir: join(workDir, 'mail'), logLevel: args.logLevel, runtimeEnv });
    const connections = 80; // ≥ the highest concurrency: the pool never queues requests in the harness
    const ctx = {
      root: ROOT,
      plan,
      db,
      layout,
      tag: stamp.slice(11, 19).replace(/-/g, ''),
      deliveryMethodId: DELIVERY_METHOD,
      postmasterPid: db.postmasterPid ?? null,
      apps: [],
      tokens: {},
      settle: () => settle(db.url, { outbox: ctx.apps.some((a) => a.running) }),
      startApp: async (name, nodeArgs = []) => {
        const app = await startApp({ buildDir, workDir, name, env, nodeArgs: [...(args.appNodeArgs ?? []), ...nodeArgs], connections });
        cleanup(() => app.stop(), name);
        return app;
      },
    };
    if (!ctx.postmasterPid) step('PostgreSQL is not on this machine (or not visible): its CPU use is not reported');

    ctx.apps.push(await ctx.startApp('app-a'));
    if (needsBulk) {
      ctx.tokens.admin = await login(ctx.apps[0].pool, adminEmail, adminPassword);
      ctx.tokens.reader = await login(ctx.apps[0].pool, READER.email, READER.password);
    }

    // S4 first: the instance is fresh, so its peak RSS (VmHWM) is about the export, not about earlier load.
    if (args.only.includes('s4')) results.s4 = await s4(ctx);
    if (args.only.includes('s3')) results.s3 = await s3(ctx);
    if (args.only.includes('s1')) results.s1 = await s1(ctx);
    if (args.only.includes('s2')) results.s2 = await s2(ctx);
    if (args.only.includes('s5')) results.s5 = await s5(ctx);
    for (const app of ctx.apps) await app.stop();
    results.app.errorLogLines = Object.fromEntries(ctx.apps.map((a) => [a.name, appErrors(a.logFile)]));
    if (args.only.includes('ceiling')) results.ceiling = await ceiling(ctx);

    if (args.profile) {
      const profDir = join(workDir, 'profile');
      const { concurrency, durationMs } = plan.profile;
      step(`Profile: S1 at concurrency ${concurrency} for ${durationMs / 1000} s under node --cpu-prof`);
      const app = await ctx.startApp('app-prof', ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
      await checkoutLoad(ctx, { label: 'prof-warmup', apps: [app], concurrency: 8, durationMs: plan.s1.warmupMs, maxOrders: 10_000 });
      const fromUs = Number(hrtime.bigint() / 1000n);
      const run = await checkoutLoad(ctx, { label: 'profiled', apps: [app], concurrency, durationMs, maxOrders: 50_000 });
      const toUs = Number(hrtime.bigint() / 1000n);
      await app.stop();
      const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
      if (file) {
        const keep = join(resultsDir, `${stamp}-app.cpuprofile`);
        writeFileSync(keep, readFileSync(join(profDir, file)));
        results.profile = { run: { ordersPerSec: run.ordersPerSec, e2e: run.latencyMs.e2e }, ...summarizeProfile(keep, { root: ROOT, buildDir, window: { fromUs, toUs } }) };
        results.profile.file = keep.replace(`${ROOT}/`, '');
        step(`  profile: ${results.profile.file} (${results.profile.sampledS} s sampled, ${results.profile.busyPct} % busy)`);
      } else step('  no .cpuprofile was written');
    }
  } catch (e) {
    failure = e;
    results.error = String(e?.stack ?? e);
  } finally {
    clearTimeout(watchdog);
    await cleanAll();
    pruneWorkDirs(dirname(workDir), join(workDir, 'mail'));
  }

  results.meta.finishedAt = new Date().toISOString();
  const json = join(resultsDir, `${stamp}.json`);
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(resultsDir, `${stamp}.md`), `${render(results, 'md')}\n`);
  log(`\n${render(results, 'text')}\n`);
  if (results.profile) {
    log('Top self-time functions of the app under S1 (share of busy CPU time):');
    for (const f of results.profile.topFunctions.slice(0, 15)) log(`  ${String(f.selfPct).padStart(5)} %  ${f.function}  ${f.where}`);
    log('By package:');
    for (const g of results.profile.byGroup.slice(0, 12)) log(`  ${String(g.selfPct).padStart(5)} %  ${g.group}`);
  }
  log(`Results: ${json.replace(`${ROOT}/`, '')} (+ .md)`);
  if (failure) throw failure;
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`\nbench failed: ${e?.stack ?? e}\n`);
    process.exit(1);
  },
);

// S1: guest checkouts end to end at fixed concurrency, bounded in time and count. Also S5's workload.
import { cpus } from 'node:os';
import { roundRobin } from '../lib/http.mjs';
import { cpuDelta, cpuSnapshot } from '../lib/proc.mjs';
import { statements } from '../lib/db.mjs';
import { benchId, now, parallel, round, step } from '../lib/util.mjs';
import { VARIANTS } from '../seed.mjs';
import { buyOnce, FlowStats } from './checkout-flow.mjs';

/** Two different catalog variants, uniformly at random (the app locks them in variant-id order). */
function twoVariants() {
  const a = 1 + Math.floor(Math.random() * VARIANTS);
  let b = 1 + Math.floor(Math.random() * (VARIANTS - 1));
  if (b >= a) b++;
  return [benchId('b', a), benchId('b', b)];
}

/**
 * `concurrency` virtual customers, each buying again and again until `durationMs` has passed or
 * `maxOrders` flows have started. Returns orders/s, per-step and end-to-end latency, errors and CPU use.
 * @param {object} ctx run context (apps, db, who, tag)
 * @param {{ label: string, apps: {pool: import('undici').Pool, pid: number}[], concurrency: number, durationMs: number, maxOrders: number, countStatements?: boolean }} o
 */
export async function checkoutLoad(ctx, o) {
  const next = roundRobin(o.apps.map((a) => a.pool));
  const stats = new FlowStats();
  let started = 0;
  if (o.countStatements) await statements.reset(ctx.db.url, ctx.db.statements);
  const who = { appPids: o.apps.map((a) => a.pid), postmasterPid: ctx.postmasterPid };
  const cpu0 = cpuSnapshot(who);
  const t0 = now();
  const deadline = t0 + o.durationMs;
  await parallel(o.concurrency, async (vu) => {
    let n = 0;
    while (now() < deadline && started < o.maxOrders) {
      started++;
      try {
        stats.ok(await buyOnce(next, { variants: twoVariants(), deliveryMethodId: ctx.deliveryMethodId, email: `g-${ctx.tag}-${o.label}-${vu}-${n++}@bench.example` }));
      } catch (e) {
        stats.fail(e);
        if (stats.failed > 50 && stats.failed > stats.completed) break; // something is broken: stop hammering
      }
    }
  });
  const elapsed = (now() - t0) / 1000;
  const cpu = cpuDelta(cpu0, cpuSnapshot(who));
  const sql = o.countStatements ? await statements.read(ctx.db.url, ctx.db.statements, 25) : null;
  const s = stats.summary();
  // CPU time per completed order (ms): unlike orders/s, barely affected by other jobs on the machine.
  const perOrder = (pct) => (s.completed && pct != null ? round((pct / 100) * elapsed * 1000 / s.completed, 1) : null);
  const cpuMsPerOrder = { app: perOrder(cpu.appPct.reduce((a, b) => a + b, 0)), pg: perOrder(cpu.pgPct), harness: perOrder(cpu.harnessPct) };
  const spent = (cpuMsPerOrder.app ?? 0) + (cpuMsPerOrder.pg ?? 0) + (cpuMsPerOrder.harness ?? 0);
  const result = {
    label: o.label,
    instances: o.apps.length,
    concurrency: o.concurrency,
    durationS: round(elapsed, 2),
    ordersPerSec: round(s.completed / elapsed, 1),
    ...s,
    cpu,
    cpuMsPerOrder,
    // What the same CPU cost per order would give with every core of this machine to app + PostgreSQL + harness.
    cpuBoundOrdersPerSec: spent ? round((cpus().length * 1000) / spent, 1) : null,
    sql: sql && {
      statementsPerOrder: s.completed ? round(sql.calls / s.completed, 1) : null,
      txControlPerOrder: s.completed ? round(sql.txControl / s.completed, 1) : null,
      ...sql,
    },
  };
  step(
    `  ${o.label}: ${s.completed} orders in ${elapsed.toFixed(1)} s = ${result.ordersPerSec}/s, e2e p50 ${s.latencyMs.e2e.p50} p99 ${s.latencyMs.e2e.p99} ms` +
      `${s.failed ? `, ${s.failed} failed ${JSON.stringify(s.errors)}` : ''}${result.sql ? `, ${result.sql.statementsPerOrder} SQL statements/order` : ''}` +
      `, CPU ms/order app ${cpuMsPerOrder.app} pg ${cpuMsPerOrder.pg}` +
      `, CPU % of a core: app ${cpu.appPct.join('+')} pg ${cpu.pgPct ?? '?'} harness ${cpu.harnessPct} other ${cpu.otherPct} (machine ${cpu.machineBusyPct} % busy)`,
  );
  return result;
}

/**
 * The SQL of one order, request by request (pg_stat_statements reset and read between the steps of a single
 * flow at concurrency 1), plus what the background outbox worker runs for it (the confirmation email).
 */
async function anatomy(ctx) {
  if (!ctx.db.statements) return null;
  const url = ctx.db.url;
  const steps = [];
  const take = async (name) => {
    const s = await statements.read(url, true, 200);
    steps.push({ step: name, statements: s.calls, txControl: s.txControl, queries: s.top.map((q) => ({ calls: q.calls, query: q.query.slice(0, 160) })) });
    await statements.reset(url, true);
  };
  await ctx.settle();
  await statements.reset(url, true);
  const pool = ctx.apps[0].pool;
  await buyOnce(() => pool, { variants: twoVariants(), deliveryMethodId: ctx.deliveryMethodId, email: `a-${ctx.tag}@bench.example`, after: take });
  await ctx.settle(); // the outbox worker sends the confirmation email within OUTBOX_POLL_SECONDS
  await take('outbox worker (email)');
  const total = steps.reduce((n, x) => n + x.statements, 0);
  step(`  one order = ${total} SQL statements: ${steps.map((x) => `${x.step} ${x.statements}`).join(', ')}`);
  return { total, txControl: steps.reduce((n, x) => n + x.txControl, 0), steps };
}

/** S1 at each concurrency level (after a short warm-up that is not recorded). */
export async function s1(ctx) {
  const { levels, durationMs, maxOrders, warmupMs } = ctx.plan.s1;
  step(`S1 checkout: concurrency ${levels.join(', ')}, ${durationMs / 1000} s or ${maxOrders} orders each`);
  await checkoutLoad(ctx, { label: 'warmup', apps: [ctx.apps[0]], concurrency: 8, durationMs: warmupMs, maxOrders });
  const perOrder = await anatomy(ctx);
  const runs = [];
  for (const c of levels) {
    await ctx.settle();
    runs.push(await checkoutLoad(ctx, { label: `c${c}`, apps: [ctx.apps[0]], concurrency: c, durationMs, maxOrders, countStatements: c === 16 || levels.length === 1 }));
  }
  return { anatomy: perOrder, runs };
}

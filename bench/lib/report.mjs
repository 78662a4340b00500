// Renders a results object as aligned text (stdout) and Markdown (bench/results/<stamp>.md, docs/performance.md).
import { fmtMs } from './util.mjs';

/** @param {'text'|'md'} kind */
function table(kind, headers, rows) {
  const cells = rows.map((r) => r.map((c) => (c == null ? '–' : String(c))));
  if (kind === 'md') {
    const line = (r) => `| ${r.join(' | ')} |`;
    return [line(headers), line(headers.map((h, i) => (i === 0 ? '---' : '---:'))), ...cells.map(line)].join('\n');
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

const p = (s) => (s ? `${fmtMs(s.p50)} / ${fmtMs(s.p95)} / ${fmtMs(s.p99)}` : null);
const mark = (ok) => (ok == null ? '?' : ok ? 'met' : 'NOT met');

/** The comparison with issue 7's targets, computed from one run. */
export function targets(r) {
  const c16 = r.s1?.runs.find((x) => x.concurrency === 16);
  const ceil16 = r.ceiling?.runs?.find((x) => x.clients === 16 && x.mode !== 'extended');
  const ratio = c16 && ceil16?.tps ? c16.ordersPerSec / ceil16.tps : null;
  const s3worst = r.s3 ? Math.max(...r.s3.cases.map((c) => c.p99 ?? 0)) : null;
  return [
    ['S1 c=16 orders/s vs pgbench ceiling', '≥ 30 %', ratio == null ? null : `${(ratio * 100).toFixed(1)} %`, ratio == null ? null : ratio >= 0.3],
    ['S1 c=16 end-to-end p99', '< 150 ms', c16 ? `${fmtMs(c16.latencyMs.e2e.p99)} ms` : null, c16 ? c16.latencyMs.e2e.p99 < 150 : null],
    ['S1 SQL statements per order', '≤ 30', c16?.sql?.statementsPerOrder ?? null, c16?.sql?.statementsPerOrder == null ? null : c16.sql.statementsPerOrder <= 30],
    ['S2 oversell', 'none', r.s2 ? (r.s2.pass ? 'none' : 'CHECK FAILED') : null, r.s2 ? r.s2.pass : null],
    ['S3 worst p99 of all list cases', '< 20 ms', s3worst == null ? null : `${fmtMs(s3worst)} ms`, s3worst == null ? null : s3worst < 20],
    ['S4 export peak RSS', '< 150 MB', r.s4 ? `${r.s4.peakRssMiB} MiB (idle ${r.s4.idleRssMiB})` : null, r.s4 ? r.s4.peakRssMiB * 1.048576 < 150 : null],
    ['S4 memory constant in export size', 'growth(n) ≈ growth(n/10)', r.s4 ? `+${r.s4.growthMiB} vs +${r.s4.tenth.growthMiB} MiB` : null, r.s4 ? r.s4.growthMiB <= r.s4.tenth.growthMiB + 20 : null],
    ['S5 two instances / one', '≥ 1.6×', r.s5?.ratio != null ? `${r.s5.ratio}×` : null, r.s5?.ratio != null ? r.s5.ratio >= 1.6 : null],
  ];
}

/** @param {'text'|'md'} kind */
export function render(r, kind) {
  const out = [];
  const h = (t) => out.push(kind === 'md' ? `\n### ${t}\n` : `\n== ${t} ==`);
  const m = r.machine;
  const d = r.database ?? {};
  out.push(kind === 'md' ? `**Run** ${r.meta.startedAt} · ${r.meta.mode} · commit ${r.meta.commit}` : `Checkout & Orders benchmark — ${r.meta.startedAt} (${r.meta.mode}, commit ${r.meta.commit})`);
  out.push(
    `Machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB RAM, ${m.os}; Node ${m.node}; PostgreSQL ${d.version ?? '?'} (${d.embedded ? 'embedded' : 'DATABASE_URL'}, ` +
      `fsync ${d.fsync}, synchronous_commit ${d.synchronous_commit}, shared_buffers ${d.shared_buffers}); pgbench ${r.ceiling?.pgbench?.replace('pgbench (PostgreSQL) ', '') ?? '–'}`,
  );
  if (r.loadAverageAtStart) out.push(`Load average at start: ${r.loadAverageAtStart.join(' / ')} (other jobs on the machine skew every number; see "other" CPU).`);
  const runtime = Object.entries(r.app.runtimeEnv ?? {}).map(([k, v]) => `${k}=${v}`);
  const flags = r.app.nodeArgs?.length ? [`node ${r.app.nodeArgs.join(' ')}`] : [];
  out.push(`App: NODE_ENV=production, DATABASE_POOL_SIZE=${r.app.poolSize}, LOG_LEVEL=${r.app.logLevel}, ${[...runtime, ...flags, 'sandbox payments'].join(', ')}; load generator: undici on loopback, same machine.`);

  if (r.s1) {
    h('S1 checkout (guest: 2 cart adds, checkout, sandbox pay, poll): one instance');
    const ceil = (c) => r.ceiling?.runs?.find((x) => x.clients === c && x.mode !== 'extended')?.tps;
    out.push(
      table(
        kind,
        ['concurrency', 'orders', 'orders/s', 'vs ceiling', 'e2e p50/p95/p99 ms', 'add1', 'add2', 'checkout', 'pay', 'poll', 'SQL/order', 'CPU ms/order app/pg', 'CPU-bound orders/s', 'CPU % app/pg/other', 'errors'],
        r.s1.runs.map((x) => [
          x.concurrency,
          x.completed,
          x.ordersPerSec,
          ceil(x.concurrency) ? `${((x.ordersPerSec / ceil(x.concurrency)) * 100).toFixed(1)} %` : null,
          p(x.latencyMs.e2e),
          p(x.latencyMs.add1),
          p(x.latencyMs.add2),
          p(x.latencyMs.checkout),
          p(x.latencyMs.pay),
          p(x.latencyMs.poll),
          x.sql?.statementsPerOrder ?? null,
          `${x.cpuMsPerOrder?.app ?? '?'} / ${x.cpuMsPerOrder?.pg ?? '?'}`,
          x.cpuBoundOrdersPerSec,
          `${x.cpu.appPct.join('+')} / ${x.cpu.pgPct ?? '?'} / ${x.cpu.otherPct ?? '?'}`,
          x.failed,
        ]),
      ),
    );
    out.push(
      `${kind === 'md' ? '\n' : ''}Per step: p50 / p95 / p99 in ms. CPU ms/order: CPU time of the app and of PostgreSQL per completed order. ` +
        `CPU-bound orders/s: ${m.cores} cores ÷ (app + PostgreSQL + harness CPU per order), what the machine would do with nothing else running. ` +
        `CPU %: of one core; "other" = everything else running on the machine (other jobs skew orders/s, much less CPU per order).`,
    );
    if (r.s1.anatomy) out.push(`${kind === 'md' ? '\n' : ''}One order, statement by statement: ${r.s1.anatomy.steps.map((x) => `${x.step} ${x.statements}`).join(' · ')} = ${r.s1.anatomy.total} (${r.s1.anatomy.txControl} of them BEGIN/SET/COMMIT/SAVEPOINT).`);
  }
  if (r.s2) {
    h('S2 hot item');
    const s = r.s2;
    out.push(
      table(
        kind,
        ['buyers', 'stock', 'attempts', 'orders', 'sell-out s', 'orders/s', 'told sold out', 'on_hand', 'reserved', 'sold', 'oversell'],
        [[s.buyers, s.stock, s.attempts, s.completed, s.sellOutS, s.ordersPerSec, s.soldOutResponses.cart + s.soldOutResponses.checkout, s.proof.stock.on_hand, s.proof.stock.reserved, s.proof.sold.units, s.pass ? 'none (checks pass)' : 'CHECK FAILED']],
      ),
    );
  }
  if (r.s3) {
    h(`S3 reads over ${r.s3.bulkOrders.toLocaleString('en-US')} orders (sequential requests, 20 per page)`);
    out.push(table(kind, ['case', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'avg bytes', 'errors'], r.s3.cases.map((c) => [c.name, c.n, fmtMs(c.p50), fmtMs(c.p95), fmtMs(c.p99), fmtMs(c.max), c.avgBytes, c.errors])));
  }
  if (r.s4) {
    h('S4 CSV export (streamed)');
    const row = (s) => [s.orders, s.rows, (s.bytes / 1048576).toFixed(1), s.totalS, s.rowsPerSec, s.ttfbMs, s.rssBeforeMiB, s.peakRssMiB, s.growthMiB];
    out.push(table(kind, ['orders', 'rows', 'MiB', 'seconds', 'rows/s', 'first byte ms', 'RSS before MiB', 'peak RSS MiB', 'growth MiB'], [row(r.s4.tenth), row(r.s4)]));
    out.push(`Idle RSS of the instance after start-up: ${r.s4.idleRssMiB} MiB.`);
  }
  if (r.s5) {
    h(`S5 scale-out (S1 at concurrency ${r.s5.concurrency})`);
    const row = (x) => [x.instances, x.ordersPerSec, p(x.latencyMs.e2e), x.cpu.appPct.join(' + '), x.cpu.pgPct, x.cpu.harnessPct, x.cpu.otherPct, x.cpu.machineBusyPct, x.failed];
    out.push(table(kind, ['instances', 'orders/s', 'e2e p50/p95/p99 ms', 'CPU app %', 'CPU pg %', 'CPU harness %', 'CPU other %', 'machine busy %', 'errors'], [row(r.s5.one), row(r.s5.two)]));
    out.push(`Two instances / one: ×${r.s5.ratio}`);
  }
  if (r.ceiling?.runs) {
    h('Ceiling: S1’s SQL as one transaction (pgbench, same database)');
    const s1 = (c) => r.s1?.runs.find((x) => x.concurrency === c)?.ordersPerSec;
    out.push(
      table(
        kind,
        ['clients', 'statements', 'TPS', 'latency avg ms', 'failed', 'PostgreSQL CPU ms/tx', 'CPU % pg/pgbench/other', 'S1 orders/s', 'S1 / ceiling'],
        r.ceiling.runs.map((x) => [
          x.clients,
          x.mode === 'extended' ? 'unnamed (parsed each time)' : 'prepared',
          x.tps?.toFixed(1) ?? x.error?.slice(0, 40),
          x.latencyAvgMs,
          x.failed,
          x.pgCpuMsPerTx,
          x.cpu ? `${x.cpu.pgPct ?? '?'} / ${x.cpu.pgbenchPct} / ${x.cpu.otherPct}` : null,
          x.mode === 'extended' ? null : s1(x.clients),
          x.mode !== 'extended' && s1(x.clients) && x.tps ? `${((s1(x.clients) / x.tps) * 100).toFixed(1)} %` : null,
        ]),
      ),
    );
  }
  if (r.error) out.push(`\nRUN FAILED: ${r.error.split('\n')[0]}`);
  h('Targets (issue 7)');
  out.push(table(kind, ['target', 'goal', 'measured', 'verdict'], targets(r).map(([a, b, c, ok]) => [a, b, c, mark(ok)])));
  return out.join('\n');
}

// S4: the admin CSV export of N orders, streamed: wall time, rows/s and the app's peak RSS.
import { memoryOf, sampleRss } from '../lib/proc.mjs';
import { now, round, step } from '../lib/util.mjs';
import { bulkCreatedAt } from '../seed.mjs';

/** Streams the export and counts bytes and lines without keeping the body. */
async function exportOnce(app, token, from, to) {
  const t0 = now();
  const res = await app.pool.request({
    method: 'GET',
    path: `/api/admin/orders/export?from=${from.toISOString()}&to=${to.toISOString()}`,
    headers: { authorization: `Bearer ${token}`, accept: 'text/csv' },
  });
  const ttfb = now() - t0;
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body) {
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return { status: res.statusCode, ttfbMs: ttfb, totalMs: now() - t0, bytes, rows: Math.max(0, lines - 1) };
}

/** One measured export of the newest `n` bulk orders, with the app's RSS sampled every 20 ms. */
async function measuredExport(ctx, app, n) {
  const from = bulkCreatedAt(ctx.layout, n);
  const to = new Date(bulkCreatedAt(ctx.layout, 1).getTime() + 1); // bulk orders 1..n only, nothing from live scenarios
  const before = memoryOf(app.pid);
  const sampler = sampleRss(app.pid, 20);
  const r = await exportOnce(app, ctx.tokens.admin, from, to);
  const peakRss = sampler.stop();
  const after = memoryOf(app.pid);
  const mib = (b) => round(b / 1048576, 1);
  return {
    orders: n,
    status: r.status,
    rows: r.rows,
    complete: r.status === 200 && r.rows === n,
    bytes: r.bytes,
    ttfbMs: round(r.ttfbMs, 1),
    totalS: round(r.totalMs / 1000, 2),
    rowsPerSec: Math.round(r.rows / (r.totalMs / 1000)),
    rssBeforeMiB: mib(before.rss),
    peakRssMiB: mib(peakRss),
    growthMiB: mib(peakRss - before.rss),
    vmHwmAfterMiB: mib(after.hwm),
  };
}

/**
 * Runs on a freshly started instance (VmHWM, the lifetime peak, is then about the export). A 1 000-row
 * warm-up, then n/10 and n orders: with streaming, the peak RSS must not grow with the size.
 */
export async function s4(ctx) {
  const app = ctx.apps[0];
  const n = Math.min(ctx.plan.s4.orders, ctx.layout.total);
  step(`S4 export: CSV of ${n.toLocaleString('en-US')} orders from instance pid ${app.pid}`);
  await ctx.settle();
  const idle = memoryOf(app.pid);
  const warm = await exportOnce(app, ctx.tokens.admin, bulkCreatedAt(ctx.layout, Math.min(n, 1000)), new Date(bulkCreatedAt(ctx.layout, 1).getTime() + 1));
  if (warm.status !== 200) throw new Error(`S4 warm-up export: HTTP ${warm.status}`);
  const small = await measuredExport(ctx, app, Math.max(1, Math.floor(n / 10)));
  const full = await measuredExport(ctx, app, n);
  const result = { ...full, idleRssMiB: round(idle.rss / 1048576, 1), tenth: small };
  step(
    `  ${full.rows.toLocaleString('en-US')} rows, ${(full.bytes / 1048576).toFixed(1)} MiB in ${full.totalS} s (${full.rowsPerSec.toLocaleString('en-US')} rows/s, first byte ${full.ttfbMs} ms); ` +
      `RSS idle ${result.idleRssMiB}, before ${full.rssBeforeMiB} → peak ${full.peakRssMiB} MiB (+${full.growthMiB}); ` +
      `a tenth of it (${small.rows.toLocaleString('en-US')} rows): peak ${small.peakRssMiB} MiB (+${small.growthMiB})${full.complete ? '' : '  INCOMPLETE'}`,
  );
  return result;
}

// S3: order history and admin lists over the bulk-loaded orders: p50/p99 per page, keyset pages at any depth.
import { call, expectStatus } from '../lib/http.mjs';
import { BENCH, statements, withClient } from '../lib/db.mjs';
import { encodeCursor, now, step, summarize } from '../lib/util.mjs';
import { bulkCreatedAt, READER_ORDERS } from '../seed.mjs';

const pad = (i) => `BLK-${String(i).padStart(7, '0')}`;

/** Keyset cursors at random depths of the bulk history (looked up by order number: no OFFSET scans). */
async function randomCursors(url, total, n) {
  const numbers = Array.from({ length: n }, () => pad(1 + Math.floor(Math.random() * Math.max(1, total - 100))));
  const { rows } = await withClient(url, (c) => c.query(`SELECT number, created_at, id AS ${BENCH} FROM orders WHERE number = ANY($1)`, [numbers]));
  const byNumber = new Map(rows.map((r) => [r.number, encodeCursor(r.created_at, r[BENCH])]));
  return numbers.map((x) => byNumber.get(x)).filter(Boolean);
}

/**
 * Runs `request(i)` one at a time (latency, not throughput) until `n` requests or `budgetMs` are used.
 * `request` returns the response; a non-200 or an empty list fails the case.
 */
async function measure(name, n, budgetMs, request) {
  const ms = [];
  let bytes = 0;
  let errors = 0;
  let firstError = null;
  const deadline = now() + budgetMs;
  for (let i = 0; i < n && now() < deadline; i++) {
    try {
      const r = expectStatus(name, await request(i), 200);
      if (!Array.isArray(r.json?.orders) || r.json.orders.length === 0) throw new Error('empty page');
      ms.push(r.ms);
      bytes += r.bytes;
    } catch (e) {
      errors++;
      firstError ??= e.message;
    }
  }
  const s = summarize(ms);
  step(`  ${name.padEnd(34)} n=${String(s.n).padStart(4)}  p50 ${s.p50} ms  p99 ${s.p99} ms${errors ? `  ${errors} errors (${firstError})` : ''}`);
  return { name, ...s, avgBytes: ms.length ? Math.round(bytes / ms.length) : null, errors, firstError };
}

export async function s3(ctx) {
  const { requests, budgetMs } = ctx.plan.s3;
  const layout = ctx.layout;
  const pool = ctx.apps[0].pool;
  const admin = { token: ctx.tokens.admin };
  const reader = { token: ctx.tokens.reader };
  step(`S3 reads over ${layout.total.toLocaleString('en-US')} bulk orders (${requests} sequential requests or ${budgetMs / 1000} s per case)`);
  await ctx.settle();
  await statements.reset(ctx.db.url, ctx.db.statements);
  const cases = [];

  // The reader's history: first page, then every page of the 200 orders in turn (keyset cursor).
  cases.push(await measure('customer /orders first page', requests, budgetMs, () => call(pool, 'GET', '/api/orders?limit=20', reader)));
  let cursor = null;
  cases.push(
    await measure(`customer /orders pages (${READER_ORDERS} orders)`, requests, budgetMs, async () => {
      const r = await call(pool, 'GET', `/api/orders?limit=20${cursor ? `&cursor=${cursor}` : ''}`, reader);
      cursor = r.json?.nextCursor ?? null;
      return r;
    }),
  );

  // Admin lists: newest page, filters, and keyset pages at random depths of the whole table.
  cases.push(await measure('admin /admin/orders first page', requests, budgetMs, () => call(pool, 'GET', '/api/admin/orders?limit=20', admin)));
  cases.push(await measure('admin ?status=shipped', requests, budgetMs, () => call(pool, 'GET', '/api/admin/orders?limit=20&status=shipped', admin)));
  cases.push(await measure('admin ?email=<customer>', requests, budgetMs, () => call(pool, 'GET', `/api/admin/orders?limit=20&email=bulk-42%40bench.example`, admin)));
  const days = Math.max(1, Math.floor((layout.total * layout.stepSeconds) / 86_400) - 1);
  cases.push(
    await measure('admin ?from&to (one day)', requests, budgetMs, () => {
      const d = Math.floor(Math.random() * days);
      const to = new Date(new Date(layout.base).getTime() - d * 86_400_000);
      const from = new Date(to.getTime() - 86_400_000);
      return call(pool, 'GET', `/api/admin/orders?limit=20&from=${from.toISOString()}&to=${to.toISOString()}`, admin);
    }),
  );
  const deep = await randomCursors(ctx.db.url, layout.total, requests);
  cases.push(await measure('admin deep keyset page (random)', deep.length, budgetMs, (i) => call(pool, 'GET', `/api/admin/orders?limit=20&cursor=${deep[i]}`, admin)));
  cases.push(await measure('admin deep page ?status=paid', deep.length, budgetMs, (i) => call(pool, 'GET', `/api/admin/orders?limit=20&status=paid&cursor=${deep[i]}`, admin)));
  // Walking forward from the middle of the table, page after page.
  const mid = Math.floor(layout.total / 2);
  const midAt = bulkCreatedAt(layout, mid);
  const [start] = (await withClient(ctx.db.url, (c) => c.query(`SELECT created_at, id AS ${BENCH} FROM orders WHERE number = $1`, [pad(mid)]))).rows;
  let walk = start ? encodeCursor(start.created_at, start[BENCH]) : encodeCursor(midAt, '00000000-0000-4000-8000-000000000000');
  cases.push(
    await measure('admin walk 20-order pages from middle', requests, budgetMs, async () => {
      const r = await call(pool, 'GET', `/api/admin/orders?limit=20&cursor=${walk}`, admin);
      walk = r.json?.nextCursor ?? walk;
      return r;
    }),
  );
  const sql = await statements.read(ctx.db.url, ctx.db.statements, 12);
  return { bulkOrders: layout.total, cases, sql };
}

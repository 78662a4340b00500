/**
 * `npm run soak [-- --seconds 120 --users 8]`: mixed traffic against TWO app instances on one database for a
 * bounded time (loopback only), then the invariants checked in SQL. Exits 1 when any invariant fails.
 *
 * Traffic per virtual user, chosen at random: browse the catalog; guest cart → checkout → sandbox pay (a few
 * abandoned, so reservations expire); a registered customer's cash-on-delivery order, sometimes cancelled;
 * listing own orders; an admin moving paid orders along, refunding some, cancelling some. Stock is small, so
 * buyers compete for the same units.
 *
 * Database: DATABASE_URL (a fresh `co_soak_<pid>` database is created on that server and dropped afterwards),
 * else a throw-away embedded PostgreSQL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { runMigrations } from '../src/database/migrate';
import { withDatabase } from '../src/database/url';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 120);
const USERS = arg('users', 8);
const VARIANTS = 12;
const INITIAL_STOCK = 40;
const ADMIN = { email: 'soak-admin@example.com', password: 'soak-admin-password' };
const ADDRESS = { name: 'Soak Tester', street: '1 Loop Road', city: 'Localhost', postalCode: '12345', country: 'US', phone: '+1 555 0100' };

type Json = Record<string, unknown>;
const counts: Record<string, number> = {};
const bump = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);
const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  const parsed = text && res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as Json) : {};
  if (res.status >= 500) bump(`5xx ${method} ${path.replace(/[0-9a-f-]{36}/g, ':id').replace(/pi_sandbox_\w+/, ':pi')}`);
  return { status: res.status, body: parsed };
}

function startApp(url: string, port: number): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [join(__dirname, '..', 'src', 'main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      AUTH_RATE_LIMIT: '100000',
      RESERVATION_TTL_SECONDS: '60',
      MAIL_DIR: join(tmpdir(), `co-soak-mail-${process.pid}`),
      PASSWORD_HASH_MEMORY_KIB: '4096',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 60_000;
    const poll = async () => {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok) return resolve(proc);
      } catch {
        // not up yet
      }
      if (Date.now() > deadline || proc.exitCode !== null) return reject(new Error(`app on ${port} did not start`));
      setTimeout(() => void poll(), 250);
    };
    void poll();
  });
}

async function seed(db: Client): Promise<string[]> {
  const variants: string[] = [];
  for (let i = 0; i < VARIANTS; i++) {
    const [p] = (await db.query(`INSERT INTO products (name) VALUES ($1) RETURNING id`, [`Soak product ${i}`])).rows;
    const [v] = (await db.query(`INSERT INTO product_variants (product_id, sku, name, price) VALUES ($1, $2, 'Default', $3) RETURNING id`, [p.id, `SOAK-${i}`, 500 + i * 125])).rows;
    await db.query(`INSERT INTO stock_items (variant_id, on_hand, reserved) VALUES ($1, $2, 0)`, [v.id, INITIAL_STOCK]);
    await db.query(`INSERT INTO inventory_movements (variant_id, delta_on_hand, delta_reserved, kind, reason) VALUES ($1, $2, 0, 'initial', 'Soak seed')`, [v.id, INITIAL_STOCK]);
    variants.push(v.id as string);
  }
  await db.query(`INSERT INTO delivery_methods (name, price, countries) VALUES ('Standard', 450, '{}')`);
  await db.query(`INSERT INTO discounts (code, type, value, usage_limit) VALUES ('SOAK10', 'percentage', 10, 25)`);
  return variants;
}

async function user(bases: string[], variants: string[], deliveryMethodId: string, adminAuth: Record<string, string>, until: number) {
  const customer = { email: `soak-${randomUUID()}@example.com`, password: 'soak-password-1', name: 'Soak Customer' };
  let auth: Record<string, string> | undefined;
  while (Date.now() < until) {
    const base = pick(bases);
    const r = Math.random();
    try {
      if (r < 0.15) {
        await call(base, 'GET', '/api/products?limit=20');
        bump('browse');
      } else if (r < 0.55) {
        // Guest checkout; 15% abandoned after reserving (their stock comes back when the reservation expires).
        const first = await call(base, 'POST', '/api/cart/items', { variantId: pick(variants), quantity: 1 + Math.floor(Math.random() * 2) });
        if (first.status !== 201) continue;
        const session = { 'x-session-id': String(first.body.sessionId) };
        if (Math.random() < 0.5) await call(pick(bases), 'POST', '/api/cart/items', { variantId: pick(variants), quantity: 1 }, session);
        const co = await call(pick(bases), 'POST', '/api/checkout', {
          email: `guest-${randomUUID()}@example.com`, name: 'Soak Guest', phone: '+1 555 0101', shippingAddress: ADDRESS, deliveryMethodId, paymentMethod: 'card',
          ...(Math.random() < 0.2 ? { discountCode: 'SOAK10' } : {}),
        }, { ...session, 'idempotency-key': randomUUID() });
        if (co.status !== 201) {
          bump(`checkout ${co.status} ${String(co.body.code ?? '')}`);
          continue;
        }
        bump('checkout');
        if (Math.random() < 0.15) {
          bump('abandoned');
          continue;
        }
        const paid = await call(pick(bases), 'POST', `/api/payments/sandbox/intents/${String(co.body.paymentIntentId)}/succeed`);
        bump(paid.status === 200 ? 'paid' : `pay ${paid.status}`);
        if (Math.random() < 0.3) await call(pick(bases), 'POST', `/api/checkout/${String(co.body.checkoutId)}/confirm`, {}, session);
      } else if (r < 0.75) {
        if (!auth) {
          const reg = await call(base, 'POST', '/api/auth/register', customer);
          const login = reg.status === 201 ? reg : await call(base, 'POST', '/api/auth/login', customer);
          auth = { authorization: `Bearer ${String(login.body.accessToken)}` };
        }
        const order = await call(base, 'POST', '/api/orders', { items: [{ variantId: pick(variants), quantity: 1 }], shippingAddress: ADDRESS, deliveryMethodId }, { ...auth, 'idempotency-key': randomUUID() });
        bump(order.status === 201 ? 'cod order' : `cod ${order.status} ${String(order.body.code ?? '')}`);
        const id = (order.body.order as Json | undefined)?.id;
        if (order.status === 201 && Math.random() < 0.25) bump(`cancel ${(await call(pick(bases), 'POST', `/api/orders/${String(id)}/cancel`, {}, auth)).status}`);
        await call(pick(bases), 'GET', '/api/orders?limit=10', undefined, auth);
      } else {
        // Admin: move a paid order along, refund part of one, or cancel one.
        const list = await call(base, 'GET', '/api/admin/orders?status=paid&limit=10', undefined, adminAuth);
        const orders = (list.body.orders as Json[] | undefined) ?? [];
        if (!orders.length) continue;
        const o = pick(orders);
        const a = Math.random();
        if (a < 0.5) {
          const s = await call(pick(bases), 'PATCH', `/api/admin/orders/${String(o.id)}/status`, { status: 'processing' }, adminAuth);
          bump(`admin processing ${s.status}`);
          if (s.status === 200) bump(`admin shipped ${(await call(pick(bases), 'PATCH', `/api/admin/orders/${String(o.id)}/status`, { status: 'shipped', trackingNumber: 'TRK-1' }, adminAuth)).status}`);
        } else if (a < 0.8) {
          bump(`admin refund ${(await call(pick(bases), 'POST', `/api/admin/orders/${String(o.id)}/refunds`, { amount: 100, restock: false }, { ...adminAuth, 'idempotency-key': randomUUID() })).status}`);
        } else {
          bump(`admin cancel ${(await call(pick(bases), 'POST', `/api/orders/${String(o.id)}/cancel`, { reason: 'soak' }, adminAuth)).status}`);
        }
      }
    } catch (e) {
      bump(`error ${e instanceof Error ? e.name : 'unknown'}`);
    }
  }
}

/** Each invariant is a query returning the offending rows; empty means it holds. */
const INVARIANTS: Record<string, string> = {
  'stock never negative, reserved ≤ on hand': `SELECT variant_id FROM stock_items WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand`,
  'on hand = initial + adjustments − sold + restocked (the ledger)': `
    SELECT s.variant_id, s.on_hand, coalesce(sum(m.delta_on_hand), 0) AS ledger FROM stock_items s
    LEFT JOIN inventory_movements m ON m.variant_id = s.variant_id GROUP BY s.variant_id, s.on_hand HAVING s.on_hand <> coalesce(sum(m.delta_on_hand), 0)`,
  'reserved = sum of live reservations': `
    SELECT s.variant_id, s.reserved, coalesce(l.held, 0) AS held FROM stock_items s
    LEFT JOIN (SELECT (line->>'variantId')::uuid AS variant_id, sum((line->>'quantity')::int) AS held FROM checkouts c,
               jsonb_array_elements(c.snapshot->'pricingSnapshot'->'lines') line WHERE c.reservation = 'held' GROUP BY 1) l
      ON l.variant_id = s.variant_id
    WHERE s.reserved <> coalesce(l.held, 0)`,
  'held reservations belong to checkouts awaiting payment': `SELECT id FROM checkouts WHERE reservation = 'held' AND status <> 'awaiting_payment'`,
  'no card order without a payment': `SELECT id FROM orders WHERE payment_method = 'card' AND (amount_paid = 0 OR payment_intent_id IS NULL)`,
  'no payment without an order': `
    SELECT p.id FROM sandbox_payment_objects p WHERE p.kind = 'payment_intent' AND p.status = 'succeeded'
      AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.payment_intent_id = p.id)`,
  'one order per completed checkout, none for the others': `
    SELECT c.id FROM checkouts c LEFT JOIN orders o ON o.checkout_id = c.id
    WHERE (c.status = 'completed') <> (o.id IS NOT NULL)`,
  'order total = items + shipping + tax − discount': `
    SELECT o.id FROM orders o JOIN (SELECT order_id, sum(total_price) AS items FROM order_items GROUP BY order_id) i ON i.order_id = o.id
    WHERE o.subtotal <> i.items OR o.total <> i.items - o.discount + o.shipping + o.tax`,
  'refunds ledger = amount refunded ≤ amount paid': `
    SELECT o.id FROM orders o LEFT JOIN (SELECT order_id, sum(amount) AS r FROM refunds GROUP BY order_id) f ON f.order_id = o.id
    WHERE o.amount_refunded <> coalesce(f.r, 0) OR o.amount_refunded > o.amount_paid`,
  'discount usage within its limit and = redemptions': `
    SELECT d.id FROM discounts d WHERE d.used_count > coalesce(d.usage_limit, d.used_count)
      OR d.used_count <> (SELECT count(*) FROM discount_redemptions r WHERE r.discount_id = d.id)`,
};

async function main() {
  let serverUrl = process.env.DATABASE_URL;
  let stopServer = async () => undefined as unknown;
  let tmp: string | undefined;
  if (!serverUrl) {
    tmp = mkdtempSync(join(tmpdir(), 'co-soak-'));
    chmodSync(tmp, 0o755);
    const pg = await startEmbeddedPostgres({ dir: join(tmp, 'pg'), persistent: false, settings: { max_connections: 200 } });
    serverUrl = pg.url;
    stopServer = () => pg.stop();
  }
  const dbName = `co_soak_${process.pid}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = withDatabase(serverUrl, dbName);
  await runMigrations(url);
  const db = new Client({ connectionString: url });
  await db.connect();
  const apps: ChildProcess[] = [];
  let failed = 0;
  try {
    const variants = await seed(db);
    const deliveryMethodId = (await db.query(`SELECT id FROM delivery_methods LIMIT 1`)).rows[0].id as string;
    apps.push(await startApp(url, 3301), await startApp(url, 3302));
    const bases = ['http://127.0.0.1:3301', 'http://127.0.0.1:3302'];
    const login = await call(bases[0]!, 'POST', '/api/auth/login', ADMIN);
    const adminAuth = { authorization: `Bearer ${String(login.body.accessToken)}` };

    process.stdout.write(`Soak: ${USERS} users × ${SECONDS} s against 2 instances, ${VARIANTS} variants × ${INITIAL_STOCK} units\n`);
    const started = Date.now();
    await Promise.all(Array.from({ length: USERS }, () => user(bases, variants, deliveryMethodId, adminAuth, started + SECONDS * 1000)));
    const elapsed = (Date.now() - started) / 1000;

    const totals = (await db.query(`
      SELECT (SELECT count(*) FROM orders)::int AS orders, (SELECT count(*) FROM orders WHERE status = 'on_hold')::int AS on_hold,
             (SELECT count(*) FROM checkouts)::int AS checkouts, (SELECT count(*) FROM checkouts WHERE reservation = 'held')::int AS live_reservations,
             (SELECT count(*) FROM refunds)::int AS refunds, (SELECT count(*) FROM payment_events)::int AS events,
             (SELECT sum(on_hand)::int FROM stock_items) AS units_on_hand`)).rows[0] as Json;
    process.stdout.write(`\nRequests by outcome (${elapsed.toFixed(0)} s):\n`);
    for (const [k, v] of Object.entries(counts).sort()) process.stdout.write(`  ${k.padEnd(40)} ${v}\n`);
    process.stdout.write(`\nDatabase: ${Object.entries(totals).map(([k, v]) => `${k} ${String(v)}`).join(', ')}\n\nInvariants:\n`);
    for (const [name, sql] of Object.entries(INVARIANTS)) {
      const bad = (await db.query(sql)).rows;
      if (bad.length) failed++;
      process.stdout.write(`  ${bad.length ? 'FAIL' : 'ok  '}  ${name}${bad.length ? `  (${bad.length}: ${JSON.stringify(bad.slice(0, 3))})` : ''}\n`);
    }
    const fivexx = Object.keys(counts).filter((k) => k.startsWith('5xx'));
    if (fivexx.length) {
      failed++;
      process.stdout.write(`  FAIL  no 5xx responses (${fivexx.join('; ')})\n`);
    } else process.stdout.write('  ok    no 5xx responses\n');
  } finally {
    for (const p of apps) p.kill('SIGTERM');
    await Promise.all(apps.map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)))));
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    await stopServer();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
  process.stdout.write(failed ? `\n${failed} invariant(s) FAILED\n` : '\nAll invariants hold.\n');
  process.exit(failed ? 1 : 0);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

// Seeding with set-based SQL (seconds, not minutes): the catalog, and the order history S3/S4 read.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { withClient } from './lib/db.mjs';
import { benchId, benchIdSql, now, step } from './lib/util.mjs';

export const PRODUCTS = 1000;
export const VARIANTS_PER_PRODUCT = 3;
export const VARIANTS = PRODUCTS * VARIANTS_PER_PRODUCT;
export const STOCK_PER_VARIANT = 1_000_000;
export const HOT_STOCK = 50;
/** The S2 product: one variant, `HOT_STOCK` units. */
export const HOT_VARIANT = benchId('b', 0x100000);
export const DELIVERY_METHOD = benchId('f', 1);
export const READER = { id: benchId('e', 1), email: 'reader@bench.example', password: 'bench-reader-password' };
/** The customer the pgbench ceiling script orders for (bench/pgbench/checkout.sql). */
export const CEILING_CUSTOMER = benchId('e', 2);
/** Bulk orders of the S3 reader: always 200. */
export const READER_ORDERS = 200;
/** Bulk orders are 30 s apart, newest one day before the seed ran. */
const STEP_SECONDS = 30;

/** Price of catalog variant v (the SQL below uses the same formula). */
export const variantPrice = (v) => 500 + ((v * 37) % 9500);

/**
 * 1 000 products × 3 variants with large stock (and their `initial` ledger rows), the S2 hot variant, one
 * delivery method serving US, a US tax rate, the S3 reader (a registered customer who can log in) and the
 * ceiling's customer.
 */
export async function seedCatalog(url, root) {
  const t0 = now();
  const require = createRequire(join(root, 'package.json'));
  const argon2 = require('argon2');
  const readerHash = await argon2.hash(READER.password, { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  await withClient(url, async (c) => {
    await c.query('BEGIN');
    await c.query(
      `INSERT INTO products (id, name, description, active, created_at)
       SELECT ${benchIdSql('a', 'p')}, 'Bench product ' || p, 'Seeded by bench/seed.mjs', true, now() - p * interval '1 second'
       FROM generate_series(1, $1::int) p`,
      [PRODUCTS],
    );
    await c.query(
      `INSERT INTO product_variants (id, product_id, sku, name, price, active, position)
       SELECT ${benchIdSql('b', 'v')}, ${benchIdSql('a', `(v - 1) / ${VARIANTS_PER_PRODUCT} + 1`)}, 'BENCH-' || lpad(v::text, 5, '0'),
              'Size ' || ((v - 1) % ${VARIANTS_PER_PRODUCT} + 1), 500 + (v * 37) % 9500, true, (v - 1) % ${VARIANTS_PER_PRODUCT}
       FROM generate_series(1, $1::int) v`,
      [VARIANTS],
    );
    await c.query(`INSERT INTO products (id, name, description) VALUES ($1, 'Bench hot item', 'S2: limited stock')`, [benchId('a', 0x100000)]);
    await c.query(`INSERT INTO product_variants (id, product_id, sku, name, price) VALUES ($1, $2, 'BENCH-HOT', 'Default', 4900)`, [HOT_VARIANT, benchId('a', 0x100000)]);
    await c.query(`INSERT INTO stock_items (variant_id, on_hand, reserved) SELECT id, CASE WHEN id = $1 THEN $2::int ELSE $3::int END, 0 FROM product_variants`, [
      HOT_VARIANT,
      HOT_STOCK,
      STOCK_PER_VARIANT,
    ]);
    await c.query(`INSERT INTO inventory_movements (variant_id, delta_on_hand, delta_reserved, kind, reason) SELECT variant_id, on_hand, 0, 'initial', 'Bench seed' FROM stock_items`);
    await c.query(`INSERT INTO delivery_methods (id, name, price, countries, active) VALUES ($1, 'Bench standard', 500, '{US}', true)`, [DELIVERY_METHOD]);
    await c.query(`INSERT INTO tax_rates (country, rate_bps) VALUES ('US', 825)`);
    await c.query(`INSERT INTO customers (id, email, name, phone, password_hash, role, is_guest, email_verified) VALUES ($1, $2, 'Bench Reader', '+1 555 0100', $3, 'customer', false, true)`, [
      READER.id,
      READER.email,
      readerHash,
    ]);
    await c.query(`INSERT INTO customers (id, email, name, is_guest) VALUES ($1, 'ceiling@bench.example', 'Ceiling Buyer', true)`, [CEILING_CUSTOMER]);
    await c.query('COMMIT');
    await c.query('ANALYZE');
  });
  step(`Seeded ${PRODUCTS} products, ${VARIANTS} variants (+1 hot, stock ${HOT_STOCK}) in ${Math.round(now() - t0)} ms`);
}

/** The bulk-order layout, shared with S3/S4 so they can find cursors and ranges without scanning. */
export function bulkLayout(total, customers) {
  return { total, customers, readerEvery: Math.floor(total / READER_ORDERS), stepSeconds: STEP_SECONDS };
}

/**
 * `total` historical orders for `customers` guest customers (+ the reader's 200) with 2 items and 2 history
 * entries each, in chunks of INSERT … SELECT generate_series. Every CHECK constraint holds: totals add up,
 * item totals are unit × quantity, paid amounts match the payment status.
 *
 * Order i (1 = newest): number BLK-000000i, created_at = base − i × 30 s, status from a fixed 20-step cycle
 * (40 % paid, 15 % processing, 15 % shipped, 15 % delivered, 5 % pending, 5 % cancelled, 5 % on hold), the
 * reader's when i % readerEvery = 0, else bulk customer (i % customers) + 1.
 */
export async function seedOrders(url, layout, { chunk = 100_000 } = {}) {
  const t0 = now();
  const { total, customers, readerEvery } = layout;
  const base = new Date(Date.now() - 86_400_000);
  base.setUTCMilliseconds(0);
  await withClient(url, async (c) => {
    // This session only: a bulk load, not the measured path.
    await c.query(`SET synchronous_commit = off`);
    await c.query(`SET maintenance_work_mem = '512MB'`);
    // Foreign-key triggers off while loading rows that satisfy them by construction (superuser only; else kept on).
    const fkOff = await c.query(`SET session_replication_role = replica`).then(
      () => true,
      () => false,
    );
    // Secondary indexes are dropped and rebuilt afterwards (a sorted build beats 5 M random b-tree inserts).
    const { rows: indexes } = await c.query(
      `SELECT indexname, indexdef FROM pg_indexes i
       WHERE schemaname = 'public' AND tablename IN ('orders', 'order_items', 'order_history')
         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)`,
    );
    for (const ix of indexes) await c.query(`DROP INDEX "${ix.indexname}"`);
    await c.query(
      `INSERT INTO customers (id, email, name, phone, is_guest, created_at)
       SELECT ${benchIdSql('d', 'k')}, 'bulk-' || k || '@bench.example', 'Bulk Customer ' || k, '+1 555 0100', true, $2::timestamptz - interval '400 days'
       FROM generate_series(1, $1::int) k`,
      [customers, base],
    );
    const statusOf = `(ARRAY['paid','paid','paid','paid','paid','paid','paid','paid','processing','processing','processing',
                             'shipped','shipped','shipped','delivered','delivered','delivered','pending','cancelled','on_hold'])[i % 20 + 1]`;
    // Two catalog variants per order, never the same one: v1 = i·7 mod 3000 + 1, v2 = v1 shifted by half the catalog.
    const lines = `i, (i * 7) % ${VARIANTS} + 1 AS v1, ((i * 7) + ${VARIANTS / 2}) % ${VARIANTS} + 1 AS v2`;
    for (let from = 1; from <= total; from += chunk) {
      const to = Math.min(total, from + chunk - 1);
      await c.query('BEGIN');
      await c.query(
        `INSERT INTO orders (id, number, customer_id, email, status, payment_status, payment_method, currency, subtotal, discount, shipping, tax,
                             tax_rate_bps, total, amount_paid, amount_refunded, shipping_address, billing_address, delivery_method, created_at, updated_at)
         SELECT ${benchIdSql('c', 'i')}, 'BLK-' || lpad(i::text, 7, '0'),
                CASE WHEN i % $3 = 0 THEN $4::uuid ELSE ${benchIdSql('d', `i % ${customers} + 1`)} END,
                CASE WHEN i % $3 = 0 THEN $5 ELSE 'bulk-' || (i % ${customers} + 1) || '@bench.example' END,
                st, CASE WHEN st IN ('pending', 'cancelled') THEN 'unpaid' ELSE 'paid' END, 'card', 'usd',
                sub, 0, 500, 0, 0, sub + 500, CASE WHEN st IN ('pending', 'cancelled') THEN 0 ELSE sub + 500 END, 0,
                addr, addr, jsonb_build_object('id', $6::text, 'name', 'Bench standard', 'price', 500),
                $7::timestamptz - i * interval '${STEP_SECONDS} seconds', $7::timestamptz - i * interval '${STEP_SECONDS} seconds' + interval '1 second'
         FROM (
           SELECT i, ${statusOf} AS st, (500 + (v1 * 37) % 9500) + 2 * (500 + (v2 * 37) % 9500) AS sub,
                  jsonb_build_object('name', 'Bulk Customer', 'street', i || ' Archive Road', 'city', 'Springfield', 'state', 'IL',
                                     'postalCode', '62701', 'district', null, 'country', 'US', 'phone', '+1 555 0100') AS addr
           FROM (SELECT ${lines} FROM generate_series($1::int, $2::int) i) g
         ) s`,
        [from, to, readerEvery, READER.id, READER.email, DELIVERY_METHOD, base],
      );
      await c.query(
        `INSERT INTO order_items (id, order_id, product_id, variant_id, product_name, sku, quantity, unit_price, total_price)
         SELECT ${benchIdSql('7', 'i * 2 + q')}, ${benchIdSql('c', 'i')}, ${benchIdSql('a', `(v - 1) / ${VARIANTS_PER_PRODUCT} + 1`)}, ${benchIdSql('b', 'v')},
                'Bench product ' || ((v - 1) / ${VARIANTS_PER_PRODUCT} + 1) || ' (Size ' || ((v - 1) % ${VARIANTS_PER_PRODUCT} + 1) || ')',
                'BENCH-' || lpad(v::text, 5, '0'), q, 500 + (v * 37) % 9500, (500 + (v * 37) % 9500) * q
         FROM (SELECT ${lines} FROM generate_series($1::int, $2::int) i) g
         CROSS JOIN LATERAL (VALUES (g.v1, 1), (g.v2, 2)) AS l(v, q)`,
        [from, to],
      );
      await c.query(
        `INSERT INTO order_history (id, order_id, status, actor, note, at)
         SELECT ${benchIdSql('8', 'i * 2 + h.n')}, ${benchIdSql('c', 'i')}, h.status, 'webhook:payment_intent.succeeded', h.note, $3::timestamptz - i * interval '${STEP_SECONDS} seconds' + h.offs
         FROM (SELECT i, ${statusOf} AS st FROM generate_series($1::int, $2::int) i) g
         CROSS JOIN LATERAL (VALUES (0, 'pending', 'Bulk-loaded', interval '0'), (1, g.st, 'Bulk-loaded', interval '1 second')) AS h(n, status, note, offs)
         WHERE NOT (h.offs > interval '0' AND g.st = 'pending')`,
        [from, to, base],
      );
      await c.query('COMMIT');
      step(`  bulk orders ${to.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}`);
    }
    const ti = now();
    for (const ix of indexes) await c.query(ix.indexdef);
    if (fkOff) await c.query(`SET session_replication_role = DEFAULT`);
    // With triggers off the admin list's order counters missed the load: recount them (migration 1764000008000).
    await c.query('SELECT order_counts_refresh()');
    step(`  rebuilt ${indexes.length} indexes in ${((now() - ti) / 1000).toFixed(1)} s${fkOff ? '' : ' (foreign-key checks stayed on: not a superuser)'}`);
    await c.query('VACUUM (ANALYZE) customers, orders, order_items, order_history');
  });
  step(`Bulk-loaded ${total.toLocaleString('en-US')} orders (2 items, ≤ 2 history rows each) in ${((now() - t0) / 1000).toFixed(1)} s`);
  return { ...layout, base: base.toISOString() };
}

/** created_at of bulk order i (1 = newest). */
export function bulkCreatedAt(layout, i) {
  return new Date(new Date(layout.base).getTime() - i * layout.stepSeconds * 1000);
}

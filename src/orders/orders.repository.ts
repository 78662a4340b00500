import { Injectable } from '@nestjs/common';
import { escapeLiteral } from 'pg';
import { In } from 'typeorm';
import type { Keyset } from '../common/pagination';
import { bigintMoney } from '../database/columns';
import { Customer } from '../customers/customer.entity';
import type { Tx } from '../database/tx';
import { OrderHistory } from './order-history.entity';
import { OrderItem } from './order-item.entity';
import { Order, type OrderStatus } from './order.entity';

/** What the order lists and the CSV export filter on; every field is optional and they combine with AND. */
export interface OrderFilter {
  customerId?: string;
  status?: OrderStatus;
  /** Case-insensitive exact match on the email the order was placed with, or the customer's current email. */
  email?: string;
  /** created_at ≥ from */
  from?: Date;
  /** created_at < to */
  to?: Date;
  /** true: only archived orders · false: none of them · undefined: both. */
  archived?: boolean;
}

/**
 * The CSV export's columns, in order: header → SQL over `o` (orders), `c` (customers) and `it` (the order's
 * items summarised). Money columns are integer minor units, dates ISO 8601 in UTC; text a customer or an admin
 * typed goes through `cell` (the formula guard).
 */
const EXPORT_COLUMNS: [header: string, sql: string][] = [
  ['number', 'o.number'],
  ['id', 'o.id'],
  ['createdAt', isoUtc('o.created_at')],
  ['status', 'o.status'],
  ['paymentStatus', 'o.payment_status'],
  ['paymentMethod', 'o.payment_method'],
  ['customerId', 'o.customer_id'],
  ['customerName', cell('c.name')],
  ['customerEmail', cell('c.email')],
  ['orderEmail', cell('o.email')],
  ['currency', 'o.currency'],
  ['subtotal', 'o.subtotal'],
  ['discount', 'o.discount'],
  ['discountCode', cell('o.discount_code')],
  ['shipping', 'o.shipping'],
  ['tax', 'o.tax'],
  ['total', 'o.total'],
  ['amountPaid', 'o.amount_paid'],
  ['amountRefunded', 'o.amount_refunded'],
  ['itemCount', 'it.item_count'],
  ['items', cell('it.items')],
  ['deliveryMethod', cell(`o.delivery_method ->> 'name'`)],
  ['shippingCountry', cell(`o.shipping_address ->> 'country'`)],
  ['trackingNumber', cell('o.tracking_number')],
  ['archivedAt', isoUtc('o.archived_at')],
];

function isoUtc(col: string): string {
  return `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/**
 * A text cell for spreadsheets: a value starting with = + - @ (or their full-width forms, tab, CR) gets a `'`
 * in front so it is shown, not run as a formula (OWASP "CSV injection"); an empty string is an empty cell.
 * `v` is evaluated more than once: a column or a cheap expression, never a sub-select.
 */
function cell(expr: string): string {
  const v = `(${expr})`;
  return `CASE WHEN left(${v}, 1) IN ('=', '+', '-', '@', E'\\t', E'\\r', '＝', '＋', '－', '＠') THEN '''' || ${v} ELSE nullif(${v}, '') END`;
}

/** SQL for the orders module's reads and locks. Every method takes the caller's `tx`. */
@Injectable()
export class OrdersRepository {
  /** `SELECT … FOR UPDATE`: concurrent changes to one order wait here and then see the winner's row. */
  lock(tx: Tx, id: string): Promise<Order | null> {
    return tx.getRepository(Order).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  findWithCustomer(tx: Tx, id: string): Promise<Order | null> {
    return tx.getRepository(Order).findOne({ where: { id }, relations: { customer: true } });
  }

  /** Unfiltered and status-only counts come from the trigger-kept counters (migration 1764000008000), not a scan. */
  async count(tx: Tx, filter: OrderFilter): Promise<number> {
    const statusOnly = Object.entries(filter).every(([k, v]) => v === undefined || k === 'status');
    if (!statusOnly) {
      const { where, params } = orderWhere(filter);
      const [c] = (await tx.query(`SELECT count(*) AS n FROM orders o ${where}`, params)) as { n: string }[];
      return Number(c!.n);
    }
    const [r] = (await tx.query(`SELECT coalesce(sum(n), 0)::bigint AS n FROM order_counts WHERE $1::text IS NULL OR status = $1`, [filter.status ?? null])) as { n: string }[];
    return Number(r!.n);
  }

  /** The lines and history of many orders in two queries, grouped by order id (each in display order). */
  async details(tx: Tx, orderIds: string[]): Promise<{ items: Map<string, OrderItem[]>; history: Map<string, OrderHistory[]> }> {
    const items = new Map<string, OrderItem[]>(orderIds.map((id) => [id, []]));
    const history = new Map<string, OrderHistory[]>(orderIds.map((id) => [id, []]));
    if (!orderIds.length) return { items, history };
    const [itemRows, historyRows] = await Promise.all([
      tx.getRepository(OrderItem).find({ where: { orderId: In(orderIds) }, order: { productName: 'ASC', sku: 'ASC', id: 'ASC' } }),
      tx.getRepository(OrderHistory).find({ where: { orderId: In(orderIds) }, order: { at: 'ASC', id: 'ASC' } }),
    ]);
    for (const i of itemRows) items.get(i.orderId)?.push(i);
    for (const h of historyRows) history.get(h.orderId)?.push(h);
    return { items, history };
  }

  /** Guest lookup: both must match (email case-insensitively) in one indexed query; archived orders are hidden. */
  findForLookup(tx: Tx, number: string, email: string): Promise<Order | null> {
    return tx
      .getRepository(Order)
      .createQueryBuilder('o')
      .where('o.number = :number', { number })
      .andWhere('lower(o.email) = lower(:email)', { email })
      .andWhere('o.archivedAt IS NULL')
      .getOne();
  }

  /**
   * Inserts a new order (its number from the sequence) with its first history entries and its lines, in one
   * statement, and returns the row as written (no re-read). The entries are stamped by the database clock, 1 ms
   * apart in the order given, so `ORDER BY at` keeps their order; later entries go through `appendAfterLast`.
   */
  async insert(
    tx: Tx,
    o: NewOrderRow,
    history: { status: OrderStatus; actor: string; note: string | null }[],
    lines: Omit<OrderItem, 'id' | 'orderId' | 'order'>[],
  ): Promise<Order> {
    const json = (v: unknown) => (v === null ? null : JSON.stringify(v));
    const rows: OrderRow[] = await tx.query(INSERT_ORDER, [
      o.id,
      o.checkoutId,
      o.customerId,
      o.email,
      o.status,
      o.paymentStatus,
      o.paymentMethod,
      o.currency,
      o.subtotal,
      o.discount,
      o.discountCode,
      o.discountId,
      o.shipping,
      o.tax,
      o.taxRateBps,
      o.total,
      o.amountPaid,
      json(o.shippingAddress),
      json(o.billingAddress),
      json(o.deliveryMethod),
      o.notes,
      o.paymentIntentId,
      history.map((h) => h.status),
      history.map((h) => h.actor),
      history.map((h) => h.note),
      lines.map((l) => l.productId),
      lines.map((l) => l.variantId),
      lines.map((l) => l.productName),
      lines.map((l) => l.sku),
      lines.map((l) => l.quantity),
      lines.map((l) => l.unitPrice),
      lines.map((l) => l.totalPrice),
    ]);
    return toOrder(rows[0]);
  }

  /**
   * A list page (`limit + 1` orders newest first after `after`) with each order's lines and history, and with
   * `withCustomer` its customer: one query, plain SQL (no entity hydration), the same filters as `page`.
   */
  async pageWithDetails(
    tx: Tx,
    f: OrderFilter,
    limit: number,
    after: Keyset | undefined,
    opts: { withCustomer?: boolean } = {},
  ): Promise<{ order: Order; items: OrderItem[]; history: OrderHistory[] }[]> {
    const { where, params, p } = orderWhere(f, after);
    const customer = opts.withCustomer
      ? `, (SELECT json_build_object('id', c.id, 'name', c.name, 'email', c.email, 'isGuest', c.is_guest) FROM customers c WHERE c.id = o.customer_id) AS customer`
      : '';
    // The page first (index order, LIMIT), then its details: the sub-selects run for the page's rows only.
    const rows: (OrderRow & { items: ItemJson[]; history: HistoryJson[]; customer?: { id: string; name: string; email: string; isGuest: boolean } | null })[] =
      await tx.query(
        `SELECT o.*, ${DETAILS}${customer}
           FROM (SELECT ${ORDER_COLUMNS} FROM orders o ${where}
                 ORDER BY o.created_at DESC, o.id DESC LIMIT ${p(limit + 1)}) o
          ORDER BY o.created_at DESC, o.id DESC`,
        params,
      );
    return rows.map((r) => {
      const order = toOrder(r);
      if (r.customer) order.customer = Object.assign(new Customer(), r.customer);
      return { order, ...detailsOf(r) };
    });
  }

  /** One order with its lines (by product name, SKU) and history (by time), in one query; `null` when unknown. */
  async findWithDetails(tx: Tx, id: string): Promise<{ order: Order; items: OrderItem[]; history: OrderHistory[] } | null> {
    const rows: (OrderRow & { items: ItemJson[]; history: HistoryJson[] })[] = await tx.query(SELECT_WITH_DETAILS, [id]);
    if (!rows.length) return null;
    const r = rows[0];
    return { order: toOrder(r), ...detailsOf(r) };
  }

  /**
   * Appends a history entry stamped after every earlier entry of the order (the database clock, but never
   * before the previous entry), so `ORDER BY at` is the order in which the serialized changes happened.
   */
  async appendAfterLast(tx: Tx, orderId: string, e: { status: OrderStatus; actor: string; note: string | null }): Promise<void> {
    await tx.query(
      `INSERT INTO order_history (order_id, status, actor, note, at)
       VALUES ($1, $2, $3, $4, greatest(
         date_trunc('milliseconds', clock_timestamp()),
         (SELECT max(at) + interval '1 millisecond' FROM order_history WHERE order_id = $1)))`,
      [orderId, e.status, e.actor, e.note],
    );
  }

  /**
   * The CSV export as one `COPY … TO STDOUT (FORMAT csv, HEADER)`: PostgreSQL writes the CSV and the app passes
   * its bytes through, so no row becomes a JavaScript object. COPY takes no parameters: the filter values are
   * inlined as escaped literals (pg's `escapeLiteral`; they are validated DTO fields besides).
   */
  exportCopySql(filter: OrderFilter): string {
    const { where, params } = orderWhere(filter);
    const query = `SELECT ${EXPORT_COLUMNS.map(([header, sql]) => `${sql} AS "${header}"`).join(', ')}
         FROM orders o JOIN customers c ON c.id = o.customer_id
         CROSS JOIN LATERAL (SELECT coalesce(sum(i.quantity), 0)::int AS item_count,
                                    string_agg(i.sku || ' x' || i.quantity, '; ' ORDER BY i.sku, i.id) AS items
                               FROM order_items i WHERE i.order_id = o.id) it
         ${where}
        ORDER BY o.created_at DESC, o.id DESC`;
    return `COPY (${inlineParams(query, params)}) TO STDOUT WITH (FORMAT csv, HEADER true)`;
  }
}

/**
 * The list and export filters as SQL: `where` (empty or `WHERE …` on `orders o`), its parameters, and `p` to
 * add more. The text depends only on which filters are set (a handful of prepared statements).
 */
function orderWhere(f: OrderFilter, after?: Keyset): { where: string; params: unknown[]; p: (v: unknown) => string } {
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  const w: string[] = [];
  if (f.customerId) w.push(`o.customer_id = ${p(f.customerId)}`);
  if (f.status) w.push(`o.status = ${p(f.status)}`);
  if (f.email) {
    // `= ANY(ARRAY(subquery))` lets the planner use both indexes; `IN (subquery)` inside an OR scanned the table.
    const e = p(f.email);
    w.push(`(lower(o.email) = lower(${e}) OR o.customer_id = ANY(ARRAY(SELECT cu.id FROM customers cu WHERE lower(cu.email) = lower(${e}))))`);
  }
  if (f.from) w.push(`o.created_at >= ${p(f.from)}`);
  if (f.to) w.push(`o.created_at < ${p(f.to)}`);
  if (f.archived === true) w.push('o.archived_at IS NOT NULL');
  if (f.archived === false) w.push('o.archived_at IS NULL');
  if (after) w.push(`(o.created_at, o.id) < (${p(after.createdAt)}, ${p(after.id)})`);
  return { where: w.length ? `WHERE ${w.join(' AND ')}` : '', params, p };
}

/** `$n` placeholders replaced by escaped literals, for statements that take no parameters (COPY). */
function inlineParams(sql: string, params: unknown[]): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const v = params[Number(n) - 1];
    if (v instanceof Date) return escapeLiteral(v.toISOString());
    if (typeof v === 'string') return escapeLiteral(v);
    throw new Error(`Cannot inline a parameter of type ${typeof v}`);
  });
}

/** The columns of a new order (everything but what the database fills in). */
export type NewOrderRow = Omit<Order, 'number' | 'amountRefunded' | 'trackingNumber' | 'archivedAt' | 'createdAt' | 'updatedAt' | 'customer' | 'items' | 'history'>;

/** An `orders` row as node-postgres returns it (bigint as string, jsonb parsed, timestamptz as Date). */
interface OrderRow {
  id: string;
  number: string;
  customer_id: string;
  checkout_id: string | null;
  email: string;
  status: OrderStatus;
  payment_status: Order['paymentStatus'];
  payment_method: Order['paymentMethod'];
  currency: string;
  subtotal: string;
  discount: string;
  discount_code: string | null;
  discount_id: string | null;
  shipping: string;
  tax: string;
  tax_rate_bps: number;
  total: string;
  amount_paid: string;
  amount_refunded: string;
  shipping_address: Order['shippingAddress'];
  billing_address: Order['billingAddress'];
  delivery_method: Order['deliveryMethod'];
  notes: string | null;
  tracking_number: string | null;
  payment_intent_id: string | null;
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

type ItemJson = Omit<OrderItem, 'orderId' | 'order' | 'totalPrice'> & { totalPrice: string };
type HistoryJson = Omit<OrderHistory, 'orderId' | 'order' | 'at'> & { at: number };

const money = (v: string) => bigintMoney.from(v) as number;

/** The entity as TypeORM would hydrate it (money through the bigint transformer), without TypeORM. */
function toOrder(r: OrderRow): Order {
  return Object.assign(new Order(), {
    id: r.id,
    number: r.number,
    customerId: r.customer_id,
    checkoutId: r.checkout_id,
    email: r.email,
    status: r.status,
    paymentStatus: r.payment_status,
    paymentMethod: r.payment_method,
    currency: r.currency,
    subtotal: money(r.subtotal),
    discount: money(r.discount),
    discountCode: r.discount_code,
    discountId: r.discount_id,
    shipping: money(r.shipping),
    tax: money(r.tax),
    taxRateBps: r.tax_rate_bps,
    total: money(r.total),
    amountPaid: money(r.amount_paid),
    amountRefunded: money(r.amount_refunded),
    shippingAddress: r.shipping_address,
    billingAddress: r.billing_address,
    deliveryMethod: r.delivery_method,
    notes: r.notes,
    trackingNumber: r.tracking_number,
    paymentIntentId: r.payment_intent_id,
    archivedAt: r.archived_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
}

// Named columns, never `*`: a prepared statement's result columns must not change when a migration adds one.
const ORDER_COLUMNS = `id, number, customer_id, checkout_id, email, status, payment_status, payment_method, currency, subtotal, discount,
  discount_code, discount_id, shipping, tax, tax_rate_bps, total, amount_paid, amount_refunded, shipping_address, billing_address,
  delivery_method, notes, tracking_number, payment_intent_id, archived_at, created_at, updated_at`;

/**
 * The order, its first history entries (one clock reading — a WITH query runs once — then 1 ms per entry) and its
 * lines, in one statement: the lines' foreign key is checked at the statement's end, when the order row exists.
 * test/e2e/faults.e2e-spec.ts finds this statement by its text (`WITH o AS (`).
 */
const INSERT_ORDER = `WITH o AS (
    INSERT INTO orders (id, number, checkout_id, customer_id, email, status, payment_status, payment_method, currency,
      subtotal, discount, discount_code, discount_id, shipping, tax, tax_rate_bps, total, amount_paid,
      shipping_address, billing_address, delivery_method, notes, payment_intent_id)
    VALUES ($1, 'ORD-' || lpad(nextval('order_number_seq')::text, 6, '0'), $2, $3, $4, $5, $6, $7, $8,
      $9, $10, $11, $12, $13, $14, $15, $16, $17,
      $18::jsonb, $19::jsonb, $20::jsonb, $21, $22)
    RETURNING ${ORDER_COLUMNS}),
  clock AS (SELECT date_trunc('milliseconds', clock_timestamp()) AS t),
  h AS (
    INSERT INTO order_history (order_id, status, actor, note, at)
    SELECT o.id, e.status, e.actor, e.note, clock.t + (e.n - 1) * interval '1 millisecond'
    FROM o, clock, unnest($23::varchar[], $24::varchar[], $25::text[]) WITH ORDINALITY AS e(status, actor, note, n)),
  i AS (
    INSERT INTO order_items (order_id, product_id, variant_id, product_name, sku, quantity, unit_price, total_price)
    SELECT o.id, l.* FROM o, unnest($26::uuid[], $27::uuid[], $28::varchar[], $29::varchar[], $30::int[], $31::int[], $32::bigint[]) AS l)
  SELECT * FROM o`;

/** The lines and history of the order `o`, as two JSON columns. */
const DETAILS = `(SELECT coalesce(json_agg(json_build_object(
        'id', i.id, 'productId', i.product_id, 'variantId', i.variant_id, 'productName', i.product_name, 'sku', i.sku,
        'quantity', i.quantity, 'unitPrice', i.unit_price, 'totalPrice', i.total_price::text)
      ORDER BY i.product_name, i.sku, i.id), '[]')
     FROM order_items i WHERE i.order_id = o.id) AS items,
    (SELECT coalesce(json_agg(json_build_object(
        'id', h.id, 'status', h.status, 'actor', h.actor, 'note', h.note, 'at', floor(extract(epoch FROM h.at) * 1000))
      ORDER BY h.at, h.id), '[]')
     FROM order_history h WHERE h.order_id = o.id) AS history`;

const SELECT_WITH_DETAILS = `SELECT ${ORDER_COLUMNS.replace(/(\w+)/g, 'o.$1')},
    ${DETAILS}
  FROM orders o WHERE o.id = $1`;

function detailsOf(r: { id: string; items: ItemJson[]; history: HistoryJson[] }): { items: OrderItem[]; history: OrderHistory[] } {
  return {
    items: r.items.map((i) => Object.assign(new OrderItem(), { ...i, orderId: r.id, totalPrice: bigintMoney.from(i.totalPrice) as number })),
    history: r.history.map((h) => Object.assign(new OrderHistory(), { ...h, orderId: r.id, at: new Date(h.at) })),
  };
}

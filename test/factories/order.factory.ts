import { randomUUID } from 'node:crypto';
import type { Order, OrderStatus, PaymentMethod, PaymentStatus } from '../../src/orders/order.entity';
import { type HistoryEntry, OrdersService } from '../../src/orders/orders.service';
import type { TestApp } from '../test-app';

let seq = 0;

export interface OrderOverrides {
  customerId: string;
  email?: string;
  status?: OrderStatus;
  paymentStatus?: PaymentStatus;
  paymentMethod?: PaymentMethod;
  /** Number of lines (default 2), each 1 × 1000. */
  lines?: number;
  createdAt?: Date;
  archived?: boolean;
  trackingNumber?: string | null;
}

export const ORDER_ADDRESS = { name: 'Ada Lovelace', street: '12 Analytical Row', city: 'London', state: null, postalCode: 'EC1A 1BB', district: null, country: 'GB', phone: null };

/**
 * Persists an order through the real `OrdersService.create` (number from the sequence, lines, history), with
 * the status and payment state asked for. For bulk and pagination tests; flows that move stock or money use
 * the HTTP API instead.
 */
export async function createOrder(t: TestApp, o: OrderOverrides): Promise<Order> {
  seq += 1;
  const lines = Array.from({ length: o.lines ?? 2 }, (_, i) => ({
    productId: randomUUID(),
    variantId: randomUUID(),
    productName: `Factory product ${seq}.${i + 1}`,
    sku: `FAC-${seq}-${i + 1}`,
    quantity: 1,
    unitPrice: 1000,
    totalPrice: 1000,
  }));
  const subtotal = lines.length * 1000;
  const total = subtotal + 500;
  const status = o.status ?? 'pending';
  const paymentStatus = o.paymentStatus ?? (['pending', 'cancelled'].includes(status) ? 'unpaid' : 'paid');
  const paymentMethod = o.paymentMethod ?? (paymentStatus === 'unpaid' ? 'cash_on_delivery' : 'card');
  const history: HistoryEntry[] = [{ status: 'pending', actor: 'system', note: 'Created by the test factory' }];
  if (status !== 'pending') history.push({ status, actor: 'system', note: null });
  const order = await t.ds.transaction((tx) =>
    t.app.get(OrdersService).create(tx, {
      id: randomUUID(),
      checkoutId: null,
      customerId: o.customerId,
      email: o.email ?? `buyer${seq}@test.local`,
      status,
      paymentStatus,
      paymentMethod,
      currency: 'usd',
      subtotal,
      discount: 0,
      discountCode: null,
      discountId: null,
      shipping: 500,
      tax: 0,
      taxRateBps: 0,
      total,
      amountPaid: paymentStatus === 'unpaid' ? 0 : total,
      shippingAddress: ORDER_ADDRESS,
      billingAddress: ORDER_ADDRESS,
      deliveryMethod: { id: randomUUID(), name: 'Standard', price: 500 },
      notes: null,
      paymentIntentId: null,
      lines,
      history,
    }),
  );
  const refunded = paymentStatus === 'refunded' ? total : paymentStatus === 'partially_refunded' ? 100 : 0;
  if (o.createdAt || o.archived || refunded || o.trackingNumber) {
    await t.ds.query(
      `UPDATE orders SET created_at = coalesce($2, created_at), archived_at = CASE WHEN $3 THEN now() END, amount_refunded = $4, tracking_number = $5 WHERE id = $1`,
      [order.id, o.createdAt ?? null, o.archived ?? false, refunded, o.trackingNumber ?? null],
    );
  }
  return order;
}

/** `n` orders created one second apart going back from `start` (or all at `start`: ties broken by id). */
export async function createOrders(t: TestApp, n: number, o: OrderOverrides & { start?: Date; sameTime?: boolean }): Promise<Order[]> {
  const start = o.start ?? new Date(Date.UTC(2026, 0, 1));
  const out: Order[] = [];
  for (let i = 0; i < n; i++) {
    out.push(await createOrder(t, { ...o, createdAt: o.sameTime ? start : new Date(start.getTime() - i * 1000) }));
  }
  return out;
}

/** History statuses of an order, oldest first. */
export async function historyOf(t: TestApp, orderId: string): Promise<{ status: string; actor: string; note: string | null }[]> {
  return t.ds.query('SELECT status, actor, note FROM order_history WHERE order_id = $1 ORDER BY at, id', [orderId]);
}

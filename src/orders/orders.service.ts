import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/errors/domain-error';
import { type Tx, TxRunner } from '../database/tx';
import { OrderHistory } from './order-history.entity';
import { OrderItem } from './order-item.entity';
import type { AddressSnapshot, DeliveryMethodSnapshot, Order, OrderStatus, PaymentMethod, PaymentStatus } from './order.entity';
import { Order as OrderEntity } from './order.entity';
import { Refund } from './refund.entity';

export interface OrderLineInput {
  productId: string;
  variantId: string;
  productName: string;
  sku: string;
  quantity: number;
  unitPrice: number;
  totalPrice: number;
}

export interface HistoryEntry {
  status: OrderStatus;
  actor: string;
  note?: string | null;
}

export interface NewOrder {
  id: string;
  checkoutId: string | null;
  customerId: string;
  email: string;
  status: OrderStatus;
  paymentStatus: PaymentStatus;
  paymentMethod: PaymentMethod;
  currency: string;
  subtotal: number;
  discount: number;
  discountCode: string | null;
  discountId: string | null;
  shipping: number;
  tax: number;
  taxRateBps: number;
  total: number;
  amountPaid: number;
  shippingAddress: AddressSnapshot;
  billingAddress: AddressSnapshot;
  deliveryMethod: DeliveryMethodSnapshot | null;
  notes: string | null;
  paymentIntentId: string | null;
  lines: OrderLineInput[];
  /** Oldest first; the last entry's status must be the order's. */
  history: HistoryEntry[];
}

export interface OrderView {
  id: string;
  number: string;
  customerId: string;
  email: string;
  status: OrderStatus;
  paymentStatus: PaymentStatus;
  paymentMethod: PaymentMethod;
  currency: string;
  subtotal: number;
  discount: number;
  discountCode: string | null;
  shipping: number;
  tax: number;
  taxRateBps: number;
  total: number;
  amountPaid: number;
  amountRefunded: number;
  items: { id: string; orderId: string; productId: string; variantId: string; productName: string; sku: string; quantity: number; unitPrice: number; totalPrice: number }[];
  shippingAddress: AddressSnapshot;
  billingAddress: AddressSnapshot;
  deliveryMethod: DeliveryMethodSnapshot | null;
  notes: string | null;
  trackingNumber: string | null;
  paymentIntentId: string | null;
  history: { status: OrderStatus; at: Date; actor: string; note: string | null }[];
  createdAt: Date;
  updatedAt: Date;
}

export const orderNotFound = () => new NotFoundError('Order not found', 'ORDER_NOT_FOUND');

@Injectable()
export class OrdersService {
  constructor(private readonly txRunner: TxRunner) {}

  /**
   * Writes an order, its lines and its history in the caller's transaction. The number comes from a
   * sequence; `checkout_id` is unique, so a second order for one checkout fails instead of existing.
   */
  async create(tx: Tx, o: NewOrder): Promise<Order> {
    const { lines, history, ...row } = o;
    await tx
      .createQueryBuilder()
      .insert()
      .into(OrderEntity)
      .values({ ...row, number: () => `'ORD-' || lpad(nextval('order_number_seq')::text, 6, '0')` })
      .execute();
    await tx
      .createQueryBuilder()
      .insert()
      .into(OrderItem)
      .values(lines.map((l) => ({ orderId: o.id, ...l })))
      .execute();
    await this.appendHistory(tx, o.id, history);
    return tx.getRepository(OrderEntity).findOneByOrFail({ id: o.id });
  }

  async appendHistory(tx: Tx, orderId: string, entries: HistoryEntry[]): Promise<void> {
    if (!entries.length) return;
    // One statement, explicit timestamps a millisecond apart: the order of entries survives `ORDER BY at`.
    const base = Date.now();
    await tx
      .createQueryBuilder()
      .insert()
      .into(OrderHistory)
      .values(entries.map((e, i) => ({ orderId, status: e.status, actor: e.actor, note: e.note ?? null, at: new Date(base + i) })))
      .execute();
  }

  /** An order with its lines and history; 404 unless it belongs to `customerId` (when given). */
  async view(id: string, opts: { customerId?: string; tx?: Tx } = {}): Promise<OrderView> {
    const tx = opts.tx ?? this.txRunner.manager;
    const order = await tx.getRepository(OrderEntity).findOneBy({ id });
    if (!order || (opts.customerId && order.customerId !== opts.customerId) || (opts.customerId && order.archivedAt)) throw orderNotFound();
    const [items, history] = await Promise.all([
      tx.getRepository(OrderItem).find({ where: { orderId: id }, order: { productName: 'ASC', sku: 'ASC' } }),
      tx.getRepository(OrderHistory).find({ where: { orderId: id }, order: { at: 'ASC', id: 'ASC' } }),
    ]);
    return toView(order, items, history);
  }

  findByCheckout(checkoutId: string, tx: Tx = this.txRunner.manager): Promise<Order | null> {
    return tx.getRepository(OrderEntity).findOneBy({ checkoutId });
  }

  findByPaymentIntent(paymentIntentId: string, tx: Tx = this.txRunner.manager): Promise<Order | null> {
    return tx.getRepository(OrderEntity).findOneBy({ paymentIntentId });
  }

  /**
   * Reconciles what the provider says was refunded in total for an order's payment. Refunds the provider
   * lists by id are added to the ledger once each; any remainder (refunds not itemised in the event) is
   * booked under a synthetic id for that total, so the same total reported twice is counted once.
   * Returns the amount newly recorded.
   */
  async reconcileRefunds(
    tx: Tx,
    orderId: string,
    report: { totalRefunded: number; refunds: { id: string; amount: number }[]; actor: string; chargeId: string },
  ): Promise<number> {
    const order = await tx.getRepository(OrderEntity).findOne({ where: { id: orderId }, lock: { mode: 'pessimistic_write' } });
    if (!order) throw orderNotFound();
    for (const r of report.refunds) {
      await tx.createQueryBuilder().insert().into(Refund).values({ orderId, providerRefundId: r.id, amount: r.amount, actor: report.actor, reason: null }).orIgnore().execute();
    }
    const [{ sum }] = (await tx.query(`SELECT coalesce(sum(amount), 0)::bigint AS sum FROM refunds WHERE order_id = $1`, [orderId])) as { sum: string }[];
    let booked = Number(sum);
    const target = Math.min(report.totalRefunded, order.amountPaid);
    if (target > booked) {
      await tx
        .createQueryBuilder()
        .insert()
        .into(Refund)
        .values({ orderId, providerRefundId: `${report.chargeId}:total:${target}`, amount: target - booked, actor: report.actor, reason: 'Reported by the payment provider' })
        .orIgnore()
        .execute();
      booked = target;
    }
    booked = Math.min(booked, order.amountPaid);
    const added = booked - order.amountRefunded;
    if (added <= 0) return 0;
    const paymentStatus: PaymentStatus = booked >= order.amountPaid ? 'refunded' : 'partially_refunded';
    await tx.getRepository(OrderEntity).update({ id: orderId }, { amountRefunded: booked, paymentStatus });
    await this.appendHistory(tx, orderId, [{ status: order.status, actor: report.actor, note: `Refund of ${added} ${order.currency} recorded (${paymentStatus})` }]);
    return added;
  }
}

export function toView(o: Order, items: OrderItem[], history: OrderHistory[]): OrderView {
  return {
    id: o.id,
    number: o.number,
    customerId: o.customerId,
    email: o.email,
    status: o.status,
    paymentStatus: o.paymentStatus,
    paymentMethod: o.paymentMethod,
    currency: o.currency,
    subtotal: o.subtotal,
    discount: o.discount,
    discountCode: o.discountCode,
    shipping: o.shipping,
    tax: o.tax,
    taxRateBps: o.taxRateBps,
    total: o.total,
    amountPaid: o.amountPaid,
    amountRefunded: o.amountRefunded,
    items: items.map((i) => ({
      id: i.id,
      orderId: i.orderId,
      productId: i.productId,
      variantId: i.variantId,
      productName: i.productName,
      sku: i.sku,
      quantity: i.quantity,
      unitPrice: i.unitPrice,
      totalPrice: i.totalPrice,
    })),
    shippingAddress: o.shippingAddress,
    billingAddress: o.billingAddress,
    deliveryMethod: o.deliveryMethod,
    notes: o.notes,
    trackingNumber: o.trackingNumber,
    paymentIntentId: o.paymentIntentId,
    history: history.map((h) => ({ status: h.status, at: h.at, actor: h.actor, note: h.note })),
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
  };
}

import { Injectable, Logger } from '@nestjs/common';
import type { VariantInfo } from '../catalog/catalog.service';
import { ConflictError, NotFoundError, ValidationError } from '../common/errors/domain-error';
import { decodeCursor, toPage } from '../common/pagination';
import { type Tx, TxRunner } from '../database/tx';
import { InventoryService } from '../inventory/inventory.service';
import { OutboxService } from '../notifications/outbox.service';
import { OrderHistory } from './order-history.entity';
import { OrderItem } from './order-item.entity';
import type { AddressSnapshot, DeliveryMethodSnapshot, Order, OrderStatus, PaymentMethod, PaymentStatus } from './order.entity';
import { Order as OrderEntity } from './order.entity';
import { type ActorRole, assertPaymentTransition, assertTransition, InvalidStatusTransitionError } from './order-status';
import { type OrderFilter, OrdersRepository } from './orders.repository';
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

/** A line as it will be sold: the variant's current name, SKU and price, frozen. */
export function orderLineOf(v: VariantInfo, quantity: number): OrderLineInput {
  return { productId: v.productId, variantId: v.variantId, productName: v.label, sku: v.sku, quantity, unitPrice: v.price, totalPrice: v.price * quantity };
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
export const orderArchived = () => new ConflictError('Order is archived', 'ORDER_ARCHIVED');

/** Who changes an order; history records `admin:<id>`, `customer:<id>`, or the system's label. */
export interface OrderActor {
  role: ActorRole;
  /** The admin's or customer's id (none for the system). */
  id?: string;
  /** For the system: the history actor, e.g. `webhook:payment_intent.succeeded` (default `system`). */
  label?: string;
}

export const actorLabel = (a: OrderActor): string => (a.role === 'system' ? (a.label ?? 'system') : `${a.role}:${a.id ?? 'unknown'}`);

export interface TransitionOptions {
  note?: string | null;
  /** Only with `shipped`. */
  trackingNumber?: string | null;
  /** Changes the payment status in the same update (checked against PAYMENT_TRANSITIONS). */
  paymentStatus?: PaymentStatus;
  amountPaid?: number;
  /** Runs in the caller's transaction (the lock is then held until the caller commits). */
  tx?: Tx;
}

export interface TransitionResult {
  from: OrderStatus;
  order: Order;
}

export interface OrderPage<T> {
  orders: T[];
  /** Every order matching the filter, over all pages. */
  count: number;
  nextCursor: string | null;
}

@Injectable()
export class OrdersService {
  private readonly logger = new Logger(OrdersService.name);

  constructor(
    private readonly txRunner: TxRunner,
    private readonly repo: OrdersRepository,
    private readonly inventory: InventoryService,
    private readonly outbox: OutboxService,
  ) {}

  /**
   * Writes an order, its lines and its history in the caller's transaction. The number comes from a
   * sequence; `checkout_id` is unique, so a second order for one checkout fails instead of existing.
   */
  async create(tx: Tx, o: NewOrder): Promise<Order> {
    const { lines, history, ...row } = o;
    return this.repo.insert(
      tx,
      row,
      history.map((e) => ({ status: e.status, actor: e.actor, note: e.note ?? null })),
      lines,
    );
  }

  /** Appends entries in order, each stamped by the database clock after every earlier entry of the order. */
  async appendHistory(tx: Tx, orderId: string, entries: HistoryEntry[]): Promise<void> {
    for (const e of entries) await this.repo.appendAfterLast(tx, orderId, { status: e.status, actor: e.actor, note: e.note ?? null });
  }

  /** An order with its lines and history (one query); 404 unless it belongs to `customerId` (when given). */
  async view(id: string, opts: { customerId?: string; tx?: Tx } = {}): Promise<OrderView> {
    const found = await this.repo.findWithDetails(opts.tx ?? this.txRunner.manager, id);
    if (!found || (opts.customerId && (found.order.customerId !== opts.customerId || found.order.archivedAt))) throw orderNotFound();
    return toView(found.order, found.items, found.history);
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

  /**
   * Moves an order through the state machine (order-status.ts): locks the row (`FOR UPDATE`, so concurrent
   * changes to one order serialize and each sees the previous one's result), checks who may make the change,
   * updates it and appends a history entry. A customer actor only reaches their own, unarchived orders (404).
   * Shipping queues the shipped email in the same transaction.
   */
  async transition(orderId: string, to: OrderStatus, actor: OrderActor, opts: TransitionOptions = {}): Promise<TransitionResult> {
    const work = async (tx: Tx): Promise<TransitionResult> => {
      const order = await this.lockFor(tx, orderId, actor);
      if (order.archivedAt) throw orderArchived();
      if (opts.trackingNumber != null && to !== 'shipped') {
        throw new ValidationError('trackingNumber is only accepted with status shipped', 'VALIDATION_FAILED');
      }
      const paymentStatus = opts.paymentStatus ?? order.paymentStatus;
      if (paymentStatus !== order.paymentStatus) assertPaymentTransition(order.paymentStatus, paymentStatus, actor.role);
      assertTransition(order.status, to, actor.role, { paymentStatus, paymentMethod: order.paymentMethod });

      const patch: Partial<Order> = { status: to, paymentStatus };
      if (opts.amountPaid !== undefined) patch.amountPaid = opts.amountPaid;
      if (to === 'shipped' && opts.trackingNumber) patch.trackingNumber = opts.trackingNumber;
      await tx.getRepository(OrderEntity).update({ id: order.id }, patch);
      await this.repo.appendAfterLast(tx, order.id, { status: to, actor: actorLabel(actor), note: opts.note?.trim() || null });
      const updated = { ...order, ...patch } as Order;
      if (to === 'shipped') {
        await this.outbox.enqueue(tx, 'email.order_shipped', { orderId: order.id, number: order.number, email: order.email, trackingNumber: updated.trackingNumber });
      }
      this.logger.log({ orderId: order.id, from: order.status, to, actor: actorLabel(actor) }, 'Order status changed');
      return { from: order.status, order: updated };
    };
    return opts.tx ? work(opts.tx) : this.txRunner.run(work);
  }

  /**
   * Admin: money received outside the provider (cash on delivery, bank transfer). Pending or on-hold orders
   * become `paid`; orders already in fulfilment (cash handed over at the door) keep their status. Already paid
   * (or refunded) → 400 ORDER_ALREADY_PAID; cancelled → 409 INVALID_STATUS_TRANSITION.
   */
  async markPaid(orderId: string, actor: OrderActor, note?: string | null): Promise<OrderView> {
    return this.txRunner.run(async (tx) => {
      const order = await this.lockFor(tx, orderId, actor);
      if (order.archivedAt) throw orderArchived();
      if (order.paymentStatus !== 'unpaid') throw new ValidationError('Order has already been marked as paid', 'ORDER_ALREADY_PAID');
      const amountPaid = Math.max(order.amountPaid, order.total);
      const text = note?.trim() || 'Marked as paid';
      if (order.status === 'pending' || order.status === 'on_hold') {
        await this.transition(order.id, 'paid', actor, { tx, paymentStatus: 'paid', amountPaid, note: text });
      } else if (order.status === 'cancelled') {
        throw new InvalidStatusTransitionError(order.status, 'paid', 'the order is cancelled');
      } else {
        assertPaymentTransition('unpaid', 'paid', actor.role);
        await tx.getRepository(OrderEntity).update({ id: order.id }, { paymentStatus: 'paid', amountPaid });
        await this.repo.appendAfterLast(tx, order.id, { status: order.status, actor: actorLabel(actor), note: text });
        this.logger.log({ orderId: order.id, status: order.status, actor: actorLabel(actor) }, 'Order marked paid');
      }
      return this.view(order.id, { tx });
    });
  }

  /**
   * Archives (soft-deletes) an order: the owner or an admin, only when it is cancelled, or pending and unpaid.
   * A pending unpaid order is cancelled first and the stock it took goes back through the ledger (derived from
   * the ledger, so it can never be restocked twice). Archived orders are hidden from customers, kept for audit.
   * Archiving an archived order again is a no-op for an admin (a customer no longer sees it: 404).
   */
  async archive(orderId: string, actor: OrderActor): Promise<void> {
    await this.txRunner.run(async (tx) => {
      const order = await this.lockFor(tx, orderId, actor);
      if (order.archivedAt) return;
      const pendingUnpaid = order.status === 'pending' && order.paymentStatus === 'unpaid';
      if (order.status !== 'cancelled' && !pendingUnpaid) {
        throw new ConflictError('Only cancelled orders, or pending orders that are unpaid, can be deleted', 'ORDER_NOT_ARCHIVABLE', {
          status: order.status,
          paymentStatus: order.paymentStatus,
        });
      }
      if (pendingUnpaid) {
        await this.transition(order.id, 'cancelled', actor, { tx, note: 'Deleted before payment' });
        const sold = await this.inventory.soldUnder(tx, [`order:${order.id}`, ...(order.checkoutId ? [`checkout:${order.checkoutId}`] : [])]);
        if (sold.length) await this.inventory.restock(tx, sold, `order:${order.id}`, { reason: 'Order deleted before payment', actorId: actor.id ?? null });
      }
      await tx.getRepository(OrderEntity).update({ id: order.id }, { archivedAt: () => 'now()' });
      await this.repo.appendAfterLast(tx, order.id, { status: 'cancelled', actor: actorLabel(actor), note: 'Archived' });
      this.logger.log({ orderId: order.id, actor: actorLabel(actor) }, 'Order archived');
    });
  }

  /** A customer's own orders (archived ones hidden), newest first, with lines and history; a bounded number of queries. */
  async listForCustomer(customerId: string, q: { status?: OrderStatus; limit: number; cursor?: string }): Promise<OrderPage<OrderView>> {
    const filter: OrderFilter = { customerId, status: q.status, archived: false };
    const after = decodeCursor(q.cursor);
    return this.txRunner.read(async (tx) => {
      const [rows, count] = await Promise.all([this.repo.pageWithDetails(tx, filter, q.limit, after), this.repo.count(tx, filter)]);
      const page = toPage(rows.map((r) => r.order), q.limit);
      return { orders: rows.slice(0, page.items.length).map((r) => toView(r.order, r.items, r.history)), count, nextCursor: page.nextCursor };
    });
  }

  /**
   * Guest lookup by order number and email (case-insensitive). One indexed query decides, whatever matched or
   * not, and every mismatch is the same 404, so the response says nothing about which half was wrong or whether
   * the email has an account.
   */
  async lookup(email: string, orderNumber: string): Promise<OrderView> {
    const tx = this.txRunner.manager;
    const order = await this.repo.findForLookup(tx, orderNumber.trim().toUpperCase(), email.trim());
    if (!order) throw orderNotFound();
    const { items, history } = await this.repo.details(tx, [order.id]);
    return toView(order, items.get(order.id) ?? [], history.get(order.id) ?? []);
  }

  /** The order row locked; a customer only reaches their own, unarchived orders (another's is 404 as if missing). */
  private async lockFor(tx: Tx, orderId: string, actor: OrderActor): Promise<Order> {
    const order = await this.repo.lock(tx, orderId);
    if (!order || (actor.role === 'customer' && (order.customerId !== actor.id || order.archivedAt))) throw orderNotFound();
    return order;
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

import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError, ValidationError } from '../common/errors/domain-error';
import { type Tx, TxRunner } from '../database/tx';
import { InventoryService } from '../inventory/inventory.service';
import { OutboxService } from '../notifications/outbox.service';
import { PAYMENT_PROVIDER, type PaymentProvider, PaymentProviderError } from '../payments/payment-provider';
import { Order, type PaymentStatus } from './order.entity';
import { assertTransition, type ActorRole } from './order-status';
import { OrdersService, orderNotFound, type OrderView } from './orders.service';
import { Refund } from './refund.entity';

export interface Actor {
  role: ActorRole;
  id: string;
}

export interface RefundRequest {
  /** Minor units; default: everything not yet refunded. */
  amount?: number;
  reason?: string;
  /** Put every unit still sold for the order back in stock. */
  restock?: boolean;
}

/** 502: the provider refused or could not be reached; nothing was changed. */
export class RefundFailedError extends DomainError {
  readonly code = 'PAYMENT_PROVIDER_ERROR';
  readonly status = HttpStatus.BAD_GATEWAY;
  constructor(reason: string) {
    super(`Failed to refund: ${reason}`);
  }
}

const actorName = (a: Actor) => `${a.role}:${a.id}`;

/**
 * Cancellation and refunds. Both lock the order row for the whole operation, including the provider call,
 * so concurrent requests serialize and the refunded sum can never pass what was paid. Provider calls carry
 * idempotency keys derived from the order's state, and every refund lands in the ledger once (unique by the
 * provider's refund id), so the `charge.refunded` webhook that follows changes nothing.
 */
@Injectable()
export class OrderCancellation {
  private readonly logger = new Logger(OrderCancellation.name);

  constructor(
    private readonly orders: OrdersService,
    private readonly inventory: InventoryService,
    private readonly outbox: OutboxService,
    private readonly tx: TxRunner,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
  ) {}

  /** Customer (own order, while pending or paid) or admin (until shipped): restock, refund in full, cancel. */
  async cancel(orderId: string, actor: Actor, reason?: string): Promise<OrderView> {
    await this.tx.run(async (tx) => {
      const order = await this.lock(tx, orderId, actor);
      assertTransition(order.status, 'cancelled', actor.role, { paymentStatus: order.paymentStatus, paymentMethod: order.paymentMethod });
      await this.restockAll(tx, order, 'Order cancelled');
      const remaining = order.amountPaid - order.amountRefunded;
      let refunded = 0;
      if (remaining > 0) refunded = await this.refundMoney(tx, order, remaining, 'requested_by_customer', actor, `cancel:${order.id}`);
      const paymentStatus: PaymentStatus = order.amountPaid > 0 ? 'refunded' : order.paymentStatus;
      await tx.getRepository(Order).update({ id: order.id }, { status: 'cancelled', paymentStatus, amountRefunded: order.amountRefunded + refunded });
      const note = [reason?.trim(), refunded ? `Refunded ${refunded} ${order.currency}` : null].filter(Boolean).join('; ') || null;
      await this.orders.appendHistory(tx, order.id, [{ status: 'cancelled', actor: actorName(actor), note }]);
      await this.outbox.enqueue(tx, 'email.order_cancelled', { orderId: order.id, number: order.number, email: order.email, refunded });
    });
    return this.orders.view(orderId);
  }

  /** Admin refund, full or partial, validated against what is left; optionally restocks. Status is kept. */
  async refund(orderId: string, admin: Actor, req: RefundRequest): Promise<OrderView> {
    await this.tx.run(async (tx) => {
      const order = await this.lock(tx, orderId, admin);
      const remaining = order.amountPaid - order.amountRefunded;
      if (remaining <= 0) throw new ValidationError(`Order ${order.number} has nothing left to refund`, 'NOTHING_TO_REFUND', { remaining: 0 });
      const amount = req.amount ?? remaining;
      if (!Number.isSafeInteger(amount) || amount < 1 || amount > remaining) {
        throw new ValidationError(`Refund amount must be between 1 and ${remaining} (${order.currency} minor units)`, 'REFUND_EXCEEDS_PAID', { remaining });
      }
      // Keyed by what has been refunded so far: a retry of this request reuses the provider's refund.
      const refunded = await this.refundMoney(tx, order, amount, 'requested_by_customer', admin, `refund:${order.id}:${order.amountRefunded}:${amount}`, req.reason);
      const total = order.amountRefunded + refunded;
      const paymentStatus: PaymentStatus = total >= order.amountPaid ? 'refunded' : 'partially_refunded';
      await tx.getRepository(Order).update({ id: order.id }, { amountRefunded: total, paymentStatus });
      if (req.restock) await this.restockAll(tx, order, 'Restocked with refund');
      const note = [`Refunded ${refunded} ${order.currency}`, req.reason?.trim(), req.restock ? 'restocked' : null].filter(Boolean).join('; ');
      await this.orders.appendHistory(tx, order.id, [{ status: order.status, actor: actorName(admin), note }]);
      await this.outbox.enqueue(tx, 'email.order_refunded', { orderId: order.id, number: order.number, email: order.email, amount: refunded, currency: order.currency });
    });
    return this.orders.view(orderId);
  }

  /** The order, locked; customers only see their own (another's is 404, like a missing one). */
  private async lock(tx: Tx, orderId: string, actor: Actor): Promise<Order> {
    const order = await tx.getRepository(Order).findOne({ where: { id: orderId }, lock: { mode: 'pessimistic_write' } });
    if (!order || (actor.role === 'customer' && (order.customerId !== actor.id || order.archivedAt))) throw orderNotFound();
    return order;
  }

  private async restockAll(tx: Tx, order: Order, reason: string) {
    const lines = await this.inventory.soldUnder(tx, [`order:${order.id}`, ...(order.checkoutId ? [`checkout:${order.checkoutId}`] : [])]);
    if (lines.length) await this.inventory.restock(tx, lines, `order:${order.id}`, { reason });
  }

  /** Gives money back through the provider (or records a manual refund for cash) and books it in the ledger. */
  private async refundMoney(tx: Tx, order: Order, amount: number, providerReason: 'requested_by_customer', actor: Actor, key: string, reason?: string): Promise<number> {
    let providerRefundId: string;
    if (order.paymentIntentId && order.paymentMethod === 'card') {
      try {
        const r = await this.provider.refund({ paymentIntentId: order.paymentIntentId, amount, idempotencyKey: key, reason: providerReason, metadata: { orderId: order.id } });
        providerRefundId = r.id;
      } catch (e) {
        if (e instanceof PaymentProviderError) throw new RefundFailedError(e.message);
        throw e;
      }
    } else {
      // Paid outside the provider (cash, transfer): the refund is handed over manually; the ledger records it.
      providerRefundId = `manual:${randomUUID()}`;
    }
    const inserted: unknown[] = await tx
      .createQueryBuilder()
      .insert()
      .into(Refund)
      .values({ orderId: order.id, providerRefundId, amount, reason: reason?.slice(0, 200) ?? null, actor: actorName(actor) })
      .orIgnore()
      .returning('id')
      .execute()
      .then((r) => r.raw as unknown[]);
    if (!inserted.length) this.logger.warn({ orderId: order.id, providerRefundId }, 'Refund already in the ledger');
    return inserted.length ? amount : 0;
  }
}

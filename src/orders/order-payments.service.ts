import { Injectable, Logger } from '@nestjs/common';
import type { Tx } from '../database/tx';
import { Order } from './order.entity';
import { OrdersService } from './orders.service';

export interface OrderPayment {
  paymentIntentId: string;
  amount: number;
  currency: string;
  actor: string;
}

/**
 * Payments for orders that already exist (direct orders paid later with `POST /orders/:id/pay`). The order
 * row is locked, so the webhook, a retry and a duplicate event settle it once.
 */
@Injectable()
export class OrderPayments {
  private readonly logger = new Logger(OrderPayments.name);

  constructor(private readonly orders: OrdersService) {}

  /** Records the intent created for an order, so `charge.refunded` and admins can find it. */
  async attachIntent(tx: Tx, orderId: string, paymentIntentId: string): Promise<void> {
    await tx.getRepository(Order).update({ id: orderId }, { paymentIntentId });
  }

  /**
   * `paid` when a pending unpaid order receives exactly its total; anything else (already paid by other
   * means, cancelled meanwhile, wrong amount) keeps the money on record and puts the order `on_hold`.
   * Returns false when this payment was already recorded.
   */
  async recordSucceeded(tx: Tx, orderId: string, p: OrderPayment): Promise<'paid' | 'on_hold' | 'duplicate' | 'unknown'> {
    const order = await tx.getRepository(Order).findOne({ where: { id: orderId }, lock: { mode: 'pessimistic_write' } });
    if (!order) return 'unknown';
    if (order.paymentIntentId === p.paymentIntentId && order.paymentStatus !== 'unpaid') return 'duplicate';
    const problems: string[] = [];
    if (p.amount !== order.total || p.currency.toLowerCase() !== order.currency) problems.push(`Payment of ${p.amount} ${p.currency} does not match the order total ${order.total} ${order.currency}`);
    if (order.paymentStatus !== 'unpaid') problems.push(`A second payment arrived for an order already ${order.paymentStatus}`);
    if (order.status !== 'pending') problems.push(`Payment arrived while the order was ${order.status}`);
    const status = problems.length ? 'on_hold' : 'paid';
    await tx.getRepository(Order).update(
      { id: orderId },
      {
        status,
        paymentStatus: order.paymentStatus === 'unpaid' ? 'paid' : order.paymentStatus,
        paymentMethod: 'card',
        paymentIntentId: p.paymentIntentId,
        amountPaid: order.amountPaid + p.amount,
      },
    );
    await this.orders.appendHistory(tx, orderId, [{ status, actor: p.actor, note: problems.length ? problems.join('; ') : `Payment ${p.paymentIntentId} received` }]);
    if (problems.length) this.logger.warn({ orderId, problems }, 'Order payment put on hold');
    return status;
  }
}

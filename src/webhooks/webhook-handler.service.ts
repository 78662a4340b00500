import { Injectable, Logger } from '@nestjs/common';
import { CheckoutCompletion } from '../checkout/checkout-completion.service';
import { TxRunner, type Tx } from '../database/tx';
import { OrderPayments } from '../orders/order-payments.service';
import { OrdersService } from '../orders/orders.service';
import { StripeEvents, type StripeEvent } from '../payments/stripe-events';

interface Obj {
  id: string;
  metadata?: Record<string, string> | null;
  [k: string]: unknown;
}

export const WEBHOOK_OUTCOMES = ['applied', 'duplicate', 'ignored', 'order_exists', 'unknown_checkout', 'not_applicable'] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/** What most events come to: the claim writes it, so only other outcomes cost an UPDATE of the event log. */
const PRESUMED: WebhookOutcome = 'applied';

/**
 * Applies one verified provider event. The event id is claimed and the event applied in ONE transaction:
 * a crash or error half-way leaves neither (Stripe retries; the retry starts clean), and a duplicate —
 * however many, however concurrent, on any instance — finds the id and does nothing.
 */
@Injectable()
export class WebhookHandler {
  private readonly logger = new Logger(WebhookHandler.name);

  constructor(
    private readonly tx: TxRunner,
    private readonly events: StripeEvents,
    private readonly completion: CheckoutCompletion,
    private readonly orders: OrdersService,
    private readonly orderPayments: OrderPayments,
  ) {}

  async handle(event: StripeEvent): Promise<WebhookOutcome> {
    const object = event.data.object as unknown as Obj;
    const outcome = await this.tx.run(async (tx) => {
      // Claimed first (the duplicate guard), logged as `applied`; corrected below only when it was not.
      if (!(await this.events.claim(tx, event, object.id ?? null, PRESUMED))) return 'duplicate' as const;
      const result = await this.apply(tx, event.type, object);
      if (result !== PRESUMED) await this.events.setOutcome(tx, event.id, result);
      return result;
    });
    this.logger.log({ eventId: event.id, type: event.type, objectId: object.id, outcome }, 'Webhook event handled');
    return outcome;
  }

  private async apply(tx: Tx, type: string, o: Obj): Promise<WebhookOutcome> {
    const actor = `webhook:${type}`;
    const checkoutId = o.metadata?.checkoutId;
    switch (type) {
      case 'payment_intent.succeeded': {
        if (!checkoutId && o.metadata?.orderId) {
          // A direct order paid later (POST /orders/:id/pay).
          const r = await this.orderPayments.recordSucceeded(tx, o.metadata.orderId, { paymentIntentId: o.id, amount: Number(o.amount_received ?? o.amount), currency: String(o.currency), actor });
          return r === 'unknown' ? 'not_applicable' : r === 'duplicate' ? 'order_exists' : 'applied';
        }
        if (!checkoutId) return 'not_applicable';
        const done = await this.completion.completePaid(tx, checkoutId, {
          paymentIntentId: o.id,
          amount: Number(o.amount_received ?? o.amount),
          currency: String(o.currency),
          actor,
        });
        return done ? (done.created ? 'applied' : 'order_exists') : 'unknown_checkout';
      }
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded': {
        if (!checkoutId) return 'not_applicable';
        // Delayed methods complete the session unpaid first; the async_payment_succeeded event follows.
        if (o.payment_status !== 'paid') return 'ignored';
        const done = await this.completion.completePaid(tx, checkoutId, {
          paymentIntentId: typeof o.payment_intent === 'string' ? o.payment_intent : null,
          amount: Number(o.amount_total),
          currency: String(o.currency),
          actor,
        });
        return done ? (done.created ? 'applied' : 'order_exists') : 'unknown_checkout';
      }
      case 'payment_intent.payment_failed':
      case 'checkout.session.async_payment_failed': {
        if (!checkoutId) return 'not_applicable';
        const err = (o.last_payment_error as { message?: string } | null)?.message ?? 'Payment failed';
        return (await this.completion.recordFailure(tx, checkoutId, err)) ? 'applied' : 'ignored';
      }
      case 'payment_intent.canceled':
      case 'checkout.session.expired': {
        if (!checkoutId) return 'not_applicable';
        const c = await this.completion.lock(tx, checkoutId);
        if (!c) return 'unknown_checkout';
        return (await this.completion.close(tx, c, type === 'checkout.session.expired' ? 'expired' : 'failed')) ? 'applied' : 'ignored';
      }
      case 'charge.refunded': {
        const pi = typeof o.payment_intent === 'string' ? o.payment_intent : null;
        const order = pi ? await this.orders.findByPaymentIntent(pi, tx) : null;
        if (!order) return 'not_applicable';
        const refunds = ((o.refunds as { data?: { id: string; amount: number; status?: string }[] } | undefined)?.data ?? []).filter((r) => r.status !== 'failed' && r.status !== 'canceled');
        const added = await this.orders.reconcileRefunds(tx, order.id, { totalRefunded: Number(o.amount_refunded ?? 0), refunds, actor, chargeId: o.id });
        return added > 0 ? 'applied' : 'ignored';
      }
      default:
        return 'ignored';
    }
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { CartService } from '../cart/cart.service';
import { DomainError } from '../common/errors/domain-error';
import { type Tx, together } from '../database/tx';
import { InventoryService } from '../inventory/inventory.service';
import { OutboxService } from '../notifications/outbox.service';
import type { Order } from '../orders/order.entity';
import { type NewOrder, OrdersService } from '../orders/orders.service';
import { PricingService } from '../pricing/pricing.service';
import { Checkout, type CheckoutStatus } from './checkout.entity';
import { CheckoutRepository } from './checkout.repository';

export interface ReceivedPayment {
  paymentIntentId: string | null;
  /** What the provider says was received, in minor units. */
  amount: number;
  currency: string;
  /** History actor, e.g. `webhook:payment_intent.succeeded` or `customer:<id>` for a confirm. */
  actor: string;
}

export interface Completion {
  order: Order;
  /** false when the order already existed (duplicate event, confirm after webhook, …). */
  created: boolean;
}

const stockRef = (c: Checkout) => `checkout:${c.id}`;

/**
 * Turns a paid checkout into its order, exactly once. Every path that learns of a payment (webhook events,
 * client confirm, any instance) comes here inside one transaction that locks cart → checkout → stock — the
 * same order as checkout creation, so no deadlocks — and `orders.checkout_id` is unique as a last guard.
 * Money is never dropped: a payment that cannot be fulfilled as agreed still makes an order, `on_hold`.
 */
@Injectable()
export class CheckoutCompletion {
  private readonly logger = new Logger(CheckoutCompletion.name);

  constructor(
    private readonly checkouts: CheckoutRepository,
    private readonly carts: CartService,
    private readonly inventory: InventoryService,
    private readonly pricing: PricingService,
    private readonly orders: OrdersService,
    private readonly outbox: OutboxService,
  ) {}

  /**
   * The checkout, locked, after its cart (lock order). `null` when unknown. The cart row is found through the
   * checkout (none when the cart was purged, as guest carts are).
   */
  async lock(tx: Tx, checkoutId: string): Promise<Checkout | null> {
    return this.checkouts.lockWithCart(tx, checkoutId);
  }

  async completePaid(tx: Tx, checkoutId: string, payment: ReceivedPayment): Promise<Completion | null> {
    const c = await this.lock(tx, checkoutId);
    if (!c) return null;
    if (c.status === 'completed') {
      const existing = await this.orders.findByCheckout(c.id, tx);
      if (existing) return { order: existing, created: false };
    }
    const s = c.snapshot;
    const holds: string[] = [];
    const notes: string[] = [];

    if (payment.amount !== c.amount || payment.currency.toLowerCase() !== c.currency) {
      holds.push(`Payment of ${payment.amount} ${payment.currency} does not match the order total ${c.amount} ${c.currency}`);
    }

    let reservation: Checkout['reservation'] = c.reservation;
    const lines = s.pricingSnapshot.lines.map((l) => ({ variantId: l.variantId, quantity: l.quantity }));
    // A held reservation's commit cannot change what the order says; it goes out with the order's INSERT (one
    // round trip, pipelined), after the discount's savepoint is done with (a rollback to it must not undo it).
    const commitHeld = c.reservation === 'held';
    if (commitHeld) {
      reservation = 'committed';
    } else if (c.reservation === 'released') {
      // Paid after the hold was released (expired, superseded, cancelled): take the stock again if it is there.
      const taken = await this.attempt(tx, 'restock_late', () => this.inventory.decrement(tx, lines, `order:${c.orderId}`, { reason: 'Sold (payment after reservation expiry)' }));
      if (taken === true) {
        reservation = 'committed';
        notes.push(`Payment arrived after the checkout was ${c.status}; stock was taken again`);
      } else {
        holds.push(`Payment arrived after the checkout was ${c.status} and the stock is no longer available (${taken})`);
      }
    }

    if (s.discountSnapshot) {
      const discountId = s.discountSnapshot.id;
      const redeemed = await this.attempt(tx, 'discount', () => this.pricing.redeemDiscount(tx, discountId, s.customerId, c.orderId));
      if (redeemed !== true) holds.push(`Discount code ${s.discountSnapshot.code} could not be redeemed: ${redeemed}`);
    }

    const onHold = holds.length > 0;
    const p = s.pricingSnapshot;
    const newOrder: NewOrder = {
      id: c.orderId,
      checkoutId: c.id,
      customerId: s.customerId,
      email: s.email,
      status: onHold ? 'on_hold' : 'paid',
      paymentStatus: 'paid',
      paymentMethod: 'card',
      currency: p.currency,
      subtotal: p.subtotal,
      discount: p.discount,
      discountCode: s.discountSnapshot?.code ?? null,
      discountId: s.discountSnapshot?.id ?? null,
      shipping: p.shipping,
      tax: p.tax,
      taxRateBps: p.taxRateBps,
      total: p.total,
      amountPaid: payment.amount,
      shippingAddress: s.shippingAddress,
      billingAddress: s.billingAddress,
      deliveryMethod: s.deliveryMethod,
      notes: s.notes,
      paymentIntentId: payment.paymentIntentId ?? c.paymentIntentId,
      lines: p.lines,
      history: [
        { status: 'pending', actor: payment.actor, note: `Created from checkout ${c.id}` },
        onHold
          ? { status: 'on_hold', actor: payment.actor, note: [...notes, ...holds].join('; ') }
          : { status: 'paid', actor: payment.actor, note: [`Payment ${payment.paymentIntentId ?? ''} received`.trim(), ...notes].join('; ') },
      ],
    };
    const [, order] = await together([commitHeld ? this.inventory.commit(tx, lines, stockRef(c)) : undefined, this.orders.create(tx, newOrder)]);

    // Independent writes to different tables, sent together (one round trip, node-postgres pipelining: AppClient).
    await together([
      // A superseded checkout's cart belongs to the newer checkout now; otherwise the cart is done.
      c.status !== 'superseded' ? this.carts.clearAfterOrder(tx, c.cartId) : undefined,
      this.outbox.enqueue(tx, 'email.order_confirmation', { orderId: order.id, number: order.number, email: order.email }),
      onHold ? this.outbox.enqueue(tx, 'email.order_on_hold', { orderId: order.id, number: order.number, reasons: holds }) : undefined,
      tx.query(
        `UPDATE checkouts SET status = 'completed', reservation = $2, completed_at = now(), payment_intent_id = $3, last_payment_error = NULL, updated_at = now()
         WHERE id = $1`,
        [c.id, reservation, c.paymentIntentId ?? payment.paymentIntentId],
      ),
    ]);
    if (onHold) this.logger.warn({ orderId: order.id, checkoutId: c.id, reasons: holds }, 'Order created on hold');
    else this.logger.log({ orderId: order.id, number: order.number, checkoutId: c.id }, 'Order created from checkout');
    return { order, created: true };
  }

  /** Records a failed payment attempt; the checkout stays payable (the buyer may retry) until it expires. */
  async recordFailure(tx: Tx, checkoutId: string, message: string): Promise<boolean> {
    const c = await this.lock(tx, checkoutId);
    if (!c || c.status !== 'awaiting_payment') return false;
    await tx.query('UPDATE checkouts SET last_payment_error = $2, updated_at = now() WHERE id = $1', [c.id, message.slice(0, 500)]);
    return true;
  }

  /** Ends an unpaid checkout (expired, cancelled, superseded) and gives its stock back. No-op unless awaiting payment. */
  async close(tx: Tx, checkout: Checkout, status: Exclude<CheckoutStatus, 'awaiting_payment' | 'completed'>): Promise<boolean> {
    if (checkout.status !== 'awaiting_payment') return false;
    if (checkout.reservation === 'held') {
      const lines = checkout.snapshot.pricingSnapshot.lines.map((l) => ({ variantId: l.variantId, quantity: l.quantity }));
      await this.inventory.release(tx, lines, stockRef(checkout), { reason: `Checkout ${status}` });
    }
    await tx.query('UPDATE checkouts SET status = $2, reservation = $3, updated_at = now() WHERE id = $1', [
      checkout.id,
      status,
      checkout.reservation === 'held' ? 'released' : checkout.reservation,
    ]);
    return true;
  }

  /**
   * Runs `work` under a savepoint: `true` when it succeeded, else the business error's message with its
   * writes undone. Anything that is not a business rule (connection lost, bug) still aborts the transaction.
   */
  private async attempt(tx: Tx, name: string, work: () => Promise<unknown>): Promise<true | string> {
    await tx.query(`SAVEPOINT ${name}`);
    try {
      await work();
      await tx.query(`RELEASE SAVEPOINT ${name}`);
      return true;
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      await tx.query(`ROLLBACK TO SAVEPOINT ${name}`);
      return e.message;
    }
  }
}

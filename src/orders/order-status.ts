import { ConflictError } from '../common/errors/domain-error';
import type { OrderStatus, PaymentMethod, PaymentStatus } from './order.entity';

/** Who asks for a change: an admin, the order's own customer, or the system (webhooks, jobs). */
export type ActorRole = 'admin' | 'customer' | 'system';
export const ACTOR_ROLES: readonly ActorRole[] = ['admin', 'customer', 'system'];

/**
 * Extra condition on the order's payment, checked against the payment status the order will have
 * after the change (mark-paid sets `paid` in the same update):
 * - `payment_received`: paymentStatus is `paid` or `partially_refunded` (the money is there);
 * - `unpaid`: paymentStatus is `unpaid`;
 * - `fulfillable`: the money is there, or it is an unpaid cash-on-delivery order (paid at the door).
 *   A fully refunded order is never fulfilled.
 */
export type TransitionGuard = 'payment_received' | 'unpaid' | 'fulfillable';

export interface StatusTransition {
  from: OrderStatus;
  to: OrderStatus;
  who: readonly ActorRole[];
  guard?: TransitionGuard;
}

/**
 * The order lifecycle: every allowed status change and who may make it. Anything not listed is refused with
 * 409 INVALID_STATUS_TRANSITION (including "changes" to the same status). `cancelled` and `delivered` are final.
 *
 *   pending ──► paid ──► processing ──► shipped ──► delivered
 *      │  └────────────────►┘ (cash on delivery)
 *      └──► on_hold ◄── paid / processing;  on_hold ──► pending | paid | processing
 *   cancelled ◄── customer: pending, paid · admin: pending, paid, processing, on_hold · system: pending
 */
export const ORDER_TRANSITIONS: readonly StatusTransition[] = [
  // Payment confirmed: the provider's webhook (system) or an admin marking it paid (cash, bank transfer).
  { from: 'pending', to: 'paid', who: ['system', 'admin'], guard: 'payment_received' },
  // Cash on delivery is fulfilled before it is paid.
  { from: 'pending', to: 'processing', who: ['admin'], guard: 'fulfillable' },
  { from: 'pending', to: 'on_hold', who: ['system', 'admin'] },
  // Customer while pending or paid; admin until shipped; the system for unpaid orders (payment cancelled).
  { from: 'pending', to: 'cancelled', who: ['customer', 'admin', 'system'] },

  { from: 'paid', to: 'processing', who: ['admin'], guard: 'fulfillable' },
  { from: 'paid', to: 'on_hold', who: ['system', 'admin'] },
  { from: 'paid', to: 'cancelled', who: ['customer', 'admin'] },

  { from: 'processing', to: 'shipped', who: ['admin'], guard: 'fulfillable' },
  { from: 'processing', to: 'on_hold', who: ['admin'] },
  { from: 'processing', to: 'cancelled', who: ['admin'] },

  { from: 'shipped', to: 'delivered', who: ['admin'] },

  // An admin resolves a hold: back to awaiting payment, paid, straight to fulfilment, or cancelled.
  { from: 'on_hold', to: 'pending', who: ['admin'], guard: 'unpaid' },
  { from: 'on_hold', to: 'paid', who: ['admin'], guard: 'payment_received' },
  { from: 'on_hold', to: 'processing', who: ['admin'], guard: 'fulfillable' },
  { from: 'on_hold', to: 'cancelled', who: ['admin'] },
];

/** Statuses from which nothing moves. */
export const FINAL_STATUSES: readonly OrderStatus[] = ['delivered', 'cancelled'];

export interface PaymentContext {
  /** The payment status the order will have after the change. */
  paymentStatus: PaymentStatus;
  paymentMethod: PaymentMethod;
}

export class InvalidStatusTransitionError extends ConflictError {
  constructor(from: string, to: string, reason: string) {
    super(`Cannot change order status from ${from} to ${to}: ${reason}`, 'INVALID_STATUS_TRANSITION', { from, to });
  }
}

export function findTransition(from: OrderStatus, to: OrderStatus): StatusTransition | undefined {
  return ORDER_TRANSITIONS.find((t) => t.from === from && t.to === to);
}

const GUARD_FAILURES: Record<TransitionGuard, string> = {
  payment_received: 'the order has not been paid',
  unpaid: 'the order has been paid',
  fulfillable: 'the order is not paid (only cash on delivery is fulfilled before payment) or has been refunded',
};

export function guardHolds(guard: TransitionGuard, p: PaymentContext): boolean {
  const received = p.paymentStatus === 'paid' || p.paymentStatus === 'partially_refunded';
  switch (guard) {
    case 'payment_received':
      return received;
    case 'unpaid':
      return p.paymentStatus === 'unpaid';
    case 'fulfillable':
      return received || (p.paymentMethod === 'cash_on_delivery' && p.paymentStatus === 'unpaid');
  }
}

/**
 * Throws 409 INVALID_STATUS_TRANSITION unless the table allows `actor` to move an order from `from` to `to`.
 * With `payment`, the transition's guard is checked too (the service always passes it).
 */
export function assertTransition(from: OrderStatus, to: OrderStatus, actor: ActorRole, payment?: PaymentContext): StatusTransition {
  if (from === to) throw new InvalidStatusTransitionError(from, to, `the order is already ${to}`);
  const t = findTransition(from, to);
  if (!t) {
    const reason = FINAL_STATUSES.includes(from) ? `${from} is a final status` : 'not an allowed transition';
    throw new InvalidStatusTransitionError(from, to, reason);
  }
  if (!t.who.includes(actor)) throw new InvalidStatusTransitionError(from, to, `not allowed for ${actor === 'admin' ? 'an admin' : `the ${actor}`}`);
  if (payment && t.guard && !guardHolds(t.guard, payment)) throw new InvalidStatusTransitionError(from, to, GUARD_FAILURES[t.guard]);
  return t;
}

/** The statuses `actor` may move an order to from `from` (guards not applied). */
export function nextStatuses(from: OrderStatus, actor: ActorRole): OrderStatus[] {
  return ORDER_TRANSITIONS.filter((t) => t.from === from && t.who.includes(actor)).map((t) => t.to);
}

export interface PaymentTransition {
  from: PaymentStatus;
  to: PaymentStatus;
  who: readonly ActorRole[];
}

/**
 * Payment status moves forward only: money arrives once (`unpaid → paid`: the provider's webhook, or an admin
 * marking it paid), then refunds take it down (`partially_refunded` may repeat with each further partial refund).
 * Refunds are made by an admin or by the system (provider webhooks, and the refund a customer's cancellation
 * of a paid card order triggers). `refunded` is final; nothing goes back to `unpaid`.
 */
export const PAYMENT_TRANSITIONS: readonly PaymentTransition[] = [
  { from: 'unpaid', to: 'paid', who: ['system', 'admin'] },
  { from: 'paid', to: 'partially_refunded', who: ['system', 'admin'] },
  { from: 'paid', to: 'refunded', who: ['system', 'admin'] },
  { from: 'partially_refunded', to: 'partially_refunded', who: ['system', 'admin'] },
  { from: 'partially_refunded', to: 'refunded', who: ['system', 'admin'] },
];

/** Throws 409 INVALID_STATUS_TRANSITION unless the payment table allows the change for `actor`. */
export function assertPaymentTransition(from: PaymentStatus, to: PaymentStatus, actor: ActorRole): PaymentTransition {
  const t = PAYMENT_TRANSITIONS.find((x) => x.from === from && x.to === to);
  if (!t || !t.who.includes(actor)) {
    throw new ConflictError(
      `Cannot change payment status from ${from} to ${to}${t ? ` as ${actor}` : ''}`,
      'INVALID_STATUS_TRANSITION',
      { from, to },
    );
  }
  return t;
}

import { Injectable } from '@nestjs/common';
import { bigintMoney } from '../database/columns';
import type { Tx } from '../database/tx';
import { Checkout, type CheckoutSnapshot, type CheckoutStatus } from './checkout.entity';

/** A `checkouts` row as node-postgres returns it (bigint as string, jsonb parsed, timestamptz as Date). */
// Named columns, never `*`: a prepared statement's result columns must not change when a migration adds one.
const CHECKOUT_COLUMNS = `id, cart_id, customer_id, session_hash, order_id, status, reservation, payment_flow, provider, payment_intent_id,
  provider_session_id, amount, currency, snapshot, last_payment_error, expires_at, completed_at, created_at, updated_at`;

interface CheckoutRow {
  id: string;
  cart_id: string;
  customer_id: string;
  session_hash: string | null;
  order_id: string;
  status: CheckoutStatus;
  reservation: Checkout['reservation'];
  payment_flow: Checkout['paymentFlow'];
  provider: string;
  payment_intent_id: string | null;
  provider_session_id: string | null;
  amount: string;
  currency: string;
  snapshot: Checkout['snapshot'];
  last_payment_error: string | null;
  expires_at: Date;
  completed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** The entity's shape without TypeORM's hydration (the same values: `amount` through the bigint transformer). */
function toCheckout(r: CheckoutRow): Checkout {
  return Object.assign(new Checkout(), {
    id: r.id,
    cartId: r.cart_id,
    customerId: r.customer_id,
    sessionHash: r.session_hash,
    orderId: r.order_id,
    status: r.status,
    reservation: r.reservation,
    paymentFlow: r.payment_flow,
    provider: r.provider,
    paymentIntentId: r.payment_intent_id,
    providerSessionId: r.provider_session_id,
    amount: bigintMoney.from(r.amount) as number,
    currency: r.currency,
    snapshot: r.snapshot,
    lastPaymentError: r.last_payment_error,
    expiresAt: r.expires_at,
    completedAt: r.completed_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
}

export interface NewCheckout {
  id: string;
  cartId: string;
  customerId: string;
  sessionHash: string | null;
  orderId: string;
  paymentFlow: Checkout['paymentFlow'];
  provider: string;
  amount: number;
  currency: string;
  snapshot: CheckoutSnapshot;
  expiresAt: Date;
}

/** The checkout's statements on the hot path, in plain SQL (no entity hydration or query building per request). */
@Injectable()
export class CheckoutRepository {
  /**
   * The checkout, locked, after its cart (lock order). `null` when unknown. The cart row is found through the
   * checkout (none when the cart was purged, as guest carts are).
   */
  async lockWithCart(tx: Tx, checkoutId: string): Promise<Checkout | null> {
    // One statement, locks in order: the uncorrelated sub-select (an InitPlan) locks the cart row before the
    // outer row lock is taken on the checkout. Had the checkout changed while we waited for the cart, the
    // outer FOR UPDATE reads its latest version (READ COMMITTED re-check), as a second statement would.
    const rows: CheckoutRow[] = await tx.query(
      `SELECT ${CHECKOUT_COLUMNS} FROM checkouts
        WHERE id = $1 AND (SELECT count(*) FROM (SELECT 1 FROM carts WHERE id = (SELECT cart_id FROM checkouts WHERE id = $1) FOR UPDATE) AS cart) >= 0
          FOR UPDATE`,
      [checkoutId],
    );
    return rows.length ? toCheckout(rows[0]) : null;
  }

  /** The cart's unpaid checkout(s), locked (the caller holds the cart's lock: cart → checkout, as everywhere). */
  async awaitingForCart(tx: Tx, cartId: string): Promise<Checkout[]> {
    const rows: CheckoutRow[] = await tx.query(`SELECT ${CHECKOUT_COLUMNS} FROM checkouts WHERE cart_id = $1 AND status = 'awaiting_payment' FOR UPDATE`, [cartId]);
    return rows.map(toCheckout);
  }

  /** A new checkout, awaiting payment with its stock held. */
  async insert(tx: Tx, c: NewCheckout): Promise<void> {
    await tx.query(
      `INSERT INTO checkouts (id, cart_id, customer_id, session_hash, order_id, status, reservation, payment_flow, provider, amount, currency, snapshot, expires_at)
       VALUES ($1, $2, $3, $4, $5, 'awaiting_payment', 'held', $6, $7, $8, $9, $10::jsonb, $11)`,
      [c.id, c.cartId, c.customerId, c.sessionHash, c.orderId, c.paymentFlow, c.provider, c.amount, c.currency, JSON.stringify(c.snapshot), c.expiresAt],
    );
  }
}

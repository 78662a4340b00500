import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { type Tx, TxRunner } from '../database/tx';
import type { AddressLines } from './format';
import type { OrderView } from './templates';

export interface OutboxRow {
  id: string;
  topic: string;
  payload: Record<string, unknown>;
  attempts: number;
}

export interface MintedClaimToken {
  token: string;
  /** The customer's email now (the claim must be made with it). */
  email: string;
  name: string;
}

const toInt = (v: unknown): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`Amount ${String(v)} is not a safe integer`);
  return n;
};

interface OrderRow {
  id: string;
  number: string;
  email: string;
  customer_name: string;
  currency: string;
  payment_method: string;
  subtotal: string;
  discount: string;
  discount_code: string | null;
  shipping: string;
  tax: string;
  total: string;
  amount_paid: string;
  amount_refunded: string;
  shipping_address: AddressLines;
  billing_address: AddressLines;
  delivery_method: { name: string } | null;
  tracking_number: string | null;
}

interface ItemRow {
  product_name: string;
  sku: string;
  quantity: number;
  unit_price: number;
  total_price: string | number;
}

/**
 * SQL for the notifications module. Orders and customers belong to other modules that this one may not
 * import (module graph, STYLE.md), so it reads their tables here, read-only, and writes just two things
 * outside its own table: claim tokens (the table contract is `src/customers/claim-token.entity.ts`).
 */
@Injectable()
export class NotificationsRepository {
  constructor(private readonly tx: TxRunner) {}

  /**
   * Due messages, oldest first, locked until the caller's transaction ends. Other workers skip locked rows
   * (`SKIP LOCKED`), so each message is handled by one worker at a time. `now` defaults to the database clock.
   */
  claimDue(tx: Tx, limit: number, now: Date | null): Promise<OutboxRow[]> {
    return tx.query(
      `SELECT id, topic, payload, attempts FROM outbox_messages
        WHERE processed_at IS NULL AND failed_at IS NULL AND available_at <= coalesce($1::timestamptz, now())
        ORDER BY available_at, created_at
        LIMIT $2
        FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
  }

  /** Marks a batch's delivered messages in one statement (the rows are locked by claimDue, so `attempts + 1` is exact). */
  async markProcessed(tx: Tx, ids: string[]): Promise<void> {
    if (ids.length) await tx.query(`UPDATE outbox_messages SET processed_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY($1::uuid[])`, [ids]);
  }

  async markRetry(tx: Tx, id: string, attempts: number, error: string, delaySeconds: number, now: Date | null): Promise<void> {
    await tx.query(
      `UPDATE outbox_messages SET attempts = $2, last_error = $3, available_at = coalesce($5::timestamptz, now()) + make_interval(secs => $4) WHERE id = $1`,
      [id, attempts, error, delaySeconds, now],
    );
  }

  async markFailed(tx: Tx, id: string, attempts: number, error: string): Promise<void> {
    await tx.query(`UPDATE outbox_messages SET attempts = $2, last_error = $3, failed_at = now() WHERE id = $1`, [id, attempts, error]);
  }

  /** The order with its lines and the customer's name; `null` when there is no such order. */
  async loadOrder(tx: Tx, orderId: string): Promise<(OrderView & { customerId: string; customerIsGuest: boolean }) | null> {
    const [o] = (await tx.query(
      `SELECT o.id, o.number, o.email, o.currency, o.payment_method, o.subtotal, o.discount, o.discount_code, o.shipping, o.tax,
              o.total, o.amount_paid, o.amount_refunded, o.shipping_address, o.billing_address, o.delivery_method, o.tracking_number,
              o.customer_id, c.name AS customer_name, c.is_guest,
              (SELECT coalesce(json_agg(json_build_object('product_name', i.product_name, 'sku', i.sku, 'quantity', i.quantity,
                                                          'unit_price', i.unit_price, 'total_price', i.total_price)
                                        ORDER BY i.product_name, i.sku, i.id), '[]')
                 FROM order_items i WHERE i.order_id = o.id) AS items
         FROM orders o JOIN customers c ON c.id = o.customer_id
        WHERE o.id = $1`,
      [orderId],
    )) as (OrderRow & { customer_id: string; is_guest: boolean; items: ItemRow[] })[];
    if (!o) return null;
    const items = o.items;
    return {
      id: o.id,
      number: o.number,
      email: o.email,
      customerId: o.customer_id,
      customerIsGuest: o.is_guest,
      customerName: o.customer_name,
      currency: o.currency.trim(),
      paymentMethod: o.payment_method,
      subtotal: toInt(o.subtotal),
      discount: toInt(o.discount),
      discountCode: o.discount_code,
      shipping: toInt(o.shipping),
      tax: toInt(o.tax),
      total: toInt(o.total),
      amountPaid: toInt(o.amount_paid),
      amountRefunded: toInt(o.amount_refunded),
      shippingAddress: o.shipping_address,
      billingAddress: o.billing_address,
      deliveryMethod: o.delivery_method,
      trackingNumber: o.tracking_number,
      items: items.map((i) => ({
        productName: i.product_name,
        sku: i.sku,
        quantity: i.quantity,
        unitPrice: toInt(i.unit_price),
        totalPrice: toInt(i.total_price),
      })),
    };
  }

  /**
   * A fresh single-use claim token for a customer who is still a guest (`null` otherwise): 32 random bytes,
   * base64url, stored as its SHA-256 hex. Committed on its own, before the email is sent, so a link that
   * reached the customer always exists even if the worker's batch transaction is lost afterwards.
   */
  async mintClaimToken(customerId: string, ttlSeconds: number): Promise<MintedClaimToken | null> {
    const token = randomBytes(32).toString('base64url');
    const hash = createHash('sha256').update(token).digest('hex');
    const rows = (await this.tx.manager.query(
      `WITH c AS (SELECT id, email, name FROM customers WHERE id = $1 AND is_guest),
            t AS (INSERT INTO claim_tokens (customer_id, token_hash, expires_at)
                  SELECT id, $2, now() + make_interval(secs => $3) FROM c RETURNING customer_id)
       SELECT c.email, c.name FROM c JOIN t ON t.customer_id = c.id`,
      [customerId, hash, ttlSeconds],
    )) as { email: string; name: string }[];
    return rows[0] ? { token, email: rows[0].email, name: rows[0].name } : null;
  }
}

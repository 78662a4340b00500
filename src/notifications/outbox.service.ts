import { Injectable } from '@nestjs/common';
import type { Tx } from '../database/tx';

/**
 * What producers put in each message: ids and the few values the email needs. The worker loads the rest
 * (order lines, totals, addresses) when it sends, and checks these fields at run time (a message missing
 * one is dead-lettered, not retried). Never put secrets here: claim tokens are minted at send time.
 */
export interface OutboxPayloads {
  'email.order_confirmation': { orderId: string; number: string; email: string };
  /** To ADMIN_EMAIL (skipped when none is configured). */
  'email.order_on_hold': { orderId: string; number: string; reasons?: string[] };
  'email.order_shipped': { orderId: string; number: string; email: string; trackingNumber?: string | null };
  /** `refunded`: true when the payment is being refunded in full, or the refunded amount in minor units. */
  'email.order_cancelled': { orderId: string; number: string; email: string; refunded?: boolean | number };
  /** `amount` in minor units of `currency`. */
  'email.order_refunded': { orderId: string; number: string; email: string; amount: number; currency: string };
  /** Written by src/customers (claim request, register with a guest's email). */
  'email.claim_account': { customerId: string; email: string };
}

export type OutboxTopic = keyof OutboxPayloads;
/** Writes messages in the caller's transaction: they exist exactly when the change they announce does. */
@Injectable()
export class OutboxService {
  async enqueue(tx: Tx, topic: OutboxTopic, payload: Record<string, unknown>): Promise<void> {
    await tx.query('INSERT INTO outbox_messages (topic, payload) VALUES ($1, $2)', [topic, JSON.stringify(payload)]);
  }
}

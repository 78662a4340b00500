import { Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { ValidationError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import type { Tx } from '../database/tx';

export type StripeEvent = Stripe.Event;

/**
 * Stripe-format webhook events: signature verification with the official SDK (also for sandbox events, which
 * are signed with the same secret), and the processed-event log that makes a redelivery a no-op.
 */
@Injectable()
export class StripeEvents {
  constructor(private readonly config: AppConfig) {}

  /** The verified event, or 400 INVALID_SIGNATURE (missing, wrong, or older than the SDK's 300 s tolerance). */
  verify(rawBody: Buffer | undefined, signature: string | string[] | undefined): StripeEvent {
    if (!rawBody?.length) throw new ValidationError('Webhook body is missing', 'INVALID_WEBHOOK');
    if (typeof signature !== 'string' || !signature) throw new ValidationError('Missing Stripe-Signature header', 'INVALID_SIGNATURE');
    try {
      return Stripe.webhooks.constructEvent(rawBody, signature, this.config.payments.webhookSecret);
    } catch (e) {
      throw new ValidationError(`Invalid webhook signature: ${e instanceof Error ? e.message : String(e)}`, 'INVALID_SIGNATURE');
    }
  }

  /** A `Stripe-Signature` header for `payload`, as Stripe would send it (sandbox deliveries and tests). */
  sign(payload: string): string {
    return Stripe.webhooks.generateTestHeaderString({ payload, secret: this.config.payments.webhookSecret });
  }

  /**
   * Claims an event id inside the handling transaction. `false` when it was already processed: a concurrent
   * duplicate blocks on the primary key until the first commits (then sees it) or rolls back (then claims it).
   *
   * The row is written with the outcome the caller expects (`presumed`). Nobody else can see it before the
   * transaction commits, so the caller only calls `setOutcome` when the actual outcome differs: the usual
   * event costs one statement here instead of two.
   */
  async claim(tx: Tx, event: { id: string; type: string }, objectId: string | null, presumed: string): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO payment_events (id, type, outcome, object_id) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [event.id, event.type, presumed, objectId],
    );
    return rows.length === 1;
  }

  async setOutcome(tx: Tx, eventId: string, outcome: string): Promise<void> {
    await tx.query('UPDATE payment_events SET outcome = $2 WHERE id = $1', [eventId, outcome]);
  }
}

import { Injectable } from '@nestjs/common';
import type { Tx } from '../database/tx';

export type OutboxTopic = 'email.order_confirmation' | 'email.order_on_hold' | 'email.order_cancelled' | 'email.order_shipped' | 'email.claim_account';

/** Writes messages in the caller's transaction: they exist exactly when the change they announce does. */
@Injectable()
export class OutboxService {
  async enqueue(tx: Tx, topic: OutboxTopic, payload: Record<string, unknown>): Promise<void> {
    await tx.query('INSERT INTO outbox_messages (topic, payload) VALUES ($1, $2)', [topic, JSON.stringify(payload)]);
  }
}

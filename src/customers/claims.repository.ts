import { Injectable } from '@nestjs/common';
import type { Tx } from '../database/tx';

export interface LockedClaimToken {
  id: string;
  customerId: string;
  used: boolean;
  expired: boolean;
}

export interface LockedCustomer {
  id: string;
  email: string;
  isGuest: boolean;
}

/** Account-claim SQL. Every method runs in the caller's transaction. */
@Injectable()
export class ClaimsRepository {
  /**
   * Stamps `claim_requested_at` on the guest customer with this email unless a claim email was queued for
   * it in the last `cooldownSeconds`; returns the customer when stamped. One statement, so two concurrent
   * requests serialize on the row and only one of them gets it.
   */
  async stampClaimRequest(tx: Tx, email: string, cooldownSeconds: number): Promise<{ id: string; email: string } | null> {
    const [updated] = (await tx.query(
      `UPDATE customers SET claim_requested_at = now()
        WHERE lower(email) = lower($1) AND is_guest
          AND (claim_requested_at IS NULL OR claim_requested_at <= now() - make_interval(secs => $2))
        RETURNING id, email`,
      [email, cooldownSeconds],
    )) as [{ id: string; email: string }[], number];
    return updated[0] ?? null;
  }

  /**
   * Queues the claim email. src/customers may not import src/notifications (module graph), so it writes the
   * outbox row itself; the topic and payload are the contract in src/notifications/outbox.service.ts.
   */
  async enqueueClaimEmail(tx: Tx, customerId: string, email: string): Promise<void> {
    await tx.query(`INSERT INTO outbox_messages (topic, payload) VALUES ('email.claim_account', $1)`, [JSON.stringify({ customerId, email })]);
  }

  /** The customer a token belongs to (unlocked: only to know which customer row to lock first). */
  async tokenOwner(tx: Tx, tokenHash: string): Promise<string | null> {
    const [row] = (await tx.query(`SELECT customer_id FROM claim_tokens WHERE token_hash = $1`, [tokenHash])) as { customer_id: string }[];
    return row?.customer_id ?? null;
  }

  /** The token with this hash, locked, as it is now (after any claim that held the lock before us). */
  async lockToken(tx: Tx, tokenHash: string): Promise<LockedClaimToken | null> {
    const [row] = (await tx.query(
      `SELECT id, customer_id, used_at IS NOT NULL AS used, expires_at <= now() AS expired
         FROM claim_tokens WHERE token_hash = $1 FOR UPDATE`,
      [tokenHash],
    )) as { id: string; customer_id: string; used: boolean; expired: boolean }[];
    return row ? { id: row.id, customerId: row.customer_id, used: row.used, expired: row.expired } : null;
  }

  async lockCustomer(tx: Tx, id: string): Promise<LockedCustomer | null> {
    const [row] = (await tx.query(`SELECT id, email, is_guest FROM customers WHERE id = $1 FOR UPDATE`, [id])) as { id: string; email: string; is_guest: boolean }[];
    return row ? { id: row.id, email: row.email, isGuest: row.is_guest } : null;
  }

  /** The guest becomes a registered, verified account; every open claim token of it is spent. */
  async completeClaim(tx: Tx, customerId: string, passwordHash: string): Promise<void> {
    await tx.query(
      `UPDATE customers SET password_hash = $2, is_guest = false, email_verified = true, updated_at = now() WHERE id = $1 AND is_guest`,
      [customerId, passwordHash],
    );
    await tx.query(`UPDATE claim_tokens SET used_at = now() WHERE customer_id = $1 AND used_at IS NULL`, [customerId]);
  }
}

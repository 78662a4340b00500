import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { NotFoundError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { bigintMoney } from '../database/columns';
import type {
  CreatedIntent,
  CreatedSession,
  CreateIntentInput,
  CreateSessionInput,
  IntentState,
  IntentStatus,
  PaymentProvider,
  RefundInput,
  RefundResult,
  SessionState,
} from './payment-provider';
import { PaymentProviderError } from './payment-provider';
import { SandboxObject } from './sandbox-object.entity';

const newId = (prefix: string) => `${prefix}_sandbox_${randomBytes(12).toString('hex')}`;

/**
 * Offline payments with Stripe's object shapes and idempotency, stored in PostgreSQL so every app instance
 * sees the same intents. Payments are "made" with `POST /api/payments/sandbox/intents/:id/succeed`, which
 * delivers a signed event through the real webhook path.
 */
@Injectable()
export class SandboxProvider implements PaymentProvider {
  readonly name = 'sandbox' as const;

  constructor(
    private readonly ds: DataSource,
    private readonly config: AppConfig,
  ) {}

  private get repo() {
    return this.ds.getRepository(SandboxObject);
  }

  /** Inserts unless the idempotency key was used; either way returns the key's object (one statement unless it was used). */
  private async upsert(row: Omit<SandboxObject, 'createdAt' | 'updatedAt' | 'amountRefunded'>): Promise<SandboxObject> {
    const inserted: SandboxRow[] = await this.ds.query(
      `INSERT INTO sandbox_payment_objects (id, kind, idempotency_key, amount, currency, status, metadata, payment_intent_id, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9) ON CONFLICT (idempotency_key) DO NOTHING RETURNING ${SANDBOX_COLUMNS}`,
      [row.id, row.kind, row.idempotencyKey, row.amount, row.currency, row.status, JSON.stringify(row.metadata), row.paymentIntentId, row.expiresAt],
    );
    if (inserted.length) return toSandboxObject(inserted[0]);
    const [existing]: SandboxRow[] = await this.ds.query(`SELECT ${SANDBOX_COLUMNS} FROM sandbox_payment_objects WHERE idempotency_key = $1`, [row.idempotencyKey]);
    if (!existing) throw new Error(`Sandbox object with idempotency key ${row.idempotencyKey} vanished`);
    return toSandboxObject(existing);
  }

  private async get(id: string, kind: SandboxObject['kind']): Promise<SandboxObject> {
    const o = await this.repo.findOneBy({ id, kind });
    if (!o) throw new PaymentProviderError(`resource_missing: No such ${kind}: '${id}'`);
    return o;
  }

  async createIntent(input: CreateIntentInput): Promise<CreatedIntent> {
    const o = await this.upsert({
      id: newId('pi'),
      kind: 'payment_intent',
      idempotencyKey: `pi:${input.idempotencyKey}`,
      amount: input.amount,
      currency: input.currency,
      status: 'requires_payment_method',
      metadata: input.metadata,
      paymentIntentId: null,
      expiresAt: null,
    });
    return { id: o.id, clientSecret: `${o.id}_secret_sandbox`, status: o.status as IntentStatus };
  }

  async createSession(input: CreateSessionInput): Promise<CreatedSession> {
    const intent = await this.createIntent(input);
    const o = await this.upsert({
      id: newId('cs'),
      kind: 'checkout_session',
      idempotencyKey: `cs:${input.idempotencyKey}`,
      amount: input.amount,
      currency: input.currency,
      status: 'open',
      metadata: input.metadata,
      paymentIntentId: intent.id,
      expiresAt: input.expiresAt,
    });
    return { id: o.id, url: `${this.config.payments.publicUrl}/api/payments/sandbox/sessions/${o.id}` };
  }

  async retrieveIntent(id: string): Promise<IntentState> {
    return intentState(await this.get(id, 'payment_intent'));
  }

  async retrieveSession(id: string): Promise<SessionState> {
    return sessionState(await this.get(id, 'checkout_session'));
  }

  async cancelIntent(id: string): Promise<void> {
    await this.get(id, 'payment_intent');
    await this.repo.update({ id, status: 'requires_payment_method' }, { status: 'canceled' });
  }

  async expireSession(id: string): Promise<void> {
    await this.get(id, 'checkout_session');
    await this.repo.update({ id, status: 'open' }, { status: 'expired' });
  }

  async refund(input: RefundInput): Promise<RefundResult> {
    // One conditional UPDATE: concurrent refunds can never exceed what was paid.
    const r = await this.ds.query(
      `UPDATE sandbox_payment_objects SET amount_refunded = amount_refunded + $2, updated_at = now()
       WHERE id = $1 AND kind = 'payment_intent' AND status = 'succeeded' AND amount_refunded + $2 <= amount RETURNING id`,
      [input.paymentIntentId, input.amount],
    );
    if (!(r as [unknown[], number])[0].length) {
      throw new PaymentProviderError(`charge_already_refunded: cannot refund ${input.amount} of ${input.paymentIntentId}`);
    }
    return { id: newId('re'), amount: input.amount, status: 'succeeded' };
  }

  // ---- sandbox-only operations (the sandbox controller) ----

  /**
   * Moves an intent to succeeded or failed; `null` when it was not in a payable state. One conditional UPDATE;
   * only when it matches nothing does a second statement tell an unknown id (404) from a wrong state.
   */
  async settleIntent(id: string, outcome: 'succeeded' | 'failed'): Promise<SandboxObject | null> {
    const status = outcome === 'succeeded' ? 'succeeded' : 'requires_payment_method';
    const payable = outcome === 'succeeded' ? ['requires_payment_method', 'requires_confirmation', 'requires_action', 'processing'] : ['requires_payment_method'];
    const [rows] = (await this.ds.query(
      `UPDATE sandbox_payment_objects SET status = $3, updated_at = now()
       WHERE id = $1 AND kind = 'payment_intent' AND status = ANY($2::varchar[]) RETURNING ${SANDBOX_COLUMNS}`,
      [id, payable, status],
    )) as [SandboxRow[], number];
    if (rows.length) return toSandboxObject(rows[0]);
    await this.mustExist(id, 'payment_intent');
    return null;
  }

  /** Completes (pays) or expires an open session, and its intent in the same statement; `null` when it was not open. */
  async settleSession(id: string, outcome: 'complete' | 'expired'): Promise<SandboxObject | null> {
    const rows: SandboxRow[] = await this.ds.query(outcome === 'complete' ? COMPLETE_SESSION : EXPIRE_SESSION, [id]);
    if (rows.length) return toSandboxObject(rows[0]);
    await this.mustExist(id, 'checkout_session');
    return null;
  }

  /** For the sandbox's own routes: an unknown id is the caller's mistake (404), not a provider failure. */
  private async mustExist(id: string, kind: SandboxObject['kind']): Promise<void> {
    const rows: unknown[] = await this.ds.query('SELECT 1 FROM sandbox_payment_objects WHERE id = $1 AND kind = $2', [id, kind]);
    if (!rows.length) throw new NotFoundError('No such sandbox payment', 'PAYMENT_NOT_FOUND');
  }

  findObject(id: string): Promise<SandboxObject | null> {
    return this.repo.findOneBy({ id });
  }
}

// Named columns, never `*`: a prepared statement's result columns must not change when a migration adds one.
const SANDBOX_COLUMNS = 'id, kind, idempotency_key, amount, currency, status, metadata, payment_intent_id, expires_at, amount_refunded, created_at, updated_at';

/**
 * A session leaves `open` and, in the same statement, its intent follows: paid with the session, or cancelled
 * when the session expires before payment. The final SELECT returns the session as updated.
 */
const COMPLETE_SESSION = `WITH s AS (
    UPDATE sandbox_payment_objects SET status = 'complete', updated_at = now()
    WHERE id = $1 AND kind = 'checkout_session' AND status = 'open' RETURNING ${SANDBOX_COLUMNS}),
  i AS (
    UPDATE sandbox_payment_objects p SET status = 'succeeded', updated_at = now()
    FROM s WHERE p.id = s.payment_intent_id)
  SELECT * FROM s`;
const EXPIRE_SESSION = `WITH s AS (
    UPDATE sandbox_payment_objects SET status = 'expired', updated_at = now()
    WHERE id = $1 AND kind = 'checkout_session' AND status = 'open' RETURNING ${SANDBOX_COLUMNS}),
  i AS (
    UPDATE sandbox_payment_objects p SET status = 'canceled', updated_at = now()
    FROM s WHERE p.id = s.payment_intent_id AND p.status = 'requires_payment_method')
  SELECT * FROM s`;

/** A `sandbox_payment_objects` row as node-postgres returns it (bigint as string). */

interface SandboxRow {
  id: string;
  kind: SandboxObject['kind'];
  idempotency_key: string;
  amount: string;
  currency: string;
  status: string;
  metadata: SandboxObject['metadata'];
  payment_intent_id: string | null;
  expires_at: Date | null;
  amount_refunded: string;
  created_at: Date;
  updated_at: Date;
}

function toSandboxObject(r: SandboxRow): SandboxObject {
  return {
    id: r.id,
    kind: r.kind,
    idempotencyKey: r.idempotency_key,
    amount: bigintMoney.from(r.amount) as number,
    currency: r.currency,
    status: r.status,
    metadata: r.metadata,
    paymentIntentId: r.payment_intent_id,
    expiresAt: r.expires_at,
    amountRefunded: bigintMoney.from(r.amount_refunded) as number,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function intentState(o: SandboxObject): IntentState {
  return {
    id: o.id,
    status: o.status as IntentStatus,
    amount: o.amount,
    amountReceived: o.status === 'succeeded' ? o.amount : 0,
    currency: o.currency,
    metadata: o.metadata,
  };
}

export function sessionState(o: SandboxObject): SessionState {
  return {
    id: o.id,
    status: o.status,
    paymentStatus: o.status === 'complete' ? 'paid' : 'unpaid',
    paymentIntentId: o.paymentIntentId,
    amountTotal: o.amount,
    currency: o.currency,
    metadata: o.metadata,
  };
}

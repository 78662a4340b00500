import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { NotFoundError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
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

  /** Inserts unless the idempotency key was used; either way returns the key's object. */
  private async upsert(row: Omit<SandboxObject, 'createdAt' | 'updatedAt' | 'amountRefunded'>): Promise<SandboxObject> {
    await this.repo.createQueryBuilder().insert().values(row).orIgnore().execute();
    return this.repo.findOneByOrFail({ idempotencyKey: row.idempotencyKey });
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

  /** Moves an intent to succeeded or failed; `null` when it was not in a payable state. */
  async settleIntent(id: string, outcome: 'succeeded' | 'failed'): Promise<SandboxObject | null> {
    await this.mustExist(id, 'payment_intent');
    const status = outcome === 'succeeded' ? 'succeeded' : 'requires_payment_method';
    const payable = outcome === 'succeeded' ? ['requires_payment_method', 'requires_confirmation', 'requires_action', 'processing'] : ['requires_payment_method'];
    const r = await this.repo
      .createQueryBuilder()
      .update()
      .set({ status })
      .where('id = :id AND status IN (:...payable)', { id, payable })
      .execute();
    return r.affected ? this.get(id, 'payment_intent') : null;
  }

  /** Completes (pays) or expires an open session; `null` when it was not open. */
  async settleSession(id: string, outcome: 'complete' | 'expired'): Promise<SandboxObject | null> {
    const s = await this.mustExist(id, 'checkout_session');
    const r = await this.repo.update({ id, status: 'open' }, { status: outcome });
    if (!r.affected) return null;
    if (outcome === 'complete' && s.paymentIntentId) await this.repo.update({ id: s.paymentIntentId }, { status: 'succeeded' });
    if (outcome === 'expired' && s.paymentIntentId) await this.repo.update({ id: s.paymentIntentId, status: 'requires_payment_method' }, { status: 'canceled' });
    return this.get(id, 'checkout_session');
  }

  /** For the sandbox's own routes: an unknown id is the caller's mistake (404), not a provider failure. */
  private async mustExist(id: string, kind: SandboxObject['kind']): Promise<SandboxObject> {
    const o = await this.repo.findOneBy({ id, kind });
    if (!o) throw new NotFoundError('No such sandbox payment', 'PAYMENT_NOT_FOUND');
    return o;
  }

  findObject(id: string): Promise<SandboxObject | null> {
    return this.repo.findOneBy({ id });
  }
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

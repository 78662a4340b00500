/**
 * What checkout and orders need from a payment provider. Two implementations: `StripeProvider` (the official
 * SDK) and `SandboxProvider` (offline, for local runs, tests and benchmarks). Amounts are integer minor units,
 * currencies lower-case ISO 4217, exactly as Stripe takes them.
 */
export const PAYMENT_PROVIDER = Symbol('PAYMENT_PROVIDER');

/** Ids only: Stripe allows 50 keys of 500 chars; the snapshot stays in our database. */
export type PaymentMetadata = Record<string, string>;

export interface CreateIntentInput {
  amount: number;
  currency: string;
  metadata: PaymentMetadata;
  /** Provider-side idempotency key: the checkout (or order) id, so a retried call never charges twice. */
  idempotencyKey: string;
  description?: string;
  receiptEmail?: string;
}

export interface CreatedIntent {
  id: string;
  clientSecret: string;
  status: IntentStatus;
}

export interface CreateSessionInput extends CreateIntentInput {
  /** Stripe requires 30 minutes to 24 hours ahead. */
  expiresAt: Date;
  successUrl: string;
  cancelUrl: string;
  /** One line for the whole order: our pricing (discounts, tax, shipping) is the source of truth. */
  lineName: string;
  customerEmail?: string;
}

export interface CreatedSession {
  id: string;
  url: string;
}

/** Stripe's PaymentIntent statuses. */
export type IntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'canceled'
  | 'succeeded';

export interface IntentState {
  id: string;
  status: IntentStatus;
  amount: number;
  /** What was actually received (`amount_received`). */
  amountReceived: number;
  currency: string;
  metadata: PaymentMetadata;
}

export interface SessionState {
  id: string;
  /** `open | complete | expired` */
  status: string | null;
  /** `paid | unpaid | no_payment_required` */
  paymentStatus: string;
  paymentIntentId: string | null;
  amountTotal: number;
  currency: string;
  metadata: PaymentMetadata;
}

export interface RefundInput {
  paymentIntentId: string;
  amount: number;
  idempotencyKey: string;
  reason?: 'duplicate' | 'fraudulent' | 'requested_by_customer';
  metadata?: PaymentMetadata;
}

export interface RefundResult {
  id: string;
  amount: number;
  /** `pending | succeeded | failed | canceled | requires_action` */
  status: string;
}

export interface PaymentProvider {
  readonly name: 'stripe' | 'sandbox';
  createIntent(input: CreateIntentInput): Promise<CreatedIntent>;
  createSession(input: CreateSessionInput): Promise<CreatedSession>;
  retrieveIntent(id: string): Promise<IntentState>;
  retrieveSession(id: string): Promise<SessionState>;
  /** Cancels an intent that can no longer be paid for (superseded or expired checkout). Already final → no-op. */
  cancelIntent(id: string): Promise<void>;
  /** Expires an open hosted session. Already complete or expired → no-op. */
  expireSession(id: string): Promise<void>;
  refund(input: RefundInput): Promise<RefundResult>;
}

/** Any provider call that failed: the API turns it into 502 "Failed to … : <reason>". */
export class PaymentProviderError extends Error {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'PaymentProviderError';
  }
}

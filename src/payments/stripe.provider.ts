import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { AppConfig } from '../config/app-config';
import {
  type CreatedIntent,
  type CreatedSession,
  type CreateIntentInput,
  type CreateSessionInput,
  type IntentState,
  type IntentStatus,
  type PaymentMetadata,
  type PaymentProvider,
  PaymentProviderError,
  type RefundInput,
  type RefundResult,
  type SessionState,
} from './payment-provider';

/**
 * The Stripe API version this adapter is written against: the SDK's own default, pinned so that an SDK upgrade
 * that moves it fails type-checking here (`apiVersion` only accepts the SDK's latest) instead of silently
 * changing the shape of objects and webhook events.
 */
export const STRIPE_API_VERSION = '2026-10-28.endive' satisfies Stripe.LatestApiVersion;

const INTENT_STATUSES: ReadonlySet<string> = new Set<IntentStatus>([
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'canceled',
  'succeeded',
]);
const FINAL_INTENT_STATUSES: ReadonlySet<string> = new Set<IntentStatus>(['canceled', 'succeeded']);

/** Secret or restricted keys, in case an upstream message (or a proxy in front of Stripe) ever echoes one. */
const KEY_PATTERN = /\b(sk|rk)_(live|test)_[A-Za-z0-9*]+/g;
const MAX_REASON_LENGTH = 200;

/** `http://127.0.0.1:12111` → the SDK's `host`, `port`, `protocol` options. */
export function stripeEndpoint(url: string): { host: string; port: number; protocol: 'http' | 'https' } {
  const u = new URL(url);
  const protocol = u.protocol === 'http:' ? 'http' : 'https';
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port ? Number(u.port) : protocol === 'http' ? 80 : 443, protocol };
}

/**
 * `PaymentProvider` over the official `stripe` SDK: PaymentIntents, hosted Checkout Sessions and refunds.
 * Every call carries our idempotency key where it moves money, and every SDK failure leaves this class as a
 * `PaymentProviderError` with a short, key-free reason (`card_declined: Your card was declined.`).
 */
@Injectable()
export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  private readonly logger = new Logger(StripeProvider.name);
  private readonly client: Stripe | null;
  private readonly secretKey: string | undefined;

  constructor(private readonly config: AppConfig) {
    const { stripeSecretKey, stripeApiUrl } = config.payments;
    this.secretKey = stripeSecretKey;
    this.client = stripeSecretKey
      ? new Stripe(stripeSecretKey, {
          apiVersion: STRIPE_API_VERSION,
          maxNetworkRetries: 2,
          timeout: 10_000,
          appInfo: { name: 'checkout-orders' },
          ...(stripeApiUrl ? stripeEndpoint(stripeApiUrl) : {}),
        })
      : null;
  }

  async createIntent(input: CreateIntentInput): Promise<CreatedIntent> {
    const pi = await this.call('create payment intent', (s) =>
      s.paymentIntents.create(
        {
          amount: input.amount,
          currency: input.currency,
          metadata: input.metadata,
          description: input.description,
          receipt_email: input.receiptEmail,
          automatic_payment_methods: { enabled: true },
        },
        { idempotencyKey: input.idempotencyKey },
      ),
    );
    if (!pi.client_secret) throw new PaymentProviderError(`Stripe returned PaymentIntent ${pi.id} without a client secret`);
    return { id: pi.id, clientSecret: pi.client_secret, status: toIntentStatus(pi.status) };
  }

  async createSession(input: CreateSessionInput): Promise<CreatedSession> {
    const session = await this.call('create checkout session', (s) =>
      s.checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [{ quantity: 1, price_data: { currency: input.currency, unit_amount: input.amount, product_data: { name: input.lineName } } }],
          metadata: input.metadata,
          payment_intent_data: { metadata: input.metadata, description: input.description, receipt_email: input.receiptEmail },
          client_reference_id: input.metadata.checkoutId,
          customer_email: input.customerEmail,
          expires_at: Math.floor(input.expiresAt.getTime() / 1000),
          success_url: input.successUrl,
          cancel_url: input.cancelUrl,
        },
        { idempotencyKey: input.idempotencyKey },
      ),
    );
    if (!session.url) throw new PaymentProviderError(`Stripe returned Checkout Session ${session.id} without a URL`);
    return { id: session.id, url: session.url };
  }

  async retrieveIntent(id: string): Promise<IntentState> {
    const pi = await this.call('retrieve payment intent', (s) => s.paymentIntents.retrieve(id));
    return {
      id: pi.id,
      status: toIntentStatus(pi.status),
      amount: pi.amount,
      amountReceived: pi.amount_received,
      currency: pi.currency,
      metadata: toMetadata(pi.metadata),
    };
  }

  async retrieveSession(id: string): Promise<SessionState> {
    const s = await this.call('retrieve checkout session', (c) => c.checkout.sessions.retrieve(id));
    return {
      id: s.id,
      status: s.status,
      paymentStatus: s.payment_status,
      paymentIntentId: typeof s.payment_intent === 'string' ? s.payment_intent : (s.payment_intent?.id ?? null),
      amountTotal: s.amount_total ?? 0,
      currency: s.currency ?? '',
      metadata: toMetadata(s.metadata),
    };
  }

  async cancelIntent(id: string): Promise<void> {
    try {
      await this.client_().paymentIntents.cancel(id);
    } catch (err) {
      // Stripe refuses to cancel a succeeded or already canceled intent: for us that is the end state anyway.
      if (isStripeError(err) && err.code === 'payment_intent_unexpected_state') {
        const status = err.payment_intent?.status;
        if (status === undefined || FINAL_INTENT_STATUSES.has(status)) return;
      }
      throw this.toProviderError('cancel payment intent', err);
    }
  }

  async expireSession(id: string): Promise<void> {
    try {
      await this.client_().checkout.sessions.expire(id);
    } catch (err) {
      // Stripe answers 400 when the session is no longer open (complete or expired): check, then treat as done.
      if (isStripeError(err) && err.statusCode === 400 && err.type === 'StripeInvalidRequestError') {
        const state = await this.retrieveSession(id);
        if (state.status !== 'open') return;
      }
      throw this.toProviderError('expire checkout session', err);
    }
  }

  async refund(input: RefundInput): Promise<RefundResult> {
    const r = await this.call('create refund', (s) =>
      s.refunds.create(
        { payment_intent: input.paymentIntentId, amount: input.amount, reason: input.reason, metadata: input.metadata },
        { idempotencyKey: input.idempotencyKey },
      ),
    );
    return { id: r.id, amount: r.amount, status: r.status ?? 'pending' };
  }

  private client_(): Stripe {
    if (!this.client) throw new PaymentProviderError('Stripe is not configured (STRIPE_SECRET_KEY is missing)');
    return this.client;
  }

  private async call<T>(what: string, fn: (stripe: Stripe) => Promise<T>): Promise<T> {
    const stripe = this.client_();
    try {
      return await fn(stripe);
    } catch (err) {
      throw this.toProviderError(what, err);
    }
  }

  private toProviderError(what: string, err: unknown): PaymentProviderError {
    if (err instanceof PaymentProviderError) return err;
    const reason = this.redact(describe(err));
    if (isStripeError(err)) {
      this.logger.warn({ op: what, type: err.type, code: err.code, statusCode: err.statusCode, requestId: err.requestId }, `Stripe ${what} failed`);
    } else {
      this.logger.error({ op: what, err: this.redact(String(err)) }, `Stripe ${what} failed unexpectedly`);
    }
    return new PaymentProviderError(reason, err);
  }

  private redact(text: string): string {
    let out = text;
    if (this.secretKey) out = out.split(this.secretKey).join('[redacted]');
    out = out.replace(KEY_PATTERN, '[redacted]');
    return out.length > MAX_REASON_LENGTH ? `${out.slice(0, MAX_REASON_LENGTH - 1)}…` : out;
  }
}

function isStripeError(err: unknown): err is InstanceType<typeof Stripe.errors.StripeError> {
  return err instanceof Stripe.errors.StripeError;
}

/** A short reason for the API's 502 message; never the raw SDK text for auth failures (it quotes the key). */
function describe(err: unknown): string {
  if (!isStripeError(err)) return 'Stripe request failed';
  switch (err.type) {
    case 'StripeConnectionError':
      return 'Stripe API unreachable';
    case 'StripeAuthenticationError':
      return 'Stripe authentication failed (check STRIPE_SECRET_KEY)';
    case 'StripePermissionError':
      return 'Stripe API key lacks permission for this request';
    case 'StripeRateLimitError':
      return 'rate_limit: Stripe rate limit reached, try again';
  }
  const code = err.code ?? err.rawType ?? (err.statusCode !== undefined && err.statusCode >= 500 ? 'api_error' : 'stripe_error');
  const message = err.message?.trim();
  return message ? `${code}: ${message}` : code;
}

function toIntentStatus(status: string): IntentStatus {
  if (!INTENT_STATUSES.has(status)) throw new PaymentProviderError(`Unexpected PaymentIntent status from Stripe: ${status}`);
  return status as IntentStatus;
}

function toMetadata(m: Stripe.Metadata | null | undefined): PaymentMetadata {
  return { ...(m ?? {}) };
}

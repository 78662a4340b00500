import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import type { SandboxObject } from './sandbox-object.entity';

/**
 * Stripe-format objects and events for sandbox deliveries: the same fields Stripe sends (API version,
 * livemode, full PaymentIntent / Checkout Session), so the webhook path cannot tell the two apart.
 */
const unix = (d: Date | null | undefined) => Math.floor((d ?? new Date()).getTime() / 1000);
const rid = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

export function paymentIntentObject(o: SandboxObject, failure?: { code: string; message: string }): Record<string, unknown> {
  const succeeded = o.status === 'succeeded';
  return {
    id: o.id,
    object: 'payment_intent',
    amount: o.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: succeeded ? o.amount : 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: { allow_redirects: 'always', enabled: true },
    canceled_at: o.status === 'canceled' ? unix(o.updatedAt) : null,
    cancellation_reason: o.status === 'canceled' ? 'abandoned' : null,
    capture_method: 'automatic_async',
    client_secret: `${o.id}_secret_sandbox`,
    confirmation_method: 'automatic',
    created: unix(o.createdAt),
    currency: o.currency,
    customer: null,
    description: null,
    last_payment_error: failure
      ? { code: failure.code, decline_code: 'generic_decline', message: failure.message, type: 'card_error', payment_method: { id: rid('pm'), object: 'payment_method', type: 'card' } }
      : null,
    latest_charge: succeeded ? `ch_${o.id.slice(3)}` : null,
    livemode: false,
    metadata: o.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: succeeded || failure ? rid('pm') : null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
    payment_method_types: ['card'],
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: o.status,
    transfer_data: null,
    transfer_group: null,
  };
}

export function checkoutSessionObject(o: SandboxObject): Record<string, unknown> {
  const complete = o.status === 'complete';
  return {
    id: o.id,
    object: 'checkout.session',
    amount_subtotal: o.amount,
    amount_total: o.amount,
    cancel_url: null,
    client_reference_id: o.metadata.checkoutId ?? null,
    created: unix(o.createdAt),
    currency: o.currency,
    customer: null,
    customer_details: null,
    expires_at: unix(o.expiresAt),
    livemode: false,
    metadata: o.metadata,
    mode: 'payment',
    payment_intent: o.paymentIntentId,
    payment_method_types: ['card'],
    payment_status: complete ? 'paid' : 'unpaid',
    status: o.status,
    success_url: null,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted',
    url: null,
  };
}

export function chargeRefundedObject(o: SandboxObject, refund: { id: string; amount: number }): Record<string, unknown> {
  return {
    id: `ch_${o.id.slice(3)}`,
    object: 'charge',
    amount: o.amount,
    amount_captured: o.amount,
    amount_refunded: o.amountRefunded,
    captured: true,
    created: unix(o.createdAt),
    currency: o.currency,
    livemode: false,
    metadata: o.metadata,
    paid: true,
    payment_intent: o.id,
    refunded: o.amountRefunded >= o.amount,
    refunds: { object: 'list', data: [{ id: refund.id, object: 'refund', amount: refund.amount, currency: o.currency, payment_intent: o.id, status: 'succeeded' }], has_more: false, url: '' },
    status: 'succeeded',
  };
}

/** The envelope Stripe posts: `{id, object: 'event', api_version, created, data: {object}, livemode, …}`. */
export function eventOf(type: string, object: Record<string, unknown>): Record<string, unknown> {
  return {
    id: rid('evt'),
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: Math.floor(Date.now() / 1000),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}

import request, { type Test } from 'supertest';
import { SandboxProvider } from '../../src/payments/sandbox.provider';
import { paymentIntentObject } from '../../src/payments/stripe-shapes';
import type { TestApp } from '../test-app';
import { signStripeEvent, stripeEvent } from './fake-stripe';

/**
 * Webhook deliveries for e2e tests: Stripe-format events built from the sandbox provider's own rows (the
 * same object shape the app sends itself), signed with the app's STRIPE_WEBHOOK_SECRET and POSTed to the
 * real endpoint, so they go through signature verification, the processed-event log and the handler.
 */

export const WEBHOOK_PATH = '/api/payments/stripe/webhook';

/**
 * The sandbox PaymentIntent `intentId` as Stripe describes it after a successful charge: `status: succeeded`,
 * `amount_received` = its amount, whatever the sandbox row says now (e.g. canceled by an expiry sweep, as
 * when the buyer's payment raced the cancel). `overrides` replaces top-level fields (`amount_received`, `currency`, …).
 */
export async function succeededIntentObject(t: Pick<TestApp, 'app'>, intentId: string, overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const row = await t.app.get(SandboxProvider).findObject(intentId);
  if (!row || row.kind !== 'payment_intent') throw new Error(`No sandbox payment intent ${intentId}`);
  return { ...paymentIntentObject({ ...row, status: 'succeeded' }), ...overrides };
}

/** A full `payment_intent.succeeded` event for a sandbox intent; `eventId` pins the event id (redeliveries share it). */
export async function intentSucceededEvent(t: Pick<TestApp, 'app'>, intentId: string, opts: { eventId?: string; overrides?: Record<string, unknown> } = {}) {
  return stripeEvent('payment_intent.succeeded', await succeededIntentObject(t, intentId, opts.overrides), { id: opts.eventId });
}

/**
 * Signs `event` once and returns a sender: every call POSTs the identical bytes and `Stripe-Signature` to the
 * given app, exactly like Stripe retrying one delivery (to any instance behind the load balancer).
 */
export function signedDelivery(event: object, secret: string): (target: Pick<TestApp, 'http'>) => Test {
  const { payload, signature } = signStripeEvent(event, secret);
  return (target) => request(target.http).post(WEBHOOK_PATH).set('Content-Type', 'application/json').set('Stripe-Signature', signature).send(payload);
}

/** Signs and POSTs `event` to `t` once. */
export function deliver(t: Pick<TestApp, 'http' | 'config'>, event: object): Test {
  return signedDelivery(event, t.config.payments.webhookSecret)(t);
}

// One guest buying: the request sequence of S1, S2 and S5, with per-step timings.
import { call, expectStatus, StepError } from '../lib/http.mjs';
import { now, sleep, summarize } from '../lib/util.mjs';

export const STEPS = ['add1', 'add2', 'checkout', 'pay', 'poll'];

const ADDRESS = { name: 'Bench Buyer', street: '1 Load Street', city: 'Springfield', state: 'IL', postalCode: '62701', country: 'US', phone: '+1 555 0100' };
const MAX_POLLS = 100;
const POLL_GAP_MS = 10;

/**
 * guest session + add items → POST /api/checkout (card) → sandbox "pay" (delivers the signed
 * payment_intent.succeeded through the real webhook path) → GET /api/checkout/:id until the order is there.
 * Returns the timings; throws StepError on the first failed request.
 * @param {() => import('undici').Pool} next picks the instance for each request
 * @param {{ variants: string[], deliveryMethodId: string, email: string, after?: (step: string) => Promise<void> }} o
 *   `after` runs between steps (S1's statement anatomy); it is not part of any timing but is of e2e.
 */
export async function buyOnce(next, o) {
  const t = {};
  const t0 = now();
  const [first, ...rest] = o.variants;
  let r = expectStatus('add1', await call(next(), 'POST', '/api/cart/items', { body: { variantId: first, quantity: 1 } }), 201);
  t.add1 = r.ms;
  await o.after?.('add1');
  const sessionId = r.json?.sessionId ?? r.headers['x-session-id'];
  if (!sessionId) throw new StepError('add1', r.status, 'NO_SESSION', 'no sessionId in the response');
  const session = { 'x-session-id': sessionId };
  for (const variantId of rest) {
    r = expectStatus('add2', await call(next(), 'POST', '/api/cart/items', { headers: session, body: { variantId, quantity: 1 } }), 201);
    t.add2 = (t.add2 ?? 0) + r.ms;
    await o.after?.('add2');
  }
  r = expectStatus(
    'checkout',
    await call(next(), 'POST', '/api/checkout', {
      headers: session,
      body: { email: o.email, name: 'Bench Buyer', phone: '+1 555 0100', shippingAddress: ADDRESS, deliveryMethodId: o.deliveryMethodId, paymentMethod: 'card' },
    }),
    201,
  );
  t.checkout = r.ms;
  await o.after?.('checkout');
  const { checkoutId, paymentIntentId, orderId } = r.json;
  r = expectStatus('pay', await call(next(), 'POST', `/api/payments/sandbox/intents/${paymentIntentId}/succeed`), 200);
  t.pay = r.ms;
  if (r.json?.outcome !== 'applied' && r.json?.outcome !== 'order_exists') throw new StepError('pay', r.status, `OUTCOME_${r.json?.outcome}`, 'webhook did not apply');
  await o.after?.('pay');
  // The order exists once the checkout reports it (the sandbox delivers the event synchronously, so the first
  // poll normally sees it; with a real provider the webhook may come later).
  const p0 = now();
  let polls = 0;
  for (;;) {
    r = expectStatus('poll', await call(next(), 'GET', `/api/checkout/${checkoutId}`, { headers: session }), 200);
    polls++;
    if (r.json?.status === 'completed' && r.json?.order?.id === orderId) break;
    if (r.json?.status !== 'awaiting_payment' || polls >= MAX_POLLS) throw new StepError('poll', r.status, `CHECKOUT_${r.json?.status}`, `after ${polls} polls`);
    await sleep(POLL_GAP_MS);
  }
  t.poll = now() - p0;
  t.e2e = now() - t0;
  await o.after?.('poll');
  return { t, polls, orderId };
}

/** Collects timings and errors of many flows. */
export class FlowStats {
  constructor() {
    this.samples = Object.fromEntries([...STEPS, 'e2e'].map((s) => [s, []]));
    this.errors = {};
    this.completed = 0;
    this.failed = 0;
    this.polls = 0;
  }

  ok({ t, polls }) {
    this.completed++;
    this.polls += polls;
    for (const [k, v] of Object.entries(t)) this.samples[k]?.push(v);
  }

  fail(e) {
    this.failed++;
    const key = e instanceof StepError ? `${e.step}: ${e.status} ${e.code ?? ''}`.trim() : `error: ${e?.code ?? e?.message ?? String(e)}`.slice(0, 120);
    this.errors[key] = (this.errors[key] ?? 0) + 1;
  }

  summary() {
    return {
      completed: this.completed,
      failed: this.failed,
      pollsPerOrder: this.completed ? Math.round((this.polls / this.completed) * 100) / 100 : null,
      latencyMs: Object.fromEntries(Object.entries(this.samples).map(([k, v]) => [k, summarize(v)])),
      errors: this.errors,
    };
  }
}

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { STRIPE_API_VERSION } from '../../src/payments/stripe.provider';

/**
 * A small in-memory stand-in for the Stripe API, for driving the real `stripe` SDK over real HTTP:
 * PaymentIntents (create, retrieve, cancel), Checkout Sessions (create, retrieve, expire) and refunds.
 *
 *   const fake = await FakeStripe.start();   // listens on 127.0.0.1:<random port>
 *   env STRIPE_API_URL = fake.url, STRIPE_SECRET_KEY = 'sk_test_…'
 *   fake.succeed(intentId); fake.failNext(402, { type: 'card_error', code: 'card_declined', message: '…' });
 *   fake.requests  // every request: method, path, headers, idempotency key, authorization, parsed body
 *   await fake.close();
 *
 * Like Stripe: form-encoded bodies with bracket keys, `{ error: { type, code, message } }` errors (404
 * `resource_missing`, 400 `payment_intent_unexpected_state`, `parameter_missing`, `amount_too_small`,
 * `idempotency_error`), idempotency keys replay the first successful response (`Idempotent-Replayed: true`)
 * and refuse a different request under the same key. Injected failures (`failNext`) are not stored under
 * the key, so an SDK retry of an injected 500 behaves like a retry after a transient failure.
 */

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormBody = { [key: string]: FormValue };
type Json = Record<string, unknown>;

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  idempotencyKey?: string;
  authorization?: string;
  body: FormBody;
  /** The status the fake answered with. */
  status: number;
}

export interface StripeErrorBody {
  type: string;
  code?: string;
  message: string;
  [key: string]: unknown;
}

interface Failure {
  status: number;
  error: StripeErrorBody;
  headers: Record<string, string>;
  remaining: number;
}

interface Stored {
  fingerprint: string;
  status: number;
  body: Json;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: StripeErrorBody,
  ) {
    super(error.message);
  }
}

/** Minimum charge amounts Stripe enforces, in minor units (others: 1). */
const MINIMUM_AMOUNT: Record<string, number> = { usd: 50, eur: 50, gbp: 30, cad: 50, aud: 50, chf: 50 };
const CANCELABLE = ['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action', 'processing'];

const now = () => Math.floor(Date.now() / 1000);
const randomId = (prefix: string, length = 24) => `${prefix}_${randomBytes(32).toString('base64url').replace(/[-_]/g, '').slice(0, length)}`;

export class FakeStripe {
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[] = [];
  readonly intents = new Map<string, Json>();
  readonly sessions = new Map<string, Json>();
  readonly refunds = new Map<string, Json>();
  private readonly idempotent = new Map<string, Stored>();
  private readonly failures: Failure[] = [];

  private readonly server: Server = createServer((req, res) => {
    this.handle(req, res).catch(() => res.destroy());
  });
  private baseUrl = '';

  private constructor() {}

  /** Base URL for `STRIPE_API_URL`, e.g. `http://127.0.0.1:53121`. */
  get url(): string {
    return this.baseUrl;
  }

  static async start(): Promise<FakeStripe> {
    const fake = new FakeStripe();
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', resolve);
    });
    fake.baseUrl = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  /** Stops listening and drops open keep-alive connections. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }

  /** Forgets requests, objects, idempotency keys and pending failures. */
  reset(): void {
    this.requests.length = 0;
    this.intents.clear();
    this.sessions.clear();
    this.refunds.clear();
    this.idempotent.clear();
    this.failures.length = 0;
  }

  /**
   * The next request (or the next `times` requests) fails with `status` and `{ error }`. Pass
   * `headers: { 'stripe-should-retry': 'false' }` to stop the SDK from retrying a 5xx.
   */
  failNext(status: number, error?: Partial<StripeErrorBody>, opts: { times?: number; headers?: Record<string, string> } = {}): void {
    const body: StripeErrorBody = {
      type: status === 402 ? 'card_error' : status >= 500 ? 'api_error' : 'invalid_request_error',
      message: status >= 500 ? 'An unknown error occurred' : 'Request failed',
      ...error,
    };
    this.failures.push({ status, error: body, headers: opts.headers ?? {}, remaining: opts.times ?? 1 });
  }

  /** The customer paid: `status: succeeded`, `amount_received = amount`. */
  succeed(intentId: string): Json {
    const pi = this.intent(intentId);
    Object.assign(pi, {
      status: 'succeeded',
      amount_received: pi.amount,
      latest_charge: randomId('ch'),
      payment_method: randomId('pm'),
      payment_method_types: ['card'],
      last_payment_error: null,
    });
    return structuredClone(pi);
  }

  /** A declined attempt: back to `requires_payment_method` with `last_payment_error`. */
  fail(intentId: string, code = 'card_declined', message = 'Your card was declined.'): Json {
    const pi = this.intent(intentId);
    Object.assign(pi, { status: 'requires_payment_method', last_payment_error: { type: 'card_error', code, decline_code: 'generic_decline', message } });
    return structuredClone(pi);
  }

  /** The buyer paid on the hosted page: a succeeded PaymentIntent carrying `payment_intent_data.metadata`. */
  completeSession(sessionId: string): { session: Json; intent: Json } {
    const s = this.sessions.get(sessionId);
    if (!s) throw new Error(`FakeStripe: no such checkout session ${sessionId}`);
    if (s.status !== 'open') throw new Error(`FakeStripe: checkout session ${sessionId} is ${String(s.status)}`);
    const pi = this.newIntent({
      amount: s.amount_total as number,
      currency: s.currency as string,
      metadata: (s.payment_intent_metadata as Json | undefined) ?? {},
      description: null,
      receipt_email: s.customer_email ?? null,
    });
    this.succeed(pi.id as string);
    Object.assign(s, {
      status: 'complete',
      payment_status: 'paid',
      payment_intent: pi.id,
      url: null,
      customer_details: { email: s.customer_email ?? null },
    });
    return { session: this.publicSession(s), intent: structuredClone(this.intent(pi.id as string)) };
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake-stripe');
    const method = req.method ?? 'GET';
    const body = parseForm(raw);
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: url.search,
      headers: req.headers,
      idempotencyKey: header('idempotency-key'),
      authorization: header('authorization'),
      body,
      status: 0,
    };
    this.requests.push(record);
    const send = (status: number, payload: Json, extra: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, {
        'content-type': 'application/json',
        'request-id': randomId('req', 14),
        'stripe-version': header('stripe-version') ?? STRIPE_API_VERSION,
        ...extra,
      });
      res.end(JSON.stringify(payload));
    };

    const failure = this.failures[0];
    if (failure) {
      if (--failure.remaining <= 0) this.failures.shift();
      return send(failure.status, { error: failure.error }, failure.headers);
    }
    if (!/^Bearer (sk|rk)_(test|live)_\S+$/.test(header('authorization') ?? '')) {
      return send(401, { error: { type: 'invalid_request_error', message: 'You did not provide an API key.' } });
    }

    const key = method === 'POST' ? record.idempotencyKey : undefined;
    const fingerprint = `${method} ${url.pathname} ${raw}`;
    if (key) {
      const prior = this.idempotent.get(key);
      if (prior && prior.fingerprint !== fingerprint) {
        return send(400, {
          error: {
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          },
        });
      }
      if (prior) return send(prior.status, structuredClone(prior.body), { 'idempotent-replayed': 'true', 'idempotency-key': key });
    }

    try {
      const [status, payload] = this.route(method, url.pathname, body);
      if (key) this.idempotent.set(key, { fingerprint, status, body: structuredClone(payload) });
      send(status, payload, key ? { 'idempotency-key': key } : {});
    } catch (err) {
      if (err instanceof HttpError) return send(err.status, { error: err.error });
      send(500, { error: { type: 'api_error', message: `FakeStripe: ${String(err)}` } });
    }
  }

  private route(method: string, path: string, body: FormBody): [number, Json] {
    let m: RegExpMatchArray | null;
    if (method === 'POST' && path === '/v1/payment_intents') return [200, this.createIntent(body)];
    if (method === 'GET' && (m = path.match(/^\/v1\/payment_intents\/([^/]+)$/))) return [200, structuredClone(this.intent(m[1]))];
    if (method === 'POST' && (m = path.match(/^\/v1\/payment_intents\/([^/]+)\/cancel$/))) return [200, this.cancelIntent(m[1], body)];
    if (method === 'POST' && path === '/v1/checkout/sessions') return [200, this.createSession(body)];
    if (method === 'GET' && (m = path.match(/^\/v1\/checkout\/sessions\/([^/]+)$/))) return [200, this.publicSession(this.session(m[1]))];
    if (method === 'POST' && (m = path.match(/^\/v1\/checkout\/sessions\/([^/]+)\/expire$/))) return [200, this.expireSession(m[1])];
    if (method === 'POST' && path === '/v1/refunds') return [200, this.createRefund(body)];
    throw new HttpError(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    });
  }

  // ---- PaymentIntents ----

  private createIntent(body: FormBody): Json {
    const amount = requireAmount(body, 'amount');
    const currency = requireCurrency(body.currency, 'currency');
    checkMinimum(amount, currency);
    const apm = asObject(body.automatic_payment_methods);
    const pi = this.newIntent({
      amount,
      currency,
      metadata: metadataOf(body.metadata),
      description: asString(body.description) ?? null,
      receipt_email: asString(body.receipt_email) ?? null,
      automatic_payment_methods: apm ? { enabled: apm.enabled === 'true', allow_redirects: 'always' } : null,
    });
    return structuredClone(pi);
  }

  private newIntent(fields: { amount: number; currency: string; metadata: Json; description: unknown; receipt_email: unknown; automatic_payment_methods?: Json | null }): Json {
    const id = randomId('pi');
    const pi: Json = {
      id,
      object: 'payment_intent',
      amount: fields.amount,
      amount_capturable: 0,
      amount_details: { tip: {} },
      amount_received: 0,
      application: null,
      application_fee_amount: null,
      automatic_payment_methods: fields.automatic_payment_methods ?? null,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: 'automatic_async',
      client_secret: `${id}_secret_${randomBytes(18).toString('base64url').replace(/[-_]/g, '')}`,
      confirmation_method: 'automatic',
      created: now(),
      currency: fields.currency,
      customer: null,
      description: fields.description,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: fields.metadata,
      next_action: null,
      on_behalf_of: null,
      payment_method: null,
      payment_method_options: {},
      payment_method_types: ['card', 'link'],
      processing: null,
      receipt_email: fields.receipt_email,
      review: null,
      setup_future_usage: null,
      shipping: null,
      statement_descriptor: null,
      statement_descriptor_suffix: null,
      status: 'requires_payment_method',
      transfer_data: null,
      transfer_group: null,
    };
    this.intents.set(id, pi);
    return pi;
  }

  private intent(id: string, param?: string): Json {
    const pi = this.intents.get(id);
    if (!pi) throw missing('payment_intent', id, param);
    return pi;
  }

  private cancelIntent(id: string, body: FormBody): Json {
    const pi = this.intent(id);
    const status = String(pi.status);
    if (!CANCELABLE.includes(status)) {
      throw new HttpError(400, {
        type: 'invalid_request_error',
        code: 'payment_intent_unexpected_state',
        doc_url: 'https://stripe.com/docs/error-codes/payment-intent-unexpected-state',
        message: `You cannot cancel this PaymentIntent because it has a status of ${status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`,
        payment_intent: structuredClone(pi),
      });
    }
    Object.assign(pi, { status: 'canceled', canceled_at: now(), cancellation_reason: asString(body.cancellation_reason) ?? null });
    return structuredClone(pi);
  }

  // ---- Checkout Sessions ----

  private createSession(body: FormBody): Json {
    if (body.mode !== 'payment') throw invalid('mode', body.mode === undefined ? 'Missing required param: mode.' : 'This fake supports only mode=payment.', body.mode === undefined ? 'parameter_missing' : undefined);
    const items = body.line_items;
    if (!Array.isArray(items) || items.length === 0) throw invalid('line_items', 'You must specify `line_items` in `payment` mode.', 'parameter_missing');
    let currency = '';
    let total = 0;
    for (const [i, raw] of items.entries()) {
      const item = asObject(raw);
      const price = asObject(item?.price_data);
      if (!item || !price) throw invalid(`line_items[${i}][price_data]`, 'Each line item needs `price` or `price_data`.', 'parameter_missing');
      const c = requireCurrency(price.currency, `line_items[${i}][price_data][currency]`);
      if (currency && c !== currency) throw invalid(`line_items[${i}][price_data][currency]`, 'All line items must use the same currency.');
      currency = c;
      if (!asString(asObject(price.product_data)?.name)) throw invalid(`line_items[${i}][price_data][product_data][name]`, 'Missing required param: line_items[0][price_data][product_data][name].', 'parameter_missing');
      const unit = requireAmount(price, 'unit_amount', `line_items[${i}][price_data][unit_amount]`);
      const qty = item.quantity === undefined ? 1 : requireAmount(item, 'quantity', `line_items[${i}][quantity]`);
      total += unit * qty;
    }
    checkMinimum(total, currency);
    const created = now();
    let expiresAt = created + 24 * 3600;
    if (body.expires_at !== undefined) {
      expiresAt = requireAmount(body, 'expires_at');
      if (expiresAt < created + 30 * 60) throw invalid('expires_at', 'The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.');
      if (expiresAt > created + 24 * 3600) throw invalid('expires_at', 'The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.');
    }
    for (const p of ['success_url', 'cancel_url'] as const) {
      const v = asString(body[p]);
      if (v !== undefined && !/^https?:\/\//.test(v)) throw invalid(p, `Not a valid URL`, 'url_invalid');
    }
    const id = `cs_test_${randomBytes(40).toString('base64url').replace(/[-_]/g, '').slice(0, 58)}`;
    const session: Json = {
      id,
      object: 'checkout.session',
      amount_subtotal: total,
      amount_total: total,
      cancel_url: asString(body.cancel_url) ?? null,
      client_reference_id: asString(body.client_reference_id) ?? null,
      created,
      currency,
      customer: null,
      customer_details: null,
      customer_email: asString(body.customer_email) ?? null,
      expires_at: expiresAt,
      livemode: false,
      metadata: metadataOf(body.metadata),
      mode: 'payment',
      payment_intent: null,
      payment_method_types: ['card', 'link'],
      payment_status: 'unpaid',
      status: 'open',
      success_url: asString(body.success_url) ?? null,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      ui_mode: 'hosted',
      url: `https://checkout.stripe.com/c/pay/${id}`,
      // Not part of Stripe's object: what the PaymentIntent will carry once the buyer pays.
      payment_intent_metadata: metadataOf(asObject(body.payment_intent_data)?.metadata),
      line_items_params: structuredClone(items),
    };
    this.sessions.set(id, session);
    return this.publicSession(session);
  }

  private session(id: string): Json {
    const s = this.sessions.get(id);
    if (!s) throw missing('checkout.session', id);
    return s;
  }

  private expireSession(id: string): Json {
    const s = this.session(id);
    if (s.status !== 'open') {
      throw new HttpError(400, {
        type: 'invalid_request_error',
        message: `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${String(s.status)}".`,
      });
    }
    Object.assign(s, { status: 'expired', url: null });
    return this.publicSession(s);
  }

  /** The session as Stripe returns it (without the fake's bookkeeping fields). */
  private publicSession(s: Json): Json {
    const { payment_intent_metadata: _pim, line_items_params: _lip, ...rest } = s;
    return structuredClone(rest);
  }

  // ---- Refunds ----

  private createRefund(body: FormBody): Json {
    const piId = asString(body.payment_intent);
    if (!piId && body.charge === undefined) throw invalid('payment_intent', 'One of the following params should be provided for this request: payment_intent or charge.', 'parameter_missing');
    if (!piId) throw invalid('charge', 'This fake refunds by payment_intent only.');
    const pi = this.intent(piId, 'payment_intent');
    const received = Number(pi.amount_received);
    if (pi.status !== 'succeeded' || received <= 0) {
      throw invalid('payment_intent', `This PaymentIntent (${piId}) does not have a successful charge to refund.`, 'charge_not_refundable');
    }
    const refunded = [...this.refunds.values()].filter((r) => r.payment_intent === piId && r.status !== 'failed').reduce((sum, r) => sum + Number(r.amount), 0);
    const remaining = received - refunded;
    if (remaining <= 0) throw invalid('payment_intent', `Charge ${String(pi.latest_charge)} has already been refunded.`, 'charge_already_refunded');
    const amount = body.amount === undefined ? remaining : requireAmount(body, 'amount');
    if (amount > remaining) {
      throw invalid('amount', `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, 'amount_too_large');
    }
    const reason = asString(body.reason);
    if (reason !== undefined && !['duplicate', 'fraudulent', 'requested_by_customer'].includes(reason)) throw invalid('reason', `Invalid reason: ${reason}`);
    const id = randomId('re');
    const refund: Json = {
      id,
      object: 'refund',
      amount,
      balance_transaction: randomId('txn'),
      charge: pi.latest_charge,
      created: now(),
      currency: pi.currency,
      destination_details: { card: { type: 'refund' }, type: 'card' },
      metadata: metadataOf(body.metadata),
      payment_intent: piId,
      reason: reason ?? null,
      receipt_number: null,
      source_transfer_reversal: null,
      status: 'succeeded',
      transfer_reversal: null,
    };
    this.refunds.set(id, refund);
    return structuredClone(refund);
  }
}

/** Builds a complete Stripe Event, as delivered to webhook endpoints, around `object`. */
export function stripeEvent<T extends Stripe.Event.Type>(
  type: T,
  object: object,
  opts: { id?: string; created?: number; previousAttributes?: object; apiVersion?: string; livemode?: boolean } = {},
): Extract<Stripe.Event, { type: T }> {
  const event = {
    id: opts.id ?? randomId('evt'),
    object: 'event',
    api_version: opts.apiVersion ?? STRIPE_API_VERSION,
    created: opts.created ?? now(),
    data: { object, ...(opts.previousAttributes ? { previous_attributes: opts.previousAttributes } : {}) },
    livemode: opts.livemode ?? false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
  return event as unknown as Extract<Stripe.Event, { type: T }>;
}

/** `{ payload, signature }` for POSTing `event` to the webhook endpoint, signed like Stripe does. */
export function signStripeEvent(event: object, secret: string, timestamp?: number): { payload: string; signature: string } {
  const payload = JSON.stringify(event);
  return { payload, signature: Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp }) };
}

// ---- form bodies ----

/**
 * Parses `application/x-www-form-urlencoded` with Stripe's bracket keys: `metadata[checkoutId]=x`,
 * `line_items[0][price_data][currency]=usd` → nested objects, numeric indices → arrays. Values stay strings.
 */
export function parseForm(raw: string): FormBody {
  const root: FormBody = {};
  if (!raw) return root;
  for (const [key, value] of new URLSearchParams(raw)) {
    const m = key.match(/^([^[\]]+)((?:\[[^[\]]*\])*)$/);
    const path = m ? [m[1], ...[...m[2].matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1])] : [key];
    let node: Record<string, FormValue> = root;
    path.forEach((segment, i) => {
      const k = segment === '' ? String(Object.keys(node).length) : segment;
      if (i === path.length - 1) {
        node[k] = value;
        return;
      }
      const next = node[k];
      if (typeof next !== 'object' || next === null) node[k] = {};
      node = node[k] as Record<string, FormValue>;
    });
  }
  return arrayify(root) as FormBody;
}

function arrayify(v: FormValue): FormValue {
  if (typeof v === 'string' || Array.isArray(v)) return v;
  const keys = Object.keys(v);
  const out: Record<string, FormValue> = {};
  for (const k of keys) out[k] = arrayify(v[k]);
  const isList = keys.length > 0 && keys.every((k, i) => k === String(i));
  return isList ? keys.map((k) => out[k]) : out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

// ---- validation helpers (Stripe's wording) ----

function invalid(param: string, message: string, code?: string): HttpError {
  return new HttpError(400, { type: 'invalid_request_error', ...(code ? { code } : {}), param, message });
}

function missing(objectName: string, id: string, param?: string): HttpError {
  // An unknown id in the URL is a 404; one passed as a parameter is a 400 naming that parameter.
  return new HttpError(param ? 400 : 404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
    ...(param ? { param } : {}),
    message: `No such ${objectName}: '${id}'`,
  });
}

function asString(v: FormValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function asObject(v: FormValue | undefined): { [key: string]: FormValue } | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
}

function requireAmount(body: { [key: string]: FormValue }, key: string, param = key): number {
  const v = body[key];
  if (v === undefined) throw invalid(param, `Missing required param: ${param}.`, 'parameter_missing');
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw invalid(param, `Invalid integer: ${String(v)}`, 'parameter_invalid_integer');
  return Number(v);
}

function requireCurrency(v: FormValue | undefined, param: string): string {
  if (v === undefined) throw invalid(param, `Missing required param: ${param}.`, 'parameter_missing');
  if (typeof v !== 'string' || !/^[a-z]{3}$/.test(v)) throw invalid(param, `Invalid currency: ${String(v)}.`);
  return v;
}

function checkMinimum(amount: number, currency: string): void {
  const min = MINIMUM_AMOUNT[currency] ?? 1;
  if (amount < min) throw invalid('amount', `Amount must be at least ${min} ${currency} minor units`, 'amount_too_small');
}

function metadataOf(v: FormValue | undefined): Json {
  const m = asObject(v);
  if (!m) return {};
  const out: Json = {};
  for (const [k, value] of Object.entries(m)) {
    if (typeof value !== 'string') throw invalid(`metadata[${k}]`, 'Metadata values must be strings.');
    if (k.length > 40) throw invalid(`metadata[${k}]`, 'Metadata keys can have up to 40 characters.');
    if (value.length > 500) throw invalid(`metadata[${k}]`, 'Metadata values can have up to 500 characters.');
    if (value !== '') out[k] = value;
  }
  if (Object.keys(out).length > 50) throw invalid('metadata', 'Metadata can have up to 50 keys.');
  return out;
}

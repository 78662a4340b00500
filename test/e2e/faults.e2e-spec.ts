import request from 'supertest';
import { truncateAll } from '../db';
import { count, createDeliveryMethod, guestCart, guestCheckoutBody, stock } from '../factories/checkout.factory';
import { createProduct } from '../factories/product.factory';
import { startAppProcess } from '../support/app-process';
import { signStripeEvent, stripeEvent } from '../support/fake-stripe';
import { createTestApp, type TestApp } from '../test-app';

/**
 * Faults in the middle of money and stock work: the process killed, the database connection terminated,
 * SIGTERM with requests in flight. A PostgreSQL trigger that sleeps holds the work at a known point.
 */
describe('faults', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());
  beforeEach(() => truncateAll(t.ds));
  afterEach(async () => {
    await t.ds.query('DROP TRIGGER IF EXISTS faults_sleep ON order_items');
    await t.ds.query('DROP TRIGGER IF EXISTS faults_sleep ON checkouts');
    await t.ds.query('DROP FUNCTION IF EXISTS faults_sleep()');
  });

  const sleepBeforeInsert = async (table: string, seconds: number) => {
    await t.ds.query(`CREATE OR REPLACE FUNCTION faults_sleep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(${seconds}); RETURN NEW; END $$`);
    await t.ds.query(`CREATE TRIGGER faults_sleep BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION faults_sleep()`);
  };
  const dropSleep = (table: string) => t.ds.query(`DROP TRIGGER IF EXISTS faults_sleep ON ${table}`);

  /** A paid-for checkout's signed `payment_intent.succeeded`, ready to post. */
  async function awaitingPayment() {
    const p = await createProduct(t, { variants: [{ price: 1000, stock: 5 }] });
    const dm = await createDeliveryMethod(t, { price: 0 });
    const session = await guestCart(t, [{ variantId: p.variants[0]!.id, quantity: 2 }]);
    const co = (await request(t.http).post('/api/checkout').set(session).send(guestCheckoutBody(dm)).expect(201)).body;
    await t.ds.query(`UPDATE sandbox_payment_objects SET status = 'succeeded' WHERE id = $1`, [co.paymentIntentId]);
    const intent = { id: co.paymentIntentId, object: 'payment_intent', status: 'succeeded', amount: co.amount, amount_received: co.amount, currency: 'usd', metadata: { checkoutId: co.checkoutId, orderId: co.orderId } };
    const signed = signStripeEvent(stripeEvent('payment_intent.succeeded', intent as never), t.config.payments.webhookSecret);
    return { v: p.variants[0]!, co, session, dm, signed };
  }
  const deliver = (http: Parameters<typeof request>[0], signed: { payload: string; signature: string }) =>
    request(http).post('/api/payments/stripe/webhook').set('Content-Type', 'application/json').set('Stripe-Signature', signed.signature).send(signed.payload);

  /** Waits until no session of the app holds an open transaction (a killed client's is rolled back). */
  async function noOpenTransactions(timeoutMs = 15_000) {
    const db = (await t.ds.query('SELECT current_database() AS d'))[0].d;
    const until = Date.now() + timeoutMs;
    for (;;) {
      const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND state <> 'idle' AND query NOT LIKE '%pg_stat_activity%'`, [db]);
      if (n === 0) return;
      if (Date.now() > until) throw new Error(`${n} sessions still busy`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('the app process killed (SIGKILL) half-way through a webhook: nothing is kept; the redelivery completes once', async () => {
    const { v, co, signed } = await awaitingPayment();
    const app = await startAppProcess();
    try {
      await sleepBeforeInsert('order_items', 3);
      const inFlight = deliver(app.url, signed).then(
        (r) => r.status,
        () => 'connection lost',
      );
      // Wait until the order's statement has written the order row and its items insert is sleeping, then kill the process.
      let sleeping = false;
      for (let i = 0; i < 100 && !sleeping; i++) {
        sleeping = (await count(t, 'pg_stat_activity', `query LIKE 'WITH o AS (%INSERT INTO orders %' AND state = 'active'`)) > 0;
        if (!sleeping) await new Promise((r) => setTimeout(r, 50));
      }
      expect(sleeping).toBe(true);
      app.proc.kill('SIGKILL');
      expect(await inFlight).toBe('connection lost');
      await app.exited;
      await noOpenTransactions();
    } finally {
      app.proc.kill('SIGKILL');
    }
    await dropSleep('order_items');
    expect(await count(t, 'orders')).toBe(0);
    expect(await count(t, 'payment_events')).toBe(0);
    expect(await stock(t, v.id)).toEqual({ onHand: 5, reserved: 2 });

    const retry = await deliver(t.http, signed).expect(200);
    expect(retry.body.outcome).toBe('applied');
    const again = await deliver(t.http, signed).expect(200);
    expect(again.body.outcome).toBe('duplicate');
    expect(await count(t, 'orders', 'id = $1', [co.orderId])).toBe(1);
    expect(await stock(t, v.id)).toEqual({ onHand: 3, reserved: 0 });
  });

  it('the database connection terminated half-way (pg_terminate_backend): 500, nothing kept, the pool recovers, the retry completes once', async () => {
    const { v, co, signed } = await awaitingPayment();
    await sleepBeforeInsert('order_items', 3);
    const inFlight = deliver(t.http, signed).then((r) => r); // supertest starts on then()
    let pid: number | undefined;
    for (let i = 0; i < 100 && !pid; i++) {
      const rows = await t.ds.query(`SELECT pid FROM pg_stat_activity WHERE query LIKE 'WITH o AS (%INSERT INTO orders %' AND state = 'active'`);
      pid = rows[0]?.pid;
      if (!pid) await new Promise((r) => setTimeout(r, 50));
    }
    expect(pid).toBeDefined();
    await t.ds.query('SELECT pg_terminate_backend($1)', [pid]);
    const res = await inFlight;
    expect(res.status).toBe(500);
    await dropSleep('order_items');
    expect(await count(t, 'orders')).toBe(0);
    expect(await count(t, 'payment_events')).toBe(0);
    expect(await stock(t, v.id)).toEqual({ onHand: 5, reserved: 2 });

    // The pool replaced the dead connection: ordinary requests work, and the redelivery applies once.
    await request(t.http).get('/health/ready').expect(200);
    expect((await deliver(t.http, signed).expect(200)).body.outcome).toBe('applied');
    expect(await count(t, 'orders', 'id = $1', [co.orderId])).toBe(1);
    expect(await stock(t, v.id)).toEqual({ onHand: 3, reserved: 0 });
  });

  it('every pooled connection terminated at once (a database restart, as the pool sees it): the app reconnects', async () => {
    await request(t.http).get('/health/ready').expect(200);
    const db = (await t.ds.query('SELECT current_database() AS d'))[0].d;
    await t.ds.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [db]);
    // The first request may meet a dead connection; within a few tries the pool has fresh ones.
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++) ok = (await request(t.http).get('/health/ready')).status === 200;
    expect(ok).toBe(true);
    await request(t.http).get('/api/products').expect(200);
  });

  it('SIGTERM drains: an in-flight checkout completes, new connections are refused, workers and pool close, exit 0', async () => {
    const p = await createProduct(t, { variants: [{ price: 1000, stock: 5 }] });
    const dm = await createDeliveryMethod(t, { price: 0 });
    const app = await startAppProcess();
    try {
      const session = await guestCart(t, [{ variantId: p.variants[0]!.id, quantity: 1 }]);
      await sleepBeforeInsert('checkouts', 1.5);
      const inFlight = request(app.url).post('/api/checkout').set(session).send(guestCheckoutBody(dm)).then((r) => r);
      let sleeping = false;
      for (let i = 0; i < 100 && !sleeping; i++) {
        sleeping = (await count(t, 'pg_stat_activity', `query LIKE 'INSERT INTO checkouts %' AND state = 'active'`)) > 0;
        if (!sleeping) await new Promise((r) => setTimeout(r, 50));
      }
      expect(sleeping).toBe(true); // the request is in flight when the signal arrives
      app.proc.kill('SIGTERM');
      const res = await inFlight;
      expect(res.status).toBe(201);
      expect(await app.exited).toBe(0);
      await expect(request(app.url).get('/health')).rejects.toThrow(/ECONNREFUSED/);
      expect(app.lines.some((l) => l.includes('"Stopped"'))).toBe(true);
      expect(await stock(t, p.variants[0]!.id)).toEqual({ onHand: 5, reserved: 1 });
    } finally {
      app.proc.kill('SIGKILL');
    }
  });
});

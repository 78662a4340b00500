import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import request from 'supertest';
import { OutboxService, type OutboxTopic } from '../../src/notifications/outbox.service';
import { OutboxWorker } from '../../src/notifications/outbox.worker';
import { truncateAll } from '../db';
import { ADDRESS, createDeliveryMethod, guestCart, guestCheckoutBody } from '../factories/checkout.factory';
import { signedIn } from '../factories/customer.factory';
import { createProduct } from '../factories/product.factory';
import { claimLinkIn, TestSmtpServer } from '../support/smtp';
import { createTestApp, type TestApp } from '../test-app';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('notifications: outbox → worker → SMTP', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    t = await createTestApp({ SMTP_URL: smtp.url, DEFAULT_TAX_RATE_BPS: '1000', ADMIN_EMAIL: 'ops@shop.test' });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });
  beforeEach(async () => {
    await truncateAll(t.ds);
    smtp.reset();
  });

  const worker = (app: TestApp = t) => app.app.get(OutboxWorker);
  const enqueue = (topic: OutboxTopic, payload: Record<string, unknown>) => t.app.get(OutboxService).enqueue(t.ds.manager, topic, payload);
  const outbox = async () =>
    (await t.ds.query(
      `SELECT topic, attempts, processed_at, failed_at, last_error, available_at, payload FROM outbox_messages ORDER BY created_at`,
    )) as { topic: string; attempts: number; processed_at: Date | null; failed_at: Date | null; last_error: string | null; available_at: Date; payload: Record<string, unknown> }[];
  const shipped = (n: number) => ({ orderId: randomUUID(), number: `ORD-9${String(n).padStart(5, '0')}`, email: `buyer${n}@example.com`, trackingNumber: `1Z${n}` });

  /** A real guest card checkout paid through the sandbox: 2 × 12.50 + 10 % tax + 5.00 shipping = $32.50. */
  async function guestCardOrder(email = 'guest@example.com') {
    const p = await createProduct(t, { name: 'Tea Pot', variants: [{ price: 1250, stock: 5 }] });
    const dm = await createDeliveryMethod(t, { price: 500 });
    const session = await guestCart(t, [{ variantId: p.variants[0]!.id, quantity: 2 }]);
    const res = await request(t.http).post('/api/checkout').set(session).send(guestCheckoutBody(dm, { email })).expect(201);
    await request(t.http).post(`/api/payments/sandbox/intents/${res.body.paymentIntentId}/succeed`).expect(200);
    const [order] = await t.ds.query('SELECT id, number, total FROM orders WHERE id = $1', [res.body.orderId]);
    expect(Number(order.total)).toBe(3250);
    return { orderId: order.id as string, number: order.number as string, sku: p.variants[0]!.sku };
  }

  it('guest card checkout → order confirmation over SMTP with lines, totals, addresses and a claim link that works', async () => {
    const order = await guestCardOrder();
    expect(await worker().drain()).toEqual({ sent: 1, skipped: 0, retried: 0, failed: 0 });

    expect(smtp.messages).toHaveLength(1);
    const m = smtp.messages[0]!;
    expect(m.to).toEqual(['guest@example.com']);
    expect(m.from).toBe('no-reply@shop.local');
    expect(m.subject).toBe(`Order ${order.number} confirmed`);
    for (const s of [order.number, 'Hi Ada Guest,', `2 × Tea Pot`, `SKU ${order.sku}`, '$12.50', '$25.00', '$2.50', '$5.00', '$32.50', ADDRESS.street, 'received by card']) {
      expect(m.text).toContain(s);
    }
    expect(m.html).toContain(order.number);
    expect(m.html).toContain('$32.50');
    expect(m.raw).toMatch(/^From: Shop <no-reply@shop\.local>/m);

    // The link carries a fresh token; only its hash is stored, and never in the outbox.
    const link = claimLinkIn(m.text);
    expect(link).toMatchObject({ email: 'guest@example.com' });
    expect(link!.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const tokens = await t.ds.query('SELECT token_hash, used_at FROM claim_tokens');
    expect(tokens).toEqual([{ token_hash: sha256(link!.token), used_at: null }]);
    expect(JSON.stringify(await outbox())).not.toContain(link!.token);
    expect((await outbox())[0]).toMatchObject({ topic: 'email.order_confirmation', attempts: 1, failed_at: null, last_error: null });
    expect((await outbox())[0]!.processed_at).toBeInstanceOf(Date);

    // The token claims the guest account; the customer then logs in and sees the order.
    await request(t.http).post('/api/customers/claim').send({ email: link!.email, token: link!.token, newPassword: 'a-new-password' }).expect(200);
    const login = await request(t.http).post('/api/auth/login').send({ email: 'guest@example.com', password: 'a-new-password' }).expect(200);
    const view = await request(t.http).get(`/api/orders/${order.orderId}`).set('Authorization', `Bearer ${login.body.accessToken}`).expect(200);
    expect(view.body.order).toMatchObject({ id: order.orderId, number: order.number });

    // Nothing is sent twice.
    expect(await worker().drain()).toEqual({ sent: 0, skipped: 0, retried: 0, failed: 0 });
    expect(smtp.messages).toHaveLength(1);
  });

  it('a registered customer’s confirmation has no claim link', async () => {
    const { auth, customer } = await signedIn(t, { name: 'Reg Istered' });
    const p = await createProduct(t, { variants: [{ price: 2000, stock: 5 }] });
    await request(t.http).post('/api/cart/items').set(auth).send({ variantId: p.variants[0]!.id, quantity: 1 }).expect(201);
    const dm = await createDeliveryMethod(t, { price: 0 });
    const res = await request(t.http).post('/api/checkout').set(auth).send({ shippingAddress: ADDRESS, deliveryMethodId: dm, paymentMethod: 'card' }).expect(201);
    await request(t.http).post(`/api/payments/sandbox/intents/${res.body.paymentIntentId}/succeed`).expect(200);
    await worker().drain();
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.to).toEqual([customer.email]);
    expect(smtp.messages[0]!.text).toContain('Hi Reg Istered,');
    expect(smtp.messages[0]!.text).toContain('$22.00'); // 20.00 + 10 % tax
    expect(claimLinkIn(smtp.messages[0]!.text)).toBeNull();
    expect(await t.ds.query('SELECT id FROM claim_tokens')).toEqual([]);
  });

  it('cash on delivery: the confirmation says what is due on delivery', async () => {
    const p = await createProduct(t, { variants: [{ price: 1000, stock: 5 }] });
    const dm = await createDeliveryMethod(t, { price: 500 });
    const session = await guestCart(t, [{ variantId: p.variants[0]!.id, quantity: 1 }]);
    const res = await request(t.http).post('/api/checkout').set(session).send(guestCheckoutBody(dm, { paymentMethod: 'cash_on_delivery' })).expect(201);
    await worker().drain();
    expect(smtp.messages[0]!.subject).toBe(`Order ${res.body.order.number} confirmed`);
    expect(smtp.messages[0]!.text).toContain('cash on delivery, $16.00 due');
  });

  it('shipped, cancelled and refunded emails for a real order', async () => {
    const order = await guestCardOrder();
    await worker().drain();
    smtp.reset();
    const base = { orderId: order.orderId, number: order.number, email: 'guest@example.com' };
    await enqueue('email.order_shipped', { ...base, trackingNumber: '1Z999AA10123456784' });
    await enqueue('email.order_cancelled', { ...base, refunded: 3250 });
    await enqueue('email.order_refunded', { ...base, amount: 1000, currency: 'usd' });
    expect(await worker().drain()).toMatchObject({ sent: 3, failed: 0 });

    const bySubject = Object.fromEntries(smtp.messages.map((m) => [m.subject, m]));
    expect(bySubject[`Order ${order.number} has shipped`]!.text).toContain('Tracking number: 1Z999AA10123456784');
    expect(bySubject[`Order ${order.number} has shipped`]!.text).toContain(ADDRESS.street);
    expect(bySubject[`Order ${order.number} has been cancelled`]!.text).toContain('A refund of $32.50');
    expect(bySubject[`Refund for order ${order.number}`]!.text).toContain(`We have refunded $10.00 for your order ${order.number}`);
    for (const m of smtp.messages) expect(m.to).toEqual(['guest@example.com']);
  });

  it('through the order APIs: admin ships (tracking) and refunds, the customer cancels: each email goes out', async () => {
    const admin = await signedIn(t, { role: 'admin' });
    const shippedOrder = await guestCardOrder();
    await request(t.http).patch(`/api/admin/orders/${shippedOrder.orderId}/status`).set(admin.auth).send({ status: 'processing' }).expect(200);
    await request(t.http)
      .patch(`/api/admin/orders/${shippedOrder.orderId}/status`)
      .set(admin.auth)
      .send({ status: 'shipped', trackingNumber: 'TRACK-123' })
      .expect(200);
    await request(t.http).post(`/api/admin/orders/${shippedOrder.orderId}/refunds`).set(admin.auth).send({ amount: 500 }).expect(201);

    const { auth, customer } = await signedIn(t);
    const p = await createProduct(t, { variants: [{ price: 2000, stock: 5 }] });
    await request(t.http).post('/api/cart/items').set(auth).send({ variantId: p.variants[0]!.id, quantity: 1 }).expect(201);
    const dm = await createDeliveryMethod(t, { price: 0 });
    const co = await request(t.http).post('/api/checkout').set(auth).send({ shippingAddress: ADDRESS, deliveryMethodId: dm, paymentMethod: 'card' }).expect(201);
    await request(t.http).post(`/api/payments/sandbox/intents/${co.body.paymentIntentId}/succeed`).expect(200);
    const [{ number }] = await t.ds.query('SELECT number FROM orders WHERE id = $1', [co.body.orderId]);
    await request(t.http).post(`/api/orders/${co.body.orderId}/cancel`).set(auth).send({}).expect(200);

    await worker().drain();
    const subjects = smtp.messages.map((m) => m.subject).sort();
    expect(subjects).toEqual(
      [
        `Order ${shippedOrder.number} confirmed`,
        `Order ${shippedOrder.number} has shipped`,
        `Refund for order ${shippedOrder.number}`,
        `Order ${number} confirmed`,
        `Order ${number} has been cancelled`,
      ].sort(),
    );
    const find = (subject: string) => smtp.messages.find((m) => m.subject === subject)!;
    expect(find(`Order ${shippedOrder.number} has shipped`).text).toContain('Tracking number: TRACK-123');
    expect(find(`Refund for order ${shippedOrder.number}`).text).toContain('We have refunded $5.00');
    expect(find(`Order ${number} has been cancelled`).to).toEqual([customer.email]);
    expect(find(`Order ${number} has been cancelled`).text).toContain('A refund of $22.00');
  });

  it('the on-hold notice goes to ADMIN_EMAIL', async () => {
    const order = await guestCardOrder();
    await worker().drain();
    smtp.reset();
    await enqueue('email.order_on_hold', { orderId: order.orderId, number: order.number, reasons: ['Payment of 100 usd does not match the order total 3250 usd'] });
    await worker().drain();
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]).toMatchObject({ to: ['ops@shop.test'], subject: `Order ${order.number} is on hold` });
    expect(smtp.messages[0]!.text).toContain('- Payment of 100 usd does not match the order total 3250 usd');
    expect(smtp.messages[0]!.text).toContain('Customer: Ada Guest <guest@example.com>');
  });

  it('a message whose database read fails does not undo the rest of its batch: the others are sent and marked once', async () => {
    await enqueue('email.order_shipped', shipped(1));
    // Not a uuid: loading the order fails in PostgreSQL (22P02), the way a lost connection would.
    await enqueue('email.order_shipped', { ...shipped(2), orderId: 'not-a-uuid' });
    await enqueue('email.order_shipped', shipped(3));

    expect(await worker().drain()).toEqual({ sent: 2, skipped: 0, retried: 1, failed: 0 });
    const rows = await outbox();
    expect(rows.map((r) => [r.attempts, r.processed_at !== null])).toEqual([[1, true], [1, false], [1, true]]);
    expect(rows[1]!.last_error).toMatch(/uuid/);
    expect(await worker().drain()).toEqual({ sent: 0, skipped: 0, retried: 0, failed: 0 });
    expect(smtp.messages.map((m) => m.to)).toEqual([['buyer1@example.com'], ['buyer3@example.com']]);
  });

  it('SMTP 451 → retried after 30 s (exponential backoff), then delivered exactly once', async () => {
    await enqueue('email.order_shipped', shipped(1));
    smtp.refuseNext(451, 'Greylisted, try again later');

    expect(await worker().drain()).toEqual({ sent: 0, skipped: 0, retried: 1, failed: 0 });
    let [row] = await outbox();
    expect(row).toMatchObject({ attempts: 1, processed_at: null, failed_at: null });
    expect(row!.last_error).toMatch(/451.*Greylisted/);
    const [{ now }] = await t.ds.query('SELECT now() AS now');
    const wait = (row!.available_at.getTime() - (now as Date).getTime()) / 1000;
    expect(wait).toBeGreaterThan(25);
    expect(wait).toBeLessThanOrEqual(30);

    // Not due yet.
    expect(await worker().drain()).toEqual({ sent: 0, skipped: 0, retried: 0, failed: 0 });
    expect(smtp.dataCommands).toBe(1);

    expect(await worker().drain(new Date(Date.now() + 31_000))).toEqual({ sent: 1, skipped: 0, retried: 0, failed: 0 });
    [row] = await outbox();
    expect(row).toMatchObject({ attempts: 2, failed_at: null, last_error: null });
    expect(row!.processed_at).toBeInstanceOf(Date);
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.subject).toBe('Order ORD-900001 has shipped');
    expect(smtp.dataCommands).toBe(2);
  });

  it('backs off 30 s, 60 s, 120 s … capped at 1 h, and dead-letters after OUTBOX_MAX_ATTEMPTS (10)', async () => {
    await enqueue('email.order_shipped', shipped(2));
    smtp.refuseNext(451, 'Mailbox busy', 10);
    const waits: number[] = [];
    // +1: the message is due at PostgreSQL's now() (microseconds); Date.now() in the same millisecond is earlier.
    let now = Date.now() + 1;
    for (let i = 1; i <= 10; i++) {
      const r = await worker().drain(new Date(now));
      const [row] = await outbox();
      expect(row!.attempts).toBe(i);
      if (i < 10) {
        expect(r.retried).toBe(1);
        waits.push((row!.available_at.getTime() - now) / 1000);
        now = row!.available_at.getTime();
      } else {
        expect(r.failed).toBe(1);
        expect(row!.failed_at).toBeInstanceOf(Date);
        expect(row!.processed_at).toBeNull();
        expect(row!.last_error).toMatch(/451/);
      }
    }
    expect(waits).toEqual([30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    // A dead letter is never picked up again.
    expect(await worker().drain(new Date(now + 86_400_000))).toEqual({ sent: 0, skipped: 0, retried: 0, failed: 0 });
    expect(smtp.messages).toHaveLength(0);
  });

  it('a recipient refused for good (550) is dead-lettered at once; a bad message too; the others still go', async () => {
    smtp.refuseRecipient('nobody@example.com', 550, 'No such user here');
    await enqueue('email.order_shipped', { ...shipped(3), email: 'nobody@example.com' });
    await enqueue('email.order_confirmation', { orderId: randomUUID(), number: 'ORD-404404', email: 'x@example.com' }); // no such order
    await t.ds.query(`INSERT INTO outbox_messages (topic, payload) VALUES ('email.not_a_topic', '{}')`);
    await enqueue('email.order_shipped', shipped(4));
    expect(await worker().drain()).toEqual({ sent: 1, skipped: 0, retried: 0, failed: 3 });
    const rows = await outbox();
    expect(rows.map((r) => [r.attempts, !!r.failed_at, !!r.processed_at])).toEqual([
      [1, true, false],
      [1, true, false],
      [1, true, false],
      [1, false, true],
    ]);
    expect(rows[0]!.last_error).toMatch(/550/);
    expect(rows[1]!.last_error).toMatch(/order .* not found/);
    expect(rows[2]!.last_error).toMatch(/unknown topic email\.not_a_topic/);
    expect(smtp.messages.map((m) => m.to)).toEqual([['buyer4@example.com']]);
  });

  it('an unreachable SMTP server is retried, not lost', async () => {
    const down = await createTestApp({ SMTP_URL: 'smtp://127.0.0.1:1' });
    try {
      await enqueue('email.order_shipped', shipped(5));
      expect(await worker(down).drain()).toMatchObject({ retried: 1 });
      const [row] = await outbox();
      expect(row).toMatchObject({ attempts: 1, processed_at: null, failed_at: null });
      expect(row!.last_error).toMatch(/ECONNREFUSED|connect/i);
    } finally {
      await down.close();
    }
    // The healthy instance delivers it once it is due.
    expect(await worker().drain(new Date(Date.now() + 31_000))).toMatchObject({ sent: 1 });
  });

  describe('several instances', () => {
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => {
      // Small batches, so the two workers take turns over the same rows.
      [a, b] = await Promise.all([createTestApp({ SMTP_URL: smtp.url, OUTBOX_BATCH_SIZE: '3' }), createTestApp({ SMTP_URL: smtp.url, OUTBOX_BATCH_SIZE: '3' })]);
    });
    afterAll(async () => {
      await Promise.all([a.close(), b.close()]);
    });

    it('two workers draining at once deliver every message exactly once', async () => {
      for (let i = 1; i <= 20; i++) await enqueue('email.order_shipped', shipped(100 + i));
      smtp.delay(15);
      const [ra, rb] = await Promise.all([worker(a).drain(), worker(b).drain()]);
      expect(ra.sent + rb.sent).toBe(20);
      // Both took part: each skipped the rows the other had locked.
      expect(ra.sent).toBeGreaterThan(0);
      expect(rb.sent).toBeGreaterThan(0);
      expect(ra.failed + rb.failed + ra.retried + rb.retried).toBe(0);
      expect(smtp.dataCommands).toBe(20);
      const subjects = smtp.messages.map((m) => m.subject);
      expect(new Set(subjects).size).toBe(20);
      expect((await outbox()).every((r) => r.processed_at && r.attempts === 1)).toBe(true);
    });

    it('without ADMIN_EMAIL the on-hold notice is skipped (processed, nothing sent)', async () => {
      await enqueue('email.order_on_hold', { orderId: randomUUID(), number: 'ORD-000777', reasons: ['x'] });
      expect(await worker(a).drain()).toEqual({ sent: 0, skipped: 1, retried: 0, failed: 0 });
      expect((await outbox())[0]!.processed_at).toBeInstanceOf(Date);
      expect(smtp.dataCommands).toBe(0);
    });
  });

  it('shutdown waits for the batch in flight, which commits', async () => {
    const s = await createTestApp({ SMTP_URL: smtp.url });
    await enqueue('email.order_shipped', shipped(6));
    smtp.delay(300);
    const draining = worker(s).drain();
    await new Promise((r) => setTimeout(r, 50));
    await s.close();
    expect(await draining).toMatchObject({ sent: 1 });
    const [row] = await outbox();
    expect(row!.processed_at).toBeInstanceOf(Date);
  });

  it('file transport (no SMTP_URL): each message becomes an .eml file under MAIL_DIR', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'co-mail-'));
    const f = await createTestApp({ MAIL_DIR: join(dir, 'mail') });
    try {
      await enqueue('email.order_shipped', shipped(7));
      await enqueue('email.order_shipped', shipped(8));
      expect(await worker(f).drain()).toMatchObject({ sent: 2 });
      const files = (await readdir(join(dir, 'mail'))).sort();
      expect(files).toHaveLength(2);
      for (const file of files) expect(file).toMatch(/^\d{4}-\d\d-\d\dT[\d-]+Z-[0-9a-f-]{36}\.eml$/);
      const parsed = await Promise.all(files.map(async (file) => simpleParser(await readFile(join(dir, 'mail', file)))));
      expect(parsed.map((p) => p.subject).sort()).toEqual(['Order ORD-900007 has shipped', 'Order ORD-900008 has shipped']);
      const to = parsed.find((p) => p.subject === 'Order ORD-900007 has shipped')!.to;
      expect(Array.isArray(to) ? to[0]!.text : to!.text).toBe('buyer7@example.com');
      expect(smtp.dataCommands).toBe(0);
    } finally {
      await f.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

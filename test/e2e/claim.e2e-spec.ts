import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import { CLAIM_REQUESTED_MESSAGE } from '../../src/customers/claims.controller';
import { OutboxWorker } from '../../src/notifications/outbox.worker';
import { truncateAll } from '../db';
import { createDeliveryMethod, guestCart, guestCheckoutBody } from '../factories/checkout.factory';
import { createCustomer } from '../factories/customer.factory';
import { createProduct } from '../factories/product.factory';
import { claimLinkIn, TestSmtpServer } from '../support/smtp';
import { createTestApp, type TestApp } from '../test-app';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('account claiming', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    t = await createTestApp({ SMTP_URL: smtp.url });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });
  beforeEach(async () => {
    await truncateAll(t.ds);
    smtp.reset();
  });

  const requestClaim = (email: string, app: TestApp = t) => request(app.http).post('/api/customers/claim/request').send({ email });
  const claim = (body: Record<string, unknown>, app: TestApp = t) => request(app.http).post('/api/customers/claim').send(body);
  const login = (email: string, password: string) => request(t.http).post('/api/auth/login').send({ email, password });
  const drain = () => t.app.get(OutboxWorker).drain();
  const expectInvalid = (res: request.Response) => {
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'INVALID_CLAIM_TOKEN', message: 'Invalid or expired claim token' });
  };
  const guest = async (email = 'guest@example.com') => createCustomer(t.ds, { email, isGuest: true, name: 'Gail Guest' });
  const isGuest = async (email: string) => (await t.ds.query('SELECT is_guest FROM customers WHERE lower(email) = lower($1)', [email]))[0].is_guest as boolean;

  /** Requests a claim for `email`, delivers the email and returns the link from it. */
  async function emailedToken(email: string) {
    await requestClaim(email).expect(202);
    await drain();
    const m = smtp.messages.find((x) => x.to.includes(email.toLowerCase()) || x.to.includes(email));
    expect(m).toBeDefined();
    const link = claimLinkIn(m!.text);
    expect(link).not.toBeNull();
    return link!;
  }

  it('happy path: a real guest card order, claim request → email → claim → login → the earlier guest orders are theirs', async () => {
    // Two guest orders with the same email (the second reuses the guest customer).
    const p = await createProduct(t, { variants: [{ price: 1000, stock: 10 }] });
    const dm = await createDeliveryMethod(t, { price: 500 });
    const orderIds: string[] = [];
    for (let i = 0; i < 2; i++) {
      const session = await guestCart(t, [{ variantId: p.variants[0]!.id, quantity: 1 }]);
      const res = await request(t.http).post('/api/checkout').set(session).send(guestCheckoutBody(dm, { email: 'Buyer@Example.com' })).expect(201);
      await request(t.http).post(`/api/payments/sandbox/intents/${res.body.paymentIntentId}/succeed`).expect(200);
      orderIds.push(res.body.orderId as string);
    }
    await drain(); // the two confirmations
    smtp.reset();

    const res = await requestClaim('buyer@example.com').expect(202);
    expect(res.body).toEqual({ message: CLAIM_REQUESTED_MESSAGE });
    await drain();
    expect(smtp.messages).toHaveLength(1);
    const m = smtp.messages[0]!;
    expect(m.to).toEqual(['Buyer@example.com']); // nodemailer lower-cases the domain
    expect(m.subject).toBe('Set a password for your Shop account');
    expect(m.text).toContain('Hi Ada Guest,');
    expect(m.text).toContain('for 24 hours');
    const link = claimLinkIn(m.text)!;
    expect(link.email).toBe('Buyer@Example.com');
    const [row] = await t.ds.query('SELECT round(extract(epoch FROM expires_at - created_at))::int AS ttl FROM claim_tokens WHERE token_hash = $1', [sha256(link.token)]);
    expect(row.ttl).toBe(86_400);

    const claimed = await claim({ email: 'BUYER@example.com ', token: link.token, newPassword: 'my-new-password' }).expect(200);
    expect(claimed.body.customer).toMatchObject({ email: 'Buyer@Example.com', isGuest: false, emailVerified: true, role: 'customer' });
    expect(claimed.body.customer.passwordHash).toBeUndefined();
    const [c] = await t.ds.query(`SELECT password_hash FROM customers WHERE lower(email) = 'buyer@example.com'`);
    expect(c.password_hash).toMatch(/^\$argon2id\$/);

    const session = await login('buyer@example.com', 'my-new-password').expect(200);
    const auth = { Authorization: `Bearer ${session.body.accessToken}` };
    for (const id of orderIds) {
      const view = await request(t.http).get(`/api/orders/${id}`).set(auth).expect(200);
      expect(view.body.order).toMatchObject({ id, customerId: claimed.body.customer.id });
    }
    const list = await request(t.http).get('/api/orders').set(auth).expect(200);
    expect((list.body.orders as { id: string }[]).map((o) => o.id).sort()).toEqual([...orderIds].sort());
    // Every token of the customer is spent (the ones in the order confirmations too).
    expect(await t.ds.query('SELECT count(*)::int AS n FROM claim_tokens WHERE used_at IS NULL')).toEqual([{ n: 0 }]);
    expect(await t.ds.query('SELECT count(*)::int AS n FROM claim_tokens')).toEqual([{ n: 3 }]);
  });

  it('a token works once: reusing it → 400 INVALID_CLAIM_TOKEN, and the password stays', async () => {
    await guest();
    const link = await emailedToken('guest@example.com');
    await claim({ email: 'guest@example.com', token: link.token, newPassword: 'first-password' }).expect(200);
    expectInvalid(await claim({ email: 'guest@example.com', token: link.token, newPassword: 'second-password' }));
    await login('guest@example.com', 'first-password').expect(200);
    await login('guest@example.com', 'second-password').expect(401);
  });

  it('an expired token → 400 INVALID_CLAIM_TOKEN; the customer stays a guest', async () => {
    await guest();
    const link = await emailedToken('guest@example.com');
    await t.ds.query(`UPDATE claim_tokens SET expires_at = now() - interval '1 second'`);
    expectInvalid(await claim({ email: 'guest@example.com', token: link.token, newPassword: 'some-password' }));
    expect(await isGuest('guest@example.com')).toBe(true);
  });

  it('the wrong email (unknown, or another guest) → 400 INVALID_CLAIM_TOKEN', async () => {
    await guest();
    await guest('other@example.com');
    const link = await emailedToken('guest@example.com');
    expectInvalid(await claim({ email: 'other@example.com', token: link.token, newPassword: 'some-password' }));
    expectInvalid(await claim({ email: 'nobody@example.com', token: link.token, newPassword: 'some-password' }));
    expect(await isGuest('guest@example.com')).toBe(true);
    expect(await isGuest('other@example.com')).toBe(true);
    // The token is still good for its own email.
    await claim({ email: 'guest@example.com', token: link.token, newPassword: 'some-password' }).expect(200);
  });

  it('a wrong or malformed token → 400 INVALID_CLAIM_TOKEN; a bad body → 400 VALIDATION_FAILED', async () => {
    await guest();
    await emailedToken('guest@example.com');
    expectInvalid(await claim({ email: 'guest@example.com', token: randomBytes(32).toString('base64url'), newPassword: 'some-password' }));
    expectInvalid(await claim({ email: 'guest@example.com', token: 'x', newPassword: 'some-password' }));
    const bad = await claim({ email: 'not-an-email', token: '', newPassword: 'short' }).expect(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect((bad.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(['email', 'newPassword', 'token']);
    expect(await isGuest('guest@example.com')).toBe(true);
  });

  it('a registered or unknown email: 202 all the same, no token, no email', async () => {
    const registered = await createCustomer(t.ds, { email: 'member@example.com' });
    const a = await requestClaim(registered.email).expect(202);
    const b = await requestClaim('nobody@example.com').expect(202);
    expect(a.body).toEqual(b.body);
    expect(await t.ds.query('SELECT topic FROM outbox_messages')).toEqual([]);
    expect(await drain()).toEqual({ sent: 0, skipped: 0, retried: 0, failed: 0 });
    expect(await t.ds.query('SELECT id FROM claim_tokens')).toEqual([]);
    expect(smtp.messages).toHaveLength(0);
    // And a registered account cannot be "claimed" with a token minted while it was a guest.
    const was = await guest('was-guest@example.com');
    const link = await emailedToken('was-guest@example.com');
    await t.ds.query(`UPDATE customers SET is_guest = false, password_hash = 'x' WHERE id = $1`, [was.id]);
    expectInvalid(await claim({ email: 'was-guest@example.com', token: link.token, newPassword: 'some-password' }));
  });

  it('one claim email a minute per guest, however often it is asked for', async () => {
    await guest();
    for (let i = 0; i < 3; i++) await requestClaim('guest@example.com').expect(202);
    await Promise.all(Array.from({ length: 5 }, () => requestClaim('GUEST@example.com').expect(202)));
    expect(await t.ds.query(`SELECT count(*)::int AS n FROM outbox_messages WHERE topic = 'email.claim_account'`)).toEqual([{ n: 1 }]);
    await t.ds.query(`UPDATE customers SET claim_requested_at = now() - interval '61 seconds'`);
    await requestClaim('guest@example.com').expect(202);
    expect(await t.ds.query(`SELECT count(*)::int AS n FROM outbox_messages WHERE topic = 'email.claim_account'`)).toEqual([{ n: 2 }]);
  });

  it('register with a guest’s email → 409 ACCOUNT_CLAIM_REQUIRED, and the claim email is sent', async () => {
    await guest();
    const res = await request(t.http).post('/api/auth/register').send({ email: 'Guest@Example.com', password: 'a-password-1', name: 'Someone' }).expect(409);
    expect(res.body.code).toBe('ACCOUNT_CLAIM_REQUIRED');
    await drain();
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.to).toEqual(['guest@example.com']);
    const link = claimLinkIn(smtp.messages[0]!.text)!;
    await claim({ email: link.email, token: link.token, newPassword: 'claimed-password' }).expect(200);
    await login('guest@example.com', 'claimed-password').expect(200);
    // A registered email still gets EMAIL_TAKEN, and no claim email.
    smtp.reset();
    expect((await request(t.http).post('/api/auth/register').send({ email: 'guest@example.com', password: 'a-password-1', name: 'Someone' }).expect(409)).body.code).toBe('EMAIL_TAKEN');
    expect(await drain()).toMatchObject({ sent: 0 });
  });

  it('a claim email for a guest who has claimed since is not sent', async () => {
    await guest();
    const link = await emailedToken('guest@example.com');
    await t.ds.query(`UPDATE customers SET claim_requested_at = NULL`);
    await requestClaim('guest@example.com').expect(202); // queued while still a guest
    await claim({ email: 'guest@example.com', token: link.token, newPassword: 'some-password' }).expect(200);
    smtp.reset();
    expect(await drain()).toEqual({ sent: 0, skipped: 1, retried: 0, failed: 0 });
    expect(smtp.messages).toHaveLength(0);
  });

  it('concurrent claims: with one token exactly one of 10 wins; with two tokens of one guest, one wins', async () => {
    await guest();
    const link = await emailedToken('guest@example.com');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => claim({ email: 'guest@example.com', token: link.token, newPassword: `password-${i}` })),
    );
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expectInvalid(r);
    const won = results.indexOf(winners[0]!);
    await login('guest@example.com', `password-${won}`).expect(200);
    await login('guest@example.com', `password-${(won + 1) % 10}`).expect(401);

    // Two different tokens of another guest, redeemed at once.
    await guest('two@example.com');
    const first = await emailedToken('two@example.com');
    await t.ds.query(`UPDATE customers SET claim_requested_at = NULL`);
    smtp.reset();
    const second = await emailedToken('two@example.com');
    expect(second.token).not.toBe(first.token);
    const pair = await Promise.all([
      claim({ email: 'two@example.com', token: first.token, newPassword: 'password-a' }),
      claim({ email: 'two@example.com', token: second.token, newPassword: 'password-b' }),
    ]);
    expect(pair.map((r) => r.status).sort()).toEqual([200, 400]);
  });

  it('rate limited per client IP: the 4th request → 429 RATE_LIMITED when AUTH_RATE_LIMIT=3', async () => {
    const limited = await createTestApp({ SMTP_URL: smtp.url, AUTH_RATE_LIMIT: '3' });
    try {
      for (let i = 0; i < 3; i++) await requestClaim(`x${i}@example.com`, limited).expect(202);
      const res = await requestClaim('x4@example.com', limited).expect(429);
      expect(res.body.code).toBe('RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      for (let i = 0; i < 3; i++) expectInvalid(await claim({ email: 'a@example.com', token: 'nope', newPassword: 'some-password' }, limited));
      expect((await claim({ email: 'a@example.com', token: 'nope', newPassword: 'some-password' }, limited).expect(429)).body.code).toBe('RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });
});

import request from 'supertest';
import { Checkout } from '../../src/checkout/checkout.entity';
import { CheckoutCompletion } from '../../src/checkout/checkout-completion.service';
import { InventoryService } from '../../src/inventory/inventory.service';
import { OrderHistory } from '../../src/orders/order-history.entity';
import { OrderItem } from '../../src/orders/order-item.entity';
import { Order } from '../../src/orders/order.entity';
import { OrdersService, toView, type NewOrder } from '../../src/orders/orders.service';
import { SandboxProvider } from '../../src/payments/sandbox.provider';
import { truncateAll } from '../db';
import { count, createDeliveryMethod, guestCart, guestCheckoutBody, stock } from '../factories/checkout.factory';
import { createCustomer } from '../factories/customer.factory';
import { ORDER_ADDRESS } from '../factories/order.factory';
import { createProduct } from '../factories/product.factory';
import { deliver, intentSucceededEvent } from '../support/webhooks';
import { stripeEvent } from '../support/fake-stripe';
import { createTestApp, type TestApp } from '../test-app';
import { sqlDuring } from '../support/sql-spy';

/**
 * The checkout's hot path in raw SQL (docs/performance.md, issue 7): the statements each step sends, and that
 * what the hand-written row mappers return is exactly what TypeORM's entities and the earlier reads gave.
 */
describe('hot path SQL', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ DEFAULT_TAX_RATE_BPS: '0' });
  });
  afterAll(() => t.close());
  beforeEach(() => truncateAll(t.ds));

  /** The SQL texts `work` sends through TypeORM's query runner (raw queries and TypeORM's own). */
  const statementsOf = async (work: () => Promise<unknown>) => (await sqlDuring(work)).texts;
  const matching = (sqls: string[], re: RegExp) => sqls.filter((s) => re.test(s)).length;

  /** What `OrdersService.view` returned before it was one query: three TypeORM reads. */
  async function viewAsBefore(orderId: string) {
    const m = t.ds.manager;
    const order = await m.getRepository(Order).findOneByOrFail({ id: orderId });
    const items = await m.getRepository(OrderItem).find({ where: { orderId }, order: { productName: 'ASC', sku: 'ASC' } });
    const history = await m.getRepository(OrderHistory).find({ where: { orderId }, order: { at: 'ASC', id: 'ASC' } });
    return toView(order, items, history);
  }

  async function awaitingPayment() {
    const p = await createProduct(t, { variants: [{ price: 1000, stock: 10 }, { price: 2500, stock: 10 }] });
    const dm = await createDeliveryMethod(t, { price: 0 });
    const session = await guestCart(t, [
      { variantId: p.variants[0]!.id, quantity: 2 },
      { variantId: p.variants[1]!.id, quantity: 1 },
    ]);
    const co = (await request(t.http).post('/api/checkout').set(session).send(guestCheckoutBody(dm)).expect(201)).body;
    return { p, session, co };
  }

  it('paying: one statement for the stock lines, one for the order with its history and lines, no re-reads; the poll reads the order once', async () => {
    const { p, session, co } = await awaitingPayment();
    let outcome: unknown;
    const pay = await statementsOf(async () => {
      outcome = (await request(t.http).post(`/api/payments/sandbox/intents/${co.paymentIntentId}/succeed`).expect(200)).body.outcome;
    });
    expect(outcome).toBe('applied');

    expect(matching(pay, /sandbox_payment_objects/)).toBe(1); // UPDATE … RETURNING
    expect(matching(pay, /payment_events/)).toBe(1); // the claim, already with its outcome
    expect(matching(pay, /stock_items/)).toBe(1); // both lines, locked in variant-id order, …
    expect(matching(pay, /inventory_movements/)).toBe(1); // … with their ledger rows, in one statement
    expect(matching(pay, /\border_history\b/)).toBe(1); // with the order's INSERT …
    expect(matching(pay, /\border_items\b/)).toBe(1);
    expect(pay.filter((s) => /\border_history\b/.test(s) && /\border_items\b/.test(s) && /^WITH o AS \(\s*INSERT INTO orders\b/.test(s))).toHaveLength(1); // … and its lines: one statement
    expect(matching(pay, /\bFROM "?orders"?\b/)).toBe(0); // the order is not read back
    expect(matching(pay, /\bcheckouts\b/)).toBe(2); // the checkout locked after its cart (one statement), the final update

    expect(await count(t, 'payment_events', `outcome = 'applied'`)).toBe(1);
    for (const v of p.variants) {
      const [ledger] = await t.ds.query('SELECT sum(delta_on_hand)::int AS on_hand, sum(delta_reserved)::int AS reserved FROM inventory_movements WHERE variant_id = $1', [v.id]);
      expect(ledger).toEqual({ on_hand: (await stock(t, v.id)).onHand, reserved: (await stock(t, v.id)).reserved });
    }
    expect(await stock(t, p.variants[0]!.id)).toEqual({ onHand: 8, reserved: 0 });

    let poll: request.Response | undefined;
    const polled = await statementsOf(async () => {
      poll = await request(t.http).get(`/api/checkout/${co.checkoutId}`).set(session).expect(200);
    });
    expect(matching(polled, /\b(orders|order_items|order_history)\b/)).toBe(1);
    const before = JSON.parse(JSON.stringify(await viewAsBefore(co.orderId)));
    expect(poll!.body.order).toEqual(before);
    expect(before.history.map((h: { status: string }) => h.status)).toEqual(['pending', 'paid']);
  });

  it('create returns the order as TypeORM reads it; history stamped in order; view equals the three reads', async () => {
    const customer = await createCustomer(t.ds);
    const orders = t.app.get(OrdersService);
    const id = '7a1c3a9e-0d1b-4c4e-9b7f-2f0a3c5d6e70';
    const unit = 1_000_000_000; // the order's amounts beyond 32 bits: bigint columns
    const input: NewOrder = {
      id,
      checkoutId: null,
      customerId: customer.id,
      email: customer.email,
      status: 'paid',
      paymentStatus: 'paid',
      paymentMethod: 'card',
      currency: 'usd',
      subtotal: 4 * unit,
      discount: 50,
      discountCode: 'SAVE"{1,2}"',
      discountId: null,
      shipping: 500,
      tax: 0,
      taxRateBps: 0,
      total: 4 * unit - 50 + 500,
      amountPaid: 4 * unit + 450,
      shippingAddress: ORDER_ADDRESS,
      billingAddress: { ...ORDER_ADDRESS, name: 'O\'Brien, "Bill" {x}' },
      deliveryMethod: null,
      notes: 'Leave at the door; "ring" twice {please}',
      paymentIntentId: 'pi_test_1',
      lines: [
        { productId: '11111111-1111-4111-8111-111111111111', variantId: '22222222-2222-4222-8222-222222222222', productName: 'Zed, "quoted" {braces}', sku: 'Z-1', quantity: 2, unitPrice: unit, totalPrice: 2 * unit },
        { productId: '33333333-3333-4333-8333-333333333333', variantId: '44444444-4444-4444-8444-444444444444', productName: 'Alpha', sku: 'A\\1', quantity: 1, unitPrice: 2 * unit, totalPrice: 2 * unit },
      ],
      history: [
        { status: 'pending', actor: 'system', note: 'first, "one" {1}' },
        { status: 'on_hold', actor: 'system', note: null },
        { status: 'paid', actor: 'webhook:payment_intent.succeeded' },
      ],
    };
    const created = await t.ds.transaction((tx) => orders.create(tx, input));
    const read = await t.ds.manager.getRepository(Order).findOneByOrFail({ id });
    expect(created).toEqual(read);
    expect(created).toBeInstanceOf(Order);
    expect(created.number).toMatch(/^ORD-\d{6}$/);
    expect(created.total).toBe(4 * unit + 450);

    const history = await t.ds.query('SELECT status, note, at FROM order_history WHERE order_id = $1 ORDER BY at, id', [id]);
    expect(history.map((h: { status: string }) => h.status)).toEqual(['pending', 'on_hold', 'paid']);
    expect(history[0].note).toBe('first, "one" {1}');
    expect(history[1].note).toBeNull();
    for (let i = 1; i < history.length; i++) expect(history[i].at.getTime()).toBe(history[i - 1].at.getTime() + 1);

    // A later change is stamped after them, whatever the clock says.
    await t.ds.transaction((tx) => orders.appendHistory(tx, id, [{ status: 'paid', actor: 'admin:x', note: 'later' }]));
    const last = await t.ds.query('SELECT max(at) AS at FROM order_history WHERE order_id = $1', [id]);
    expect(last[0].at.getTime()).toBeGreaterThan(history[2].at.getTime());

    const view = await orders.view(id);
    expect(view).toEqual(await viewAsBefore(id));
    expect(view.items.map((i) => i.productName)).toEqual(['Alpha', 'Zed, "quoted" {braces}']);
    expect(view.items[1]!.totalPrice).toBe(2 * unit);
    expect(view.total).toBe(4 * unit + 450);
    expect(view.history.every((h) => h.at instanceof Date)).toBe(true);
    await expect(orders.view(id, { customerId: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });
    await expect(orders.view('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });
  });

  it('lock: the checkout as TypeORM reads it, also when its cart was purged; unknown → null', async () => {
    const { co } = await awaitingPayment();
    const completion = t.app.get(CheckoutCompletion);
    expect(await t.ds.transaction((tx) => completion.lock(tx, '00000000-0000-4000-8000-000000000000'))).toBeNull();
    const locked = await t.ds.transaction((tx) => completion.lock(tx, co.checkoutId));
    expect(locked).toEqual(await t.ds.manager.getRepository(Checkout).findOneByOrFail({ id: co.checkoutId }));

    await t.ds.query('DELETE FROM carts WHERE id = $1', [locked!.cartId]);
    const again = await t.ds.transaction((tx) => completion.lock(tx, co.checkoutId));
    expect(again?.id).toBe(co.checkoutId);
    const paid = await request(t.http).post(`/api/payments/sandbox/intents/${co.paymentIntentId}/succeed`).expect(200);
    expect(paid.body.outcome).toBe('applied');
    expect(await count(t, 'orders', 'id = $1', [co.orderId])).toBe(1);
  });

  it('sandbox: unknown id 404, wrong state 409, each settled with one statement; createIntent is idempotent', async () => {
    const { co } = await awaitingPayment();
    const unknown = await request(t.http).post('/api/payments/sandbox/intents/pi_sandbox_nope/succeed').expect(404);
    expect(unknown.body.code).toBe('PAYMENT_NOT_FOUND');
    const failed = await request(t.http).post(`/api/payments/sandbox/intents/${co.paymentIntentId}/fail`).expect(200);
    expect(failed.body.outcome).toBe('applied');
    await request(t.http).post(`/api/payments/sandbox/intents/${co.paymentIntentId}/succeed`).expect(200);
    const twice = await request(t.http).post(`/api/payments/sandbox/intents/${co.paymentIntentId}/succeed`).expect(409);
    expect(twice.body.code).toBe('PAYMENT_INTENT_UNEXPECTED_STATE');
    expect((await request(t.http).post(`/api/payments/sandbox/intents/${co.checkoutId}/succeed`).expect(404)).body.code).toBe('PAYMENT_NOT_FOUND');

    const sandbox = t.app.get(SandboxProvider);
    const input = { amount: 1234, currency: 'usd', metadata: { checkoutId: 'c1', orderId: 'o1', customerId: 'u1' }, idempotencyKey: 'k-1', description: 'x' };
    const created: { id: string }[] = [];
    const once = await statementsOf(async () => created.push(await sandbox.createIntent(input)));
    expect(once).toHaveLength(1);
    const second = await sandbox.createIntent({ ...input, amount: 999 });
    expect(second.id).toBe(created[0]!.id);
    const row = await sandbox.findObject(second.id);
    expect(row).toMatchObject({ kind: 'payment_intent', amount: 1234, amountRefunded: 0, status: 'requires_payment_method', metadata: input.metadata });
  });

  it('sandbox sessions: complete pays the intent, expire cancels it, in one statement each', async () => {
    const p = await createProduct(t, { variants: [{ price: 1000, stock: 10 }] });
    const dm = await createDeliveryMethod(t, { price: 0 });
    const start = async () => {
      const session = await guestCart(t, [{ variantId: p.variants[0]!.id, quantity: 1 }]);
      const res = await request(t.http).post('/api/checkout').set(session).send(guestCheckoutBody(dm, { paymentFlow: 'hosted' })).expect(201);
      const sessionId = (res.body.url as string).split('/').pop()!;
      const row = await t.app.get(SandboxProvider).findObject(sessionId);
      return { sessionId, intentId: row!.paymentIntentId! };
    };
    const a = await start();
    const settled = await statementsOf(() => request(t.http).post(`/api/payments/sandbox/sessions/${a.sessionId}/complete`).expect(200));
    expect(matching(settled, /sandbox_payment_objects/)).toBe(1);
    expect((await t.app.get(SandboxProvider).findObject(a.intentId))?.status).toBe('succeeded');
    expect((await request(t.http).post(`/api/payments/sandbox/sessions/${a.sessionId}/complete`).expect(409)).body.code).toBe('CHECKOUT_SESSION_NOT_OPEN');
    expect((await request(t.http).post('/api/payments/sandbox/sessions/cs_sandbox_nope/expire').expect(404)).body.code).toBe('PAYMENT_NOT_FOUND');

    const b = await start();
    await request(t.http).post(`/api/payments/sandbox/sessions/${b.sessionId}/expire`).expect(200);
    expect((await t.app.get(SandboxProvider).findObject(b.sessionId))?.status).toBe('expired');
    expect((await t.app.get(SandboxProvider).findObject(b.intentId))?.status).toBe('canceled');
  });

  it('event log: the outcome is written with the claim when applied, corrected otherwise; a duplicate changes nothing', async () => {
    const { co } = await awaitingPayment();
    const event = await intentSucceededEvent(t, co.paymentIntentId);
    expect((await deliver(t, event).expect(200)).body.outcome).toBe('applied');
    expect((await deliver(t, event).expect(200)).body.outcome).toBe('duplicate');
    const ignored = stripeEvent('customer.created', { id: 'cus_1', object: 'customer' });
    expect((await deliver(t, ignored).expect(200)).body.outcome).toBe('ignored');
    const rows = await t.ds.query('SELECT id, outcome FROM payment_events ORDER BY received_at');
    expect(rows).toEqual([
      { id: event.id, outcome: 'applied' },
      { id: ignored.id, outcome: 'ignored' },
    ]);
  });

  it('inventory: each change and its ledger row are one statement; failures are the same errors; the ledger sums to the stock', async () => {
    const p = await createProduct(t, { variants: [{ price: 1000, stock: 5 }, { price: 1000, stock: 1 }] });
    const [a, b] = [p.variants[0]!.id, p.variants[1]!.id];
    const inventory = t.app.get(InventoryService);
    const sqls = await statementsOf(() => t.ds.transaction((tx) => inventory.reserve(tx, [{ variantId: b, quantity: 1 }, { variantId: a, quantity: 2 }, { variantId: a, quantity: 1 }], 'ref:1')));
    expect(matching(sqls, /stock_items|inventory_movements/)).toBe(1); // two variants, one statement
    await expect(t.ds.transaction((tx) => inventory.reserve(tx, [{ variantId: a, quantity: 1 }, { variantId: b, quantity: 1 }], 'ref:2'))).rejects.toMatchObject({
      code: 'INSUFFICIENT_STOCK',
    });
    await expect(t.ds.transaction((tx) => inventory.commit(tx, [{ variantId: a, quantity: 4 }], 'ref:1'))).rejects.toMatchObject({ code: 'STOCK_NOT_RESERVED' });
    await t.ds.transaction(async (tx) => {
      await inventory.commit(tx, [{ variantId: a, quantity: 2 }], 'ref:1');
      await inventory.release(tx, [{ variantId: a, quantity: 1 }, { variantId: b, quantity: 1 }], 'ref:1');
      await inventory.decrement(tx, [{ variantId: a, quantity: 1 }], 'ref:3');
      await inventory.restock(tx, [{ variantId: a, quantity: 2 }], 'ref:3');
    });
    expect(await inventory.adjust(a, -3, 'count', null)).toEqual({ variantId: a, onHand: 1, reserved: 0, available: 1 });
    await expect(inventory.adjust(a, -2, 'count', null)).rejects.toMatchObject({ code: 'INSUFFICIENT_STOCK' });
    expect(await stock(t, a)).toEqual({ onHand: 1, reserved: 0 });
    for (const v of [a, b]) {
      const [ledger] = await t.ds.query('SELECT sum(delta_on_hand)::int AS on_hand, sum(delta_reserved)::int AS reserved FROM inventory_movements WHERE variant_id = $1', [v]);
      const s = await stock(t, v);
      expect(ledger).toEqual({ on_hand: s.onHand, reserved: s.reserved });
    }
    const kinds = await t.ds.query(`SELECT kind, delta_on_hand, delta_reserved, reference FROM inventory_movements WHERE variant_id = $1 AND kind <> 'initial' ORDER BY created_at, kind`, [a]);
    expect(kinds).toHaveLength(6);
  });
});

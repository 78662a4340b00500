import request from 'supertest';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { OrdersService } from '../../src/orders/orders.service';
import { truncateAll } from '../db';
import { ADDRESS, count, createDeliveryMethod, guestCart, guestCheckoutBody, stock } from '../factories/checkout.factory';
import { createCustomer, signedIn } from '../factories/customer.factory';
import { createOrder, createOrders, historyOf } from '../factories/order.factory';
import { createProduct } from '../factories/product.factory';
import { createTestApp, type TestApp } from '../test-app';

type Auth = Record<string, string>;
interface OrderBody {
  id: string;
  number: string;
  status: string;
  paymentStatus: string;
  customerId: string;
  items: unknown[];
  history: { status: string; actor: string; note: string | null }[];
}

describe('orders (customer routes, archive, mark paid, guest lookup)', () => {
  let t: TestApp;
  let admin: { auth: Auth; id: string };

  beforeAll(async () => {
    t = await createTestApp({ DEFAULT_TAX_RATE_BPS: '0' });
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await truncateAll(t.ds);
    const a = await signedIn(t, { role: 'admin' });
    admin = { auth: a.auth, id: a.customer.id };
  });

  const list = (auth: Auth, query = '') => request(t.http).get(`/api/orders${query}`).set(auth);

  /** A real cash-on-delivery checkout by a signed-in customer: pending / unpaid, stock taken. */
  async function codOrder() {
    const b = await signedIn(t);
    const p = await createProduct(t, { variants: [{ price: 1000, stock: 5 }] });
    const v = p.variants[0]!;
    const dm = await createDeliveryMethod(t, { price: 500 });
    await request(t.http).post('/api/cart/items').set(b.auth).send({ variantId: v.id, quantity: 2 }).expect(201);
    const res = await request(t.http).post('/api/checkout').set(b.auth).send({ shippingAddress: ADDRESS, deliveryMethodId: dm, paymentMethod: 'cash_on_delivery' }).expect(201);
    return { buyer: b, v, order: res.body.order as OrderBody };
  }

  /** A real guest card checkout paid through the sandbox: paid / paid. */
  async function guestPaidOrder(email = 'guest@example.com') {
    const p = await createProduct(t, { variants: [{ price: 1500, stock: 5 }] });
    const dm = await createDeliveryMethod(t, { price: 0 });
    const session = await guestCart(t, [{ variantId: p.variants[0]!.id, quantity: 1 }]);
    const co = await request(t.http).post('/api/checkout').set(session).send(guestCheckoutBody(dm, { email })).expect(201);
    await request(t.http).post(`/api/payments/sandbox/intents/${co.body.paymentIntentId}/succeed`).expect(200);
    const [row] = await t.ds.query('SELECT number, customer_id FROM orders WHERE id = $1', [co.body.orderId]);
    return { id: co.body.orderId as string, number: row.number as string, customerId: row.customer_id as string };
  }

  describe('GET /api/orders', () => {
    it('lists only the caller\'s orders, newest first, with items and history, and the total count', async () => {
      const me = await signedIn(t);
      const other = await signedIn(t);
      const mine = await createOrders(t, 3, { customerId: me.customer.id });
      await createOrders(t, 2, { customerId: other.customer.id });
      const res = await list(me.auth).expect(200);
      expect(res.body).toMatchObject({ count: 3, nextCursor: null });
      expect(res.body.orders.map((o: OrderBody) => o.id)).toEqual(mine.map((o) => o.id)); // created newest first
      for (const o of res.body.orders as OrderBody[]) {
        expect(o.customerId).toBe(me.customer.id);
        expect(o.items).toHaveLength(2);
        expect(o.history.map((h) => h.status)).toEqual(['pending']);
      }
      expect((await list(other.auth).expect(200)).body.count).toBe(2);
      expect((await list((await signedIn(t)).auth).expect(200)).body).toEqual({ orders: [], count: 0, nextCursor: null });
    });

    it('pages by keyset without duplicates or gaps, even when many orders share one timestamp', async () => {
      const me = await signedIn(t);
      const spread = await createOrders(t, 13, { customerId: me.customer.id, start: new Date(Date.UTC(2026, 1, 1)) });
      const tied = await createOrders(t, 12, { customerId: me.customer.id, start: new Date(Date.UTC(2026, 0, 15)), sameTime: true });
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: request.Response = await list(me.auth, `?limit=4${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
        expect(res.body.count).toBe(25);
        expect(res.body.orders.length).toBeLessThanOrEqual(4);
        seen.push(...res.body.orders.map((o: OrderBody) => o.id));
        cursor = res.body.nextCursor;
        pages += 1;
      } while (cursor && pages < 20);
      expect(pages).toBe(7);
      expect(new Set(seen).size).toBe(25);
      expect(seen.slice(0, 13)).toEqual(spread.map((o) => o.id));
      // Ties on created_at are ordered by id, descending.
      expect(seen.slice(13)).toEqual(tied.map((o) => o.id).sort().reverse());
    });

    it('filters by status (count follows the filter), defaults to 20, and validates limit, status and cursor', async () => {
      const me = await signedIn(t);
      await createOrders(t, 22, { customerId: me.customer.id });
      await createOrder(t, { customerId: me.customer.id, status: 'shipped' });
      await createOrder(t, { customerId: me.customer.id, status: 'shipped' });
      const def = await list(me.auth).expect(200);
      expect(def.body.orders).toHaveLength(20);
      expect(def.body.count).toBe(24);
      expect(def.body.nextCursor).toEqual(expect.any(String));
      const shipped = await list(me.auth, '?status=shipped').expect(200);
      expect(shipped.body.count).toBe(2);
      expect(shipped.body.orders.map((o: OrderBody) => o.status)).toEqual(['shipped', 'shipped']);
      expect((await list(me.auth, '?status=pending&limit=100').expect(200)).body.orders).toHaveLength(22);
      for (const q of ['?limit=0', '?limit=101', '?limit=abc', '?status=lost', '?foo=1']) {
        expect((await list(me.auth, q).expect(400)).body.code).toBe('VALIDATION_FAILED');
      }
      expect((await list(me.auth, '?cursor=garbage').expect(400)).body.code).toBe('INVALID_CURSOR');
      await request(t.http).get('/api/orders').expect(401);
    });

    it('hides archived orders from the list and the count', async () => {
      const me = await signedIn(t);
      await createOrder(t, { customerId: me.customer.id, status: 'cancelled', archived: true });
      const kept = await createOrder(t, { customerId: me.customer.id });
      const res = await list(me.auth).expect(200);
      expect(res.body.count).toBe(1);
      expect(res.body.orders.map((o: OrderBody) => o.id)).toEqual([kept.id]);
    });

    it('no N+1: a page of 5 and a page of 50 orders (with items and history) take the same number of queries', async () => {
      const me = await signedIn(t);
      await createOrders(t, 50, { customerId: me.customer.id, lines: 3, status: 'paid' });
      const orderSql = /\b(orders|order_items|order_history)\b/;
      const spy = jest.spyOn(PostgresQueryRunner.prototype, 'query');
      const queriesFor = async (limit: number) => {
        spy.mockClear();
        const res = await list(me.auth, `?limit=${limit}`).expect(200);
        expect(res.body.orders).toHaveLength(limit);
        expect(res.body.orders.every((o: OrderBody) => o.items.length === 3 && o.history.length === 2)).toBe(true);
        return spy.mock.calls.filter(([sql]) => orderSql.test(String(sql))).length;
      };
      try {
        const five = await queriesFor(5);
        const fifty = await queriesFor(50);
        expect(fifty).toBe(five);
        expect(five).toBe(2); // count, and the page with its items and history
      } finally {
        spy.mockRestore();
      }
    });
  });

  describe('GET /api/orders/:id', () => {
    it('is the owner\'s only: another customer, an unknown id and an archived order are all 404', async () => {
      const { buyer, order } = await codOrder();
      const own = await request(t.http).get(`/api/orders/${order.id}`).set(buyer.auth).expect(200);
      expect(own.body.order).toMatchObject({ id: order.id, status: 'pending', paymentStatus: 'unpaid' });
      const other = await signedIn(t);
      expect((await request(t.http).get(`/api/orders/${order.id}`).set(other.auth).expect(404)).body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        code: 'ORDER_NOT_FOUND',
        message: 'Order not found',
      });
      await request(t.http).get('/api/orders/00000000-0000-4000-8000-000000000000').set(buyer.auth).expect(404);
      await request(t.http).get('/api/orders/not-a-uuid').set(buyer.auth).expect(400);
      await request(t.http).delete(`/api/orders/${order.id}`).set(buyer.auth).expect(200);
      await request(t.http).get(`/api/orders/${order.id}`).set(buyer.auth).expect(404);
    });
  });

  describe('DELETE /api/orders/:id (archive)', () => {
    it('the owner deletes a pending unpaid order: cancelled, stock restored, hidden; the admin still sees it', async () => {
      const { buyer, v, order } = await codOrder();
      expect(await stock(t, v.id)).toEqual({ onHand: 3, reserved: 0 });
      const res = await request(t.http).delete(`/api/orders/${order.id}`).set(buyer.auth).expect(200);
      expect(res.body).toEqual({ message: 'Order deleted successfully' });
      expect(await stock(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
      expect((await list(buyer.auth).expect(200)).body.count).toBe(0);
      const seen = await request(t.http).get(`/api/admin/orders/${order.id}`).set(admin.auth).expect(200);
      expect(seen.body.order).toMatchObject({ status: 'cancelled', archivedAt: expect.any(String) });
      const history = await historyOf(t, order.id);
      expect(history.slice(-2)).toEqual([
        { status: 'cancelled', actor: `customer:${buyer.customer.id}`, note: 'Deleted before payment' },
        { status: 'cancelled', actor: `customer:${buyer.customer.id}`, note: 'Archived' },
      ]);
      // Gone for the customer; an admin repeating it is a no-op (nothing restocked twice).
      expect((await request(t.http).delete(`/api/orders/${order.id}`).set(buyer.auth).expect(404)).body.code).toBe('ORDER_NOT_FOUND');
      await request(t.http).delete(`/api/orders/${order.id}`).set(admin.auth).expect(200);
      expect(await stock(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
      expect((await historyOf(t, order.id)).length).toBe(history.length);
    });

    it('a cancelled order can be deleted; paid, processing or shipped ones cannot (409 ORDER_NOT_ARCHIVABLE)', async () => {
      const me = await signedIn(t);
      const cancelled = await createOrder(t, { customerId: me.customer.id, status: 'cancelled' });
      await request(t.http).delete(`/api/orders/${cancelled.id}`).set(me.auth).expect(200);
      for (const status of ['paid', 'processing', 'shipped', 'delivered', 'on_hold'] as const) {
        const o = await createOrder(t, { customerId: me.customer.id, status });
        const res = await request(t.http).delete(`/api/orders/${o.id}`).set(me.auth).expect(409);
        expect(res.body).toMatchObject({ code: 'ORDER_NOT_ARCHIVABLE', status });
        expect((await request(t.http).get(`/api/orders/${o.id}`).set(me.auth).expect(200)).body.order.status).toBe(status);
      }
      // Pending but already paid (e.g. marked paid, status kept by a hold release) is not deletable either.
      const pendingPaid = await createOrder(t, { customerId: me.customer.id, status: 'pending', paymentStatus: 'paid' });
      expect((await request(t.http).delete(`/api/orders/${pendingPaid.id}`).set(me.auth).expect(409)).body.code).toBe('ORDER_NOT_ARCHIVABLE');
      // Processing cash on delivery, unpaid: still not deletable (it is being fulfilled).
      const cod = await createOrder(t, { customerId: me.customer.id, status: 'processing', paymentStatus: 'unpaid', paymentMethod: 'cash_on_delivery' });
      expect((await request(t.http).delete(`/api/orders/${cod.id}`).set(admin.auth).expect(409)).body.code).toBe('ORDER_NOT_ARCHIVABLE');
    });

    it('another customer\'s order is 404 and unchanged; an admin may delete anyone\'s', async () => {
      const { buyer, order, v } = await codOrder();
      const other = await signedIn(t);
      expect((await request(t.http).delete(`/api/orders/${order.id}`).set(other.auth).expect(404)).body.code).toBe('ORDER_NOT_FOUND');
      expect((await request(t.http).get(`/api/orders/${order.id}`).set(buyer.auth).expect(200)).body.order.status).toBe('pending');
      expect(await stock(t, v.id)).toEqual({ onHand: 3, reserved: 0 });
      await request(t.http).delete(`/api/orders/${order.id}`).expect(401);
      await request(t.http).delete(`/api/orders/${order.id}`).set(admin.auth).expect(200);
      const [row] = await t.ds.query('SELECT status, archived_at FROM orders WHERE id = $1', [order.id]);
      expect(row.status).toBe('cancelled');
      expect(row.archived_at).not.toBeNull();
      expect((await historyOf(t, order.id)).at(-1)).toMatchObject({ actor: `admin:${admin.id}`, note: 'Archived' });
      await request(t.http).delete('/api/orders/00000000-0000-4000-8000-000000000000').set(admin.auth).expect(404);
    });
  });

  describe('PATCH /api/orders/:id/paid', () => {
    it('admin marks a pending cash-on-delivery order paid: paid/paid, amountPaid = total, history', async () => {
      const { order } = await codOrder();
      const res = await request(t.http).patch(`/api/orders/${order.id}/paid`).set(admin.auth).send({ note: 'Cash received by courier' }).expect(200);
      expect(res.body.order).toMatchObject({ status: 'paid', paymentStatus: 'paid', amountPaid: 2500, total: 2500 });
      expect(res.body.order.history.at(-1)).toMatchObject({ status: 'paid', actor: `admin:${admin.id}`, note: 'Cash received by courier' });

      const again = await request(t.http).patch(`/api/orders/${order.id}/paid`).set(admin.auth).expect(400);
      expect(again.body).toEqual({ statusCode: 400, error: 'Bad Request', code: 'ORDER_ALREADY_PAID', message: 'Order has already been marked as paid' });
    });

    it('a card order paid through the provider is already paid; customers are 403; unknown is 404', async () => {
      const paid = await guestPaidOrder();
      expect((await request(t.http).patch(`/api/orders/${paid.id}/paid`).set(admin.auth).expect(400)).body.code).toBe('ORDER_ALREADY_PAID');
      const { buyer, order } = await codOrder();
      expect((await request(t.http).patch(`/api/orders/${order.id}/paid`).set(buyer.auth).expect(403)).body.code).toBe('FORBIDDEN');
      await request(t.http).patch(`/api/orders/${order.id}/paid`).expect(401);
      expect((await request(t.http).get(`/api/orders/${order.id}`).set(buyer.auth).expect(200)).body.order.paymentStatus).toBe('unpaid');
      await request(t.http).patch('/api/orders/00000000-0000-4000-8000-000000000000/paid').set(admin.auth).expect(404);
    });

    it('cash handed over at delivery: the fulfilment status is kept; a cancelled order cannot be paid', async () => {
      const me = await signedIn(t);
      const delivered = await createOrder(t, { customerId: me.customer.id, status: 'delivered', paymentStatus: 'unpaid', paymentMethod: 'cash_on_delivery' });
      const res = await request(t.http).patch(`/api/orders/${delivered.id}/paid`).set(admin.auth).expect(200);
      expect(res.body.order).toMatchObject({ status: 'delivered', paymentStatus: 'paid', amountPaid: delivered.total });
      expect(res.body.order.history.at(-1)).toMatchObject({ status: 'delivered', note: 'Marked as paid' });

      const onHold = await createOrder(t, { customerId: me.customer.id, status: 'on_hold', paymentStatus: 'unpaid' });
      expect((await request(t.http).patch(`/api/orders/${onHold.id}/paid`).set(admin.auth).expect(200)).body.order.status).toBe('paid');

      const cancelled = await createOrder(t, { customerId: me.customer.id, status: 'cancelled' });
      expect((await request(t.http).patch(`/api/orders/${cancelled.id}/paid`).set(admin.auth).expect(409)).body.code).toBe('INVALID_STATUS_TRANSITION');
      const archived = await createOrder(t, { customerId: me.customer.id, status: 'pending', archived: true });
      expect((await request(t.http).patch(`/api/orders/${archived.id}/paid`).set(admin.auth).expect(409)).body.code).toBe('ORDER_ARCHIVED');
      expect((await request(t.http).patch(`/api/orders/${cancelled.id}/paid`).set(admin.auth).send({ extra: 1 }).expect(400)).body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('POST /api/orders/lookup', () => {
    const lookup = (body: object) => request(t.http).post('/api/orders/lookup').send(body);

    it('finds a guest order by email (any case) and number (any case), without a token', async () => {
      const o = await guestPaidOrder('Guest.Buyer@Example.com');
      const res = await lookup({ email: 'guest.buyer@EXAMPLE.com', orderNumber: o.number }).expect(200);
      expect(res.body.order).toMatchObject({ id: o.id, number: o.number, status: 'paid', paymentStatus: 'paid' });
      expect(res.body.order.items).toHaveLength(1);
      expect(res.body.order.history.map((h: { status: string }) => h.status)).toEqual(['pending', 'paid']);
      await lookup({ email: ' guest.buyer@example.com ', orderNumber: ` ${o.number.toLowerCase()} ` }).expect(200);
      // A token is ignored, whoever it belongs to.
      await request(t.http).post('/api/orders/lookup').set((await signedIn(t)).auth).send({ email: 'guest.buyer@example.com', orderNumber: o.number }).expect(200);
    });

    it('any mismatch is the same 404 ORDER_NOT_FOUND: wrong email, wrong number, another order\'s email, archived', async () => {
      const a = await guestPaidOrder('a@example.com');
      const b = await guestPaidOrder('b@example.com');
      const registered = await createCustomer(t.ds, { email: 'registered@example.com' });
      await createOrder(t, { customerId: registered.id, email: 'registered@example.com' });
      const expected = { statusCode: 404, error: 'Not Found', code: 'ORDER_NOT_FOUND', message: 'Order not found' };
      const bodies = [
        { email: 'nobody@example.com', orderNumber: a.number },
        { email: 'a@example.com', orderNumber: 'ORD-999999' },
        { email: 'b@example.com', orderNumber: a.number },
        { email: 'registered@example.com', orderNumber: a.number },
        { email: 'a@example.com', orderNumber: b.number },
      ];
      for (const body of bodies) {
        const res = await lookup(body).expect(404);
        expect(res.body).toEqual(expected);
      }
      await t.ds.query(`UPDATE orders SET status = 'cancelled', archived_at = now() WHERE id = $1`, [a.id]);
      expect((await lookup({ email: 'a@example.com', orderNumber: a.number }).expect(404)).body).toEqual(expected);
    });

    it('validates the body (400, not 404)', async () => {
      expect((await lookup({ email: 'not-an-email', orderNumber: 'ORD-000001' }).expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect((await lookup({ email: 'a@example.com' }).expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect((await lookup({ email: 'a@example.com', orderNumber: 'x'.repeat(33) }).expect(400)).body.code).toBe('VALIDATION_FAILED');
    });

    it('is rate limited per client: 429 RATE_LIMITED with Retry-After once the limit is used up', async () => {
      const limited = await createTestApp({ DEFAULT_TAX_RATE_BPS: '0', AUTH_RATE_LIMIT: '3' });
      try {
        const body = { email: 'x@example.com', orderNumber: 'ORD-000001' };
        for (let i = 0; i < 3; i++) await request(limited.http).post('/api/orders/lookup').send(body).expect(404);
        const res = await request(limited.http).post('/api/orders/lookup').send(body).expect(429);
        expect(res.body.code).toBe('RATE_LIMITED');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        // Other routes are not affected by the lookup budget.
        const me = await signedIn(limited);
        await request(limited.http).get('/api/orders').set(me.auth).expect(200);
      } finally {
        await limited.close();
      }
    });
  });

  describe('OrdersService.transition (customer and system actors)', () => {
    it('the customer may only cancel their own pending or paid order; the system may not fulfil', async () => {
      const me = await signedIn(t);
      const other = await signedIn(t);
      const svc = t.app.get(OrdersService);
      const pending = await createOrder(t, { customerId: me.customer.id });
      await expect(svc.transition(pending.id, 'cancelled', { role: 'customer', id: other.customer.id })).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });
      await expect(svc.transition(pending.id, 'processing', { role: 'customer', id: me.customer.id })).rejects.toMatchObject({ code: 'INVALID_STATUS_TRANSITION' });
      const r = await svc.transition(pending.id, 'cancelled', { role: 'customer', id: me.customer.id }, { note: 'Changed my mind' });
      expect(r).toMatchObject({ from: 'pending', order: { status: 'cancelled' } });
      expect((await historyOf(t, pending.id)).at(-1)).toEqual({ status: 'cancelled', actor: `customer:${me.customer.id}`, note: 'Changed my mind' });

      const processing = await createOrder(t, { customerId: me.customer.id, status: 'processing' });
      await expect(svc.transition(processing.id, 'cancelled', { role: 'customer', id: me.customer.id })).rejects.toMatchObject({ code: 'INVALID_STATUS_TRANSITION', status: 409 });

      const unpaid = await createOrder(t, { customerId: me.customer.id, paymentMethod: 'card' });
      // The system confirms a payment only with the money (payment status set in the same update).
      await expect(svc.transition(unpaid.id, 'paid', { role: 'system' })).rejects.toMatchObject({ code: 'INVALID_STATUS_TRANSITION' });
      const paid = await svc.transition(unpaid.id, 'paid', { role: 'system', label: 'webhook:payment_intent.succeeded' }, { paymentStatus: 'paid', amountPaid: unpaid.total });
      expect(paid.order).toMatchObject({ status: 'paid', paymentStatus: 'paid', amountPaid: unpaid.total });
      await expect(svc.transition(unpaid.id, 'processing', { role: 'system' })).rejects.toMatchObject({ code: 'INVALID_STATUS_TRANSITION' });
      expect((await historyOf(t, unpaid.id)).at(-1)).toMatchObject({ status: 'paid', actor: 'webhook:payment_intent.succeeded' });
      expect(await count(t, 'order_history', 'order_id = $1', [unpaid.id])).toBe(2);
    });
  });
});

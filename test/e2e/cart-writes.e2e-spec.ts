import request from 'supertest';
import { truncateAll } from '../db';
import { signedIn } from '../factories/customer.factory';
import { createProduct } from '../factories/product.factory';
import { sqlDuring } from '../support/sql-spy';
import { createTestApp, type TestApp } from '../test-app';

/**
 * Cart writes answer from what they read inside their transaction (no re-read after commit): the answer must
 * be what a GET right after shows, and each request stays within its statement budget (docs/performance.md).
 */
describe('cart writes', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ DEFAULT_TAX_RATE_BPS: '0' });
  });
  afterAll(() => t.close());
  beforeEach(() => truncateAll(t.ds));

  type Headers = Record<string, string>;
  const add = (headers: Headers, body: object) => request(t.http).post('/api/cart/items').set(headers).send(body);
  const patch = (headers: Headers, id: string, quantity: number) => request(t.http).patch(`/api/cart/items/${id}`).set(headers).send({ quantity });
  const remove = (headers: Headers, id: string) => request(t.http).delete(`/api/cart/items/${id}`).set(headers);
  const getCart = (headers: Headers) => request(t.http).get('/api/cart').set(headers);

  /** Statements the app sends to PostgreSQL (transaction control included) while `work` runs. */
  const statements = async <T>(work: () => Promise<T>) => {
    const { result, texts } = await sqlDuring(work);
    return { result, count: texts.length, texts };
  };

  /** The write's answer is the cart as a GET sees it right after. */
  async function answersAsGet(headers: Headers, res: request.Response): Promise<void> {
    expect(res.body.cart).toEqual((await getCart(headers).expect(200)).body.cart);
  }

  it('stays within its statement budget per request', async () => {
    const p = await createProduct(t, { variants: [{ price: 100, stock: 50 }, { price: 200, stock: 50 }, { price: 300, stock: 50 }] });
    const [a, b, c] = p.variants.map((v) => v.id);

    // A guest's first add: read the variant, then the cart and its line in one statement.
    const first = await statements(() => add({}, { variantId: a, quantity: 1 }).expect(201));
    expect(first.count).toBeLessThanOrEqual(2);
    const s = { 'X-Session-Id': first.result.body.sessionId as string };
    // Later adds: read the cart with its lines, then one statement that pushes the expiry and upserts (no
    // transaction); the cart view is that one read.
    const second = await statements(() => add(s, { variantId: b, quantity: 1 }).expect(201));
    expect(second.count).toBeLessThanOrEqual(2);
    const again = await statements(() => add(s, { variantId: a, quantity: 2 }).expect(201));
    expect(again.count).toBeLessThanOrEqual(2);
    const view = await statements(() => getCart(s).expect(200));
    expect(view.count).toBeLessThanOrEqual(1);
    const line = view.result.body.cart.items[1].id as string;
    expect((await statements(() => patch(s, line, 3).expect(200))).count).toBeLessThanOrEqual(5);
    expect((await statements(() => remove(s, line).expect(200))).count).toBeLessThanOrEqual(5);
    expect((await statements(() => request(t.http).delete('/api/cart').set(s).expect(200))).count).toBeLessThanOrEqual(4);

    const { auth } = await signedIn(t);
    // A signed-in request also reads the customer (the auth guard): one more.
    expect((await statements(() => add(auth, { variantId: c, quantity: 1 }).expect(201))).count).toBeLessThanOrEqual(6);
    expect((await statements(() => add(auth, { variantId: a, quantity: 1 }).expect(201))).count).toBeLessThanOrEqual(6);
  });

  it('every write answers the cart a GET shows right after, lines in the order they were added', async () => {
    const p = await createProduct(t, { name: 'Chair', variants: [{ price: 100, stock: 50 }, { price: 200, stock: 3, reserved: 1 }, { price: 300, stock: 50 }] });
    const [a, b, c] = p.variants.map((v) => v.id);
    const created = await add({}, { variantId: b, quantity: 1 }).expect(201);
    const s = { 'X-Session-Id': created.body.sessionId as string };
    await answersAsGet(s, created);
    for (const body of [{ variantId: a, quantity: 2 }, { variantId: c, quantity: 1 }, { variantId: b, quantity: 1 }, { productId: p.id, variantId: a, quantity: 1 }]) {
      await answersAsGet(s, await add(s, body).expect(201));
    }
    const items = (await getCart(s).expect(200)).body.cart.items as { id: string; variantId: string; quantity: number; name: string; available: number }[];
    expect(items.map((i) => [i.variantId, i.quantity])).toEqual([[b, 2], [a, 3], [c, 1]]);
    expect(items[0]).toMatchObject({ name: 'Chair (Variant 2)', available: 2 });

    await answersAsGet(s, await patch(s, items[1]!.id, 5).expect(200));
    await answersAsGet(s, await patch(s, items[0]!.id, 0).expect(200));
    await answersAsGet(s, await remove(s, items[2]!.id).expect(200));
    await answersAsGet(s, await request(t.http).delete('/api/cart/discount').set(s).expect(200));
    await answersAsGet(s, await request(t.http).delete('/api/cart').set(s).expect(200));

    const { auth } = await signedIn(t);
    await answersAsGet(auth, await add(auth, { variantId: c, quantity: 1 }).expect(201));
    await answersAsGet(auth, await add(auth, { variantId: a, quantity: 1 }).expect(201));
  });

  it('places a new line where (created_at, id) puts it, even behind a line stamped later', async () => {
    const p = await createProduct(t, { variants: [{}, {}, {}] });
    const [a, b, c] = p.variants.map((v) => v.id);
    const created = await add({}, { variantId: a, quantity: 1 }).expect(201);
    const s = { 'X-Session-Id': created.body.sessionId as string };
    await add(s, { variantId: b, quantity: 1 }).expect(201);
    // As if a transaction that started after the next one had committed its line first.
    await t.ds.query(`UPDATE cart_items SET created_at = now() + interval '1 minute' WHERE variant_id = $1`, [b]);
    const res = await add(s, { variantId: c, quantity: 1 }).expect(201);
    expect(res.body.cart.items.map((i: { variantId: string }) => i.variantId)).toEqual([a, c, b]);
    await answersAsGet(s, res);
  });

  it('pushes a guest cart’s expiry forward on each write and refuses expired or merged sessions', async () => {
    const p = await createProduct(t, { variants: [{ stock: 10 }] });
    const v = p.variants[0]!.id;
    const created = await add({}, { variantId: v, quantity: 1 }).expect(201);
    const s = { 'X-Session-Id': created.body.sessionId as string };
    await t.ds.query(`UPDATE carts SET expires_at = now() + interval '1 minute'`);
    const res = await add(s, { variantId: v, quantity: 1 }).expect(201);
    const [row] = await t.ds.query(`SELECT expires_at FROM carts`);
    expect(new Date(res.body.cart.expiresAt).getTime()).toBe(row.expires_at.getTime());
    expect(row.expires_at.getTime()).toBeGreaterThan(Date.now() + (t.config.store.guestCartTtlSeconds - 60) * 1000);

    await t.ds.query(`UPDATE carts SET expires_at = now() - interval '1 second'`);
    expect((await add(s, { variantId: v, quantity: 1 }).expect(404)).body.code).toBe('CART_SESSION_NOT_FOUND');
    expect((await request(t.http).delete('/api/cart/discount').set(s).expect(404)).body.code).toBe('CART_SESSION_NOT_FOUND');
    expect((await t.ds.query(`SELECT expires_at < now() AS expired FROM carts`))[0].expired).toBe(true);

    await t.ds.query(`UPDATE carts SET expires_at = now() + interval '1 hour', status = 'merged'`);
    expect((await add(s, { variantId: v, quantity: 1 }).expect(404)).body.code).toBe('CART_SESSION_NOT_FOUND');
  });

  it('keeps the line rules: CART_FULL, QUANTITY_LIMIT, VARIANT_UNAVAILABLE, stock, variant of another product', async () => {
    const many = await createProduct(t, { variants: Array.from({ length: 101 }, () => ({ stock: 2000 })) });
    const ids = many.variants.map((v) => v.id);
    const created = await add({}, { variantId: ids[0], quantity: 999 }).expect(201);
    const s = { 'X-Session-Id': created.body.sessionId as string };
    expect((await add(s, { variantId: ids[0], quantity: 1 }).expect(400)).body.code).toBe('QUANTITY_LIMIT');
    await t.ds.query(`INSERT INTO cart_items (cart_id, variant_id, quantity) SELECT $1, unnest($2::uuid[]), 1`, [created.body.cart.id, ids.slice(1, 100)]);
    expect((await add(s, { variantId: ids[100], quantity: 1 }).expect(400)).body.code).toBe('CART_FULL');
    const full = await add(s, { variantId: ids[99], quantity: 1 }).expect(201);
    expect(full.body.cart.items).toHaveLength(100);
    await answersAsGet(s, full);

    const other = await createProduct(t, { variants: [{ stock: 5 }] });
    expect((await add(s, { productId: other.id, variantId: ids[1], quantity: 1 }).expect(404)).body.code).toBe('VARIANT_NOT_FOUND');

    const lamp = await createProduct(t, { name: 'Lamp', variants: [{ stock: 5 }] });
    const l = lamp.variants[0]!.id;
    const g = { 'X-Session-Id': (await add({}, { variantId: l, quantity: 2 }).expect(201)).body.sessionId as string };
    const line = (await getCart(g).expect(200)).body.cart.items[0].id as string;
    await t.ds.query('DELETE FROM stock_items WHERE variant_id = $1', [l]);
    expect((await getCart(g).expect(200)).body.cart.items[0]).toMatchObject({ available: 0, inStock: false });
    expect((await add(g, { variantId: l, quantity: 1 }).expect(400)).body).toMatchObject({ code: 'INSUFFICIENT_STOCK', variantId: l, available: 0 });
    await t.ds.query('UPDATE product_variants SET active = false WHERE id = $1', [l]);
    expect((await patch(g, line, 3).expect(400)).body.code).toBe('VARIANT_UNAVAILABLE');
    expect((await add(g, { variantId: l, quantity: 1 }).expect(404)).body.code).toBe('VARIANT_NOT_FOUND');
    const fewer = await patch(g, line, 1).expect(200);
    expect(fewer.body.cart).toMatchObject({ itemCount: 0, items: [{ quantity: 1, purchasable: false }] });
    await answersAsGet(g, fewer);
  });

  it('takes ids in upper case, as the validators do: the same variant line and the same item', async () => {
    const p = await createProduct(t, { variants: [{ price: 100, stock: 10 }] });
    const id = p.variants[0]!.id;
    const first = await add({}, { variantId: id.toUpperCase(), quantity: 1 }).expect(201);
    const g = { 'x-session-id': first.body.sessionId as string };
    const again = await add(g, { variantId: id.toUpperCase(), productId: p.id.toUpperCase(), quantity: 2 }).expect(201);
    expect(again.body.cart.items).toEqual([expect.objectContaining({ variantId: id, quantity: 3 })]);
    const line = again.body.cart.items[0].id as string;
    expect((await patch(g, line.toUpperCase(), 5).expect(200)).body.cart.items[0]).toMatchObject({ id: line, quantity: 5 });
    expect((await remove(g, line.toUpperCase()).expect(200)).body.cart.items).toEqual([]);
  });

  it('concurrent adds to one guest line lose no units, and the line cap holds under the race', async () => {
    const p = await createProduct(t, { variants: [{ price: 100, stock: 5000 }, { price: 100, stock: 5000 }] });
    const [a, b] = p.variants.map((v) => v.id);
    const s = { 'X-Session-Id': (await add({}, { variantId: a, quantity: 1 }).expect(201)).body.sessionId as string };
    const results = await Promise.all(Array.from({ length: 12 }, () => add(s, { variantId: a, quantity: 2 })));
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(201));
    const line = async (v: string) => ((await getCart(s).expect(200)).body.cart.items as { variantId: string; quantity: number }[]).find((i) => i.variantId === v)?.quantity;
    expect(await line(a)).toBe(25);

    await add(s, { variantId: b, quantity: 995 }).expect(201);
    const near = await Promise.all(Array.from({ length: 8 }, () => add(s, { variantId: b, quantity: 1 })));
    const ok = near.filter((r) => r.status === 201).length;
    for (const r of near.filter((x) => x.status !== 201)) expect(r.body).toMatchObject({ statusCode: 400, code: 'QUANTITY_LIMIT' });
    expect(ok).toBe(4);
    expect(await line(b)).toBe(999);
  });
});

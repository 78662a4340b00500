import request from 'supertest';
import { truncateAll } from '../db';
import { signedIn } from '../factories/customer.factory';
import { createProduct, movementsOf, stockOf } from '../factories/product.factory';
import { createTestApp, type TestApp } from '../test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MISSING = '00000000-0000-4000-8000-000000000000';

/** The one error shape; `extra` names the detail fields a code adds (e.g. `skus`). */
function expectError(res: request.Response, status: number, code: string, message?: string | RegExp, extra: string[] = []) {
  expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  expect(res.body.statusCode).toBe(status);
  expect(typeof res.body.error).toBe('string');
  const keys = ['code', 'error', 'message', 'statusCode', ...extra, ...(code === 'VALIDATION_FAILED' ? ['errors'] : [])];
  expect(Object.keys(res.body).sort()).toEqual(keys.sort());
  if (typeof message === 'string') expect(res.body.message).toBe(message);
  else if (message) expect(res.body.message).toMatch(message);
}

/** The fields a VALIDATION_FAILED body names. */
const fields = (res: request.Response): string[] => (res.body.errors as { field: string }[]).map((e) => e.field).sort();

describe('catalog', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let customer: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp({ STORE_CURRENCY: 'eur' });
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await truncateAll(t.ds);
    admin = (await signedIn(t, { role: 'admin' })).auth;
    customer = (await signedIn(t)).auth;
  });

  const api = () => request(t.http);
  const newProduct = (overrides: Record<string, unknown> = {}) => ({
    name: 'Organic cotton tee',
    description: 'Heavyweight, garment-dyed.',
    variants: [
      { sku: 'TEE-BLK-S', name: 'Black / S', price: 2500, initialStock: 4 },
      { sku: 'TEE-BLK-M', name: 'Black / M', price: 2600 },
    ],
    ...overrides,
  });
  const create = (body: object = newProduct()) => api().post('/api/admin/products').set(admin).send(body);

  describe('GET /api/products (storefront)', () => {
    it('lists active products with their active variants, price, currency and availability, without a token', async () => {
      const p = await createProduct(t, {
        name: 'Mug',
        variants: [
          { sku: 'MUG-W', name: 'White', price: 1200, stock: 7, reserved: 2 },
          { sku: 'MUG-B', name: 'Black', price: 1300, stock: 0 },
          { sku: 'MUG-OLD', name: 'Discontinued', active: false },
        ],
      });
      const res = await api().get('/api/products').expect(200);
      expect(res.body).toEqual({
        products: [
          {
            id: p.id,
            name: 'Mug',
            description: expect.any(String),
            active: true,
            createdAt: expect.any(String),
            updatedAt: expect.any(String),
            variants: [
              { id: p.variants[0]!.id, sku: 'MUG-W', name: 'White', price: 1200, currency: 'eur', available: 5, active: true },
              { id: p.variants[1]!.id, sku: 'MUG-B', name: 'Black', price: 1300, currency: 'eur', available: 0, active: true },
            ],
          },
        ],
        count: 1,
        nextCursor: null,
      });
    });

    it('hides inactive products, archived products and products without an active variant', async () => {
      const visible = await createProduct(t);
      await createProduct(t, { active: false });
      await createProduct(t, { archived: true });
      await createProduct(t, { variants: [{ active: false }] });
      const res = await api().get('/api/products').expect(200);
      expect(res.body.products.map((p: { id: string }) => p.id)).toEqual([visible.id]);
      expect(res.body.count).toBe(1);
    });

    it('is newest first and pages with a keyset cursor, ties broken by id, without gaps or repeats', async () => {
      const base = Date.UTC(2030, 0, 1);
      const created: { id: string; at: number }[] = [];
      for (let i = 0; i < 25; i++) {
        // Pairs of products share a timestamp, so the id tie-break is exercised across page boundaries.
        const at = base + Math.floor(i / 2) * 1000;
        created.push({ id: (await createProduct(t, { createdAt: new Date(at) })).id, at });
      }
      const expected = [...created].sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1)).map((c) => c.id);

      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | null | undefined;
      do {
        const res = await api()
          .get('/api/products')
          .query({ limit: 10, ...(cursor ? { cursor } : {}) })
          .expect(200);
        sizes.push(res.body.count);
        expect(res.body.products).toHaveLength(res.body.count);
        seen.push(...res.body.products.map((p: { id: string }) => p.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(sizes).toEqual([10, 10, 5]);
      expect(seen).toEqual(expected);
    });

    it('defaults to 20 per page', async () => {
      for (let i = 0; i < 21; i++) await createProduct(t);
      const res = await api().get('/api/products').expect(200);
      expect(res.body.count).toBe(20);
      expect(typeof res.body.nextCursor).toBe('string');
      const rest = await api().get('/api/products').query({ cursor: res.body.nextCursor }).expect(200);
      expect(rest.body.count).toBe(1);
      expect(rest.body.nextCursor).toBeNull();
    });

    it('rejects a bad limit or cursor with 400', async () => {
      for (const limit of ['0', '101', 'abc', '1.5']) {
        expectError(await api().get('/api/products').query({ limit }), 400, 'VALIDATION_FAILED');
      }
      expectError(await api().get('/api/products').query({ cursor: 'garbage' }), 400, 'INVALID_CURSOR', 'Invalid cursor');
      expectError(await api().get('/api/products').query({ sort: 'name' }), 400, 'VALIDATION_FAILED');
    });

    it('searches name, description and SKU case-insensitively; LIKE wildcards are literal', async () => {
      const byName = await createProduct(t, { name: 'Linen Shirt', description: 'plain' });
      const byDescription = await createProduct(t, { name: 'Scarf', description: 'Soft LINEN blend' });
      const bySku = await createProduct(t, { name: 'Cap', description: null, variants: [{ sku: 'CAP-LINEN-01' }] });
      await createProduct(t, { name: 'Mug', description: 'ceramic' });
      await createProduct(t, { name: 'Linen trousers (hidden)', active: false });
      await createProduct(t, { name: 'Tote', description: 'canvas', variants: [{ sku: 'TOTE-1' }, { sku: 'OLD-LINEN', active: false }] });
      await createProduct(t, { name: '100% wool' });

      const res = await api().get('/api/products').query({ q: 'linen' }).expect(200);
      expect(res.body.products.map((p: { id: string }) => p.id).sort()).toEqual([byName.id, byDescription.id, bySku.id].sort());

      const pct = await api().get('/api/products').query({ q: '%' }).expect(200);
      expect(pct.body.products.map((p: { name: string }) => p.name)).toEqual(['100% wool']);
      const none = await api().get('/api/products').query({ q: 'no_such' }).expect(200);
      expect(none.body).toEqual({ products: [], count: 0, nextCursor: null });
    });
  });

  describe('GET /api/products/:id', () => {
    it('returns the product with its active variants', async () => {
      const p = await createProduct(t, { variants: [{ price: 999, stock: 3 }, { active: false }] });
      const res = await api().get(`/api/products/${p.id}`).expect(200);
      expect(res.body.product.id).toBe(p.id);
      expect(res.body.product.variants).toEqual([
        { id: p.variants[0]!.id, sku: p.variants[0]!.sku, name: 'Variant 1', price: 999, currency: 'eur', available: 3, active: true },
      ]);
    });

    it('is 404 PRODUCT_NOT_FOUND for inactive, archived and missing products; 400 for a malformed id', async () => {
      const inactive = await createProduct(t, { active: false });
      const archived = await createProduct(t, { archived: true });
      for (const id of [inactive.id, archived.id, MISSING]) {
        expectError(await api().get(`/api/products/${id}`), 404, 'PRODUCT_NOT_FOUND', 'Product not found');
      }
      expectError(await api().get('/api/products/not-a-uuid'), 400, 'BAD_REQUEST');
    });
  });

  describe('admin routes: authentication and roles', () => {
    const routes = (id: string, vid: string): [string, string][] => [
      ['post', '/api/admin/products'],
      ['get', '/api/admin/products'],
      ['get', `/api/admin/products/${id}`],
      ['patch', `/api/admin/products/${id}`],
      ['delete', `/api/admin/products/${id}`],
      ['post', `/api/admin/products/${id}/variants`],
      ['patch', `/api/admin/products/${id}/variants/${vid}`],
      ['delete', `/api/admin/products/${id}/variants/${vid}`],
    ];

    it('401 without a token, 401 with a bad one, 403 for customers; nothing changes', async () => {
      const p = await createProduct(t, { variants: [{}, {}] });
      for (const [method, path] of routes(p.id, p.variants[0]!.id)) {
        const call = () => (api() as unknown as Record<string, (p: string) => request.Test>)[method]!(path);
        expectError(await call().send({}), 401, 'MISSING_AUTH_HEADER', 'Missing Authorization Header');
        expectError(await call().set('Authorization', 'Bearer nope').send({}), 401, 'INVALID_TOKEN');
        expectError(await call().set(customer).send(newProduct()), 403, 'FORBIDDEN');
      }
      const after = await api().get(`/api/admin/products/${p.id}`).set(admin).expect(200);
      expect(after.body.product.archivedAt).toBeNull();
      expect(after.body.product.variants).toHaveLength(2);
      expect((await api().get('/api/admin/products').set(admin)).body.count).toBe(1);
    });
  });

  describe('POST /api/admin/products', () => {
    it('creates the product, its variants and their stock in one go', async () => {
      const res = await create().expect(201);
      const p = res.body.product;
      expect(p).toMatchObject({ name: 'Organic cotton tee', description: 'Heavyweight, garment-dyed.', active: true, archivedAt: null });
      expect(p.id).toMatch(UUID);
      expect(p.variants).toEqual([
        expect.objectContaining({ sku: 'TEE-BLK-S', name: 'Black / S', price: 2500, currency: 'eur', available: 4, onHand: 4, reserved: 0, active: true }),
        expect.objectContaining({ sku: 'TEE-BLK-M', name: 'Black / M', price: 2600, currency: 'eur', available: 0, onHand: 0, reserved: 0, active: true }),
      ]);
      const [s, m] = p.variants as { id: string }[];
      expect(await stockOf(t, s!.id)).toEqual({ onHand: 4, reserved: 0 });
      expect(await stockOf(t, m!.id)).toEqual({ onHand: 0, reserved: 0 });
      const ledger = await movementsOf(t, s!.id);
      expect(ledger).toHaveLength(1);
      expect(ledger[0]).toMatchObject({ kind: 'initial', deltaOnHand: 4, deltaReserved: 0 });
      expect(ledger[0]!.actorId).toMatch(UUID);
      expect(await movementsOf(t, m!.id)).toHaveLength(0);

      const pub = await api().get(`/api/products/${p.id}`).expect(200);
      expect(pub.body.product.variants.map((v: { available: number }) => v.available)).toEqual([4, 0]);
    });

    it('creates an inactive product hidden from the storefront', async () => {
      const res = await create(newProduct({ active: false, description: null })).expect(201);
      expect(res.body.product).toMatchObject({ active: false, description: null });
      expectError(await api().get(`/api/products/${res.body.product.id}`), 404, 'PRODUCT_NOT_FOUND');
    });

    it.each([
      ['no variants', { variants: undefined }, ['variants']],
      ['empty variants', { variants: [] }, ['variants']],
      ['101 variants', { variants: Array.from({ length: 101 }, (_, i) => ({ sku: `S-${i}`, name: 'x', price: 1 })) }, ['variants']],
      ['negative price', { variants: [{ sku: 'A-1', name: 'A', price: -1 }] }, ['variants.0.price']],
      ['float price', { variants: [{ sku: 'A-1', name: 'A', price: 10.5 }] }, ['variants.0.price']],
      ['string price', { variants: [{ sku: 'A-1', name: 'A', price: '100' }] }, ['variants.0.price']],
      ['null price', { variants: [{ sku: 'A-1', name: 'A', price: null }] }, ['variants.0.price']],
      ['price beyond int4', { variants: [{ sku: 'A-1', name: 'A', price: 2 ** 31 }] }, ['variants.0.price']],
      ['negative initialStock', { variants: [{ sku: 'A-1', name: 'A', price: 1, initialStock: -1 }] }, ['variants.0.initialStock']],
      ['bad sku', { variants: [{ sku: 'has space', name: 'A', price: 1 }] }, ['variants.0.sku']],
      ['sku too long', { variants: [{ sku: 'A'.repeat(65), name: 'A', price: 1 }] }, ['variants.0.sku']],
      ['blank name', { name: '   ' }, ['name']],
      ['null active', { active: null }, ['active']],
      ['unknown field', { colour: 'red' }, ['colour']],
      ['unknown variant field', { variants: [{ sku: 'A-1', name: 'A', price: 1, cost: 3 }] }, ['variants.0.cost']],
    ])('400 VALIDATION_FAILED for %s', async (_, patch, expected) => {
      const res = await create(newProduct(patch));
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(fields(res)).toEqual(expected);
      expect((await api().get('/api/admin/products').set(admin)).body.count).toBe(0);
    });

    it('lists every field problem at once', async () => {
      const res = await create({ name: '', variants: [{ sku: '', name: '', price: -5 }] });
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(fields(res)).toEqual(['name', 'variants.0.name', 'variants.0.price', 'variants.0.sku']);
    });

    it('400 for malformed JSON', async () => {
      const res = await api().post('/api/admin/products').set(admin).set('Content-Type', 'application/json').send('{"name":');
      expectError(res, 400, 'MALFORMED_JSON');
    });

    it('409 SKU_TAKEN when a SKU exists (case-insensitively); nothing is created', async () => {
      await createProduct(t, { variants: [{ sku: 'TEE-BLK-M' }] });
      const res = await create(newProduct({ name: 'Second tee', variants: [{ sku: 'tee-blk-m', name: 'M', price: 1 }] }));
      expectError(res, 409, 'SKU_TAKEN', 'SKU already exists: TEE-BLK-M', ['skus']);
      expect(res.body.skus).toEqual(['TEE-BLK-M']);
      const all = await api().get('/api/admin/products').set(admin).expect(200);
      expect(all.body.products.map((p: { name: string }) => p.name)).not.toContain('Second tee');
    });

    it('400 DUPLICATE_SKU when the request repeats a SKU', async () => {
      const res = await create(newProduct({ variants: [{ sku: 'A-1', name: 'A', price: 1 }, { sku: 'a-1', name: 'B', price: 1 }] }));
      expectError(res, 400, 'DUPLICATE_SKU', 'Duplicate SKU in request: a-1', ['skus']);
    });

    it('two concurrent creations with one SKU: exactly one wins, the other is 409', async () => {
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => create(newProduct({ name: `Racer ${i}`, variants: [{ sku: 'RACE-1', name: 'x', price: 1, initialStock: 1 }] }))),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
      for (const r of results.filter((x) => x.status === 409)) expectError(r, 409, 'SKU_TAKEN', undefined, ['skus']);
      const [{ count }] = await t.ds.query(`SELECT count(*)::int AS count FROM products`);
      expect(count).toBe(1);
    });
  });

  describe('GET /api/admin/products', () => {
    it('includes inactive products; archived only with includeArchived=true; filters by active and q', async () => {
      const active = await createProduct(t, { name: 'Alpha' });
      const inactive = await createProduct(t, { name: 'Beta', active: false });
      const archived = await createProduct(t, { name: 'Alpha archived', archived: true });
      const ids = (res: request.Response) => res.body.products.map((p: { id: string }) => p.id).sort();

      const all = await api().get('/api/admin/products').set(admin).expect(200);
      expect(ids(all)).toEqual([active.id, inactive.id].sort());
      const withArchived = await api().get('/api/admin/products?includeArchived=true').set(admin).expect(200);
      expect(ids(withArchived)).toEqual([active.id, inactive.id, archived.id].sort());
      expect(withArchived.body.products.find((p: { id: string }) => p.id === archived.id).archivedAt).toEqual(expect.any(String));
      expect(ids(await api().get('/api/admin/products?active=false').set(admin).expect(200))).toEqual([inactive.id]);
      expect(ids(await api().get('/api/admin/products?q=alpha&includeArchived=true').set(admin).expect(200))).toEqual(
        [active.id, archived.id].sort(),
      );
      expectError(await api().get('/api/admin/products?includeArchived=maybe').set(admin), 400, 'VALIDATION_FAILED');
    });

    it('shows inactive variants with onHand and reserved', async () => {
      const p = await createProduct(t, { variants: [{ stock: 5, reserved: 2 }, { active: false, stock: 0 }] });
      const res = await api().get(`/api/admin/products/${p.id}`).set(admin).expect(200);
      expect(res.body.product.variants).toEqual([
        expect.objectContaining({ id: p.variants[0]!.id, onHand: 5, reserved: 2, available: 3, active: true }),
        expect.objectContaining({ id: p.variants[1]!.id, onHand: 0, reserved: 0, available: 0, active: false }),
      ]);
    });

    it('GET /:id is 404 for a missing product and 400 for a malformed id', async () => {
      expectError(await api().get(`/api/admin/products/${MISSING}`).set(admin), 404, 'PRODUCT_NOT_FOUND', 'Product not found');
      expectError(await api().get('/api/admin/products/123').set(admin), 400, 'BAD_REQUEST');
    });
  });

  describe('PATCH /api/admin/products/:id', () => {
    it('updates name and active, clears description with null', async () => {
      const p = await createProduct(t);
      const res = await api().patch(`/api/admin/products/${p.id}`).set(admin).send({ name: '  Renamed  ', description: null, active: false }).expect(200);
      expect(res.body.product).toMatchObject({ id: p.id, name: 'Renamed', description: null, active: false });
      expect(res.body.product.variants).toHaveLength(1);
      expectError(await api().get(`/api/products/${p.id}`), 404, 'PRODUCT_NOT_FOUND');
      await api().patch(`/api/admin/products/${p.id}`).set(admin).send({ active: true }).expect(200);
      await api().get(`/api/products/${p.id}`).expect(200);
    });

    it('400 for null or blank name, non-boolean active, unknown fields; 404 missing; 409 archived', async () => {
      const p = await createProduct(t);
      for (const body of [{ name: null }, { name: ' ' }, { active: 'yes' }, { price: 5 }, { variants: [] }]) {
        expectError(await api().patch(`/api/admin/products/${p.id}`).set(admin).send(body), 400, 'VALIDATION_FAILED');
      }
      expectError(await api().patch(`/api/admin/products/${MISSING}`).set(admin).send({ name: 'x' }), 404, 'PRODUCT_NOT_FOUND');
      const archived = await createProduct(t, { archived: true });
      expectError(await api().patch(`/api/admin/products/${archived.id}`).set(admin).send({ name: 'x' }), 409, 'PRODUCT_ARCHIVED');
      const unchanged = await api().get(`/api/admin/products/${p.id}`).set(admin).expect(200);
      expect(unchanged.body.product.name).toBe(p.name);
    });
  });

  describe('DELETE /api/admin/products/:id (archive)', () => {
    it('archives: hidden from the storefront, kept (with stock) for the admin; archiving again is a no-op', async () => {
      const p = await createProduct(t, { variants: [{ stock: 3 }] });
      const res = await api().delete(`/api/admin/products/${p.id}`).set(admin).expect(200);
      expect(res.body).toEqual({ message: 'Product archived' });

      expectError(await api().get(`/api/products/${p.id}`), 404, 'PRODUCT_NOT_FOUND');
      expect((await api().get('/api/products').expect(200)).body.count).toBe(0);
      expect((await api().get('/api/admin/products').set(admin).expect(200)).body.count).toBe(0);
      const kept = await api().get(`/api/admin/products/${p.id}`).set(admin).expect(200);
      expect(kept.body.product.archivedAt).toEqual(expect.any(String));
      expect(kept.body.product.variants[0].onHand).toBe(3);

      await api().delete(`/api/admin/products/${p.id}`).set(admin).expect(200);
      const again = await api().get(`/api/admin/products/${p.id}`).set(admin).expect(200);
      expect(again.body.product.archivedAt).toBe(kept.body.product.archivedAt);
    });

    it('404 for a missing product, 400 for a malformed id', async () => {
      expectError(await api().delete(`/api/admin/products/${MISSING}`).set(admin), 404, 'PRODUCT_NOT_FOUND');
      expectError(await api().delete('/api/admin/products/xyz').set(admin), 400, 'BAD_REQUEST');
    });
  });

  describe('variants', () => {
    it('POST adds a variant, last in order, with its stock row and initial ledger row', async () => {
      const p = await createProduct(t, { variants: [{}] });
      const res = await api().post(`/api/admin/products/${p.id}/variants`).set(admin).send({ sku: 'NEW-1', name: 'New', price: 4200, initialStock: 6 }).expect(201);
      expect(res.body.variant).toEqual({
        id: expect.stringMatching(UUID),
        sku: 'NEW-1',
        name: 'New',
        price: 4200,
        currency: 'eur',
        available: 6,
        onHand: 6,
        reserved: 0,
        active: true,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(await movementsOf(t, res.body.variant.id)).toEqual([expect.objectContaining({ kind: 'initial', deltaOnHand: 6 })]);
      const pub = await api().get(`/api/products/${p.id}`).expect(200);
      expect(pub.body.product.variants.map((v: { sku: string }) => v.sku)).toEqual([p.variants[0]!.sku, 'NEW-1']);
    });

    it('POST: 409 SKU_TAKEN, 404 missing product, 409 archived product, 400 validation', async () => {
      const p = await createProduct(t);
      const url = `/api/admin/products/${p.id}/variants`;
      expectError(await api().post(url).set(admin).send({ sku: p.variants[0]!.sku.toLowerCase(), name: 'x', price: 1 }), 409, 'SKU_TAKEN', undefined, ['skus']);
      expectError(await api().post(`/api/admin/products/${MISSING}/variants`).set(admin).send({ sku: 'Z-1', name: 'x', price: 1 }), 404, 'PRODUCT_NOT_FOUND');
      const archived = await createProduct(t, { archived: true });
      expectError(await api().post(`/api/admin/products/${archived.id}/variants`).set(admin).send({ sku: 'Z-1', name: 'x', price: 1 }), 409, 'PRODUCT_ARCHIVED');
      expectError(await api().post(url).set(admin).send({ sku: 'Z-1', name: 'x', price: -1 }), 400, 'VALIDATION_FAILED');
      expectError(await api().post(url).set(admin).send({ sku: 'Z-1', name: 'x' }), 400, 'VALIDATION_FAILED');
      expectError(await api().post('/api/admin/products/bad/variants').set(admin).send({ sku: 'Z-1', name: 'x', price: 1 }), 400, 'BAD_REQUEST');
      const after = await api().get(`/api/admin/products/${p.id}`).set(admin).expect(200);
      expect(after.body.product.variants).toHaveLength(1);
    });

    it('PATCH updates sku, name, price and active', async () => {
      const p = await createProduct(t, { variants: [{ stock: 2 }, {}] });
      const url = `/api/admin/products/${p.id}/variants/${p.variants[0]!.id}`;
      const res = await api().patch(url).set(admin).send({ sku: 'RENAMED-1', name: 'Renamed', price: 0, active: false }).expect(200);
      expect(res.body.variant).toMatchObject({ id: p.variants[0]!.id, sku: 'RENAMED-1', name: 'Renamed', price: 0, active: false, onHand: 2 });
      const pub = await api().get(`/api/products/${p.id}`).expect(200);
      expect(pub.body.product.variants.map((v: { id: string }) => v.id)).toEqual([p.variants[1]!.id]);
      // Changing only the case of its own SKU is not a clash.
      await api().patch(url).set(admin).send({ sku: 'renamed-1' }).expect(200);
    });

    it('PATCH: 409 SKU_TAKEN, 404 for a variant of another product, 400 for null/negative/float price', async () => {
      const p = await createProduct(t, { variants: [{}, {}] });
      const other = await createProduct(t);
      const url = `/api/admin/products/${p.id}/variants/${p.variants[0]!.id}`;
      expectError(await api().patch(url).set(admin).send({ sku: p.variants[1]!.sku }), 409, 'SKU_TAKEN', undefined, ['skus']);
      expectError(await api().patch(`/api/admin/products/${p.id}/variants/${other.variants[0]!.id}`).set(admin).send({ price: 1 }), 404, 'VARIANT_NOT_FOUND', 'Variant not found');
      expectError(await api().patch(`/api/admin/products/${MISSING}/variants/${p.variants[0]!.id}`).set(admin).send({ price: 1 }), 404, 'PRODUCT_NOT_FOUND');
      for (const body of [{ price: null }, { price: -1 }, { price: 1.25 }, { sku: null }, { initialStock: 5 }]) {
        expectError(await api().patch(url).set(admin).send(body), 400, 'VALIDATION_FAILED');
      }
      expectError(await api().patch(`/api/admin/products/${p.id}/variants/nope`).set(admin).send({ price: 1 }), 400, 'BAD_REQUEST');
      const after = await api().get(`/api/admin/products/${p.id}`).set(admin).expect(200);
      expect(after.body.product.variants[0]).toMatchObject({ sku: p.variants[0]!.sku, price: p.variants[0]!.price });
    });

    it('DELETE removes a variant with its stock; the last one is refused with 409', async () => {
      const p = await createProduct(t, { variants: [{}, {}] });
      const [a, b] = p.variants;
      const res = await api().delete(`/api/admin/products/${p.id}/variants/${a!.id}`).set(admin).expect(200);
      expect(res.body).toEqual({ message: 'Variant deleted' });
      expect(await stockOf(t, a!.id)).toBeUndefined();
      expectError(
        await api().delete(`/api/admin/products/${p.id}/variants/${b!.id}`).set(admin),
        409,
        'LAST_VARIANT',
        'A product must keep at least one variant; archive the product instead',
      );
      expectError(await api().delete(`/api/admin/products/${p.id}/variants/${a!.id}`).set(admin), 404, 'VARIANT_NOT_FOUND');
      const after = await api().get(`/api/admin/products/${p.id}`).set(admin).expect(200);
      expect(after.body.product.variants.map((v: { id: string }) => v.id)).toEqual([b!.id]);
    });

    it('DELETE is refused while checkouts hold reserved units', async () => {
      const p = await createProduct(t, { variants: [{ stock: 5, reserved: 1 }, {}] });
      const res = await api().delete(`/api/admin/products/${p.id}/variants/${p.variants[0]!.id}`).set(admin);
      expectError(res, 409, 'VARIANT_RESERVED', undefined, ['variantId', 'reserved']);
      expect(res.body).toMatchObject({ variantId: p.variants[0]!.id, reserved: 1 });
      expect(await stockOf(t, p.variants[0]!.id)).toEqual({ onHand: 5, reserved: 1 });
    });

    it('two concurrent deletes of a two-variant product: one succeeds, the last variant stays', async () => {
      for (let round = 0; round < 5; round++) {
        const p = await createProduct(t, { variants: [{}, {}] });
        const results = await Promise.all(p.variants.map((v) => api().delete(`/api/admin/products/${p.id}/variants/${v.id}`).set(admin)));
        expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
        const [{ count }] = await t.ds.query(`SELECT count(*)::int AS count FROM product_variants WHERE product_id = $1`, [p.id]);
        expect(count).toBe(1);
      }
    });
  });

  it('documents the routes in OpenAPI', async () => {
    const doc = await api().get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/products',
        '/api/products/{id}',
        '/api/admin/products',
        '/api/admin/products/{id}',
        '/api/admin/products/{id}/variants',
        '/api/admin/products/{id}/variants/{variantId}',
      ]),
    );
    const post = doc.body.paths['/api/admin/products'].post;
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '409']));
    expect(post.security).toEqual(expect.arrayContaining([{ bearer: [] }]));
    expect(doc.body.components.schemas.CreateVariantDto.properties.price).toMatchObject({ type: 'number' });
  });
});

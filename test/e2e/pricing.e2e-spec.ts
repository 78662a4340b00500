import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { TxRunner } from '../../src/database/tx';
import { PricingService } from '../../src/pricing/pricing.service';
import { truncateAll } from '../db';
import { signedIn } from '../factories/customer.factory';
import { createTestApp, type TestApp } from '../test-app';

describe('pricing: delivery methods, discounts, tax rates', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let customer: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp({ DEFAULT_TAX_RATE_BPS: '500' });
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await truncateAll(t.ds);
    admin = (await signedIn(t, { role: 'admin' })).auth;
    customer = (await signedIn(t)).auth;
  });

  const createMethod = (body: object) => request(t.http).post('/api/admin/delivery-methods').set(admin).send(body);
  const createDiscount = (body: object) => request(t.http).post('/api/admin/discounts').set(admin).send(body);

  describe('delivery methods', () => {
    it('admin creates methods; the public list filters by country and hides inactive ones', async () => {
      const std = await createMethod({ name: 'Standard', price: 499, countries: ['us', 'CA'] }).expect(201);
      expect(std.body.deliveryMethod).toMatchObject({ name: 'Standard', price: 499, currency: 'usd', countries: ['US', 'CA'], active: true });
      await createMethod({ name: 'Worldwide', price: 1999, countries: [] }).expect(201);
      await createMethod({ name: 'Hidden', price: 0, countries: ['US'], active: false }).expect(201);

      const us = await request(t.http).get('/api/delivery-methods?country=us').expect(200);
      expect(us.body.deliveryMethods.map((m: { name: string }) => m.name)).toEqual(['Standard', 'Worldwide']);
      const de = await request(t.http).get('/api/delivery-methods?country=DE').expect(200);
      expect(de.body.deliveryMethods.map((m: { name: string }) => m.name)).toEqual(['Worldwide']);
      const all = await request(t.http).get('/api/admin/delivery-methods').set(admin).expect(200);
      expect(all.body.count).toBe(3);
    });

    it('validates input and guards admin routes', async () => {
      const bad = await createMethod({ name: '', price: 4.99, countries: ['XX'] }).expect(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['countries', 'name', 'price']);
      await createMethod({ name: 'Neg', price: -1, countries: [] }).expect(400);
      await request(t.http).get('/api/delivery-methods?country=ZZZ').expect(400);
      await request(t.http).post('/api/admin/delivery-methods').send({ name: 'x', price: 1, countries: [] }).expect(401);
      const forbidden = await request(t.http).post('/api/admin/delivery-methods').set(customer).send({ name: 'x', price: 1, countries: [] }).expect(403);
      expect(forbidden.body.code).toBe('FORBIDDEN');
    });

    it('updates and deletes; unknown ids are 404, malformed ids 400', async () => {
      const { body } = await createMethod({ name: 'Std', price: 500, countries: ['US'] }).expect(201);
      const id = body.deliveryMethod.id;
      const upd = await request(t.http).patch(`/api/admin/delivery-methods/${id}`).set(admin).send({ price: 650, countries: ['us', 'us', 'mx'] }).expect(200);
      expect(upd.body.deliveryMethod).toMatchObject({ price: 650, countries: ['US', 'MX'], name: 'Std' });
      await request(t.http).delete(`/api/admin/delivery-methods/${id}`).set(admin).expect(204);
      await request(t.http).delete(`/api/admin/delivery-methods/${id}`).set(admin).expect(404);
      await request(t.http).get(`/api/admin/delivery-methods/${randomUUID()}`).set(admin).expect(404);
      await request(t.http).get('/api/admin/delivery-methods/not-a-uuid').set(admin).expect(400);
    });

    it('deliveryMethodFor refuses a method that does not serve the country', async () => {
      const { body } = await createMethod({ name: 'US only', price: 500, countries: ['US'] }).expect(201);
      const pricing = t.app.get(PricingService);
      await expect(pricing.deliveryMethodFor(body.deliveryMethod.id, 'US')).resolves.toMatchObject({ name: 'US only' });
      await expect(pricing.deliveryMethodFor(body.deliveryMethod.id, 'FR')).rejects.toMatchObject({ code: 'DELIVERY_METHOD_UNAVAILABLE', status: 400 });
      await expect(pricing.deliveryMethodFor(randomUUID(), 'US')).rejects.toMatchObject({ code: 'DELIVERY_METHOD_NOT_FOUND', status: 404 });
    });
  });

  describe('discounts', () => {
    it('creates a code, matched case-insensitively and unique regardless of case', async () => {
      const res = await createDiscount({ code: 'Spring10', type: 'percentage', value: 10, minSubtotal: 1000 }).expect(201);
      expect(res.body.discount).toMatchObject({ code: 'Spring10', type: 'percentage', value: 10, usedCount: 0, active: true });
      const dup = await createDiscount({ code: 'SPRING10', type: 'fixed', value: 100 }).expect(409);
      expect(dup.body.code).toBe('DISCOUNT_CODE_TAKEN');
      await expect(t.app.get(PricingService).applicableDiscount('spring10', { subtotal: 1000 })).resolves.toMatchObject({ code: 'Spring10' });
    });

    it('rejects impossible rules', async () => {
      expect((await createDiscount({ code: 'P', type: 'percentage', value: 10 }).expect(400)).body.code).toBe('VALIDATION_FAILED');
      await createDiscount({ code: 'OVER', type: 'percentage', value: 101 }).expect(400);
      await createDiscount({ code: 'ZERO', type: 'fixed', value: 0 }).expect(400);
      await createDiscount({ code: 'FLOAT', type: 'fixed', value: 1.5 }).expect(400);
      await createDiscount({ code: 'KIND', type: 'bogus', value: 5 }).expect(400);
      await createDiscount({ code: 'BACKWARDS', type: 'fixed', value: 5, startsAt: '2030-01-02T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' }).expect(400);
      await createDiscount({ code: 'bad code!', type: 'fixed', value: 5 }).expect(400);
      expect(await t.app.get(PricingService).listDiscounts()).toHaveLength(0);
    });

    it.each([
      ['unknown', {}, 'NOPE', 5000, /not valid/],
      ['inactive', { active: false }, 'CODE', 5000, /not valid/],
      ['not started', { startsAt: '2999-01-01T00:00:00Z' }, 'CODE', 5000, /not active yet/],
      ['expired', { endsAt: '2001-01-01T00:00:00Z' }, 'CODE', 5000, /expired/],
      ['below minimum', { minSubtotal: 5001 }, 'CODE', 5000, /at least 5001/],
    ])('an %s code is INVALID_DISCOUNT_CODE', async (_label, extra, code, subtotal, message) => {
      await createDiscount({ code: 'CODE', type: 'fixed', value: 500, ...extra }).expect(201);
      await expect(t.app.get(PricingService).applicableDiscount(code, { subtotal })).rejects.toMatchObject({
        code: 'INVALID_DISCOUNT_CODE',
        status: 400,
        message: expect.stringMatching(message),
      });
    });

    it('usage limit holds under 20 concurrent redemptions', async () => {
      const { body } = await createDiscount({ code: 'LIMITED', type: 'fixed', value: 100, usageLimit: 3 }).expect(201);
      const pricing = t.app.get(PricingService);
      const tx = t.app.get(TxRunner);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => tx.run((m) => pricing.redeemDiscount(m, body.discount.id, randomUUID(), randomUUID()))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
      for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
        expect(r.reason).toMatchObject({ code: 'INVALID_DISCOUNT_CODE' });
      }
      const after = await request(t.http).get(`/api/admin/discounts/${body.discount.id}`).set(admin).expect(200);
      expect(after.body.discount.usedCount).toBe(3);
      const [{ count }] = await t.ds.query('SELECT count(*)::int AS count FROM discount_redemptions');
      expect(count).toBe(3);
      // An exhausted code is refused up front too, and cannot be deleted once redeemed.
      await expect(pricing.applicableDiscount('limited', { subtotal: 10_000 })).rejects.toMatchObject({ message: expect.stringMatching(/used up/) });
      expect((await request(t.http).delete(`/api/admin/discounts/${body.discount.id}`).set(admin).expect(409)).body.code).toBe('DISCOUNT_IN_USE');
      await request(t.http).patch(`/api/admin/discounts/${body.discount.id}`).set(admin).send({ usageLimit: 2 }).expect(400);
    });

    it('per-customer limit holds under concurrency for one customer', async () => {
      const { body } = await createDiscount({ code: 'ONCE', type: 'percentage', value: 5, perCustomerLimit: 1 }).expect(201);
      const pricing = t.app.get(PricingService);
      const tx = t.app.get(TxRunner);
      const who = randomUUID();
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () => tx.run((m) => pricing.redeemDiscount(m, body.discount.id, who, randomUUID()))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      // Another customer may still use it.
      await tx.run((m) => pricing.redeemDiscount(m, body.discount.id, randomUUID(), randomUUID()));
    });

    it('updates and deletes an unused code', async () => {
      const { body } = await createDiscount({ code: 'TMP', type: 'fixed', value: 100 }).expect(201);
      const id = body.discount.id;
      const upd = await request(t.http).patch(`/api/admin/discounts/${id}`).set(admin).send({ value: 250, active: false }).expect(200);
      expect(upd.body.discount).toMatchObject({ value: 250, active: false });
      await request(t.http).patch(`/api/admin/discounts/${id}`).set(admin).send({ type: 'percentage', value: 150 }).expect(400);
      await request(t.http).delete(`/api/admin/discounts/${id}`).set(admin).expect(204);
      await request(t.http).get(`/api/admin/discounts/${id}`).set(admin).expect(404);
    });
  });

  describe('tax rates and quotes', () => {
    it('PUT sets a country rate, GET lists it with the default, DELETE falls back to the default', async () => {
      const put = await request(t.http).put('/api/admin/tax-rates/us').set(admin).send({ rateBps: 825 }).expect(200);
      expect(put.body.taxRate).toMatchObject({ country: 'US', rateBps: 825 });
      await request(t.http).put('/api/admin/tax-rates/US').set(admin).send({ rateBps: 900 }).expect(200);
      const list = await request(t.http).get('/api/admin/tax-rates').set(admin).expect(200);
      expect(list.body).toMatchObject({ count: 1, defaultRateBps: 500, taxRates: [{ country: 'US', rateBps: 900 }] });
      const pricing = t.app.get(PricingService);
      expect(await pricing.taxRateBps('us')).toBe(900);
      expect(await pricing.taxRateBps('FR')).toBe(500);
      await request(t.http).delete('/api/admin/tax-rates/US').set(admin).expect(204);
      expect(await pricing.taxRateBps('US')).toBe(500);
      await request(t.http).delete('/api/admin/tax-rates/US').set(admin).expect(404);
    });

    it('rejects bad rates and countries', async () => {
      await request(t.http).put('/api/admin/tax-rates/US').set(admin).send({ rateBps: 10_001 }).expect(400);
      await request(t.http).put('/api/admin/tax-rates/US').set(admin).send({ rateBps: 8.25 }).expect(400);
      await request(t.http).put('/api/admin/tax-rates/USA').set(admin).send({ rateBps: 100 }).expect(400);
      await request(t.http).put('/api/admin/tax-rates/US').set(customer).send({ rateBps: 100 }).expect(403);
    });

    it('quote combines lines, discount, delivery and tax as hand-computed', async () => {
      await request(t.http).put('/api/admin/tax-rates/US').set(admin).send({ rateBps: 825 }).expect(200);
      const m = await createMethod({ name: 'Std', price: 799, countries: ['US'] }).expect(201);
      await createDiscount({ code: 'TEN', type: 'percentage', value: 10 }).expect(201);
      const q = await t.app.get(PricingService).quote({
        lines: [{ unitPrice: 1999, quantity: 2 }, { unitPrice: 500, quantity: 1 }],
        discountCode: 'ten',
        deliveryMethodId: m.body.deliveryMethod.id,
        country: 'US',
        mode: 'strict',
      });
      // 4498 − 450 (10 %, 449.8 rounded) = 4048; tax 8.25 % = 333.96 → 334; + 799 shipping
      expect(q.totals).toEqual({ subtotal: 4498, discount: 450, shipping: 799, tax: 334, total: 5181 });
      expect(q).toMatchObject({ currency: 'usd', taxRateBps: 825, discount: { code: 'TEN' }, deliveryMethod: { price: 799 } });

      const lenient = await t.app.get(PricingService).quote({ lines: [{ unitPrice: 100, quantity: 1 }], discountCode: 'NOPE', mode: 'lenient' });
      expect(lenient.discountProblem).toMatch(/not valid/);
      expect(lenient.totals).toEqual({ subtotal: 100, discount: 0, shipping: 0, tax: 5, total: 105 });
    });
  });
});

import request from 'supertest';
import { truncateAll } from '../db';
import { createCustomer, signedIn } from '../factories/customer.factory';
import { createTestApp, type TestApp } from '../test-app';

const ERROR_KEYS = ['code', 'error', 'message', 'statusCode'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectError(res: request.Response, status: number, code: string, message?: string) {
  expect(res.status).toBe(status);
  expect(res.body.code).toBe(code);
  expect(res.body.statusCode).toBe(status);
  expect(typeof res.body.error).toBe('string');
  expect(typeof res.body.message).toBe('string');
  expect(Object.keys(res.body).sort()).toEqual(code === 'VALIDATION_FAILED' ? [...ERROR_KEYS, 'errors'].sort() : ERROR_KEYS);
  if (message !== undefined) expect(res.body.message).toBe(message);
}

const fieldsOf = (res: request.Response) => (res.body.errors as { field: string }[]).map((e) => e.field).sort();

const anAddress = (overrides: Record<string, unknown> = {}) => ({
  name: 'Ada Lovelace',
  street: '12 Analytical Row',
  city: 'London',
  postalCode: 'EC1A 1BB',
  country: 'GB',
  ...overrides,
});

describe('customers', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());
  beforeEach(() => truncateAll(t.ds));

  describe('GET /api/customers/me', () => {
    it('returns the caller, without the password hash', async () => {
      const { customer, auth } = await signedIn(t, { name: 'Grace Hopper', phone: '+1 555 0100' });
      const res = await request(t.http).get('/api/customers/me').set(auth).expect(200);
      expect(res.body).toEqual({
        customer: {
          id: customer.id,
          email: customer.email,
          name: 'Grace Hopper',
          phone: '+1 555 0100',
          role: 'customer',
          isGuest: false,
          emailVerified: false,
          createdAt: customer.createdAt.toISOString(),
          updatedAt: expect.any(String),
        },
      });
      expect(res.text).not.toMatch(/password/i);
    });

    it('needs a token', async () => {
      expectError(await request(t.http).get('/api/customers/me'), 401, 'MISSING_AUTH_HEADER', 'Missing Authorization Header');
      expectError(await request(t.http).patch('/api/customers/me').send({ name: 'x' }), 401, 'MISSING_AUTH_HEADER');
    });
  });

  describe('PATCH /api/customers/me', () => {
    it('updates the name (trimmed) and the phone, and returns the customer', async () => {
      const { customer, auth } = await signedIn(t);
      const res = await request(t.http).patch('/api/customers/me').set(auth).send({ name: '  Ada King  ', phone: '+44 20 7946 0000' }).expect(200);
      expect(res.body.customer).toMatchObject({ id: customer.id, name: 'Ada King', phone: '+44 20 7946 0000', email: customer.email });
      expect(new Date(res.body.customer.updatedAt).getTime()).toBeGreaterThanOrEqual(customer.updatedAt.getTime());
      const [row] = await t.ds.query(`SELECT name, phone FROM customers WHERE id = $1`, [customer.id]);
      expect(row).toEqual({ name: 'Ada King', phone: '+44 20 7946 0000' });
    });

    it('changes only what is sent', async () => {
      const { customer, auth } = await signedIn(t, { name: 'Keep Me', phone: '+1 555 0100' });
      await request(t.http).patch('/api/customers/me').set(auth).send({ phone: '+1 555 0199' }).expect(200);
      let [row] = await t.ds.query(`SELECT name, phone FROM customers WHERE id = $1`, [customer.id]);
      expect(row).toEqual({ name: 'Keep Me', phone: '+1 555 0199' });
      const res = await request(t.http).patch('/api/customers/me').set(auth).send({}).expect(200);
      expect(res.body.customer).toMatchObject({ name: 'Keep Me', phone: '+1 555 0199' });
      [row] = await t.ds.query(`SELECT name, phone FROM customers WHERE id = $1`, [customer.id]);
      expect(row).toEqual({ name: 'Keep Me', phone: '+1 555 0199' });
    });

    it('phone: null clears the phone', async () => {
      const { customer, auth } = await signedIn(t, { phone: '+1 555 0100' });
      const res = await request(t.http).patch('/api/customers/me').set(auth).send({ phone: null }).expect(200);
      expect(res.body.customer.phone).toBeNull();
      const [row] = await t.ds.query(`SELECT phone FROM customers WHERE id = $1`, [customer.id]);
      expect(row.phone).toBeNull();
    });

    it('email, role and other unknown fields are rejected with 400 and nothing changes', async () => {
      const { customer, auth } = await signedIn(t, { name: 'Unchanged' });
      for (const [field, value] of [
        ['email', 'new@test.local'],
        ['role', 'admin'],
        ['isGuest', true],
        ['emailVerified', true],
        ['passwordHash', 'x'],
        ['id', '00000000-0000-4000-8000-000000000000'],
      ] as const) {
        const res = await request(t.http).patch('/api/customers/me').set(auth).send({ name: 'Changed', [field]: value });
        expectError(res, 400, 'VALIDATION_FAILED');
        expect(fieldsOf(res)).toEqual([field]);
      }
      const [row] = await t.ds.query(`SELECT email, name, role, is_guest, email_verified FROM customers WHERE id = $1`, [customer.id]);
      expect(row).toEqual({ email: customer.email, name: 'Unchanged', role: 'customer', is_guest: false, email_verified: false });
    });

    it('validates name and phone; a null name is a 400, never a 500', async () => {
      const { customer, auth } = await signedIn(t, { name: 'Stays', phone: '+1 555 0100' });
      for (const [body, fields] of [
        [{ name: null }, ['name']],
        [{ name: '' }, ['name']],
        [{ name: '   ' }, ['name']],
        [{ name: 42 }, ['name']],
        [{ name: 'x'.repeat(201) }, ['name']],
        [{ phone: 'call me maybe' }, ['phone']],
        [{ phone: 5550100 }, ['phone']],
        [{ name: null, phone: 'nope' }, ['name', 'phone']],
      ] as const) {
        const res = await request(t.http).patch('/api/customers/me').set(auth).send(body);
        expectError(res, 400, 'VALIDATION_FAILED');
        expect(fieldsOf(res)).toEqual(fields);
      }
      const [row] = await t.ds.query(`SELECT name, phone FROM customers WHERE id = $1`, [customer.id]);
      expect(row).toEqual({ name: 'Stays', phone: '+1 555 0100' });
    });
  });

  describe('address book', () => {
    const list = (auth: Record<string, string>) => request(t.http).get('/api/customers/me/addresses').set(auth);
    const add = (auth: Record<string, string>, body: object) => request(t.http).post('/api/customers/me/addresses').set(auth).send(body);
    const patch = (auth: Record<string, string>, id: string, body: object) => request(t.http).patch(`/api/customers/me/addresses/${id}`).set(auth).send(body);
    const del = (auth: Record<string, string>, id: string) => request(t.http).delete(`/api/customers/me/addresses/${id}`).set(auth);

    it('adds an address (201) with every field, trimmed, country upper-cased', async () => {
      const { customer, auth } = await signedIn(t);
      const res = await add(auth, {
        name: ' Ada Lovelace ',
        street: ' 12 Analytical Row ',
        city: 'London',
        state: 'Greater London',
        postalCode: 'EC1A 1BB',
        district: 'Clerkenwell',
        country: 'gb',
        phone: '+44 20 7946 0000',
      }).expect(201);
      expect(res.body).toEqual({
        address: {
          id: expect.stringMatching(UUID),
          name: 'Ada Lovelace',
          street: '12 Analytical Row',
          city: 'London',
          state: 'Greater London',
          postalCode: 'EC1A 1BB',
          district: 'Clerkenwell',
          country: 'GB',
          phone: '+44 20 7946 0000',
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
        },
      });
      const [row] = await t.ds.query(`SELECT customer_id, country FROM addresses WHERE id = $1`, [res.body.address.id]);
      expect(row).toEqual({ customer_id: customer.id, country: 'GB' });
    });

    it('optional fields default to null', async () => {
      const { auth } = await signedIn(t);
      const res = await add(auth, anAddress()).expect(201);
      expect(res.body.address).toMatchObject({ state: null, district: null, phone: null, country: 'GB' });
    });

    it('validates the country as ISO 3166-1 alpha-2', async () => {
      const { auth } = await signedIn(t);
      for (const country of ['XX', 'GBR', 'uk', 'G', '', 'united kingdom', 12, null]) {
        const res = await add(auth, anAddress({ country }));
        expectError(res, 400, 'VALIDATION_FAILED');
        expect(fieldsOf(res)).toEqual(['country']);
      }
      for (const [given, stored] of [['de', 'DE'], [' us ', 'US'], ['Fr', 'FR']]) {
        expect((await add(auth, anAddress({ country: given })).expect(201)).body.address.country).toBe(stored);
      }
    });

    it('lists every field problem at once and refuses unknown fields (customerId included)', async () => {
      const { auth } = await signedIn(t);
      const other = await createCustomer(t.ds);
      const res = await add(auth, { street: '', country: 'ZZ', phone: 'nope', customerId: other.id });
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(fieldsOf(res)).toEqual(['city', 'country', 'customerId', 'name', 'phone', 'postalCode', 'street']);
      const res2 = await add(auth, anAddress({ customerId: other.id }));
      expectError(res2, 400, 'VALIDATION_FAILED');
      expect(fieldsOf(res2)).toEqual(['customerId']);
      const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM addresses`);
      expect(n).toBe(0);
      expect((await list(auth).expect(200)).body.count).toBe(0);
    });

    it('lists own addresses newest first, with a count', async () => {
      const { auth } = await signedIn(t);
      const other = await signedIn(t);
      const ids: string[] = [];
      for (const city of ['First', 'Second', 'Third']) ids.push((await add(auth, anAddress({ city })).expect(201)).body.address.id);
      await add(other.auth, anAddress({ city: 'Elsewhere' })).expect(201);
      const res = await list(auth).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(['addresses', 'count']);
      expect(res.body.count).toBe(3);
      expect(res.body.addresses.map((a: { id: string }) => a.id)).toEqual([...ids].reverse());
      expect(res.body.addresses.map((a: { city: string }) => a.city)).toEqual(['Third', 'Second', 'First']);
      expect((await list(other.auth).expect(200)).body.count).toBe(1);
    });

    it('an empty address book is an empty list', async () => {
      const { auth } = await signedIn(t);
      expect((await list(auth).expect(200)).body).toEqual({ addresses: [], count: 0 });
    });

    it('updates only the fields sent, upper-cases the country, and null clears optional fields', async () => {
      const { auth } = await signedIn(t);
      const created = (await add(auth, anAddress({ state: 'Greater London', district: 'Soho', phone: '+44 20 7946 0000' })).expect(201)).body.address;
      const res = await patch(auth, created.id, { city: ' Manchester ', country: 'ie', state: null, phone: null }).expect(200);
      expect(res.body.address).toEqual({
        ...created,
        city: 'Manchester',
        country: 'IE',
        state: null,
        phone: null,
        updatedAt: expect.any(String),
      });
      const [row] = await t.ds.query(`SELECT city, country, state, district, phone, street FROM addresses WHERE id = $1`, [created.id]);
      expect(row).toEqual({ city: 'Manchester', country: 'IE', state: null, district: 'Soho', phone: null, street: '12 Analytical Row' });
      expect((await list(auth).expect(200)).body.addresses[0]).toMatchObject({ id: created.id, city: 'Manchester' });
    });

    it('rejects bad updates with 400 (required fields cannot be nulled or blanked) and keeps the address', async () => {
      const { auth } = await signedIn(t);
      const created = (await add(auth, anAddress())).body.address;
      for (const [body, fields] of [
        [{ name: null }, ['name']],
        [{ street: null }, ['street']],
        [{ city: '' }, ['city']],
        [{ postalCode: null }, ['postalCode']],
        [{ country: null }, ['country']],
        [{ country: 'XX' }, ['country']],
        [{ phone: 'nope' }, ['phone']],
        [{ customerId: created.id }, ['customerId']],
        [{ id: created.id }, ['id']],
      ] as const) {
        const res = await patch(auth, created.id, body);
        expectError(res, 400, 'VALIDATION_FAILED');
        expect(fieldsOf(res)).toEqual(fields);
      }
      const [row] = await t.ds.query(`SELECT name, street, city, postal_code, country FROM addresses WHERE id = $1`, [created.id]);
      expect(row).toEqual({ name: 'Ada Lovelace', street: '12 Analytical Row', city: 'London', postal_code: 'EC1A 1BB', country: 'GB' });
    });

    it('deletes an address (204); a second delete is 404', async () => {
      const { auth } = await signedIn(t);
      const keep = (await add(auth, anAddress({ city: 'Keep' })).expect(201)).body.address;
      const gone = (await add(auth, anAddress({ city: 'Gone' })).expect(201)).body.address;
      const res = await del(auth, gone.id).expect(204);
      expect(res.text).toBe('');
      expect((await list(auth).expect(200)).body.addresses.map((a: { id: string }) => a.id)).toEqual([keep.id]);
      expectError(await del(auth, gone.id), 404, 'ADDRESS_NOT_FOUND', 'Address not found');
      expectError(await patch(auth, gone.id, { city: 'Back' }), 404, 'ADDRESS_NOT_FOUND');
    });

    it("another customer's address is 404 on PATCH and DELETE, and stays untouched", async () => {
      const owner = await signedIn(t);
      const intruder = await signedIn(t);
      const theirs = (await add(owner.auth, anAddress({ city: 'Private' })).expect(201)).body.address;
      const [before] = await t.ds.query(`SELECT * FROM addresses WHERE id = $1`, [theirs.id]);

      const p = await patch(intruder.auth, theirs.id, { city: 'Hijacked' });
      expectError(p, 404, 'ADDRESS_NOT_FOUND', 'Address not found');
      const d = await del(intruder.auth, theirs.id);
      expectError(d, 404, 'ADDRESS_NOT_FOUND', 'Address not found');
      // Same answer as for an id that does not exist at all: nothing is revealed.
      const missing = await patch(intruder.auth, '00000000-0000-4000-8000-000000000000', { city: 'x' });
      expect(missing.body).toEqual(p.body);

      const [after] = await t.ds.query(`SELECT * FROM addresses WHERE id = $1`, [theirs.id]);
      expect(after).toEqual(before);
      expect((await list(owner.auth).expect(200)).body.addresses).toEqual([theirs]);
      expect((await list(intruder.auth).expect(200)).body.count).toBe(0);
    });

    it('a malformed id is 400, never 500', async () => {
      const { auth } = await signedIn(t);
      for (const id of ['not-a-uuid', '123', '00000000-0000-4000-8000-00000000000g', `${'a'.repeat(300)}`]) {
        const p = await patch(auth, id, { city: 'x' });
        expectError(p, 400, p.body.code);
        expect(p.body.code).toMatch(/^[A-Z_]+$/);
        const d = await del(auth, id);
        expectError(d, 400, d.body.code);
      }
    });

    it('needs a token', async () => {
      expectError(await request(t.http).get('/api/customers/me/addresses'), 401, 'MISSING_AUTH_HEADER');
      expectError(await request(t.http).post('/api/customers/me/addresses').send(anAddress()), 401, 'MISSING_AUTH_HEADER');
      expectError(await request(t.http).patch('/api/customers/me/addresses/00000000-0000-4000-8000-000000000000').send({}), 401, 'MISSING_AUTH_HEADER');
      expectError(await request(t.http).delete('/api/customers/me/addresses/00000000-0000-4000-8000-000000000000'), 401, 'MISSING_AUTH_HEADER');
    });

    it('a token that outlived its account cannot add addresses (401, not 500)', async () => {
      const { customer, auth } = await signedIn(t);
      await t.ds.query(`DELETE FROM customers WHERE id = $1`, [customer.id]);
      expectError(await add(auth, anAddress()), 401, 'INVALID_TOKEN');
      expectError(await request(t.http).patch('/api/customers/me').set(auth).send({ name: 'Ghost' }), 401, 'INVALID_TOKEN');
    });
  });
});

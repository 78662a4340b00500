import request from 'supertest';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { truncateAll } from '../db';
import { ADDRESS } from '../factories/checkout.factory';
import { signedIn } from '../factories/customer.factory';
import { createProduct } from '../factories/product.factory';
import { createTestApp, type TestApp, workerDatabaseUrl } from '../test-app';

/** The read-replica switch, with the primary itself as the one replica (as docs/scaling.md describes). */
describe('DATABASE_REPLICA_URLS', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ DATABASE_REPLICA_URLS: workerDatabaseUrl() });
  });
  afterAll(() => t.close());
  beforeEach(() => truncateAll(t.ds));

  it('order history and admin lists are read through the replica pool; writes and everything else stay on the primary', async () => {
    const driver = t.ds.driver as PostgresDriver;
    expect(driver.slaves).toHaveLength(1);
    // Count checkouts from each pool (the real pools, only observed).
    const checkouts = { primary: 0, replica: 0 };
    const observe = (pool: { connect: (...a: unknown[]) => unknown }, key: keyof typeof checkouts) => {
      const connect = pool.connect.bind(pool);
      pool.connect = (...a: unknown[]) => {
        checkouts[key]++;
        return connect(...a);
      };
    };
    observe(driver.master as never, 'primary');
    observe(driver.slaves[0] as never, 'replica');
    const { auth } = await signedIn(t);
    const admin = (await signedIn(t, { role: 'admin' })).auth;
    const p = await createProduct(t, { variants: [{ price: 1000, stock: 5 }] });
    // Writes: a direct order (transaction on the primary).
    const order = (await request(t.http).post('/api/orders').set(auth).send({ items: [{ variantId: p.variants[0]!.id, quantity: 1 }], shippingAddress: ADDRESS }).expect(201)).body.order;
    expect(checkouts.replica).toBe(0); // writes (and the auth lookup) went to the primary
    expect(checkouts.primary).toBeGreaterThan(0);

    const mine = await request(t.http).get('/api/orders').set(auth).expect(200);
    expect(mine.body).toMatchObject({ count: 1, orders: [{ id: order.id }] });
    expect(checkouts.replica).toBe(1); // the list ran on one replica connection
    const all = await request(t.http).get('/api/admin/orders').set(admin).expect(200);
    expect(all.body.orders.map((o: { id: string }) => o.id)).toContain(order.id);
    expect(checkouts.replica).toBe(2);
  });
});

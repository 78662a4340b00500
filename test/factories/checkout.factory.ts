import request from 'supertest';
import type { TestApp } from '../test-app';

export const ADDRESS = { name: 'Ada Lovelace', street: '12 Analytical Row', city: 'London', postalCode: 'EC1A 1BB', country: 'GB', phone: '+44 20 7946 0000' };

export async function createDeliveryMethod(t: TestApp, o: { name?: string; price?: number; countries?: string[]; active?: boolean } = {}): Promise<string> {
  const [row] = await t.ds.query(`INSERT INTO delivery_methods (name, price, countries, active) VALUES ($1, $2, $3, $4) RETURNING id`, [
    o.name ?? 'Standard',
    o.price ?? 500,
    o.countries ?? [],
    o.active ?? true,
  ]);
  return row.id as string;
}

export async function createDiscount(
  t: TestApp,
  o: { code: string; type?: 'percentage' | 'fixed'; value: number; usageLimit?: number | null; perCustomerLimit?: number | null; endsAt?: Date | null },
): Promise<string> {
  const [row] = await t.ds.query(`INSERT INTO discounts (code, type, value, usage_limit, per_customer_limit, ends_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, [
    o.code,
    o.type ?? 'percentage',
    o.value,
    o.usageLimit ?? null,
    o.perCustomerLimit ?? null,
    o.endsAt ?? null,
  ]);
  return row.id as string;
}

/** A guest cart holding `lines`; returns the session header. */
export async function guestCart(t: TestApp, lines: { variantId: string; quantity: number }[]): Promise<Record<string, string>> {
  let headers: Record<string, string> = {};
  for (const line of lines) {
    const res = await request(t.http).post('/api/cart/items').set(headers).send(line).expect(201);
    if (res.body.sessionId) headers = { 'X-Session-Id': res.body.sessionId };
  }
  return headers;
}

export function guestCheckoutBody(deliveryMethodId: string, overrides: Record<string, unknown> = {}) {
  return { email: 'guest@example.com', name: 'Ada Guest', phone: '+44 20 7946 0001', shippingAddress: ADDRESS, deliveryMethodId, paymentMethod: 'card', ...overrides };
}

export const stock = async (t: TestApp, variantId: string): Promise<{ onHand: number; reserved: number }> => {
  const [row] = await t.ds.query('SELECT on_hand, reserved FROM stock_items WHERE variant_id = $1', [variantId]);
  return { onHand: row.on_hand, reserved: row.reserved };
};

export const count = async (t: TestApp, table: string, where = 'TRUE', params: unknown[] = []): Promise<number> => {
  const [row] = await t.ds.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params);
  return row.n as number;
};

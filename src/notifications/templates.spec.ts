import { storeNameOf } from './email-composer';
import { claimAccount, orderCancelled, orderConfirmation, orderOnHold, orderRefunded, orderShipped, type OrderView } from './templates';

const ctx = { storeName: 'Shop' };
const ADDRESS = { name: 'Ada Lovelace', street: '12 Analytical Row', city: 'London', state: null, postalCode: 'EC1A 1BB', district: null, country: 'GB', phone: null };
const order = (o: Partial<OrderView> = {}): OrderView => ({
  id: '0b0c6c39-8f0e-4a5e-9b55-7a4fdbd0d001',
  number: 'ORD-000042',
  email: 'ada@example.com',
  customerName: 'Ada <script>',
  currency: 'usd',
  paymentMethod: 'card',
  subtotal: 3499,
  discount: 350,
  discountCode: 'TEN',
  shipping: 500,
  tax: 315,
  total: 3964,
  amountPaid: 3964,
  amountRefunded: 0,
  shippingAddress: ADDRESS,
  billingAddress: { ...ADDRESS, name: 'Billing Person' },
  deliveryMethod: { name: 'Standard' },
  trackingNumber: null,
  items: [
    { productName: 'Widget & Co', sku: 'W-1', quantity: 2, unitPrice: 1250, totalPrice: 2500 },
    { productName: 'Gadget', sku: 'G-1', quantity: 1, unitPrice: 999, totalPrice: 999 },
  ],
  ...o,
});

describe('templates', () => {
  it('order confirmation: number, lines, totals, addresses; HTML escaped', () => {
    const m = orderConfirmation(ctx, order(), null);
    expect(m.subject).toBe('Order ORD-000042 confirmed');
    for (const s of ['ORD-000042', '2 × Widget & Co (SKU W-1) @ $12.50 = $25.00', 'Discount (TEN)', '−$3.50', '$39.64', '12 Analytical Row', 'Billing Person', '$39.64 received by card']) {
      expect(m.text).toContain(s);
    }
    expect(m.text).not.toContain('Create your account');
    expect(m.html).toContain('Widget &amp; Co');
    expect(m.html).toContain('Hi Ada &lt;script&gt;,');
    expect(m.html).not.toContain('<script>');
  });

  it('order confirmation for a guest carries the claim link and its lifetime', () => {
    const m = orderConfirmation(ctx, order(), { url: 'https://shop.test/claim?token=abc&email=a%40b', ttlSeconds: 86_400 });
    expect(m.text).toContain('Create your account');
    expect(m.text).toContain('https://shop.test/claim?token=abc&email=a%40b');
    expect(m.text).toContain('for 24 hours');
    expect(m.html).toContain('href="https://shop.test/claim?token=abc&amp;email=a%40b"');
  });

  it('cash on delivery says what is due', () => {
    expect(orderConfirmation(ctx, order({ paymentMethod: 'cash_on_delivery', amountPaid: 0 }), null).text).toContain('cash on delivery, $39.64 due');
  });

  it('shipped, cancelled, refunded, on hold, claim', () => {
    expect(orderShipped(ctx, { number: 'ORD-1', trackingNumber: '1Z999', order: order() }).text).toContain('Tracking number: 1Z999');
    expect(orderShipped(ctx, { number: 'ORD-1', trackingNumber: null, order: null }).subject).toBe('Order ORD-1 has shipped');
    expect(orderCancelled(ctx, { number: 'ORD-1', refunded: 3964, order: order() }).text).toContain('A refund of $39.64');
    expect(orderCancelled(ctx, { number: 'ORD-1', refunded: true, order: null }).text).toContain('being refunded');
    expect(orderRefunded(ctx, { number: 'ORD-1', amount: 1000, currency: 'eur', order: null }).text).toContain('refunded €10.00 for your order ORD-1');
    const hold = orderOnHold(ctx, { number: 'ORD-1', orderId: 'x', reasons: ['Payment of 1 usd does not match'], order: order() });
    expect(hold.subject).toBe('Order ORD-1 is on hold');
    expect(hold.text).toContain('- Payment of 1 usd does not match');
    const claim = claimAccount(ctx, { name: 'Ada', claim: { url: 'https://shop.test/c?t=1', ttlSeconds: 3 * 86_400 } });
    expect(claim.subject).toBe('Set a password for your Shop account');
    expect(claim.text).toContain('for 3 days');
  });

  it('store name from MAIL_FROM', () => {
    expect(storeNameOf('Shop <no-reply@shop.local>')).toBe('Shop');
    expect(storeNameOf('"Ada\'s Shop" <a@b.c>')).toBe("Ada's Shop");
    expect(storeNameOf('no-reply@shop.local')).toBe('no-reply@shop.local');
  });
});

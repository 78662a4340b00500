import { addressLines, type AddressLines, escapeHtml, formatMoney } from './format';

/**
 * Email templates: pure functions from data to `{subject, text, html}`. Plain text is the primary part
 * (it is what tests and text-only clients read); the HTML part says the same with a little structure.
 * Every interpolated value is escaped in HTML.
 */

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface StoreContext {
  /** The display name of MAIL_FROM, e.g. "Shop". */
  storeName: string;
}

export interface OrderLineView {
  productName: string;
  sku: string;
  quantity: number;
  unitPrice: number;
  totalPrice: number;
}

export interface OrderView {
  id: string;
  number: string;
  email: string;
  customerName: string;
  currency: string;
  paymentMethod: string;
  subtotal: number;
  discount: number;
  discountCode: string | null;
  shipping: number;
  tax: number;
  total: number;
  amountPaid: number;
  amountRefunded: number;
  shippingAddress: AddressLines;
  billingAddress: AddressLines;
  deliveryMethod: { name: string } | null;
  trackingNumber: string | null;
  items: OrderLineView[];
}

export interface ClaimLink {
  url: string;
  ttlSeconds: number;
}

// ---- building blocks ----

type Block = { text: string; html: string };

const p = (s: string): Block => ({ text: s, html: `<p>${escapeHtml(s)}</p>` });
const heading = (s: string): Block => ({ text: s, html: `<h3 style="margin:24px 0 8px">${escapeHtml(s)}</h3>` });
const link = (label: string, url: string): Block => ({
  text: `${label}\n  ${url}`,
  html: `<p>${escapeHtml(label)}<br><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>`,
});

function address(title: string, a: AddressLines): Block {
  const lines = addressLines(a);
  return {
    text: `${title}\n${lines.map((l) => `  ${l}`).join('\n')}`,
    html: `<h3 style="margin:24px 0 8px">${escapeHtml(title)}</h3><p>${lines.map(escapeHtml).join('<br>')}</p>`,
  };
}

function items(o: OrderView): Block {
  const money = (v: number) => formatMoney(v, o.currency);
  const text = o.items.map((i) => `  ${i.quantity} × ${i.productName} (SKU ${i.sku}) @ ${money(i.unitPrice)} = ${money(i.totalPrice)}`).join('\n');
  const rows = o.items
    .map(
      (i) =>
        `<tr><td>${escapeHtml(i.productName)}<br><small>SKU ${escapeHtml(i.sku)}</small></td>` +
        `<td align="right">${i.quantity}</td><td align="right">${escapeHtml(money(i.unitPrice))}</td><td align="right">${escapeHtml(money(i.totalPrice))}</td></tr>`,
    )
    .join('');
  return {
    text: `Items\n${text}`,
    html:
      `<h3 style="margin:24px 0 8px">Items</h3><table cellpadding="4" cellspacing="0" style="border-collapse:collapse">` +
      `<tr><th align="left">Item</th><th align="right">Qty</th><th align="right">Price</th><th align="right">Total</th></tr>${rows}</table>`,
  };
}

function totals(o: OrderView): Block {
  const money = (v: number) => formatMoney(v, o.currency);
  const rows: [string, string][] = [['Subtotal', money(o.subtotal)]];
  if (o.discount > 0) rows.push([`Discount${o.discountCode ? ` (${o.discountCode})` : ''}`, `−${money(o.discount)}`]);
  rows.push([`Shipping${o.deliveryMethod ? ` (${o.deliveryMethod.name})` : ''}`, money(o.shipping)]);
  rows.push(['Tax', money(o.tax)]);
  rows.push(['Total', money(o.total)]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return {
    text: rows.map(([k, v]) => `  ${k.padEnd(width)}${v}`).join('\n'),
    html:
      `<table cellpadding="4" cellspacing="0" style="margin-top:12px">` +
      rows.map(([k, v], i) => `<tr${i === rows.length - 1 ? ' style="font-weight:bold"' : ''}><td>${escapeHtml(k)}</td><td align="right">${escapeHtml(v)}</td></tr>`).join('') +
      `</table>`,
  };
}

function hours(seconds: number): string {
  const h = Math.round(seconds / 3600);
  if (h >= 48 && h % 24 === 0) return `${h / 24} days`;
  if (h >= 1) return `${h} hour${h === 1 ? '' : 's'}`;
  const m = Math.max(1, Math.round(seconds / 60));
  return `${m} minutes`;
}

function compose(ctx: StoreContext, subject: string, blocks: Block[]): RenderedEmail {
  const all = [...blocks, p(`— ${ctx.storeName}`)];
  return {
    subject,
    text: `${all.map((b) => b.text).join('\n\n')}\n`,
    html:
      `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>` +
      `<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222;max-width:640px">` +
      all.map((b) => b.html).join('\n') +
      `</body></html>\n`,
  };
}

const greeting = (name: string | null | undefined) => p(name ? `Hi ${name},` : 'Hello,');

// ---- templates ----

export function orderConfirmation(ctx: StoreContext, o: OrderView, claim: ClaimLink | null): RenderedEmail {
  const payment =
    o.paymentMethod === 'cash_on_delivery'
      ? `Payment: cash on delivery, ${formatMoney(o.total, o.currency)} due when your order arrives.`
      : `Payment: ${formatMoney(o.amountPaid, o.currency)} received by card.`;
  const blocks: Block[] = [
    greeting(o.customerName),
    p(`Thank you for your order ${o.number}. We will let you know when it ships.`),
    items(o),
    totals(o),
    p(payment),
    address('Shipping address', o.shippingAddress),
    address('Billing address', o.billingAddress),
  ];
  if (claim) {
    blocks.push(heading('Create your account'));
    blocks.push(
      link(
        `You checked out as a guest. Set a password to see this and your earlier orders in your account (the link works once, for ${hours(claim.ttlSeconds)}; you can ask for a new one on the sign-in page):`,
        claim.url,
      ),
    );
  }
  return compose(ctx, `Order ${o.number} confirmed`, blocks);
}

export function orderOnHold(ctx: StoreContext, m: { number: string; orderId: string; reasons: string[]; order: OrderView | null }): RenderedEmail {
  const blocks: Block[] = [
    p(`Order ${m.number} (${m.orderId}) was paid but is on hold and needs a decision.`),
    {
      text: `Reasons\n${m.reasons.map((r) => `  - ${r}`).join('\n') || '  (none given)'}`,
      html: `<h3 style="margin:24px 0 8px">Reasons</h3><ul>${m.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('') || '<li>(none given)</li>'}</ul>`,
    },
  ];
  if (m.order) {
    blocks.push(p(`Customer: ${m.order.customerName} <${m.order.email}>`));
    blocks.push(items(m.order), totals(m.order));
    blocks.push(p(`Received: ${formatMoney(m.order.amountPaid, m.order.currency)}`));
  }
  return compose(ctx, `Order ${m.number} is on hold`, blocks);
}

export function orderShipped(ctx: StoreContext, m: { number: string; trackingNumber: string | null; order: OrderView | null }): RenderedEmail {
  const blocks: Block[] = [greeting(m.order?.customerName), p(`Good news: your order ${m.number} has shipped.`)];
  blocks.push(p(m.trackingNumber ? `Tracking number: ${m.trackingNumber}` : 'No tracking number was given for this shipment.'));
  if (m.order) {
    if (m.order.deliveryMethod) blocks.push(p(`Delivery: ${m.order.deliveryMethod.name}`));
    blocks.push(items(m.order), address('Shipping to', m.order.shippingAddress));
  }
  return compose(ctx, `Order ${m.number} has shipped`, blocks);
}

export function orderCancelled(ctx: StoreContext, m: { number: string; refunded: boolean | number | undefined; order: OrderView | null }): RenderedEmail {
  const blocks: Block[] = [greeting(m.order?.customerName), p(`Your order ${m.number} has been cancelled.`)];
  if (typeof m.refunded === 'number' && m.refunded > 0 && m.order) {
    blocks.push(p(`A refund of ${formatMoney(m.refunded, m.order.currency)} has been issued to your original payment method. It can take a few days to appear.`));
  } else if (m.refunded) {
    blocks.push(p('Your payment is being refunded to your original payment method. It can take a few days to appear.'));
  } else if (m.order && m.order.amountPaid === 0) {
    blocks.push(p('No payment was taken for this order.'));
  }
  if (m.order) blocks.push(items(m.order), totals(m.order));
  blocks.push(p('If you did not ask for this, please reply to this email.'));
  return compose(ctx, `Order ${m.number} has been cancelled`, blocks);
}

export function orderRefunded(ctx: StoreContext, m: { number: string; amount: number; currency: string; order: OrderView | null }): RenderedEmail {
  const blocks: Block[] = [
    greeting(m.order?.customerName),
    p(`We have refunded ${formatMoney(m.amount, m.currency)} for your order ${m.number} to your original payment method. It can take a few days to appear.`),
  ];
  if (m.order) {
    blocks.push(p(`Order total: ${formatMoney(m.order.total, m.order.currency)}; refunded so far: ${formatMoney(m.order.amountRefunded, m.order.currency)}.`));
  }
  return compose(ctx, `Refund for order ${m.number}`, blocks);
}

export function claimAccount(ctx: StoreContext, m: { name: string | null; claim: ClaimLink }): RenderedEmail {
  return compose(ctx, `Set a password for your ${ctx.storeName} account`, [
    greeting(m.name),
    p(`You have ordered from ${ctx.storeName} as a guest. Set a password to turn that into an account and see all your orders in one place.`),
    link(`This link works once, for ${hours(m.claim.ttlSeconds)}:`, m.claim.url),
    p('If you did not ask for this, you can ignore this email: nothing changes until the link is used.'),
  ]);
}

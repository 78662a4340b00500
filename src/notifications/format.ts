/** Formatting for emails: money from integer minor units (no floats), HTML escaping, addresses. */

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string): Intl.NumberFormat {
  const code = currency.toUpperCase();
  let f = formatters.get(code);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { style: 'currency', currency: code });
    formatters.set(code, f);
  }
  return f;
}

/**
 * `formatMoney(4349, 'usd')` → `$43.49`; `formatMoney(1234, 'jpy')` → `¥1,234`. The currency's own number of
 * decimals (ISO 4217 via Intl) places the point; the value is handed to Intl as a decimal string, so no
 * floating-point arithmetic touches the amount.
 */
export function formatMoney(minor: number | bigint, currency: string): string {
  const f = formatter(currency);
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  const n = BigInt(minor);
  const abs = (n < 0n ? -n : n).toString().padStart(digits + 1, '0');
  const whole = digits ? abs.slice(0, -digits) : abs;
  const frac = digits ? abs.slice(-digits) : '';
  const decimal = `${n < 0n ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
  // Intl.NumberFormat accepts exact decimal strings (ES2023); the cast covers older lib typings.
  return f.format(decimal as unknown as number);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

export interface AddressLines {
  name: string;
  street: string;
  city: string;
  state?: string | null;
  postalCode: string;
  district?: string | null;
  country: string;
  phone?: string | null;
}

/** An address as lines, for both the text and the HTML part. */
export function addressLines(a: AddressLines): string[] {
  return [
    a.name,
    a.street,
    a.district ?? '',
    [a.city, a.state ?? '', a.postalCode].filter(Boolean).join(' '),
    a.country,
    a.phone ?? '',
  ].filter((l) => l.trim() !== '');
}

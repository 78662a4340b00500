/**
 * Money arrives as integer minor units plus a lower-case ISO 4217 code. Formatting goes through a decimal
 * string (never a float division), so 1999 usd is exactly "$19.99" and 500 jpy is "¥500".
 */

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string): Intl.NumberFormat {
  const code = currency.toUpperCase();
  let f = formatters.get(code);
  if (!f) formatters.set(code, (f = new Intl.NumberFormat(undefined, { style: 'currency', currency: code })));
  return f;
}

/** Decimal places of the currency's minor unit (2 for usd, 0 for jpy, 3 for kwd). */
export function minorDigits(currency: string): number {
  return formatter(currency).resolvedOptions().maximumFractionDigits ?? 2;
}

export function formatMoney(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  const negative = minor < 0;
  const s = String(Math.abs(Math.trunc(minor))).padStart(digits + 1, '0');
  const decimal = digits ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s;
  return formatter(currency).format(`${negative ? '-' : ''}${decimal}` as `${number}`);
}

/** "12.5" → 1250 (usd). null when the text is not a non-negative amount with at most the currency's decimals. */
export function parseMoney(text: string, currency: string): number | null {
  const digits = minorDigits(currency);
  const m = /^(\d{1,12})(?:[.,](\d+))?$/.exec(text.trim());
  if (!m || (m[2] && m[2].length > digits)) return null;
  return Number(m[1] + (m[2] ?? '').padEnd(digits, '0'));
}

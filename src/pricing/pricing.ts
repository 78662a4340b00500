/**
 * The one pricing function (cart view, checkout, direct orders). Pure: integer minor units in, integer
 * minor units out. Arithmetic is done in BigInt so that large quantities or prices cannot lose precision;
 * a result beyond Number.MAX_SAFE_INTEGER is refused rather than rounded.
 */

export interface PriceLine {
  unitPrice: number;
  quantity: number;
}

export type DiscountRule =
  /** `value` is a whole percentage, 1–100. */
  | { type: 'percentage'; value: number; minSubtotal?: number | null }
  /** `value` is an amount in minor units. */
  | { type: 'fixed'; value: number; minSubtotal?: number | null };

export interface PricingInput {
  lines: PriceLine[];
  discount?: DiscountRule | null;
  shipping?: number;
  /** Basis points: 825 = 8.25 %. */
  taxRateBps?: number;
}

export interface Totals {
  subtotal: number;
  discount: number;
  shipping: number;
  tax: number;
  total: number;
}

export class PricingError extends Error {}

const assertNonNegInt = (name: string, v: number) => {
  if (!Number.isSafeInteger(v) || v < 0) throw new PricingError(`${name} must be a non-negative integer, got ${v}`);
};

/** round(n / d) with halves rounded up, for n ≥ 0, d > 0. */
export function divRoundHalfUp(n: bigint, d: bigint): bigint {
  return (n * 2n + d) / (2n * d);
}

const toSafeNumber = (name: string, v: bigint): number => {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PricingError(`${name} exceeds the largest representable amount`);
  return Number(v);
};

/** Whether a discount's minimum subtotal is met (the cart can show why a code does not apply). */
export function meetsMinimum(subtotal: number, rule: DiscountRule): boolean {
  return rule.minSubtotal == null || subtotal >= rule.minSubtotal;
}

/**
 * total = subtotal − discount + shipping + tax; tax = rate × (subtotal − discount), rounded half-up once.
 * A discount never exceeds the subtotal; a discount whose minimum is not met counts as 0.
 */
export function computeTotals(input: PricingInput): Totals {
  let subtotal = 0n;
  for (const [i, l] of input.lines.entries()) {
    assertNonNegInt(`lines[${i}].unitPrice`, l.unitPrice);
    assertNonNegInt(`lines[${i}].quantity`, l.quantity);
    subtotal += BigInt(l.unitPrice) * BigInt(l.quantity);
  }
  const shipping = input.shipping ?? 0;
  const rateBps = input.taxRateBps ?? 0;
  assertNonNegInt('shipping', shipping);
  assertNonNegInt('taxRateBps', rateBps);

  let discount = 0n;
  const rule = input.discount;
  if (rule) {
    assertNonNegInt('discount.value', rule.value);
    if (rule.type === 'percentage' && rule.value > 100) throw new PricingError('percentage discount must be 0–100');
    if (rule.minSubtotal == null || subtotal >= BigInt(rule.minSubtotal)) {
      discount = rule.type === 'percentage' ? divRoundHalfUp(subtotal * BigInt(rule.value), 100n) : BigInt(rule.value);
      if (discount > subtotal) discount = subtotal;
    }
  }

  const taxable = subtotal - discount;
  const tax = divRoundHalfUp(taxable * BigInt(rateBps), 10_000n);
  const total = taxable + BigInt(shipping) + tax;
  return {
    subtotal: toSafeNumber('subtotal', subtotal),
    discount: toSafeNumber('discount', discount),
    shipping,
    tax: toSafeNumber('tax', tax),
    total: toSafeNumber('total', total),
  };
}

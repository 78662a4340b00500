import { computeTotals, divRoundHalfUp, PricingError } from './pricing';

describe('divRoundHalfUp', () => {
  it.each([
    [5n, 10n, 1n], // 0.5 → 1
    [4n, 10n, 0n], // 0.4 → 0
    [15n, 10n, 2n], // 1.5 → 2
    [25n, 10n, 3n], // 2.5 → 3 (half-up, not banker's)
    [0n, 7n, 0n],
    [14n, 7n, 2n],
  ])('%s / %s = %s', (n, d, r) => expect(divRoundHalfUp(n, d)).toBe(r));
});

describe('computeTotals', () => {
  it('adds lines, shipping and tax on the discounted subtotal', () => {
    // 2 × 1999 + 1 × 500 = 4498; 10 % off = 449.8 → 450; taxable 4048; 8.25 % = 333.96 → 334
    expect(
      computeTotals({
        lines: [
          { unitPrice: 1999, quantity: 2 },
          { unitPrice: 500, quantity: 1 },
        ],
        discount: { type: 'percentage', value: 10 },
        shipping: 799,
        taxRateBps: 825,
      }),
    ).toEqual({ subtotal: 4498, discount: 450, shipping: 799, tax: 334, total: 4498 - 450 + 799 + 334 });
  });

  it('rounds tax half-up once per order, not per line', () => {
    // Per line: 3 × round(0.5) = 3; once: round(3 × 10 × 5 %) = round(1.5) = 2
    const t = computeTotals({ lines: [{ unitPrice: 10, quantity: 1 }, { unitPrice: 10, quantity: 1 }, { unitPrice: 10, quantity: 1 }], taxRateBps: 500 });
    expect(t.tax).toBe(2);
  });

  it('a fixed discount never makes the subtotal negative', () => {
    const t = computeTotals({ lines: [{ unitPrice: 300, quantity: 1 }], discount: { type: 'fixed', value: 1000 }, shipping: 500, taxRateBps: 2000 });
    expect(t).toEqual({ subtotal: 300, discount: 300, shipping: 500, tax: 0, total: 500 });
  });

  it('100 % off leaves only shipping', () => {
    expect(computeTotals({ lines: [{ unitPrice: 4999, quantity: 3 }], discount: { type: 'percentage', value: 100 }, shipping: 250, taxRateBps: 1000 }).total).toBe(250);
  });

  it('ignores a discount whose minimum subtotal is not met, and applies it at exactly the minimum', () => {
    const lines = [{ unitPrice: 999, quantity: 1 }];
    expect(computeTotals({ lines, discount: { type: 'fixed', value: 100, minSubtotal: 1000 } }).discount).toBe(0);
    expect(computeTotals({ lines, discount: { type: 'fixed', value: 100, minSubtotal: 999 } }).discount).toBe(100);
  });

  it('handles zero-price items and an empty cart', () => {
    expect(computeTotals({ lines: [{ unitPrice: 0, quantity: 5 }], taxRateBps: 2000 })).toEqual({ subtotal: 0, discount: 0, shipping: 0, tax: 0, total: 0 });
    expect(computeTotals({ lines: [] }).total).toBe(0);
  });

  it('stays exact beyond 2^31 and refuses amounts beyond 2^53', () => {
    const t = computeTotals({ lines: [{ unitPrice: 2_000_000_000, quantity: 1_000 }], taxRateBps: 1 });
    expect(t.subtotal).toBe(2_000_000_000_000);
    expect(t.tax).toBe(200_000_000); // 2e12 × 0.01 %
    expect(() => computeTotals({ lines: [{ unitPrice: Number.MAX_SAFE_INTEGER, quantity: 2 }] })).toThrow(PricingError);
  });

  it.each([
    [{ lines: [{ unitPrice: 1.5, quantity: 1 }] }],
    [{ lines: [{ unitPrice: 100, quantity: -1 }] }],
    [{ lines: [{ unitPrice: 100, quantity: 1 }], shipping: -1 }],
    [{ lines: [{ unitPrice: 100, quantity: 1 }], discount: { type: 'percentage' as const, value: 101 } }],
  ])('rejects non-integer or negative money %#', (input) => {
    expect(() => computeTotals(input)).toThrow(PricingError);
  });
});

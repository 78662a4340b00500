// S2: 64 buyers race for one variant with 50 units. Throughput, and SQL proof that nothing was oversold.
import { StepError, roundRobin } from '../lib/http.mjs';
import { withClient } from '../lib/db.mjs';
import { now, parallel, round, step } from '../lib/util.mjs';
import { HOT_STOCK, HOT_VARIANT } from '../seed.mjs';
import { buyOnce, FlowStats } from './checkout-flow.mjs';

/**
 * Each buyer keeps trying (new guest, 1 unit) until the shop says the item is gone (INSUFFICIENT_STOCK at
 * the cart or at checkout), the attempt budget is spent or the deadline passes.
 */
export async function s2(ctx) {
  const { buyers, maxAttempts, timeoutMs } = ctx.plan.s2;
  step(`S2 hot item: ${buyers} buyers, 1 variant with ${HOT_STOCK} units (≤ ${maxAttempts} attempts, ${timeoutMs / 1000} s)`);
  await ctx.settle();
  const next = roundRobin([ctx.apps[0].pool]);
  const stats = new FlowStats();
  const soldOut = { cart: 0, checkout: 0 };
  let attempts = 0;
  let lastOrderAt = null;
  const t0 = now();
  const deadline = t0 + timeoutMs;
  await parallel(buyers, async (vu) => {
    let n = 0;
    while (now() < deadline && attempts < maxAttempts) {
      attempts++;
      try {
        stats.ok(await buyOnce(next, { variants: [HOT_VARIANT], deliveryMethodId: ctx.deliveryMethodId, email: `h-${ctx.tag}-${vu}-${n++}@bench.example` }));
        lastOrderAt = now();
      } catch (e) {
        if (e instanceof StepError && e.code === 'INSUFFICIENT_STOCK') {
          soldOut[e.step === 'checkout' ? 'checkout' : 'cart']++;
          return; // this buyer was told the truth: sold out
        }
        stats.fail(e);
      }
    }
  });
  const elapsed = (now() - t0) / 1000;
  const sellingS = lastOrderAt ? (lastOrderAt - t0) / 1000 : null;

  const proof = await withClient(ctx.db.url, async (c) => {
    const one = async (sql, params = [HOT_VARIANT]) => (await c.query(sql, params)).rows[0];
    const stock = await one('SELECT on_hand, reserved FROM stock_items WHERE variant_id = $1');
    const sold = await one(`SELECT count(DISTINCT order_id)::int AS orders, coalesce(sum(quantity), 0)::int AS units FROM order_items WHERE variant_id = $1`);
    const held = await one(
      `SELECT coalesce(sum((l->>'quantity')::int), 0)::int AS units FROM checkouts c, jsonb_array_elements(c.snapshot->'pricingSnapshot'->'lines') l
       WHERE c.reservation = 'held' AND l->>'variantId' = $1::text`,
    );
    const ledger = await one(`SELECT coalesce(sum(delta_on_hand), 0)::int AS on_hand, coalesce(sum(delta_reserved), 0)::int AS reserved FROM inventory_movements WHERE variant_id = $1`);
    return { stock, sold, held, ledger };
  });
  const checks = {
    onHandNonNegative: proof.stock.on_hand >= 0,
    noOversell: proof.sold.units <= HOT_STOCK,
    stockAddsUp: proof.stock.on_hand + proof.sold.units === HOT_STOCK,
    ordersMatchSold: proof.sold.orders === stats.completed && proof.sold.units === stats.completed,
    reservedMatchesHeldCheckouts: proof.stock.reserved === proof.held.units,
    ledgerMatchesStock: proof.ledger.on_hand === proof.stock.on_hand && proof.ledger.reserved === proof.stock.reserved,
  };
  const pass = Object.values(checks).every(Boolean);
  const result = {
    buyers,
    stock: HOT_STOCK,
    attempts,
    durationS: round(elapsed, 2),
    sellOutS: round(sellingS, 2),
    ordersPerSec: sellingS ? round(stats.completed / sellingS, 1) : null,
    soldOutResponses: soldOut,
    ...stats.summary(),
    proof,
    checks,
    pass,
  };
  step(
    `  ${stats.completed} orders, sold out after ${result.sellOutS} s (${result.ordersPerSec} orders/s), ${soldOut.cart + soldOut.checkout} told "sold out"; ` +
      `on_hand ${proof.stock.on_hand}, reserved ${proof.stock.reserved}, sold ${proof.sold.units} → ${pass ? 'NO OVERSELL (all checks pass)' : `CHECK FAILED ${JSON.stringify(checks)}`}`,
  );
  return result;
}

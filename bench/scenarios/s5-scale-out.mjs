// S5: S1 at the same concurrency against one instance, then two (requests alternate, no stickiness).
import { round, step } from '../lib/util.mjs';
import { checkoutLoad } from './s1-checkout.mjs';

export async function s5(ctx) {
  const { concurrency, durationMs, maxOrders } = ctx.plan.s5;
  step(`S5 scale-out: S1 at concurrency ${concurrency} on 1, then 2 instances (${durationMs / 1000} s each)`);
  if (ctx.apps.length < 2) ctx.apps.push(await ctx.startApp('app-b'));
  // Warm the second instance's JIT as the first one already is.
  await checkoutLoad(ctx, { label: 'warmup-b', apps: [ctx.apps[1]], concurrency: 8, durationMs: ctx.plan.s1.warmupMs, maxOrders });
  await ctx.settle();
  const one = await checkoutLoad(ctx, { label: '1-instance', apps: [ctx.apps[0]], concurrency, durationMs, maxOrders });
  await ctx.settle();
  const two = await checkoutLoad(ctx, { label: '2-instances', apps: ctx.apps.slice(0, 2), concurrency, durationMs, maxOrders });
  const ratio = one.ordersPerSec ? round(two.ordersPerSec / one.ordersPerSec, 2) : null;
  step(`  ${one.ordersPerSec} → ${two.ordersPerSec} orders/s: ×${ratio}`);
  return { concurrency, one, two, ratio };
}

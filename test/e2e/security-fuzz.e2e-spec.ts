import fc from 'fast-check';
import {
  type Access,
  brief,
  call,
  createSecurityApp,
  dbState,
  type DbState,
  ERROR_CODE,
  expectationFor,
  fillPath,
  jsonBodySchema,
  listOperations,
  loadOpenApi,
  NUL,
  type OpenApiDoc,
  type Operation,
  PARAMS,
  pathParamNames,
  type Schema,
  deref,
  seedWorld,
  SQLI_STRINGS,
  stateDiff,
  type World,
} from '../support/security';
import type { TestApp } from '../test-app';

/**
 * Property-based fuzz (fast-check) of every operation in the OpenAPI document that takes a JSON body or path
 * parameters. Bodies follow the documented schema's shape, but each field may be missing, of the wrong type,
 * huge, negative or enormous, nested junk, an injection string, or joined by `__proto__` / `constructor` /
 * `role` keys; path parameters are real ids, random uuids or hostile text. Each case is sent by a caller the
 * route admits (and sometimes one it refuses). The properties:
 *   - never a 5xx, and every 4xx is the standard error body with a stable code;
 *   - a refused (4xx) request changes no row of any table (exact counts and content digests before/after);
 *   - the process's Object.prototype is never polluted, and nobody becomes an admin.
 *
 * Bounded: FUZZ_RUNS cases per operation (default 12, ~600 requests in all). Reproduce a failure with the
 * printed seed: FUZZ_SEED=<seed> FUZZ_RUNS=<n> npx jest --selectProjects e2e -- test/e2e/security-fuzz.e2e-spec.ts
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
/**
 * NUL characters are left out of generated text while the NUL bug stands (reported, and pinned by the
 * `it.failing` in security-sqli.e2e-spec.ts): every text field would turn it into a 500 and hide anything else
 * the fuzz finds. FUZZ_INCLUDE_NUL=1 puts them back (the run then fails until the bug is fixed).
 */
const INCLUDE_NUL = process.env.FUZZ_INCLUDE_NUL !== '0'; // NUL is a 400 now (error filter maps 22021/22P05)

/**
 * Operations with a reported 5xx bug that no input avoids: fuzzed by the `it.failing` at the end instead.
 * SandboxController turns an unknown object id into a 500 (SandboxProvider.get throws PaymentProviderError,
 * src/payments/sandbox.provider.ts:48; see security-authz).
 */
const KNOWN_5XX_OPS: readonly string[] = []; // none left: the sandbox unknown-id 500 is fixed

/** FUZZ_STATS=1 prints, per operation, how many cases got each status (to see the fuzz reaches past validation). */
const STATS = process.env.FUZZ_STATS === '1';
const stats = new Map<string, Map<number, number>>();

const PROTO_BASELINE = Object.getOwnPropertyNames(Object.prototype).sort();
const NO_BODY = Symbol('no body');

// ---------------------------------------------------------------- hostile values

const stripNul = (s: string) => (INCLUDE_NUL ? s : s.split(NUL).join(''));

const hostileText: fc.Arbitrary<string> = fc
  .oneof(
    fc.constantFrom(...SQLI_STRINGS, `'; DROP TABLE orders; --`, `' OR 1=1 --`),
    fc.constantFrom(
      '',
      ' ',
      '\t\n\r',
      '__proto__',
      'constructor',
      'null',
      'undefined',
      'NaN',
      '-1',
      '1e309',
      'true',
      '{}',
      '[]',
      '<script>alert(1)</script>',
      '${7*7}',
      '{{7*7}}',
      '../../../etc/passwd',
      '%00',
      '%s%s%s%n',
      '\u202egnp.exe',
      '🦄💥',
      'İıß',
      '\ud800',
      'ORD-000001',
    ),
    fc.constantFrom(NUL, `a${NUL}b`, `' OR 1=1 --${NUL}`),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(256, 1001, 5001, 60_000).map((n) => 'A'.repeat(n)),
  )
  .map(stripNul);

const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(-1, 0, -0, 0.5, 1.5, 999, 1000, 1_000_001, -2_147_483_649, 2_147_483_648, 2 ** 53, -(2 ** 53), 1e21, 1e308, -1e308, Number.MIN_VALUE),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Keys an attacker adds: prototype pollution, mass assignment, operator injection. */
const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'role', 'isAdmin', 'isGuest', 'customerId', 'userId', 'id', 'passwordHash', 'emailVerified', 'price', 'total', '$where', '$gt', 'toString', 'hasOwnProperty'),
  fc.string({ maxLength: 12 }).map(stripNul),
);

/** A plain object whose keys are own, enumerable properties even when a key is `__proto__` (so JSON.stringify sends it). */
function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

const pollution: fc.Arbitrary<unknown> = fc.constantFrom(
  objectOf([['__proto__', { polluted: 'yes', role: 'admin', isAdmin: true }]]),
  { constructor: { prototype: { polluted: 'yes', role: 'admin' } } },
  objectOf([['__proto__', objectOf([['__proto__', { polluted: 'deep' }]])]]),
);

const junk: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileText,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    pollution,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 4 }).map(objectOf),
  ),
})).value;

// ---------------------------------------------------------------- schema-shaped values

interface Ctx {
  doc: OpenApiDoc;
  ids: string[];
  w: World;
}

/** Real ids by field name, so a plausible body points at things that exist. */
function idFor(ctx: Ctx, name: string): string | undefined {
  const w = ctx.w;
  return (
    {
      deliveryMethodId: w.deliveryMethodId,
      variantId: w.variantId,
      productId: w.product.id,
      customerId: w.a.id,
      // B's address: a plausible-looking id the caller does not own (A has none).
      shippingAddressId: w.b.addressId,
      billingAddressId: w.b.addressId,
    } as Record<string, string>
  )[name];
}

/** A plausible, valid-looking value for a schema (so the request gets past validation to where junk matters). */
function plausible(ctx: Ctx, name: string, schema: Schema | undefined, depth: number): fc.Arbitrary<unknown> {
  const s = deref(ctx.doc, schema) ?? {};
  if (s.enum?.length) return fc.constantFrom(...s.enum);
  if (s.format === 'uuid' || /Id$/.test(name)) {
    const id = idFor(ctx, name);
    return id ? fc.oneof({ weight: 4, arbitrary: fc.constant(id) }, { weight: 1, arbitrary: fc.constantFrom(...ctx.ids) }, { weight: 1, arbitrary: fc.uuid() }) : fc.oneof(fc.constantFrom(...ctx.ids), fc.uuid());
  }
  if (s.format === 'date-time') return fc.date({ min: new Date('2020-01-01'), max: new Date('2035-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  if (s.type === 'array') {
    const maxLength = Math.min(s.maxItems ?? 3, 3);
    return fc.array(plausible(ctx, name, s.items, depth + 1), { minLength: Math.max(1, Math.min(s.minItems ?? 1, maxLength)), maxLength });
  }
  if (s.properties) return depth > 3 ? fc.constant({}) : shapedObject(ctx, s, depth + 1);
  if (s.type === 'object') return fc.oneof(fc.integer({ min: 1, max: 10_000 }), fc.constant(null)); // e.g. usageLimit (documented as object)
  if (s.type === 'boolean') return fc.boolean();
  if (s.type === 'number' || s.type === 'integer') {
    const min = Math.max(s.minimum ?? 1, -1_000_000);
    return fc.integer({ min, max: Math.max(min, Math.min(s.maximum ?? 5, 10_000_000)) });
  }
  if (/email/i.test(name)) return fc.oneof(fc.constantFrom(ctx.w.a.email, ctx.w.b.email, 'new@test.local'), fc.stringMatching(/^[a-z]{1,10}@[a-z]{1,8}\.(com|test)$/));
  if (/country/i.test(name)) return fc.constantFrom('GB', 'US', 'de');
  if (/phone/i.test(name)) return fc.constantFrom('+44 20 7946 0000', '555-0100');
  if (/^code$|discountCode/.test(name)) return fc.oneof(fc.constant(ctx.w.discountCode), fc.stringMatching(/^[A-Z0-9_-]{2,12}$/));
  if (/sku/i.test(name)) return fc.stringMatching(/^[A-Z0-9][A-Z0-9._/-]{1,20}$/);
  if (/password/i.test(name)) return fc.constant('password-123');
  if (/orderNumber/.test(name)) return fc.constantFrom(ctx.w.b.orderNumber, 'ORD-000001');
  if (/^status$/.test(name)) return fc.constantFrom('paid', 'processing', 'cancelled');
  const min = Math.max(s.minLength ?? 1, 1);
  return fc.string({ minLength: min, maxLength: Math.max(min, Math.min(s.maxLength ?? 30, 30)) }).map(stripNul).filter((x) => x.trim().length > 0);
}

/** A type-correct but hostile value (injection text in strings, extreme numbers), or junk of any type. */
function hostile(ctx: Ctx, schema: Schema | undefined): fc.Arbitrary<unknown> {
  const s = deref(ctx.doc, schema) ?? {};
  if (s.type === 'string' || s.format || s.enum) return fc.oneof({ weight: 3, arbitrary: hostileText }, { weight: 1, arbitrary: junk });
  if (s.type === 'number' || s.type === 'integer') return fc.oneof({ weight: 3, arbitrary: hostileNumber }, { weight: 1, arbitrary: junk });
  return junk;
}

/**
 * The documented object, built plausible, then hit by 0–3 mutations: a field replaced by a hostile value, a
 * field removed, or a hostile key added (`__proto__`, `role`, …). Most cases thus get past validation with
 * one bad value in them, which is where a missing check turns into a 500 or a partial write.
 */
function shapedObject(ctx: Ctx, schema: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  const base = fc.tuple(
    // Required fields present; optional ones in a third of the cases (several optional fields are alternatives).
    ...props.map(([name, sub]) =>
      (required.has(name) ? plausible(ctx, name, sub, depth) : fc.oneof({ weight: 2, arbitrary: fc.constant<unknown>(NO_BODY) }, { weight: 1, arbitrary: plausible(ctx, name, sub, depth) })).map((v) => [name, v] as [string, unknown]),
    ),
  );
  const mutation = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constant('replace' as const), fc.nat(), fc.nat().chain((i) => (props.length ? hostile(ctx, props[i % props.length]![1]) : junk))) },
    { weight: 1, arbitrary: fc.tuple(fc.constant('delete' as const), fc.nat(), fc.constant(null as unknown)) },
    { weight: 1, arbitrary: fc.tuple(fc.constant('add' as const), fc.nat(), fc.tuple(hostileKey, fc.oneof(junk, pollution)) as fc.Arbitrary<unknown>) },
  );
  return fc.tuple(base, fc.array(mutation, { maxLength: 3 })).map(([fields, mutations]) => {
    const entries = fields.filter(([, v]) => v !== NO_BODY);
    for (const [kind, i, value] of mutations) {
      if (kind === 'add') {
        entries.push(value as [string, unknown]);
      } else if (props.length) {
        const name = props[i % props.length]![0];
        const at = entries.findIndex(([k]) => k === name);
        if (kind === 'delete') {
          if (at >= 0) entries.splice(at, 1);
        } else if (at >= 0) {
          entries[at] = [name, value];
        } else {
          entries.push([name, value]);
        }
      }
    }
    return objectOf(entries);
  });
}

function bodyArb(ctx: Ctx, schema: Schema): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 10, arbitrary: shapedObject(ctx, schema, 0) },
    { weight: 1, arbitrary: junk },
    { weight: 1, arbitrary: fc.constant(NO_BODY) },
  );
}

/** Path parameter values: the route's real ids, other real ids, random uuids, or hostile text (always URL-encodable). */
function paramsArb(ctx: Ctx, o: Operation): fc.Arbitrary<Record<string, string>> {
  const names = pathParamNames(o);
  const real = PARAMS.find(([re]) => re.test(o.path))?.[1](ctx.w) ?? {};
  const encodable = hostileText.filter((s) => {
    try {
      encodeURIComponent(s);
      return true;
    } catch {
      return false;
    }
  });
  const value = (name: string) =>
    fc.oneof(
      { weight: 3, arbitrary: real[name] === undefined ? fc.uuid() : fc.constant(real[name]!) },
      { weight: 1, arbitrary: fc.constantFrom(...ctx.ids) },
      { weight: 1, arbitrary: fc.uuid() },
      { weight: 3, arbitrary: encodable },
    );
  return fc.tuple(...names.map((n) => value(n).map((v) => [n, v] as const))).map((pairs) => Object.fromEntries(pairs));
}

type Caller = 'anonymous' | 'guest session' | 'customer A' | 'admin';

/** Mostly callers the route admits (so the body is what gets judged), sometimes one it refuses. */
function callersFor(access: Access): fc.Arbitrary<Caller> {
  switch (access) {
    case 'public':
      return fc.constant('anonymous');
    case 'cart':
      return fc.constantFrom<Caller>('anonymous', 'guest session', 'customer A');
    case 'signed-in':
      return fc.oneof({ weight: 4, arbitrary: fc.constant<Caller>('customer A') }, { weight: 1, arbitrary: fc.constantFrom<Caller>('admin', 'anonymous') });
    case 'admin':
      return fc.oneof({ weight: 4, arbitrary: fc.constant<Caller>('admin') }, { weight: 1, arbitrary: fc.constantFrom<Caller>('customer A', 'anonymous') });
  }
}

function headersOf(caller: Caller, w: World): Record<string, string> {
  return { anonymous: {}, 'guest session': w.guest.session, 'customer A': w.a.auth, admin: w.admin.auth }[caller];
}

// ---------------------------------------------------------------- the run

describe('security: property-based fuzz of every operation with a JSON body or path parameters', () => {
  let t: TestApp;
  let doc: OpenApiDoc;
  let targets: Operation[];
  let ctx: Ctx;

  beforeAll(async () => {
    t = await createSecurityApp();
    doc = await loadOpenApi(t.http);
    targets = listOperations(doc).filter((o) => jsonBodySchema(doc, o) || pathParamNames(o).length);
    const w = await seedWorld(t);
    ctx = { doc, w, ids: [w.product.id, w.variantId, w.deliveryMethodId, w.discountId, w.a.id, w.b.id, w.b.addressId, w.b.orderId, w.b.checkoutId, w.b.cartItemId, w.guest.checkoutId, w.guest.cartItemId] };
  });
  afterAll(async () => {
    if (STATS) console.log([...stats].map(([k, m]) => `${k.padEnd(58)} ${[...m].sort(([a], [b]) => a - b).map(([st, n]) => `${st}×${n}`).join(' ')}`).join('\n'));
    await t.close();
  });

  /** The database after in-flight after-response work (e.g. cancelling a superseded intent) has landed. */
  async function settledState(): Promise<DbState> {
    let prev = await dbState(t.ds);
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 25));
      const next = await dbState(t.ds);
      if (!stateDiff(prev, next).length) return next;
      prev = next;
    }
    return prev;
  }

  /** Fuzzes one operation; returns a failure description or null. */
  async function fuzz(o: Operation, runs: number): Promise<string | null> {
    const access = expectationFor(o.key)?.access;
    if (!access) return `${o.key}: no access expectation (add it to test/support/security.ts)`;
    const schema = jsonBodySchema(doc, o);
    const arb = fc.record({
      caller: callersFor(access),
      params: paramsArb(ctx, o),
      body: schema ? bodyArb(ctx, schema) : fc.constant(NO_BODY as unknown),
    });
    const property = fc.asyncProperty(arb, async ({ caller, params, body }) => {
      const url = fillPath(o.path, params);
      const before = await dbState(t.ds);
      const req = call(t.http, o.method, url).set(headersOf(caller, ctx.w));
      const payload = body === NO_BODY ? undefined : JSON.stringify(body);
      const res = await (payload === undefined ? req : req.set('Content-Type', 'application/json').send(payload));
      if (STATS) {
        const m = stats.get(o.key) ?? new Map<number, number>();
        m.set(res.status, (m.get(res.status) ?? 0) + 1);
        stats.set(o.key, m);
      }
      const what = () => `${o.key} as ${caller} → ${url.slice(0, 200)} body ${String(payload).slice(0, 300)}\n  got ${brief(res)}`;
      if (res.status >= 500 || res.status < 200) throw new Error(`5xx or no status: ${what()}`);
      if (res.status >= 400) {
        if (res.status !== 431 && (res.body?.statusCode !== res.status || !ERROR_CODE.test(String(res.body?.code)))) throw new Error(`not the error shape: ${what()}`);
        const changed = stateDiff(before, await dbState(t.ds));
        if (changed.length) throw new Error(`refused with ${res.status} but changed ${changed.join(', ')}: ${what()}`);
      } else {
        await settledState();
      }
      const proto = Object.getOwnPropertyNames(Object.prototype).sort();
      const probe = {} as Record<string, unknown>;
      if (proto.join() !== PROTO_BASELINE.join() || probe.polluted !== undefined || probe.role !== undefined || probe.isAdmin !== undefined) {
        throw new Error(`Object.prototype polluted (${proto.filter((p) => !PROTO_BASELINE.includes(p)).join(', ')}): ${what()}`);
      }
    });
    try {
      await fc.assert(property, { numRuns: runs, seed: SEED, endOnFailure: true });
      return null;
    } catch (e) {
      // fast-check reports the seed and counterexample in the message, and the property's own error as the cause.
      const cause = e instanceof Error && e.cause instanceof Error ? `\n  ${e.cause.message}` : '';
      return `${o.key}: ${(e instanceof Error ? e.message : String(e)).replace(/\n\nHint:[\s\S]*$/, '').slice(0, 1500)}${cause.slice(0, 1500)}`;
    }
  }

  async function fuzzClass(access: Access): Promise<void> {
    const selected = targets.filter((o) => expectationFor(o.key)?.access === access && !KNOWN_5XX_OPS.includes(o.key));
    expect(selected.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const o of selected) {
      const f = await fuzz(o, RUNS);
      if (f) failures.push(f);
    }
    // Extra keys such as `role` or `isAdmin` never promoted anyone.
    const admins: { id: string }[] = await t.ds.query(`SELECT id FROM customers WHERE role = 'admin'`);
    expect(admins.map((r) => r.id)).toEqual([ctx.w.admin.id]);
    expect(failures).toEqual([]);
  }

  it('fuzzes every operation that takes a JSON body or path parameters', () => {
    expect(targets.length).toBeGreaterThan(40);
    const keys = targets.map((o) => o.key);
    for (const k of ['POST /api/auth/register', 'POST /api/checkout', 'POST /api/admin/products', 'PATCH /api/admin/orders/{id}/status', 'DELETE /api/customers/me/addresses/{id}']) {
      expect(keys).toContain(k);
    }
    expect(targets.filter((o) => !expectationFor(o.key)).map((o) => o.key)).toEqual([]);
  });

  it('public routes: no 5xx, refusals change nothing, no pollution', () => fuzzClass('public'), 120_000);
  it('cart and checkout routes: no 5xx, refusals change nothing, no pollution', () => fuzzClass('cart'), 120_000);
  it('signed-in routes: no 5xx, refusals change nothing, no pollution', () => fuzzClass('signed-in'), 120_000);
  it('admin routes: no 5xx, refusals change nothing, no pollution, nobody promoted', () => fuzzClass('admin'), 120_000);

});

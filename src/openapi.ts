import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/**
 * The OpenAPI document: served at /docs-json (and /docs-yaml, Swagger UI at /docs) and exported to
 * `openapi.json` by `npm run openapi`. Both go through `createOpenApiDocument`, so the checked-in file is exactly
 * what the app serves (test/e2e/openapi.e2e-spec.ts fails on any difference).
 */

const DESCRIPTION = `Carts, checkout, payments and orders for a shop.

- **Base path** \`/api\`; JSON bodies in camelCase; ids are UUIDs; timestamps ISO 8601 (UTC).
- **Money** is integer minor units (cents) with a lower-case ISO 4217 \`currency\`; rates are basis points.
- **Auth**: \`Authorization: Bearer <accessToken>\` from \`/api/auth/login\` or \`/api/auth/register\` (security scheme \`bearer\`).
- **Guests**: the cart and checkout routes also accept \`X-Session-Id\` (security scheme \`guest-session\`). The server issues it
  on the first \`POST /api/cart/items\` without one, in the body (\`sessionId\`) and the \`X-Session-Id\` response header.
- **Idempotency**: routes with an \`Idempotency-Key\` header parameter replay the first response for 24 h
  (\`Idempotent-Replayed: true\`); the same key with another body is 409 \`IDEMPOTENCY_KEY_REUSED\`, while the first
  request runs 409 \`REQUEST_IN_PROGRESS\`.
- **Errors** are always \`{ statusCode, error, code, message }\` (schema \`ErrorBody\`): branch on \`code\`, a stable
  UPPER_SNAKE identifier. Validation errors add \`errors[]\` with every field problem.
- **Lists** are keyset-paginated: \`?limit=\` (1–100, default 20) and \`?cursor=\` from the previous page's \`nextCursor\`.

Integration guides: docs/storefront-integration.md and docs/admin-integration.md in the repository.`;

/** Tags in the order Swagger UI shows them: the storefront's path first, then the admin panel's, then operations. */
const TAGS: [name: string, description: string][] = [
  ['auth', 'Register, log in, rotate refresh tokens. Send a guest `X-Session-Id` to merge its cart.'],
  ['customers', 'The signed-in customer: profile, address book; guest account claiming.'],
  ['catalog', 'Storefront products with live prices and availability (public).'],
  ['delivery', 'Delivery methods a destination country can use (public).'],
  ['cart', 'One cart per customer, or per guest session (`X-Session-Id`).'],
  ['checkout', 'Turn the cart into a payment (card: PaymentIntent or hosted page) or a cash-on-delivery order.'],
  ['orders', 'Orders: history, direct orders, pay, cancel, archive, guest lookup.'],
  ['payments', 'Stripe webhook endpoint, and the sandbox provider’s simulated payments.'],
  ['admin', 'Order management: list, filters, status changes, refunds, mark paid, CSV export.'],
  ['admin: catalog', 'Products and variants.'],
  ['admin: inventory', 'Stock levels, adjustments and the stock ledger.'],
  ['admin: delivery methods', 'Delivery methods, prices and the countries they serve.'],
  ['admin: discounts', 'Discount codes.'],
  ['admin: tax rates', 'Tax rates per destination country.'],
  ['health', 'Liveness, readiness and Prometheus metrics (outside `/api`).'],
];

/** `CartController.add` → `Cart_add`: unique, URL-safe, stable. */
const operationId = (controllerKey: string, methodKey: string) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`;

export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Checkout & Orders API')
    .setDescription(DESCRIPTION)
    .setVersion('0.1.0')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('/', 'This server')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from login, register or refresh' }, 'bearer')
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-Session-Id', description: 'Guest cart session, issued by the first `POST /api/cart/items` without one' },
      'guest-session',
    );
  for (const [name, description] of TAGS) builder.addTag(name, description);
  return stableOpenApi(SwaggerModule.createDocument(app, builder.build(), { operationIdFactory: operationId }));
}

const TOP_LEVEL = ['openapi', 'info', 'servers', 'tags', 'security', 'paths', 'components'];
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** Values kept as they are: data (examples, enums, defaults) and schema properties in declaration order. */
const VERBATIM = new Set(['example', 'examples', 'default', 'enum']);

const rank = (order: string[], k: string) => (order.includes(k) ? order.indexOf(k) : order.length);

function byOrder(order: string[]) {
  return (a: string, b: string) => rank(order, a) - rank(order, b) || (a < b ? -1 : a > b ? 1 : 0);
}

function sortDeep(value: unknown, key: string | undefined, depth: number): unknown {
  if (Array.isArray(value)) return value.map((v) => sortDeep(v, undefined, depth + 1));
  if (!value || typeof value !== 'object') return value;
  if (key && VERBATIM.has(key)) return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (depth === 0) keys.sort(byOrder(TOP_LEVEL));
  else if (keys.length && keys.every((k) => METHODS.includes(k) || k === 'parameters')) keys.sort(byOrder(METHODS));
  else if (key !== 'properties') keys.sort(byOrder([])); // schema properties stay in declaration order
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    // A property *named* "example" or "enum" is still a schema: only the keyword's value is data.
    out[k] = key === 'properties' ? sortDeep(obj[k], undefined, depth + 1) : sortDeep(obj[k], k, depth + 1);
  }
  return out;
}

/** The document with a stable key order (paths, methods, schemas, keywords), so the checked-in file diffs cleanly. */
export function stableOpenApi(doc: OpenAPIObject): OpenAPIObject {
  return sortDeep(JSON.parse(JSON.stringify(doc)), undefined, 0) as OpenAPIObject;
}

/** How `openapi.json` is written: two-space JSON and a final newline. */
export function serializeOpenApi(doc: OpenAPIObject): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

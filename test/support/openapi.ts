import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The checked-in document (`npm run openapi` writes it; the drift test keeps it equal to what the app serves). */
export const OPENAPI_FILE = join(__dirname, '..', '..', 'openapi.json');

export type Json = Record<string, unknown>;
export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
}
export interface Operation {
  operationId: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean }[];
  responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

export function readOpenApiFile(): OpenApiDoc {
  return JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as OpenApiDoc;
}

/**
 * The document's schemas made strict for checking real responses: a property the document does not declare is
 * an error (`additionalProperties: false` unless the schema says otherwise), and OpenAPI 3.0's `nullable` becomes
 * JSON Schema (`anyOf [null, …]`) so it also works on `allOf`/`$ref` properties.
 */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema as Json)) {
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, strict(s)])) : k === 'example' || k === 'examples' ? v : strict(v);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  if (out.nullable === true) {
    delete out.nullable;
    return { anyOf: [{ type: 'null' }, out] };
  }
  return out;
}

/** Finds the operation for a concrete request and checks a response against what the document says. */
export class ResponseChecker {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly templates: { template: string; re: RegExp; params: number }[];

  constructor(private readonly doc: OpenApiDoc = readOpenApiFile()) {
    addFormats(this.ajv);
    this.ajv.addSchema({ components: { schemas: strict(doc.components.schemas) } }, 'doc');
    this.templates = Object.keys(doc.paths).map((template) => ({
      template,
      re: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
      params: (template.match(/\{/g) ?? []).length,
    }));
  }

  /** `/api/orders/123/cancel` → `/api/orders/{id}/cancel`; static segments win over parameters. */
  template(pathname: string): string | undefined {
    return this.templates.filter((t) => t.re.test(pathname)).sort((a, b) => a.params - b.params)[0]?.template;
  }

  /** Problems with this response (an empty list when it matches the document). */
  check(method: string, pathname: string, status: number, contentType: string | null, body: unknown): string[] {
    const where = `${method.toUpperCase()} ${pathname} → ${status}`;
    const template = this.template(pathname);
    const op = template ? this.doc.paths[template]?.[method.toLowerCase()] : undefined;
    if (!template || !op) return [`${where}: no such operation in openapi.json`];
    const response = op.responses[String(status)];
    if (!response) return [`${where}: status ${status} is not documented for ${op.operationId} (documented: ${Object.keys(op.responses).join(', ')})`];
    const media = (contentType ?? '').split(';')[0]!.trim();
    if (!response.content) return status === 204 || body === undefined || body === '' ? [] : [`${where}: documented without a body`];
    const content = response.content[media];
    if (!content) return [`${where}: content type ${media || '(none)'} is not documented (${Object.keys(response.content).join(', ')})`];
    if (media !== 'application/json' || !content.schema) return [];
    const key = `${template} ${method} ${status}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(rewriteRefs(strict(content.schema)) as Json);
      this.compiled.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${where}: ${e.instancePath || '(body)'} ${e.message ?? ''} ${e.params ? JSON.stringify(e.params) : ''}`.trim());
  }
}

/** `#/components/...` inside an operation's schema refers to the document added as `doc`. */
function rewriteRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rewriteRefs);
  if (!schema || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema as Json).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `doc${v}` : rewriteRefs(v)]),
  );
}

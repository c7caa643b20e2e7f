// The documented shape is the real shape: every 2xx JSON answer a test receives through
// `t.request(...)` (test/support/app.ts) is checked against the response schema the OpenAPI
// document (/api/v1/openapi.json) gives for its method, path and status, and a mismatch fails the
// test naming the operation, the JSON path and what differs. Objects are closed for the check (a
// property the document does not list is a mismatch), so a field added to an answer without its
// schema, or one documented but renamed, is found by whichever test first receives it.
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

type Json = Record<string, any>;

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  /** Literal characters of the template: the more, the more specific (`/journals:validate` before `/journals/{id}`). */
  weight: number;
  responses: Json;
}

export interface ResponseChecker {
  /** Null when the answer matches (or is not a JSON 2xx answer of the API), else the message that fails the test. */
  check(method: string, path: string, status: number, contentType: string | null, body: unknown): string | null;
}

const JSON_MEDIA = /^application\/([\w.-]+\+)?json\b/i;

/**
 * Mismatches known and left to the owners of those routes: each entry lets the errors at its JSON
 * paths through for one operation, and nothing else. Remove an entry once its schema (or answer)
 * is fixed; an entry that no longer matches anything costs nothing.
 */
export const KNOWN_MISMATCHES: readonly { operation: string; at: RegExp; property?: string; why: string }[] = [];
/** API paths that are not operations of the document. */
const UNDOCUMENTED = new Set(['/api/v1/openapi.json']);

/**
 * A schema with its `$ref`s resolved and `allOf`s of objects merged (so a closed object sees every
 * property its parts declare), and every object with declared properties and no
 * `additionalProperties` closed.
 */
function closedSchema(schema: unknown, components: Json, seen: readonly string[] = []): unknown {
  if (Array.isArray(schema)) return schema.map((s) => closedSchema(s, components, seen));
  if (schema === null || typeof schema !== 'object') return schema;
  const s = schema as Json;
  if (typeof s.$ref === 'string') {
    const name = s.$ref.replace('#/components/schemas/', '');
    if (seen.includes(name)) return {}; // a recursive schema: its inner levels are not checked
    const { $ref: _ref, ...rest } = s;
    const target = closedSchema(components[name], components, [...seen, name]) as Json;
    return Object.keys(rest).length ? { ...target, ...(closedSchema(rest, components, seen) as Json) } : target;
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties' || k === 'patternProperties' || k === '$defs')
      out[k] = Object.fromEntries(Object.entries(v as Json).map(([p, ps]) => [p, closedSchema(ps, components, seen)]));
    else if (
      ['items', 'additionalProperties', 'not', 'contains', 'propertyNames', 'unevaluatedProperties'].includes(k) &&
      typeof v === 'object'
    )
      out[k] = closedSchema(v, components, seen);
    else if (['allOf', 'anyOf', 'oneOf', 'prefixItems'].includes(k))
      out[k] = (v as unknown[]).map((p) => closedSchema(p, components, seen));
    else if (k !== 'example' && k !== 'examples') out[k] = v;
  }
  if (Array.isArray(out.allOf) && out.allOf.every((p: Json) => isObjectSchema(p) && !p.anyOf && !p.oneOf && !p.allOf)) {
    const parts = out.allOf as Json[];
    delete out.allOf;
    out.type ??= 'object';
    out.properties = Object.assign({}, out.properties, ...parts.map((p) => p.properties ?? {}));
    out.required = [...new Set([...(out.required ?? []), ...parts.flatMap((p) => p.required ?? [])])];
    const extra = parts.find((p) => p.additionalProperties !== undefined);
    if (extra) out.additionalProperties = extra.additionalProperties;
  }
  if (isObjectSchema(out) && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function isObjectSchema(s: Json): boolean {
  return (
    s.type === 'object' ||
    (Array.isArray(s.type) && s.type.includes('object')) ||
    (s.type === undefined && s.properties !== undefined)
  );
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A checker for the answers of the app whose OpenAPI document this is. */
export function responseChecker(doc: Json): ResponseChecker {
  const components: Json = doc.components?.schemas ?? {};
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(doc.paths as Json)) {
    const pattern = new RegExp(
      `^${template
        .split(/\{[^}]+\}/)
        .map(escape)
        .join('[^/]+')}$`,
    );
    for (const [method, op] of Object.entries(item as Json)) {
      if (op && typeof op === 'object' && 'responses' in op)
        operations.push({
          method: method.toUpperCase(),
          template,
          pattern,
          weight: template.replace(/\{[^}]+\}/g, '').length,
          responses: (op as Json).responses,
        });
    }
  }
  operations.sort((a, b) => b.weight - a.weight);
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const compiled = new Map<string, ValidateFunction>();

  return {
    check(method, rawPath, status, contentType, body) {
      if (status < 200 || status >= 300 || !contentType || !JSON_MEDIA.test(contentType)) return null;
      const path = rawPath.split('?')[0]!;
      if (!path.startsWith('/api/') || UNDOCUMENTED.has(path)) return null;
      const op = operations.find((o) => o.method === method.toUpperCase() && o.pattern.test(path));
      const where = `${method.toUpperCase()} ${rawPath} answered ${status}`;
      if (!op) return `${where} (JSON), but the OpenAPI document has no ${method.toUpperCase()} operation for ${path}`;
      const schema = op.responses[String(status)]?.content?.['application/json']?.schema;
      if (!schema)
        return `${where} (JSON), but ${method.toUpperCase()} ${op.template} documents no ${status} JSON answer (documented: ${
          Object.keys(op.responses)
            .filter((s) => s.startsWith('2'))
            .join(', ') || 'none'
        })`;
      const key = `${op.method} ${op.template} ${status}`;
      let validate = compiled.get(key);
      if (!validate) {
        validate = ajv.compile(closedSchema(schema, components) as Json);
        compiled.set(key, validate);
      }
      if (validate(body)) return null;
      const known = KNOWN_MISMATCHES.filter((k) => k.operation === key);
      const errors = (validate.errors ?? []).filter(
        (e) =>
          !known.some(
            (k) =>
              k.at.test(e.instancePath) &&
              (k.property === undefined ||
                (e.params as { additionalProperty?: string }).additionalProperty === k.property),
          ),
      );
      if (errors.length === 0) return null;
      return `${where} with a body that does not match the response schema of ${key} in the OpenAPI document:\n${describe(errors, body)}`;
    },
  };
}

function valueAt(body: unknown, pointer: string): unknown {
  let v: any = body;
  for (const part of pointer.split('/').slice(1)) v = v?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return v;
}

function describe(errors: ErrorObject[], body: unknown): string {
  const lines = errors.slice(0, 12).map((e) => {
    const at = e.instancePath || '(the body)';
    const detail =
      e.keyword === 'additionalProperties'
        ? `has "${(e.params as { additionalProperty: string }).additionalProperty}", which the schema does not list`
        : e.message;
    const value = JSON.stringify(valueAt(body, e.instancePath));
    return `  - ${at} ${detail} (value: ${value === undefined ? 'undefined' : value.length > 200 ? `${value.slice(0, 200)}…` : value})`;
  });
  if (errors.length > 12) lines.push(`  … and ${errors.length - 12} more`);
  return lines.join('\n');
}

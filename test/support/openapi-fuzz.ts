// Requests generated from the OpenAPI document (valid, boundary and mutated bodies, paths and
// queries), sent in process, and what must hold for each answer: never a 500, every error a JSON
// error body, and a refused request changes nothing (the change log's last sequence stays).
// Used by test/api/openapi-fuzz.test.ts (a bounded run) and bench/fuzz.ts (a larger one); no vitest here.
import { Writable } from 'node:stream';
import fc from 'fast-check';
import pino from 'pino';
import { OpenAPIHono, type z } from '@hono/zod-openapi';
import { createApp } from '../../server/app';
import type { Role } from '../../server/db/transaction';
import type { TestApp } from './app';
import type { JsonSchema, OpenApiDocument, Operation } from './role-matrix';
import { CustomerBatchItem } from '../../server/customers/customers.schema';
import { TransactionInput } from '../../server/ledger/ledger.schema';
import { JournalLineInput } from '../../server/credit/journals/journals.schema';

// ---------------------------------------------------------------------------------------------
// Hostile values

export const BOUNDARY_DATES = [
  '0001-01-01',
  '1899-12-31',
  '1900-01-01',
  '2199-12-31',
  '2200-01-01',
  '9999-12-31',
  '2024-02-30',
  '2024-02-29',
  '2023-02-29',
  '2024-13-01',
  '2024-00-10',
  '2024-1-1',
  '20240101',
  '2024-01-01T00:00:00Z',
  '',
  '+002024-01-01',
  '-2024-01-01',
  '0000-00-00',
];
export const BOUNDARY_AMOUNTS: unknown[] = [
  '999999999999.99',
  '-999999999999.99',
  '1000000000000.00',
  '-1000000000000.00',
  '0.001',
  1e20,
  -1e20,
  'NaN',
  'Infinity',
  '-0.00',
  '0',
  0,
  999999999999.99,
  0.1 + 0.2,
  '1e5',
  '',
  ' 1.00',
  '1,000.00',
  '00000000000000000001.00',
  '92233720368547758.07',
  '9223372036854775807',
  Number.MAX_SAFE_INTEGER + 2,
];
export const ODD_IDS = [
  '.',
  '..',
  'x'.repeat(65),
  'x'.repeat(64),
  '%2E%2E',
  '%2e',
  'a%2Fb',
  '%00',
  '%',
  '%E2%82',
  'a%20b',
  '%C3%A9',
  '-',
  '_',
  'CON',
  '%F0%9F%92%A5',
];
const WRONG_VALUES: unknown[] = [
  null,
  0,
  -1,
  1e20,
  'x',
  '',
  true,
  [],
  {},
  [null],
  { a: 1 },
  'NaN',
  '9999-12-31',
  '999999999999.99',
  'x'.repeat(5000),
];
/** Whole bodies that are not what any route expects. */
const GARBAGE_BODIES: { raw: string; type?: string }[] = [
  { raw: 'null' },
  { raw: '[]' },
  { raw: '"x"' },
  { raw: '42' },
  { raw: 'true' },
  { raw: '{' },
  { raw: '' },
  { raw: '{"a":1}', type: 'text/plain' },
  { raw: '{}', type: 'application/x-www-form-urlencoded' },
  { raw: '1e400' },
  { raw: '{"__proto__":{"polluted":1}}' },
  { raw: '{"constructor":{"prototype":{"polluted":1}}}' },
  { raw: `${'['.repeat(5000)}${']'.repeat(5000)}` },
  { raw: '\uFEFF{}' },
  { raw: `{"a":"${'x'.repeat(1_100_000)}"}` },
];

// ---------------------------------------------------------------------------------------------
// Ids the fuzzer knows: seeded, and learned from answers; by collection (`customers`, `holds` …)

export class IdPool {
  readonly #byCollection = new Map<string, string[]>();
  readonly #all: string[] = [];
  constructor(private readonly excluded: ReadonlySet<string>) {}

  add(collection: string | undefined, id: unknown): void {
    if (typeof id !== 'string' || !id || id.length > 64 || this.excluded.has(id)) return;
    const key = collection ?? '*';
    const list = this.#byCollection.get(key) ?? [];
    if (!list.includes(id)) {
      list.push(id);
      if (list.length > 40) list.splice(5, 1); // keep the seeded first few, and the newest
      this.#byCollection.set(key, list);
    }
    if (!this.#all.includes(id)) {
      this.#all.push(id);
      if (this.#all.length > 200) this.#all.splice(20, 1);
    }
  }

  /** An id of the collection when one is known, else any known id. */
  pick(collection: string | undefined, n: number): string {
    const list = (collection && this.#byCollection.get(collection)) || this.#all;
    return list.length ? list[n % list.length]! : 'X1';
  }
}

const SPECIAL_COLLECTIONS: Record<string, string> = {
  debit: 'transactions',
  credit: 'transactions',
  transaction: 'transactions',
  payment: 'transactions',
  definition: 'aging-definitions',
  reason: 'reason-codes',
  reasonCode: 'reason-codes',
  statusReason: 'reason-codes',
  category: 'case-categories',
  case: 'cases',
  followUpOf: 'activities',
  hold: 'holds',
  note: 'interest-notes',
  interestNote: 'interest-notes',
  journal: 'adjustment-journals',
  customerGroup: 'customers',
  pool: 'pools',
  agent: 'agents',
  insurance: 'insurances',
  order: 'sales-orders',
  salesOrder: 'sales-orders',
  excludeOrder: 'sales-orders',
};

/** The collection an id field or path parameter names: `customerId` → customers, `accountStatusId` → account-statuses. */
export function collectionOf(field: string): string | undefined {
  const base = field.replace(/Ids?$/, '');
  if (SPECIAL_COLLECTIONS[base]) return SPECIAL_COLLECTIONS[base];
  if (base === field && field !== 'reasonCode') return undefined;
  const kebab = base.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  if (kebab.endsWith('s')) return kebab.endsWith('terms') ? kebab : `${kebab}es`;
  if (kebab.endsWith('y')) return `${kebab.slice(0, -1)}ies`;
  return `${kebab}s`;
}

/** The collection of a path's parameter: named by the parameter (`{transactionId}`) or by the segment before it (`/holds/{id}`). */
function pathCollection(path: string, param: string): string | undefined {
  if (param !== 'id') return collectionOf(param);
  const m = new RegExp(`/([\\w-]+)(?::[\\w-]+)?/\\{${param}\\}`).exec(path);
  return m?.[1];
}

// ---------------------------------------------------------------------------------------------
// JSON Schema → fast-check arbitraries

type Mode = 'valid' | 'boundary';
interface Gen {
  schemas: Record<string, JsonSchema>;
  ids: IdPool;
  mode: Mode;
  /** Schemas for items the document leaves open, by "METHOD path property" ({@link itemHints}). */
  hints: Record<string, JsonSchema>;
  op: string;
}

const ISO_DATE = (d: Date) => d.toISOString().slice(0, 10);
const DAY = 86_400_000;
const TODAY = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
const validDate = fc.oneof(
  { arbitrary: fc.integer({ min: -400, max: 0 }).map((d) => ISO_DATE(new Date(TODAY + d * DAY))), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 800 }).map((d) => ISO_DATE(new Date(TODAY + d * DAY))), weight: 1 },
  {
    arbitrary: fc
      .integer({ min: Date.UTC(1990, 0, 1) / DAY, max: Date.UTC(2100, 0, 1) / DAY })
      .map((d) => ISO_DATE(new Date(d * DAY))),
    weight: 1,
  },
);
const validDateTime = validDate.chain((d) =>
  fc.constantFrom(`${d}T09:00:00Z`, `${d}T23:59:59.999Z`, `${d}T10:00:00+02:00`),
);
const BOUNDARY_DATE_TIMES = [
  '9999-12-31T23:59:59Z',
  '0001-01-01T00:00:00Z',
  '2024-02-30T10:00:00Z',
  '2024-01-01T25:00:00Z',
  '2024-01-01',
  'yesterday',
  '2024-01-01T00:00:00+99:00',
];

function resolve(schema: JsonSchema, g: Gen): JsonSchema {
  let s = schema;
  for (let i = 0; i < 10 && s && typeof s.$ref === 'string'; i++)
    s = { ...g.schemas[s.$ref.replace('#/components/schemas/', '')], ...omit(s, ['$ref']) };
  return s ?? {};
}
const omit = (o: JsonSchema, keys: string[]) =>
  Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

/** allOf of objects as one object schema (properties and required merged). */
function mergeAllOf(s: JsonSchema, g: Gen): JsonSchema {
  const parts = (s.allOf as JsonSchema[]).map((p) => resolve(p, g)).map((p) => (p.allOf ? mergeAllOf(p, g) : p));
  const objects = parts.filter((p) => p.type === 'object' || p.properties);
  if (!objects.length) return parts[0] ?? {};
  return {
    type: 'object',
    properties: Object.assign({}, ...objects.map((p) => p.properties ?? {})),
    required: [...new Set(objects.flatMap((p) => p.required ?? []))],
    additionalProperties: objects.some((p) => p.additionalProperties === false) ? false : undefined,
  };
}

const NUMERIC = /^-?\d+(\.(\d+))?$/;
const ID_PATTERN = '^[A-Za-z0-9_.\\-]{1,64}$';
/** The pattern of every id (server/http/schemas.ts `Id`), whatever refinements it carries. */
const isIdPattern = (pattern: unknown) => typeof pattern === 'string' && pattern.includes('[A-Za-z0-9_.');

/** A decimal string (or, now and then, a JSON number) with at most `decimals` decimals. */
function decimalArb(decimals: number, signed: boolean): fc.Arbitrary<unknown> {
  const scale = 10 ** decimals;
  const magnitude = fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 100 * scale }), weight: 2 },
    { arbitrary: fc.integer({ min: 0, max: 10_000_000 * scale }), weight: 2 },
    { arbitrary: fc.integer({ min: 1, max: 999_999_999 }).map((n) => n * scale), weight: 1 },
  );
  return fc
    .tuple(
      magnitude,
      signed ? fc.integer({ min: 0, max: 4 }) : fc.constant(1),
      fc.boolean(),
      fc.integer({ min: 0, max: 9 }),
    )
    .map(([m, sign, asNumber, style]) => {
      const v = sign === 0 ? -m : m;
      const text = decimals ? (v / scale).toFixed(decimals) : String(v);
      if (asNumber && style < 3) return Number(text);
      return text;
    });
}

function stringArb(s: JsonSchema, g: Gen, field: string): fc.Arbitrary<unknown> {
  const boundary = g.mode === 'boundary';
  const example = typeof s.example === 'string' ? s.example : '';
  if (s.format === 'date' || /^\d{4}-\d{2}-\d{2}$/.test(example)) {
    return boundary ? fc.oneof(fc.constantFrom(...BOUNDARY_DATES), validDate) : validDate;
  }
  if (s.format === 'date-time' || /^\d{4}-\d{2}-\d{2}T/.test(example))
    return boundary ? fc.oneof(fc.constantFrom(...BOUNDARY_DATE_TIMES), validDateTime) : validDateTime;
  if (s.format === 'binary') return fc.string({ maxLength: 50 });
  if (isIdPattern(s.pattern)) {
    const known = fc.nat().map((n) => g.ids.pick(collectionOf(field) ?? undefined, n));
    return boundary
      ? fc.oneof(
          known,
          fc.constantFrom(...ODD_IDS.filter((i) => !i.includes('%'))),
          fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/),
        )
      : fc.oneof({ arbitrary: known, weight: 5 }, { arbitrary: fc.stringMatching(/^[A-Z][A-Z0-9]{0,8}$/), weight: 1 });
  }
  if (s.pattern === '^[A-Z]{3}$')
    return boundary
      ? fc.oneof(fc.constantFrom('USD', 'EUR', 'usd', 'US', 'USDX', 'ZZZ', ''), fc.stringMatching(/^[A-Z]{3}$/))
      : fc.constantFrom('USD', 'USD', 'USD', 'EUR');
  const numeric = NUMERIC.exec(example);
  if (numeric) {
    const decimals = numeric[2]?.length ?? (/4 decimals/.test(s.description ?? '') ? 4 : 0);
    const valid = decimalArb(
      Math.min(decimals || 2, 4),
      /signed|negative/.test(s.description ?? '') || field === 'amount' || field === 'newCreditLimit',
    );
    return boundary ? fc.oneof(fc.constantFrom(...BOUNDARY_AMOUNTS), valid) : valid;
  }
  if (s.pattern) {
    try {
      return fc.stringMatching(new RegExp(s.pattern));
    } catch {
      // a pattern JavaScript cannot read: plain strings
    }
  }
  const min = s.minLength ?? 0;
  const max = Math.min(s.maxLength ?? 40, 40);
  const valid = fc.string({ minLength: min, maxLength: Math.max(min, max) });
  if (!boundary) return valid;
  const limit = s.maxLength as number | undefined;
  return fc.oneof(
    valid,
    fc
      .constantFrom(
        ...[limit, limit === undefined ? undefined : limit + 1, 10_000, 100_000].filter(
          (n): n is number => n !== undefined,
        ),
      )
      .map((n) => 'x'.repeat(n)),
    fc.constantFrom(
      '',
      ' ',
      '\u0000',
      'a\u0000b',
      'é'.repeat(3),
      '<script>alert(1)</script>',
      "'; drop table customers; --",
      '\uD800',
      '💥'.repeat(limit ?? 10),
      '=1+1',
      '-1',
      'null',
      '\r\n',
      '\u202E',
    ),
    // Control characters and every other code point.
    fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: Math.min(limit ?? 20, 20) }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: Math.min(limit ?? 20, 20) }),
  );
}

function numberArb(s: JsonSchema, g: Gen, integer: boolean): fc.Arbitrary<unknown> {
  const min = typeof s.minimum === 'number' ? Math.max(s.minimum, -1e6) : -1000;
  const max = typeof s.maximum === 'number' ? Math.min(s.maximum, 1e6) : 1e6;
  const valid = integer
    ? fc.integer({ min: Math.ceil(min), max: Math.floor(Math.max(min, max)) })
    : fc.double({ min, max: Math.max(min, max), noNaN: true, noDefaultInfinity: true });
  if (g.mode === 'valid') return valid;
  const edges = [
    s.minimum,
    s.maximum,
    typeof s.minimum === 'number' ? s.minimum - 1 : -1,
    typeof s.maximum === 'number' ? s.maximum + 1 : 2 ** 53,
    1e20,
    -1e20,
    0.5,
    2 ** 31,
    2 ** 63,
    -0,
  ].filter((n) => n !== undefined);
  return fc.oneof(valid, fc.constantFrom(...edges), fc.constantFrom('1', 'NaN', '1e400'));
}

function objectArb(s: JsonSchema, g: Gen, path: string): fc.Arbitrary<unknown> {
  const props: Record<string, JsonSchema> = s.properties ?? {};
  const required: string[] = s.required ?? [];
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [k, v] of Object.entries(props)) model[k] = arbitraryOf(v, g, k, `${path} ${k}`);
  const record = Object.keys(model).length
    ? fc.record(model, { requiredKeys: required.filter((k) => k in model) })
    : fc.constant({});
  const extra = s.additionalProperties;
  if (extra && typeof extra === 'object' && Object.keys(extra).length) {
    const keys = fc.oneof(
      fc.nat().map((n) => g.ids.pick(undefined, n)),
      fc.stringMatching(/^[A-Z]{2,6}$/),
    );
    return fc
      .tuple(record, fc.dictionary(keys, arbitraryOf(extra, g, '', `${path} *`), { maxKeys: 3 }))
      .map(([r, d]) => ({ ...d, ...(r as object) }));
  }
  return record;
}

/** An arbitrary of values the schema describes (mode `valid`), or of values at and past its edges (`boundary`). */
export function arbitraryOf(schema: JsonSchema, g: Gen, field = '', path = ''): fc.Arbitrary<unknown> {
  let s = resolve(schema, g);
  if (s.allOf) s = mergeAllOf(s, g);
  if (s.oneOf || s.anyOf)
    return fc.oneof(...(s.oneOf ?? s.anyOf).map((m: JsonSchema) => arbitraryOf(m, g, field, path)));
  if (s.const !== undefined) return fc.constant(s.const);
  if (Array.isArray(s.enum))
    return g.mode === 'boundary'
      ? fc.oneof(
          { arbitrary: fc.constantFrom(...s.enum), weight: 4 },
          { arbitrary: fc.constantFrom('', 'other', s.enum[0]?.toString().toUpperCase()), weight: 1 },
        )
      : fc.constantFrom(...s.enum);
  const types: string[] = s.type === undefined ? (s.properties ? ['object'] : []) : [s.type].flat();
  if (types.length > 1) {
    const nonNull = types.filter((t) => t !== 'null');
    const arbs = nonNull.map((t) => arbitraryOf({ ...s, type: t }, g, field, path));
    return types.includes('null')
      ? fc.oneof({ arbitrary: fc.oneof(...arbs), weight: 4 }, { arbitrary: fc.constant(null), weight: 1 })
      : fc.oneof(...arbs);
  }
  switch (types[0]) {
    case 'string':
      return stringArb(s, g, field);
    case 'integer':
      return numberArb(s, g, true);
    case 'number':
      return numberArb(s, g, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const min = s.minItems ?? 0;
      const max = Math.max(min, Math.min(s.maxItems ?? 3, 3));
      const items = s.items && Object.keys(s.items).length ? s.items : (g.hints[`${g.op} ${field}`] ?? {});
      return fc.array(arbitraryOf(items, g, field.replace(/s$/, ''), `${path}[]`), { minLength: min, maxLength: max });
    }
    case 'object':
      return objectArb(s, g, path);
    default:
      // Anything: the route validates it itself.
      return fc.jsonValue({ maxDepth: 2 });
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations of a valid body

type Mutation =
  | { kind: 'delete' }
  | { kind: 'replace'; value: unknown }
  | { kind: 'extra' }
  | { kind: 'wrap' }
  | { kind: 'control characters' };
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant({ kind: 'delete' as const }),
  fc
    .constantFrom(...WRONG_VALUES, ...BOUNDARY_DATES.slice(0, 8), ...BOUNDARY_AMOUNTS.slice(0, 8))
    .map((value) => ({ kind: 'replace' as const, value })),
  fc.constant({ kind: 'extra' as const }),
  fc.constant({ kind: 'wrap' as const }),
  fc.constant({ kind: 'control characters' as const }),
);

/** Every place in a JSON value: [parent, key] pairs. */
function places(v: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []): typeof out {
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      out.push([v, i]);
      places(x, out);
    });
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.push([v as Record<string, unknown>, k]);
      places(x, out);
    }
  }
  return out;
}

function mutate(body: unknown, at: number, m: Mutation): unknown {
  const copy = structuredClone(body);
  const all = places(copy);
  if (m.kind === 'wrap') return [copy];
  if (!all.length)
    return m.kind === 'replace'
      ? m.value
      : m.kind === 'extra' && copy && typeof copy === 'object'
        ? { ...copy, unexpectedField: 1 }
        : copy;
  if (m.kind === 'control characters') {
    // One string of the body gets a NUL and a bell in its middle (text columns must refuse or keep them).
    const strings = all.filter(([p, k]) => typeof (p as Record<string | number, unknown>)[k] === 'string');
    if (!strings.length) return copy;
    const [p, k] = strings[at % strings.length]!;
    const v = (p as Record<string | number, string>)[k]!;
    (p as Record<string | number, string>)[k] = `${v.slice(0, 1)}\u0000\u0007${v.slice(1)}`;
    return copy;
  }
  const [parent, key] = all[at % all.length]!;
  if (m.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
  } else if (m.kind === 'replace') (parent as Record<string | number, unknown>)[key] = m.value;
  else if (Array.isArray(parent)) parent.push({ unexpectedField: 1 });
  else parent.unexpectedField = 1;
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Requests

export interface FuzzRequest {
  method: string;
  path: string;
  role: Role | 'credit_manager_2';
  headers: Record<string, string>;
  /** The JSON body, or a raw one, or a multipart form. */
  body?:
    | { json: unknown }
    | { raw: string; type?: string }
    | { form: { name: string; bytes: string | Uint8Array; type: string } };
  ifMatch: 'none' | 'current' | 'one' | 'stale' | 'malformed' | 'star';
  kind: string;
}

const FORM_FILES = [
  { name: 'a.csv', bytes: 'Customer,New limit\nC1,1000.00\n', type: 'text/csv' },
  {
    name: 'a.csv',
    bytes: 'Customer,New limit,Expiry\nC1,999999999999.99,9999-12-31\nC2,NaN,0001-01-01\n',
    type: 'text/csv',
  },
  { name: 'a.csv', bytes: '', type: 'text/csv' },
  {
    name: 'a.xlsx',
    bytes: 'PK\u0003\u0004garbage',
    type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  },
  { name: 'a.bin', bytes: '\u0000\u0001\u0002', type: 'application/octet-stream' },
  {
    name: 'utf16.csv',
    bytes: new Uint8Array(Buffer.from('\uFEFFCustomer,New limit\nC1,1000.00\n', 'utf16le')),
    type: 'text/csv',
  },
  { name: 'a.csv', bytes: `Customer,New limit\n${'C1,1.00\n'.repeat(2000)}`, type: 'text/csv' },
];

/** A query value as a client would encode it; a lone surrogate (no UTF-8 for it) goes as the bytes of one. */
function encodeQuery(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    return v.replace(/[\uD800-\uDFFF]/g, '%ED%A0%80').replace(/[^%\w.~-]/g, (c) => encodeURIComponent(c));
  }
}

/** The arbitrary of one operation's requests. */
export function requestArb(
  o: Operation,
  doc: OpenApiDocument,
  ids: IdPool,
  hints: ItemHints,
): fc.Arbitrary<FuzzRequest> {
  const key = `${o.method} ${o.path}`;
  const gen = (mode: Mode): Gen => ({
    schemas: { ...(doc.components?.schemas ?? {}), ...hints.components },
    ids,
    mode,
    hints: hints.items,
    op: key,
  });
  const pathParams = (o.op.parameters ?? []).filter((p) => p.in === 'path');
  const queryParams = (o.op.parameters ?? []).filter((p) => p.in === 'query');

  // The path: known ids (integers 1–3), or, when hostile, now and then an odd one.
  const pathArb = (hostile: boolean) =>
    fc
      .tuple(
        ...pathParams.map((p) => {
          const integer = [resolve(p.schema, gen('valid')).type].flat().includes('integer');
          const known = integer
            ? fc.integer({ min: 1, max: 3 }).map(String)
            : fc.nat().map((n) => ids.pick(pathCollection(o.path, p.name), n));
          const odd = integer
            ? fc.constantFrom('0', '-1', 'x', '1.5', '1e3', '99999999999999999999', '%00', '')
            : fc.constantFrom(...ODD_IDS, 'X1');
          return (hostile ? fc.oneof({ arbitrary: known, weight: 3 }, { arbitrary: odd, weight: 1 }) : known).map(
            (v) => [p.name, v] as const,
          );
        }),
      )
      .map((pairs) => o.path.replace(/\{(\w+)\}/g, (_, name: string) => pairs.find(([n]) => n === name)?.[1] ?? 'X1'));

  // The query: some of the documented parameters; when hostile, values past their edges and a stray one.
  const queryArb = (hostile: boolean) =>
    fc
      .tuple(
        fc.tuple(
          ...queryParams.map((p) =>
            fc
              .option(
                hostile
                  ? fc.oneof(
                      arbitraryOf(p.schema, gen('valid'), p.name),
                      arbitraryOf(p.schema, gen('boundary'), p.name),
                    )
                  : arbitraryOf(p.schema, gen('valid'), p.name),
                { freq: 2 },
              )
              .map((v) => [p.name, v] as const),
          ),
        ),
        hostile
          ? fc.option(
              fc.constantFrom(
                'unknown=1',
                'limit=0',
                'limit=1001',
                'since=-1',
                'since=1e30',
                'cursor=%00',
                'since=9007199254740993',
                'limit=1&limit=2',
                'asOf=9999-12-31',
                '%=1',
              ),
              { freq: 3 },
            )
          : fc.constant(null),
      )
      .map(([pairs, extra]) => {
        // A cursor the server did not issue is a 400 by design: valid requests leave it out.
        const parts = pairs
          .filter(([k, v]) => v !== null && v !== undefined && (hostile || k !== 'cursor'))
          .map(([k, v]) => `${k}=${encodeQuery(typeof v === 'string' ? v : JSON.stringify(v))}`);
        if (extra) parts.push(extra);
        return parts.length ? `?${parts.join('&')}` : '';
      });

  type Body = { body?: FuzzRequest['body']; kind: string };
  const content = o.op.requestBody?.content ?? {};
  const jsonSchema = content['application/json']?.schema;
  const garbage: fc.Arbitrary<Body> = fc
    .constantFrom(...GARBAGE_BODIES)
    .map((b) => ({ body: b, kind: 'garbage body' }));
  const none: fc.Arbitrary<Body> = fc.constant({ kind: 'no body' });
  let bodies: { valid: fc.Arbitrary<Body>; boundary: fc.Arbitrary<Body>; mutated: fc.Arbitrary<Body> };
  if (jsonSchema) {
    const valid = arbitraryOf(jsonSchema, gen('valid'), '', 'body');
    bodies = {
      valid: valid.map((json) => ({ body: { json }, kind: 'valid' })),
      boundary: arbitraryOf(jsonSchema, gen('boundary'), '', 'body').map((json) => ({
        body: { json },
        kind: 'boundary',
      })),
      mutated: fc
        .tuple(valid, fc.nat(), mutationArb)
        .map(([json, at, m]) => ({ body: { json: mutate(json, at, m) }, kind: `mutated (${m.kind})` })),
    };
  } else if (content['multipart/form-data']) {
    const upload = fc.constantFrom(...FORM_FILES).map((form) => ({ body: { form }, kind: 'upload' }));
    bodies = {
      valid: upload,
      boundary: upload,
      mutated: fc.oneof(none, fc.constant({ body: { json: {} }, kind: 'JSON instead of a file' })),
    };
  } else if (o.method === 'GET') {
    bodies = { valid: none, boundary: none, mutated: none };
  } else {
    // No documented body: none, or one anyway (some routes read an optional body).
    const unexpected = fc
      .constantFrom(
        { date: '9999-12-31' },
        { postingDate: '0001-01-01' },
        { postingDate: '2024-02-30' },
        { postingDate: '2024-01-01' },
        {},
        { comment: 'x'.repeat(5000) },
      )
      .map((json) => ({ body: { json }, kind: 'unexpected body' }));
    bodies = { valid: none, boundary: unexpected, mutated: unexpected };
  }

  // A role the matrix allows: admin when it may, else any of the allowed ones (and a second manager for four-eyes steps).
  const roleArb = fc.constantFrom(
    ...(o.roles.includes('admin') ? (['admin'] as const) : []),
    ...o.roles,
    ...(o.roles.includes('credit_manager') ? (['credit_manager_2'] as const) : []),
  );
  const ifMatchArb = (hostile: boolean) =>
    o.method === 'GET'
      ? fc.constant('none' as const)
      : hostile
        ? fc.constantFrom('current', 'current', 'none', 'one', 'stale', 'malformed', 'star')
        : fc.constantFrom('current', 'current', 'current', 'none');
  const oddHeaders = fc.constantFrom(
    { 'Idempotency-Key': 'fuzz-key-1' },
    { 'Idempotency-Key': 'x'.repeat(500) },
    { 'Accept-Encoding': 'gzip' },
    { Origin: 'http://evil.example' },
    { 'Content-Type': 'application/json; charset=utf-16' },
  );
  const headersArb = (hostile: boolean) =>
    hostile
      ? fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: oddHeaders, weight: 1 })
      : fc.constant(null);

  const level = (body: fc.Arbitrary<Body>, hostile: boolean) =>
    fc.record({
      path: pathArb(hostile),
      query: queryArb(hostile),
      body,
      role: roleArb,
      ifMatch: ifMatchArb(hostile),
      headers: headersArb(hostile),
    });
  return fc
    .oneof(
      { arbitrary: level(bodies.valid, false), weight: 4 },
      { arbitrary: level(bodies.boundary, true), weight: 3 },
      { arbitrary: level(bodies.mutated, false), weight: 3 },
      { arbitrary: level(o.method === 'GET' ? none : garbage, true), weight: 1 },
      // A browser's CORS preflight of the route, from an allowed origin or another one.
      {
        arbitrary: level(none, false).chain((r) =>
          fc
            .constantFrom('http://localhost:3000', 'http://evil.example')
            .map((origin) => ({ ...r, preflight: origin })),
        ),
        weight: 1,
      },
    )
    .map((r) => ({
      method: 'preflight' in r ? 'OPTIONS' : o.method,
      path: r.path + r.query,
      role: r.role,
      headers:
        'preflight' in r
          ? {
              Origin: r.preflight as string,
              'Access-Control-Request-Method': o.method,
              'Access-Control-Request-Headers': 'authorization, content-type, if-match',
            }
          : ((r.headers ?? {}) as Record<string, string>),
      ...(r.body.body ? { body: r.body.body } : {}),
      ifMatch: 'preflight' in r ? 'none' : (r.ifMatch as FuzzRequest['ifMatch']),
      kind: 'preflight' in r ? 'CORS preflight' : r.body.kind,
    }));
}

// ---------------------------------------------------------------------------------------------
// Running requests against an app

export interface Failure {
  /** What went wrong: `500`, `non-JSON error body`, `refused request changed data`, `no answer`, `threw`. */
  problem: string;
  method: string;
  /** The OpenAPI path of the operation. */
  route: string;
  path: string;
  role: string;
  ifMatch: string;
  kind: string;
  body: string;
  status: number;
  error: string;
  /** How many generated requests ended this way. */
  count: number;
}

interface LoggedError {
  level?: number;
  requestId?: string;
  err?: { message?: string; stack?: string };
}

/** An app on the test app's database whose error log is kept, so a 500 can be reported with its cause. */
export class Fuzzer {
  readonly errors = new Map<string, LoggedError>();
  /** Where requests go: an app on the test app's database (a test may put a stand-in here). */
  app: { request(path: string, init?: RequestInit): Response | Promise<Response> };
  readonly ids: IdPool;
  #seq = 0;
  readonly failures = new Map<string, Failure>();
  requests = 0;
  readonly statuses = new Map<number, number>();
  /** Called with every answer (for a look at what the generated requests reach). */
  onAnswer?: (req: FuzzRequest, status: number, text: string, body: string) => void;

  constructor(
    readonly t: TestApp,
    readonly doc: OpenApiDocument,
    readonly hints: ItemHints,
  ) {
    const errors = this.errors;
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) {
          try {
            const entry = JSON.parse(line) as LoggedError;
            if (entry.requestId && (entry.level ?? 0) >= 50) errors.set(entry.requestId, entry);
          } catch {
            // not a log line
          }
        }
        done();
      },
    });
    // At level info, as a server runs by default: the request log wraps every request.
    this.app = createApp({
      handle: t.handle,
      log: pino({ level: 'info' }, sink),
      config: { allowedOrigins: ['http://localhost:3000'], jsonBodyLimit: 1024 * 1024 },
    });
    this.ids = new IdPool(new Set(Object.values(t.userIds)));
  }

  /** Some data for requests to reach deeper code: customers, ledger entries, orders, reason codes, a journal, a hold. */
  async seed(): Promise<void> {
    const ok = async (method: string, path: string, as: Role, body?: unknown) => {
      const res = await this.t.request(method, path, { as, body });
      if (res.status >= 300)
        throw new Error(
          `fuzz seed: ${method} ${path} answered ${res.status} ${JSON.stringify(res.body).slice(0, 400)}`,
        );
      this.learn(path, res.body);
      return res.body;
    };
    for (const [kind, id] of [
      ['release', 'RC-REL'],
      ['reject', 'RC-REJ'],
      ['forcedHold', 'RC-HOLD'],
      ['writeOff', 'RC-WO'],
      ['nsf', 'RC-NSF'],
      ['waive', 'RC-WAIVE'],
    ] as const) {
      await ok('PUT', `/api/v1/reason-codes/${id}`, 'credit_manager', { kind, description: `${kind} ${id}` });
    }
    await ok('PUT', '/api/v1/bank-accounts/BANK1', 'credit_manager', {
      name: 'Main bank',
      nsfFee: '25.00',
      nsfJournal: 'NSF',
    });
    await ok('PUT', '/api/v1/write-off-accounts/618000', 'credit_manager', {
      name: 'Bad debts',
      salesTaxAccountId: '222200',
    });
    await ok('PUT', '/api/v1/case-categories/CAT1', 'credit_manager', { description: 'Dispute', type: 'collections' });
    for (const id of ['C1', 'C2'])
      await ok('PUT', `/api/v1/customers/${id}`, 'integration', {
        name: `Customer ${id}`,
        currency: 'USD',
        creditLimit: '10000.00',
      });
    await ok('POST', '/api/v1/transactions:batch', 'integration', {
      items: [
        {
          id: 'INV1',
          customerId: 'C1',
          type: 'invoice',
          amount: '4000.00',
          currency: 'USD',
          transDate: '2025-01-01',
          dueDate: '2025-02-01',
        },
        {
          id: 'INV2',
          customerId: 'C1',
          type: 'invoice',
          amount: '900.00',
          currency: 'USD',
          transDate: '2025-01-15',
          dueDate: '2025-02-15',
        },
        {
          id: 'PAY1',
          customerId: 'C1',
          type: 'payment',
          amount: '-300.00',
          currency: 'USD',
          transDate: '2025-02-01',
          bankAccountId: 'BANK1',
        },
      ],
    });
    await ok('PUT', '/api/v1/sales-orders/SO1', 'integration', { customerId: 'C1', amount: '1000.00' });
    await ok('PUT', '/api/v1/sales-orders/SO2', 'integration', { customerId: 'C1', amount: '50000.00' });
    await ok('PUT', '/api/v1/checkpoints', 'credit_manager', [
      { checkpoint: 'confirmation', posting: true, proForma: false, graceDays: null },
    ]);
    await ok('POST', '/api/v1/blocking-rules', 'credit_manager', {
      ruleType: 'creditLimitUsed',
      kind: 'blocking',
      validFor: 'all',
      percent: 100,
    });
    const posted = await ok('POST', '/api/v1/sales-orders/SO2/post', 'integration', {
      checkpoint: 'confirmation',
      postingType: 'posting',
    });
    if (posted?.hold?.id) this.ids.add('holds', posted.hold.id);
    const journal = await ok('POST', '/api/v1/adjustment-journals', 'credit_manager', {
      type: 'creditLimit',
      description: 'fuzz',
      lines: [{ customerId: 'C2', newCreditLimit: '20000.00' }],
    });
    this.ids.add('adjustment-journals', journal.id);
    await ok('POST', '/api/v1/activities', 'collections_agent', { customerId: 'C1', type: 'task', subject: 'Call' });
    await ok('POST', '/api/v1/cases', 'collections_agent', {
      customerId: 'C1',
      description: 'Disputed delivery',
    }).catch(() => undefined);
    this.#seq = await this.lastSeq();
  }

  /** Ids in an answer, kept for later requests (`id` under the route's collection, `xxxId` under theirs). */
  learn(path: string, body: unknown, depth = 0): void {
    if (!body || typeof body !== 'object' || depth > 3) return;
    const collection = /^\/api\/v1\/([\w-]+)/.exec(path)?.[1]?.replace(/:.*$/, '');
    if (Array.isArray(body)) {
      for (const item of body.slice(0, 20)) this.learn(path, item, depth + 1);
      return;
    }
    for (const [k, v] of Object.entries(body)) {
      if (k === 'id' && collection !== 'users' && collection !== 'me') this.ids.add(collection, v);
      else if (/Id$/.test(k) && k !== 'userId' && k !== 'requestId') this.ids.add(collectionOf(k), v);
      else if (v && typeof v === 'object') this.learn(path, v, depth + 1);
    }
  }

  async lastSeq(): Promise<number> {
    let seq = this.#seq;
    for (;;) {
      const res = await this.t.request('GET', `/api/v1/changes?since=${seq}&limit=1000`, { as: 'credit_clerk' });
      const changes = (res.body?.changes ?? []) as { seq: number }[];
      if (!changes.length) return seq;
      seq = changes[changes.length - 1]!.seq;
    }
  }

  /** The `If-Match` value the request asks for: the row's current version (from a GET), or a made-up one. */
  async ifMatch(req: FuzzRequest, route: string): Promise<string | undefined> {
    switch (req.ifMatch) {
      case 'none':
        return undefined;
      case 'one':
        return '"1"';
      case 'stale':
        return '"99999"';
      case 'malformed':
        return 'W/"x", 1';
      case 'star':
        return '*';
      case 'current': {
        // The row the route changes: the path up to its first parameter, or the path itself.
        const m = /^(\/api\/v1\/[\w-]+\/\{\w+\})/.exec(route);
        const filled = m
          ? req.path.split('?')[0]!.split('/').slice(0, m[1]!.split('/').length).join('/')
          : req.path.split('?')[0]!;
        const res = await this.app.request(filled, {
          headers: { authorization: `Bearer ${this.t.tokens.credit_clerk}` },
        });
        await res.arrayBuffer();
        return res.headers.get('etag') ?? '"1"';
      }
    }
  }

  /** Sends one request and records what must not happen. */
  async send(req: FuzzRequest, route: string): Promise<number> {
    // A preflight carries no credentials (browsers send none).
    const headers: Record<string, string> =
      req.method === 'OPTIONS' ? {} : { authorization: `Bearer ${this.t.tokens[req.role]}` };
    const ifMatch = await this.ifMatch(req, route);
    if (ifMatch) headers['if-match'] = ifMatch;
    let body: BodyInit | undefined;
    let shown = '';
    if (req.body && 'json' in req.body) {
      body = JSON.stringify(req.body.json);
      headers['content-type'] = 'application/json';
      shown = body;
    } else if (req.body && 'raw' in req.body) {
      body = req.body.raw;
      headers['content-type'] = req.body.type ?? 'application/json';
      shown = `${req.body.type ?? 'application/json'}: ${body}`;
    } else if (req.body && 'form' in req.body) {
      const form = new FormData();
      const { name, bytes, type } = req.body.form;
      form.append('file', new Blob([bytes as BlobPart], { type }), name);
      body = form;
      shown = `multipart file ${name} ${typeof bytes === 'string' ? JSON.stringify(bytes) : `(${bytes.length} bytes: ${Buffer.from(bytes).toString('hex').slice(0, 60)}…)`}`;
    }
    for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
    if (Object.keys(req.headers).length) shown = `${JSON.stringify(req.headers).slice(0, 80)} ${shown}`;
    this.requests++;
    let status: number;
    let text = '';
    let requestId: string | null;
    let contentType: string;
    try {
      const res = await withTimeout(
        Promise.resolve(this.app.request(req.path, { method: req.method, headers, body })),
        20_000,
      );
      status = res.status;
      requestId = res.headers.get('x-request-id');
      contentType = res.headers.get('content-type') ?? '';
      if (contentType.startsWith('text/event-stream')) await res.body?.cancel();
      else if (status >= 400 || contentType.includes('json')) text = await withTimeout(res.text(), 20_000);
      else await withTimeout(res.arrayBuffer(), 20_000);
    } catch (e) {
      this.fail(
        'no answer or a thrown error',
        req,
        route,
        0,
        e instanceof Error ? e.message : String(e),
        shown,
        ifMatch,
      );
      return 0;
    }
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    this.onAnswer?.(req, status, text, shown);
    let parsed: any;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (status >= 500) {
      const logged = requestId ? this.errors.get(requestId) : undefined;
      const where =
        logged?.err?.stack
          ?.split('\n')
          .find((l) => l.includes('/server/') || l.includes('/shared/'))
          ?.trim() ?? '';
      this.fail(
        '500',
        req,
        route,
        status,
        `${logged?.err?.message ?? parsed?.error?.message ?? text.slice(0, 200)}${where ? ` (${where.replace(/^at /, '').replace(/\(?\/[^ ]*\/(server|shared)\//, '$1/')})` : ''}`,
        shown,
        ifMatch,
      );
    } else if (
      status >= 400 &&
      (typeof parsed?.error?.code !== 'string' ||
        typeof parsed?.error?.message !== 'string' ||
        !contentType.includes('json'))
    ) {
      this.fail('non-JSON error body', req, route, status, `${contentType} ${text.slice(0, 200)}`, shown, ifMatch);
    }
    if (status >= 200 && status < 300 && parsed) this.learn(req.path, parsed);
    const seq = await this.lastSeq();
    if (seq !== this.#seq && status >= 400 && status < 500) {
      this.fail(
        'refused request changed data',
        req,
        route,
        status,
        `change log ${this.#seq} → ${seq}; answer ${text.slice(0, 200)}`,
        shown,
        ifMatch,
      );
    }
    this.#seq = seq;
    return status;
  }

  fail(
    problem: string,
    req: FuzzRequest,
    route: string,
    status: number,
    error: string,
    body: string,
    ifMatch: string | undefined,
  ): void {
    const signature = `${problem} ${req.method} ${route} ${status} ${error.replace(/\d+/g, 'N').slice(0, 160)}`;
    const f: Failure = {
      problem,
      method: req.method,
      route,
      path: req.path,
      role: req.role,
      ifMatch: ifMatch ?? '',
      kind: req.kind,
      body: body.length > 600 ? `${body.slice(0, 600)}… (${body.length} characters)` : body,
      status,
      error,
      count: 1,
    };
    const seen = this.failures.get(signature);
    if (!seen) this.failures.set(signature, f);
    else {
      seen.count++;
      // Keep the smallest reproduction.
      if (f.body.length + f.path.length < seen.body.length + seen.path.length)
        this.failures.set(signature, { ...f, count: seen.count });
    }
  }

  /** `runs` generated requests for one operation; the failures of this operation. */
  async fuzz(o: Operation, runs: number, seed: number): Promise<Failure[]> {
    const arb = requestArb(o, this.doc, this.ids, this.hints);
    await fc.assert(
      fc.asyncProperty(arb, async (req) => {
        await this.send(req, o.path);
        return true;
      }),
      { numRuns: runs, seed },
    );
    return [...this.failures.values()].filter((f) => f.method === o.method && f.route === o.path);
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms / 1000} s`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const FUZZ_ORDER = ['PUT', 'POST', 'PATCH', 'GET', 'DELETE'];
/** The order operations are fuzzed in: writes that create rows first, so the reads and actions after them find some; deletes last. */
export const fuzzOrder = (ops: readonly Operation[]): Operation[] =>
  [...ops].sort((a, b) => FUZZ_ORDER.indexOf(a.method) - FUZZ_ORDER.indexOf(b.method));

/** The distinct failures as a readable list, one reproduction each. */
export function formatFailures(failures: readonly Failure[]): string {
  return failures
    .map((f, i) =>
      [
        `${i + 1}. ${f.problem}: ${f.method} ${f.path} → ${f.status} (${f.count}×, ${f.kind})`,
        `   error: ${f.error}`,
        `   as ${f.role}${f.ifMatch ? `, If-Match: ${f.ifMatch}` : ''}${f.body ? `, body: ${f.body}` : ''}`,
      ].join('\n'),
    )
    .join('\n');
}

/**
 * Schemas for the items the document leaves open (`items: {}`: the route validates each item and
 * answers per item): from the zod schemas the routes use, through a throwaway OpenAPI registry.
 */
export interface ItemHints {
  /** Component schemas the items refer to, besides the document's. */
  components: Record<string, JsonSchema>;
  items: Record<string, JsonSchema>;
}

export function itemHints(): ItemHints {
  const registry = new OpenAPIHono();
  const named: Record<string, z.ZodType> = {
    FuzzCustomerBatchItem: CustomerBatchItem,
    FuzzTransactionInput: TransactionInput,
    FuzzJournalLineInput: JournalLineInput,
  };
  for (const [name, schema] of Object.entries(named)) registry.openAPIRegistry.register(name, schema);
  const components =
    registry.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'hints', version: '1' } }).components?.schemas ??
    {};
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const holdItem = (input: string) => ({
    allOf: [
      ref(input),
      {
        type: 'object',
        properties: {
          holdId: { type: 'string', pattern: ID_PATTERN },
          version: { type: 'integer', minimum: 1, maximum: 5 },
        },
        required: ['holdId', 'version'],
      },
    ],
  });
  return {
    components: components as Record<string, JsonSchema>,
    items: {
      'POST /api/v1/customers:batch items': ref('FuzzCustomerBatchItem'),
      'POST /api/v1/transactions:batch items': ref('FuzzTransactionInput'),
      'POST /api/v1/adjustment-journals lines': ref('FuzzJournalLineInput'),
      'POST /api/v1/adjustment-journals:validate lines': ref('FuzzJournalLineInput'),
      'POST /api/v1/adjustment-journals/{id}/lines lines': ref('FuzzJournalLineInput'),
      'POST /api/v1/holds:release-batch items': holdItem('ReleaseInput'),
      'POST /api/v1/holds:reject-batch items': holdItem('RejectInput'),
    },
  };
}

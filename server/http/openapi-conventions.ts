import { z, type OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { AppEnv } from './env';
import { ERROR_RESPONSE_COMPONENTS } from './errors';
import { ErrorSchema, ID_EXAMPLES, type IdKind } from './schemas';
import { ROLES, type Role } from '../db/transaction';

/**
 * The HTTP conventions of one route as the OpenAPI document publishes them (SPEC §4, §5 "Contract
 * details"): which
 * request headers it reads, whether its answer carries ETag. Most follow from the route's shape
 * ({@link conventionsOf}); a route whose handler does otherwise says so in its `createRoute`
 * config with these keys (and `optionalBody`, {@link DeclaredConventions}), which `register` takes
 * out before the route reaches the generator.
 */
interface RouteConventions {
  /**
   * If-Match (server/http/versioning.ts): `required` (requireIfMatch: 428 without it), `optional`
   * (an upsert, checkUpsert: needed to replace a row, not to create one) or `none`. Default: a
   * PATCH of a path with a parameter and a DELETE of `…/{param}` required, a PUT of `…/{param}`
   * optional, anything else (POST commands included) none.
   */
  ifMatch?: 'required' | 'optional' | 'none';
  /** Whether a POST reads Idempotency-Key (it answers through command() or idempotentBatch(), server/http/command.ts). Default: every POST. */
  idempotencyKey?: boolean;
  /** Whether the success answer carries ETag (the version of the one row it returns). Default: a GET of `…/{param}`, and every write but DELETE that takes If-Match. */
  etag?: boolean;
}

const CONVENTION_KEYS = ['ifMatch', 'idempotencyKey', 'etag'] as const satisfies readonly (keyof RouteConventions)[];

/**
 * The conventions as a `createRoute` config carries them: `createRoute` widens `ifMatch: 'required'`
 * to a string, so its value is checked when the route is registered (a typo stops the app from
 * starting, as a missing guard does).
 */
export type DeclaredConventions = {
  ifMatch?: string;
  idempotencyKey?: boolean;
  etag?: boolean;
  /**
   * A JSON body the handler reads by hand because it may be left out (`{}` or nothing): documented
   * as an optional request body (`required: false`, its schema under components.schemas) without
   * the validator `request.body` would install, so the handler's own parsing stays as it is.
   */
  optionalBody?: z.ZodType;
};
const IF_MATCH_VALUES: readonly string[] = ['required', 'optional', 'none'] satisfies NonNullable<
  RouteConventions['ifMatch']
>[];

const hasPathParam = (path: string) => /\{\w+\}/.test(path);
const endsWithParam = (path: string) => /\{\w+\}$/.test(path);

/** The conventions of a route: its own declaration, else the default of its shape. */
function conventionsOf(route: RouteConfig & DeclaredConventions): Required<RouteConventions> {
  if (route.ifMatch !== undefined && !IF_MATCH_VALUES.includes(route.ifMatch))
    throw new Error(
      `${route.method.toUpperCase()} ${route.path}: ifMatch must be one of ${IF_MATCH_VALUES.join(', ')}, not ${route.ifMatch}`,
    );
  const declared: RouteConventions = definedOnly(route as RouteConventions);
  const m = route.method;
  const ifMatch =
    declared.ifMatch ??
    (m === 'patch' && hasPathParam(route.path)
      ? 'required'
      : !endsWithParam(route.path)
        ? 'none'
        : m === 'delete'
          ? 'required'
          : m === 'put'
            ? 'optional'
            : 'none');
  const idempotencyKey = declared.idempotencyKey ?? m === 'post';
  const etag = declared.etag ?? ((m === 'get' && endsWithParam(route.path)) || (m !== 'delete' && ifMatch !== 'none'));
  return { ifMatch, idempotencyKey, etag };
}

function definedOnly(route: RouteConventions): RouteConventions {
  const out: RouteConventions = {};
  for (const k of CONVENTION_KEYS) if (route[k] !== undefined) (out as Record<string, unknown>)[k] = route[k];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Components

const ref = (kind: 'parameters' | 'headers' | 'responses', name: string) => ({ $ref: `#/components/${kind}/${name}` });

const PARAMETERS = {
  IfMatch: {
    name: 'If-Match',
    in: 'header',
    required: true,
    description:
      'The version of the row you last read, quoted as its ETag gave it. Missing: 428; malformed: 412; stale: 409 with the row as it is now in `current`.',
    schema: { type: 'string', example: '"3"' },
  },
  IfMatchToReplace: {
    name: 'If-Match',
    in: 'header',
    required: false,
    description:
      'Creating needs none. Replacing a row that exists needs the version you last read, quoted as its ETag gave it (428 without it, 409 with `current` when stale); on a row that does not exist it is 404.',
    schema: { type: 'string', example: '"3"' },
  },
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Any 1–200 visible ASCII characters chosen by the client. A retry with the same key and the same request gets the first answer back (with Idempotent-Replayed: true) and never applies the change twice; the same key with another request is 422.',
    schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$', example: 'release-H-3f9a2c71d0-2026-03-02' },
  },
} as const;

const HEADERS = {
  ETag: {
    description: 'The version of the row answered, quoted: send it back as If-Match to change the row.',
    schema: { type: 'string', example: '"3"' },
  },
  IdempotentReplayed: {
    description: '`true` when this is the stored answer to an earlier request with the same Idempotency-Key.',
    schema: { type: 'string', enum: ['true'] },
  },
} as const satisfies Record<
  string,
  { description: string; schema: { type: 'string'; example?: string; enum?: string[] } }
>;

const installed = new WeakSet<object>();

/**
 * Once per app: the components operations reference (parameters, headers, error responses and the
 * Error schema) and the document's `servers` (the paths carry `/api/v1`, so the server is the
 * origin the document was read from: `/`).
 */
export function installConventions(app: OpenAPIHono<AppEnv>): void {
  if (installed.has(app)) return;
  installed.add(app);
  const registry = app.openAPIRegistry;
  registry.register('Error', ErrorSchema);
  for (const [name, p] of Object.entries(PARAMETERS)) registry.registerComponent('parameters', name, p);
  for (const [name, h] of Object.entries(HEADERS)) registry.registerComponent('headers', name, h as never);
  for (const { name, description } of Object.values(ERROR_RESPONSE_COMPONENTS)) {
    registry.registerComponent('responses', name, {
      description,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    });
  }
  const generate = app.getOpenAPI31Document;
  app.getOpenAPI31Document = (config, generator) => {
    const { openapi, info, servers, ...rest } = generate(config, generator);
    optionalDefaults(rest);
    return {
      openapi,
      info,
      servers: servers?.length ? servers : [{ url: '/', description: 'this server (every path starts with /api/v1)' }],
      ...rest,
    };
  };
}

/**
 * A property with a default (`.default(…)` in its zod schema) may be left out of a request: the
 * generator lists it as required all the same (zod's output always has it), which would make
 * clients generated from the document send what the server does not need. It is taken out of
 * `required` wherever it occurs.
 */
function optionalDefaults(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) optionalDefaults(item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as { properties?: Record<string, { default?: unknown }>; required?: string[] };
  if (o.properties && Array.isArray(o.required)) {
    const required = o.required.filter((name) => o.properties![name]?.default === undefined);
    if (required.length) o.required = required;
    else delete o.required;
  }
  for (const value of Object.values(node)) optionalDefaults(value);
}

// ---------------------------------------------------------------------------------------------
// Error answers per operation

type Status = keyof typeof ERROR_RESPONSE_COMPONENTS;

/**
 * The error answers an operation can give, from its shape (SPEC §4 "Errors"):
 * - 400 and 401 everywhere (every route validates its input and refuses `%00` in the URL; every
 *   registered route needs a token);
 * - 403 where the guard admits fewer than every role;
 * - 404 where the path names a row;
 * - 409, 412 and 428 where If-Match applies;
 * - 413 where there is a body (every body has a size limit, server/app.ts);
 * - 422 on every write (business rules, a reused Idempotency-Key), and on a read whose query
 *   carries dates (date arithmetic past the calendar is a 422, server/app.ts).
 */
function errorsOf(
  route: RouteConfig & { optionalBody?: unknown },
  roles: readonly Role[],
  conventions: Required<RouteConventions>,
): Status[] {
  const statuses: Status[] = [400, 401];
  if (roles.length < ROLES.length) statuses.push(403);
  if (hasPathParam(route.path)) statuses.push(404);
  if (conventions.ifMatch !== 'none') statuses.push(409, 412);
  if (route.request?.body || route.optionalBody) statuses.push(413);
  if (route.method !== 'get' || queryHasDates(route)) statuses.push(422);
  if (conventions.ifMatch !== 'none') statuses.push(428);
  return statuses;
}

function queryHasDates(route: RouteConfig): boolean {
  const query = route.request?.query;
  return query instanceof z.ZodObject && Object.keys(query.shape).some((k) => /date|asOf/i.test(k));
}

// ---------------------------------------------------------------------------------------------
// The operation as documented

/** The collection a path segment names, and the kind of id under it (`/sales-orders/{id}` → salesOrder). */
const ID_KIND_OF_COLLECTION: Readonly<Record<string, IdKind>> = {
  customers: 'customer',
  'sales-orders': 'salesOrder',
  transactions: 'transaction',
  payments: 'transaction',
  users: 'user',
  'payment-terms': 'paymentTerms',
  'cash-discounts': 'cashDiscount',
  'credit-management-groups': 'creditManagementGroup',
  'account-statuses': 'accountStatus',
  'reason-codes': 'reasonCode',
  'blocking-rules': 'blockingRule',
  'credit-groups': 'creditGroup',
  insurances: 'insurance',
  holds: 'hold',
  'risk-groups': 'riskGroup',
  'scoring-rules': 'scoringRule',
  'automatic-limit-setups': 'automaticLimitSetup',
  'adjustment-journals': 'journal',
  'aging-definitions': 'agingDefinition',
  pools: 'pool',
  agents: 'agent',
  'case-categories': 'caseCategory',
  activities: 'activity',
  cases: 'case',
  'interest-codes': 'interestCode',
  'bank-accounts': 'bankAccount',
  'write-off-accounts': 'writeOffAccount',
  'interest-notes': 'interestNote',
  fees: 'fee',
  'write-offs': 'writeOff',
};

/** The route's path parameters, each with an example id of the collection before it. */
function withParamExamples(route: RouteConfig): RouteConfig {
  const params = route.request?.params;
  if (!(params instanceof z.ZodObject)) return route;
  const segments = route.path.split('/');
  const shape: Record<string, z.ZodType> = {};
  for (const [name, schema] of Object.entries(params.shape as Record<string, z.ZodType>)) {
    const at = segments.indexOf(`{${name}}`);
    const kind = at > 0 ? ID_KIND_OF_COLLECTION[segments[at - 1]!.replace(/:.*$/, '')] : undefined;
    if (kind) shape[name] = schema.openapi({ example: ID_EXAMPLES[kind] });
  }
  return Object.keys(shape).length ? { ...route, request: { ...route.request, params: params.extend(shape) } } : route;
}

type Responses = RouteConfig['responses'];

/**
 * The route with its conventions in OpenAPI terms: the header parameters, ETag and
 * Idempotent-Replayed on its success answers, the error answers it can give (the shared
 * `errorResponses` a route spreads are replaced by references to the components; an error answer
 * a route describes itself is kept), its operationId and path parameter examples.
 */
export function documentRoute<R extends RouteConfig>(
  app: OpenAPIHono<AppEnv>,
  route: R & DeclaredConventions,
  roles: readonly Role[],
  shared: Responses,
  operationId: string,
): R {
  const conventions = conventionsOf(route);
  const stripped = { ...route } as Record<string, unknown>;
  for (const k of [...CONVENTION_KEYS, 'optionalBody']) delete stripped[k];
  const parameters: unknown[] = [...((route as { parameters?: unknown[] }).parameters ?? [])];
  if (conventions.ifMatch !== 'none')
    parameters.push(ref('parameters', conventions.ifMatch === 'required' ? 'IfMatch' : 'IfMatchToReplace'));
  if (conventions.idempotencyKey) parameters.push(ref('parameters', 'IdempotencyKey'));

  const sharedValues = new Set(Object.values(shared));
  const responses: Responses = {};
  for (const [status, response] of Object.entries(route.responses)) {
    if (sharedValues.has(response)) continue;
    const success = /^2/.test(status) && !('$ref' in response);
    const headers: Record<string, unknown> = {};
    if (success && conventions.etag) headers.ETag = ref('headers', 'ETag');
    if (success && conventions.idempotencyKey) headers['Idempotent-Replayed'] = ref('headers', 'IdempotentReplayed');
    responses[status] = Object.keys(headers).length
      ? ({ ...response, headers: { ...headers, ...((response as { headers?: object }).headers ?? {}) } } as never)
      : response;
  }
  for (const status of errorsOf(route, roles, conventions))
    responses[status] ??= ref('responses', ERROR_RESPONSE_COMPONENTS[status].name) as never;

  if (route.optionalBody) {
    if (route.request?.body)
      throw new Error(`${route.method.toUpperCase()} ${route.path}: give either request.body or optionalBody`);
    const name = `${operationId.charAt(0).toUpperCase()}${operationId.slice(1)}Body`;
    app.openAPIRegistry.register(name, route.optionalBody);
    stripped.requestBody = {
      required: false,
      content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } },
    };
  }
  const documented = withParamExamples({ ...(stripped as RouteConfig), responses });
  return {
    ...documented,
    operationId: (route as { operationId?: string }).operationId ?? operationId,
    ...(parameters.length ? { parameters } : {}),
  } as unknown as R;
}

// ---------------------------------------------------------------------------------------------
// operationId

/** Last path words that name what a POST does to the row before them (`/holds/{id}/release` → releaseHold). */
const VERBS = new Set([
  'approve',
  'calculate',
  'cancel',
  'decline',
  'evaluate',
  'force',
  'generate',
  'post',
  'refresh',
  'reinstate',
  'reject',
  'release',
  'reverse',
  'set',
  'submit',
  'update',
  'validate',
  'waive',
]);
const SINGULAR_AS_IS = new Set(['terms', 'status', 'analysis']);

function singular(word: string): string {
  if (SINGULAR_AS_IS.has(word)) return word;
  if (/ies$/.test(word)) return word.replace(/ies$/, 'y');
  if (/(ss|us|x|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (/[^s]s$/.test(word)) return word.slice(0, -1);
  return word;
}

const wordsOf = (segment: string) =>
  segment
    .split(/[-_.]/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
const capital = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
const camel = (words: string[]) => words.map((w, i) => (i === 0 ? w : capital(w))).join('');

/**
 * A stable, readable operationId from method and path (the `/api/v1` prefix left out): a noun of
 * the path is singular where a parameter follows it.
 * - `GET /customers/{id}` getCustomer, `PUT` putCustomer, `DELETE /users/{id}/tokens` deleteUserTokens;
 * - `GET /customers` listCustomers when the answer is a page of `items`, else `GET /aging` getAging;
 * - `POST /holds/{id}/release` releaseHold, `POST /customers/{id}/aging-snapshot:refresh` refreshCustomerAgingSnapshot,
 *   `POST /holds:release-batch` releaseHoldsBatch (a verb leads);
 * - `POST /customers:batch` postCustomersBatch, `POST /users` postUsers (no verb: the method leads).
 */
export function operationIdOf(route: RouteConfig): string {
  const segments = route.path
    .replace(/^\/api\/v\d+/, '')
    .split('/')
    .filter(Boolean);
  const last = segments[segments.length - 1] ?? '';
  const [lastBase, action] =
    last.includes(':') && !last.startsWith('{')
      ? [last.slice(0, last.indexOf(':')), last.slice(last.indexOf(':') + 1)]
      : [last, undefined];
  const parts = [...segments.slice(0, -1), lastBase];
  const isParam = (s: string) => s.startsWith('{');
  const nouns: string[] = [];
  parts.forEach((s, i) => {
    if (isParam(s)) return;
    const words = wordsOf(s);
    const followedByParam = i + 1 < parts.length && isParam(parts[i + 1]!);
    if (followedByParam) words[words.length - 1] = singular(words[words.length - 1]!);
    nouns.push(...words);
  });
  const method = route.method;
  if (action) {
    const actionWords = wordsOf(action);
    return VERBS.has(actionWords[0]!)
      ? camel([actionWords[0]!, ...nouns, ...actionWords.slice(1)])
      : camel([method, ...nouns, ...actionWords]);
  }
  const lastIsParam = isParam(lastBase);
  const lastWords = wordsOf(lastBase);
  if (
    method === 'post' &&
    !lastIsParam &&
    parts.length > 1 &&
    isParam(parts[parts.length - 2]!) &&
    VERBS.has(lastWords[0]!)
  ) {
    return camel([...lastWords, ...nouns.slice(0, nouns.length - lastWords.length)]);
  }
  if (method === 'get' && !lastIsParam) return camel([answersPage(route) ? 'list' : 'get', ...nouns]);
  return camel([method, ...nouns]);
}

function answersPage(route: RouteConfig): boolean {
  const ok = route.responses[200] as { content?: Record<string, { schema?: unknown }> } | undefined;
  const schema = ok?.content?.['application/json']?.schema;
  return schema instanceof z.ZodObject && 'items' in schema.shape;
}

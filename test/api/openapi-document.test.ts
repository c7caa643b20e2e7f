// The OpenAPI document's conventions, computed where routes are registered
// (server/http/openapi-conventions.ts): an operationId on every operation, a server, If-Match,
// Idempotency-Key and ETag as shared components referenced where they apply, and per operation
// only the error answers it can give.
import { beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../server/db/transaction';
import { ID_EXAMPLES } from '../../server/http/schemas';
import { openApiDocument } from '../support/role-matrix';

type Doc = Record<string, any>;
interface Op {
  method: string;
  path: string;
  op: Doc;
}

let doc: Doc;
let ops: Op[];
const find = (method: string, path: string) => {
  const o = ops.find((x) => x.method === method && x.path === `/api/v1${path}`);
  if (!o) throw new Error(`no ${method} ${path} in the document`);
  return o.op;
};
const refs = (op: Doc) => (op.parameters ?? []).map((p: Doc) => p.$ref ?? `${p.in}:${p.name}`);
const errors = (op: Doc) => Object.keys(op.responses).filter((s) => /^4/.test(s));

beforeAll(async () => {
  doc = (await openApiDocument()) as unknown as Doc;
  ops = Object.entries(doc.paths as Record<string, Record<string, Doc>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ method, path, op })),
  );
});

describe('OpenAPI document', () => {
  it('has a server: the origin it is read from', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('names every operation with a unique camelCase operationId', () => {
    const ids = ops.map((o) => o.op.operationId);
    for (const o of ops) expect(o.op.operationId, `${o.method} ${o.path}`).toMatch(/^[a-z][A-Za-z0-9]*$/);
    const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(dupes).toEqual([]);
    expect(find('get', '/customers/{id}').operationId).toBe('getCustomer');
    expect(find('put', '/customers/{id}').operationId).toBe('putCustomer');
    expect(find('get', '/customers').operationId).toBe('listCustomers');
    expect(find('post', '/customers:batch').operationId).toBe('postCustomersBatch');
    expect(find('post', '/holds/{id}/release').operationId).toBe('releaseHold');
    expect(find('post', '/holds:release-batch').operationId).toBe('releaseHoldsBatch');
    expect(find('delete', '/users/{id}/tokens').operationId).toBe('deleteUserTokens');
  });

  it('references If-Match, Idempotency-Key and ETag as shared components where they apply', () => {
    const c = doc.components;
    expect(c.parameters.IfMatch).toMatchObject({ name: 'If-Match', in: 'header', required: true });
    expect(c.parameters.IfMatchToReplace).toMatchObject({ name: 'If-Match', in: 'header', required: false });
    expect(c.parameters.IdempotencyKey).toMatchObject({ name: 'Idempotency-Key', in: 'header', required: false });
    expect(c.headers.ETag).toBeDefined();
    const IF_MATCH = '#/components/parameters/IfMatch';
    const TO_REPLACE = '#/components/parameters/IfMatchToReplace';
    const KEY = '#/components/parameters/IdempotencyKey';
    // An upsert: If-Match only to replace; a PATCH, a DELETE and a command on a row: required.
    expect(refs(find('put', '/customers/{id}'))).toContain(TO_REPLACE);
    expect(refs(find('patch', '/customers/{id}/credit-profile'))).toContain(IF_MATCH);
    expect(refs(find('delete', '/payment-terms/{id}'))).toContain(IF_MATCH);
    expect(refs(find('post', '/holds/{id}/release'))).toEqual(expect.arrayContaining([IF_MATCH, KEY]));
    expect(refs(find('post', '/sales-orders/{id}/cancel'))).toContain(IF_MATCH);
    expect(refs(find('put', '/blocking-rules/{id}'))).toContain(IF_MATCH);
    // No If-Match where the handler reads none; no Idempotency-Key on reads sent as POST.
    expect(refs(find('post', '/sales-orders/{id}/post'))).not.toContain(IF_MATCH);
    expect(refs(find('delete', '/users/{id}/tokens'))).not.toContain(IF_MATCH);
    expect(refs(find('post', '/credit-check'))).not.toContain(KEY);
    expect(refs(find('get', '/customers')).filter((r: string) => r.startsWith('#'))).toEqual([]);
    // ETag on the read of one versioned row and on the writes that answer with it.
    expect(find('get', '/customers/{id}').responses[200].headers?.ETag).toEqual({ $ref: '#/components/headers/ETag' });
    expect(find('put', '/customers/{id}').responses[201].headers?.ETag).toBeDefined();
    expect(find('get', '/customers').responses[200].headers?.ETag).toBeUndefined();
    // Every If-Match and every Idempotency-Key is a reference, never an inline copy.
    for (const o of ops)
      for (const p of o.op.parameters ?? [])
        if (!p.$ref) expect(['path', 'query'], `${o.method} ${o.path} ${p.name}`).toContain(p.in);
  });

  it('lists per operation only the error answers it can give', () => {
    for (const o of ops) {
      const where = `${o.method} ${o.path}`;
      const e = errors(o.op);
      const ifMatch = (o.op.parameters ?? []).some((p: Doc) => /IfMatch/.test(p.$ref ?? ''));
      expect(e, where).toEqual(expect.arrayContaining(['400', '401']));
      expect(e.includes('403'), where).toBe((o.op['x-roles'] as string[]).length < ROLES.length);
      expect(e.includes('404'), where).toBe(/\{\w+\}/.test(o.path));
      for (const s of ['409', '412', '428']) expect(e.includes(s), `${where} ${s}`).toBe(ifMatch);
      expect(e.includes('413'), where).toBe(o.op.requestBody !== undefined);
      for (const s of e)
        expect(
          o.op.responses[s].$ref ?? o.op.responses[s].content?.['application/json'],
          `${where} ${s}`,
        ).toBeDefined();
    }
    expect(errors(find('get', '/customers')).sort()).toEqual(['400', '401']);
    expect(errors(find('get', '/customers/{id}')).sort()).toEqual(['400', '401', '404']);
  });

  it('every $ref points at a component that exists', () => {
    const seen = new Set<string>();
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (n === null || typeof n !== 'object') return;
      for (const [k, v] of Object.entries(n)) {
        if (k === '$ref' && typeof v === 'string') seen.add(v);
        else walk(v);
      }
    };
    walk(doc.paths);
    walk(doc.components);
    for (const ref of seen) {
      const [, kind, name] = /^#\/components\/(\w+)\/(.+)$/.exec(ref) ?? [];
      expect(doc.components[kind!]?.[name!], ref).toBeDefined();
    }
  });

  it('describes the body of every POST that reads one (request.body, or optionalBody when it may be left out)', () => {
    // Commands that read no body at all.
    const bodiless = [
      'post /users/{id}/tokens',
      'post /sales-orders/{id}/cancel',
      'post /holds/{id}/approve',
      'post /adjustment-journals/{id}/submit',
      'post /adjustment-journals/{id}/approve',
      'post /adjustment-journals/{id}/lines/{lineNo}/approve',
      'post /adjustment-journals/{id}/lines/{lineNo}/reject',
      'post /write-offs/{id}/post',
    ];
    // Read by hand and described only in prose so far: each needs `optionalBody: <its schema>` in its createRoute config.
    const inProse: string[] = [];
    const without = ops
      .filter((o) => o.method === 'post' && !o.op.requestBody)
      .map((o) => `post ${o.path.replace(/^\/api\/v1/, '')}`);
    expect(without.filter((w) => !bodiless.includes(w) && !inProse.includes(w))).toEqual([]);
  });

  it('gives each path id an example of its own kind', () => {
    const example = (method: string, path: string, name = 'id') =>
      find(method, path).parameters.find((p: Doc) => p.in === 'path' && p.name === name)?.schema?.example;
    expect(example('get', '/customers/{id}')).toBe(ID_EXAMPLES.customer);
    expect(example('get', '/sales-orders/{id}')).toBe(ID_EXAMPLES.salesOrder);
    expect(example('get', '/payment-terms/{id}')).toBe(ID_EXAMPLES.paymentTerms);
    expect(example('get', '/reason-codes/{id}')).toBe(ID_EXAMPLES.reasonCode);
    expect(example('get', '/adjustment-journals/{id}')).toBe(ID_EXAMPLES.journal);
    expect(example('get', '/holds/{id}')).toBe(ID_EXAMPLES.hold);
  });

  /** Every id-like property (`…Id`, `…Ids`) of a request body or a query string, with the example it shows. */
  const requestIds = () => {
    const deref = (n: Doc | undefined): Doc | undefined => {
      let s = n;
      for (let i = 0; s?.$ref && i < 20; i++)
        s = (s.$ref as string)
          .split('/')
          .slice(1)
          .reduce((o: Doc, k) => o[k], doc);
      return s;
    };
    // An array of ids shows its example on the array or on its items; a nullable id in its anyOf.
    const exampleOf = (n: Doc | undefined): unknown => {
      const s = deref(n);
      if (!s) return undefined;
      if (s.example !== undefined) return Array.isArray(s.example) ? s.example[0] : s.example;
      for (const x of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) {
        const e = exampleOf(x);
        if (e !== undefined) return e;
      }
      return s.items ? exampleOf(s.items) : undefined;
    };
    const found: { where: string; name: string; example: unknown }[] = [];
    const walk = (n: Doc | undefined, where: string, seen: Set<Doc>): void => {
      const s = deref(n);
      if (!s || typeof s !== 'object' || seen.has(s)) return;
      seen.add(s);
      for (const [name, v] of Object.entries((s.properties ?? {}) as Record<string, Doc>)) {
        if (/Ids?$/.test(name)) found.push({ where, name, example: exampleOf(v) });
        walk(v, `${where}.${name}`, seen);
      }
      for (const x of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) walk(x, where, seen);
      walk(s.items, `${where}[]`, seen);
      if (typeof s.additionalProperties === 'object') walk(s.additionalProperties, `${where}{}`, seen);
    };
    for (const o of ops) {
      const where = `${o.method} ${o.path.replace(/^\/api\/v1/, '')}`;
      for (const p of (o.op.parameters ?? []) as Doc[]) {
        const param = deref(p)!;
        if (param.in === 'query' && /Ids?$/.test(param.name))
          found.push({ where: `${where} ?`, name: param.name, example: exampleOf(param.schema) });
      }
      for (const c of Object.values((deref(o.op.requestBody)?.content ?? {}) as Record<string, Doc>))
        walk(c.schema, `${where} body`, new Set());
    }
    return found;
  };

  it('gives every id in a request body or a query string an example', () => {
    const ids = requestIds();
    expect(ids.length).toBeGreaterThan(50);
    // Money routes (server/collections/money/), being reworked separately: their ids come next.
    const missing = ids.filter((i) => i.example === undefined).map((i) => `${i.where} ${i.name}`);
    expect(missing).toEqual([]);
  });

  it('shows each id of a request the example of its own kind', () => {
    // Each kind has its own example, so an id of one kind never shows another kind's id.
    const examples = Object.values(ID_EXAMPLES);
    expect(examples.filter((e, i) => examples.indexOf(e) !== i)).toEqual([]);
    const KIND_OF: Record<string, keyof typeof ID_EXAMPLES> = {
      customerId: 'customer',
      customerIds: 'customer',
      paymentTermsId: 'paymentTerms',
      cashDiscountId: 'cashDiscount',
      accountStatusId: 'accountStatus',
      creditManagementGroupId: 'creditManagementGroup',
      riskGroupId: 'riskGroup',
      scoringRuleId: 'scoringRule',
      creditGroupId: 'creditGroup',
      creditGroupIds: 'creditGroup',
      statusReasonId: 'reasonCode',
      holdIds: 'hold',
      excludeOrderId: 'salesOrder',
      definitionId: 'agingDefinition',
      poolId: 'pool',
      poolIds: 'pool',
      defaultPoolId: 'pool',
      caseId: 'case',
      transactionIds: 'transaction',
      responsibleUserId: 'user',
      ownerUserId: 'user',
    };
    const ids = requestIds();
    const wrong = ids
      .filter((i) => KIND_OF[i.name] && i.example !== undefined && i.example !== ID_EXAMPLES[KIND_OF[i.name]!])
      .map((i) => `${i.where} ${i.name}: ${String(i.example)}`);
    expect(wrong).toEqual([]);
    const at = (where: string, name: string) => ids.find((i) => i.where === where && i.name === name)?.example;
    expect(at('put /customers/{id} body', 'paymentTermsId')).toBe(ID_EXAMPLES.paymentTerms);
    expect(at('put /customers/{id} body', 'paymentTermsId')).not.toBe(ID_EXAMPLES.customer);
    expect(at('post /credit-check body', 'customerId')).toBe(ID_EXAMPLES.customer);
    expect(at('post /credit-check body', 'excludeOrderId')).toBe(ID_EXAMPLES.salesOrder);
    expect(at('post /credit-context:batch body', 'creditGroupIds')).toBe(ID_EXAMPLES.creditGroup);
    expect(at('get /activities ?', 'customerId')).toBe(ID_EXAMPLES.customer);
    expect(at('get /aging ?', 'definitionId')).toBe(ID_EXAMPLES.agingDefinition);
    expect(at('get /aging ?', 'poolId')).toBe(ID_EXAMPLES.pool);
    expect(at('post /customers/{id}/insurances body', 'typeId')).toBe(ID_EXAMPLES.insuranceType);
  });

  it('leaves a property with a default out of `required` (a request may omit it)', () => {
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (n === null || typeof n !== 'object') return;
      const o = n as Doc;
      if (o.properties && Array.isArray(o.required))
        for (const r of o.required) expect(o.properties[r]?.default, r).toBeUndefined();
      Object.values(o).forEach(walk);
    };
    walk(doc);
  });
});

import { randomBytes } from 'node:crypto';
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Kysely, Selectable } from 'kysely';
import type { Database, InsurancesTable } from '../../db/schema';
import type { AppEnv } from '../../http/env';
import type { Tx } from '../../db/transaction';
import { guard, CAN } from '../../http/auth';
import { command } from '../../http/command';
import { notFound, ruleViolation } from '../../http/errors';
import { errorResponses, jsonBody, jsonResponse, register } from '../../http/openapi';
import { Currency, DateIn, DateOut, Id, MoneyOut, PositiveMoneyIn, ShortText, SinceQuery, Timestamp } from '../../http/schemas';
import { decodeCursor, page, pageQuery } from '../../http/paging';
import { assertVersion, etag, requireIfMatch } from '../../http/versioning';
import { formatMoney, formatRate } from '../../../shared/money';
import { insuranceContribution } from '../../../shared/credit/limits';
import type { Insurance } from '../../../shared/credit/types';
import { toBigInt } from '../../db/values';
import { RateIn } from '../blocking-rules/blocking-rules.schema';

/**
 * Insurance policies and guarantees of one customer (credit.md §1.4). While a policy is active
 * (effectiveDate ≤ asOf ≤ expirationDate) `value × updateCreditLimitPct / 100` is added to the
 * customer's limit; with `includedInExposure` the full value is taken off again.
 */
export const INSURANCE = 'insurance';
type Row = Selectable<InsurancesTable>;

/** 100 % as a Rate (4 implied decimals). */
const HUNDRED_PERCENT = 1_000_000n;

export const InsuranceInput = z
  .strictObject({
    identifier: z.enum(['insurance', 'guarantee']),
    typeId: Id.nullish().openapi({ description: 'the guarantee/insurance type: insurer, broker or guarantor' }),
    coverageTypeId: Id.nullish().openapi({ description: 'insurance only; not allowed on a guarantee' }),
    identification: ShortText.nullish().openapi({ description: 'policy number' }),
    value: PositiveMoneyIn.openapi({ type: 'string', example: '50000.00', description: 'full value of the policy, greater than zero' }),
    currency: Currency.nullish().openapi({ description: "defaults to the customer's currency" }),
    updateCreditLimitPct: RateIn.refine((r) => r <= HUNDRED_PERCENT, 'must be between 0 and 100').openapi({ type: 'string', example: '50', description: 'percentage of the value added to the credit limit, 0–100 with up to 4 decimals' }),
    effectiveDate: DateIn,
    expirationDate: DateIn.openapi({ description: 'inclusive; on or after effectiveDate' }),
    includedInExposure: z.boolean().default(false).openapi({ description: 'when true the full policy value is taken off the limit again (reduces the limit by the full policy value)' }),
  })
  .superRefine((v, ctx) => {
    if (v.identifier === 'guarantee' && v.coverageTypeId != null) ctx.addIssue({ code: 'custom', path: ['coverageTypeId'], message: 'a guarantee has no coverage type (insurance only)' });
  })
  .openapi('InsuranceInput');
export type InsuranceInput = z.output<typeof InsuranceInput>;

export const InsuranceSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    identifier: z.enum(['insurance', 'guarantee']),
    typeId: z.string().nullable(),
    coverageTypeId: z.string().nullable(),
    identification: z.string().nullable(),
    value: MoneyOut,
    currency: z.string(),
    updateCreditLimitPct: z.string().openapi({ example: '50' }),
    effectiveDate: DateOut,
    expirationDate: DateOut,
    includedInExposure: z.boolean(),
    creditLimitContribution: MoneyOut.openapi({ description: 'what the policy adds to the limit while it is active (negative when included in exposure)' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: z.number().int(),
  })
  .openapi('Insurance');
export type InsuranceJson = z.infer<typeof InsuranceSchema>;

const CustomerParam = z.object({ id: Id.openapi({ param: { name: 'id', in: 'path' } }) });
const InsuranceParams = z.object({ id: Id.openapi({ param: { name: 'id', in: 'path' } }), insuranceId: Id.openapi({ param: { name: 'insuranceId', in: 'path' } }) });

/** The row as the pure credit engine takes it. */
export function insuranceRowToInsurance(r: Pick<Row, 'identifier' | 'value' | 'update_credit_limit_pct' | 'effective_date' | 'expiration_date' | 'included_in_exposure'>): Insurance {
  return {
    identifier: r.identifier as Insurance['identifier'],
    value: toBigInt(r.value),
    updateCreditLimitPct: toBigInt(r.update_credit_limit_pct),
    effectiveDate: r.effective_date,
    expirationDate: r.expiration_date,
    includedInExposure: r.included_in_exposure === 1,
  };
}

export function insuranceRowToJson(r: Row): InsuranceJson {
  const p = insuranceRowToInsurance(r);
  return {
    id: r.id,
    customerId: r.customer_id,
    identifier: p.identifier,
    typeId: r.type_id,
    coverageTypeId: r.coverage_type_id,
    identification: r.identification,
    value: formatMoney(p.value),
    currency: r.currency,
    updateCreditLimitPct: formatRate(p.updateCreditLimitPct),
    effectiveDate: r.effective_date,
    expirationDate: r.expiration_date,
    includedInExposure: p.includedInExposure,
    creditLimitContribution: formatMoney(insuranceContribution(p)),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

async function customerCurrency(db: Kysely<Database>, customerId: string): Promise<string> {
  const c = await db.selectFrom('customers').select('currency').where('id', '=', customerId).executeTakeFirst();
  if (!c) throw notFound('customer', customerId);
  return c.currency;
}

/** Business rules a schema cannot express (valid shape, refused): the window must not end before it starts. */
function insuranceColumns(input: InsuranceInput, defaultCurrency: string) {
  if (input.effectiveDate > input.expirationDate) {
    throw ruleViolation('the policy expires before it becomes effective', [{ path: 'expirationDate', message: `must be on or after effectiveDate ${input.effectiveDate}` }]);
  }
  return {
    identifier: input.identifier,
    type_id: input.typeId ?? null,
    coverage_type_id: input.identifier === 'insurance' ? (input.coverageTypeId ?? null) : null,
    identification: input.identification ?? null,
    value: input.value,
    currency: input.currency ?? defaultCurrency,
    update_credit_limit_pct: input.updateCreditLimitPct,
    effective_date: input.effectiveDate,
    expiration_date: input.expirationDate,
    included_in_exposure: input.includedInExposure ? 1 : 0,
  };
}

export async function createInsurance(tx: Tx, customerId: string, input: InsuranceInput): Promise<InsuranceJson> {
  const currency = await customerCurrency(tx.db, customerId);
  const columns = insuranceColumns(input, currency);
  const row: Row = { id: `INS-${randomBytes(5).toString('hex')}`, customer_id: customerId, ...columns, created_at: tx.now, updated_at: tx.now, version: 1 };
  await tx.db.insertInto('insurances').values(row).execute();
  const json = insuranceRowToJson(row);
  tx.changed(INSURANCE, row.id, 'create', 1, { action: 'insurance.create', after: json });
  return json;
}

/** The policy of this customer, locked on PostgreSQL; a policy of another customer is not found. */
async function lockInsurance(tx: Tx, customerId: string, id: string): Promise<Row> {
  const q = tx.db.selectFrom('insurances').selectAll().where('id', '=', id).where('customer_id', '=', customerId);
  const row = await (tx.dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
  if (!row) {
    await customerCurrency(tx.db, customerId); // 404 naming the customer when that is what is missing
    throw notFound('insurance', id);
  }
  return row;
}

export async function replaceInsurance(tx: Tx, customerId: string, id: string, input: InsuranceInput, ifMatch: number): Promise<InsuranceJson> {
  const existing = await lockInsurance(tx, customerId, id);
  const before = insuranceRowToJson(existing);
  assertVersion(ifMatch, existing, before);
  const columns = insuranceColumns(input, await customerCurrency(tx.db, customerId));
  const row: Row = { ...existing, ...columns, updated_at: tx.now, version: existing.version + 1 };
  await tx.db.updateTable('insurances').set(row).where('id', '=', id).execute();
  const json = insuranceRowToJson(row);
  tx.changed(INSURANCE, id, 'update', row.version, { action: 'insurance.update', before, after: json });
  return json;
}

export async function deleteInsurance(tx: Tx, customerId: string, id: string, ifMatch: number): Promise<InsuranceJson> {
  const existing = await lockInsurance(tx, customerId, id);
  const before = insuranceRowToJson(existing);
  assertVersion(ifMatch, existing, before);
  await tx.db.deleteFrom('insurances').where('id', '=', id).execute();
  tx.changed(INSURANCE, id, 'delete', existing.version + 1, { action: 'insurance.delete', before, after: null });
  return { ...before, version: existing.version + 1 };
}

export async function getInsurance(db: Kysely<Database>, customerId: string, id: string): Promise<InsuranceJson> {
  const row = await db.selectFrom('insurances').selectAll().where('id', '=', id).where('customer_id', '=', customerId).executeTakeFirst();
  if (!row) {
    await customerCurrency(db, customerId);
    throw notFound('insurance', id);
  }
  return insuranceRowToJson(row);
}

export async function listInsurances(db: Kysely<Database>, customerId: string, q: { limit: number; after?: string; since?: number }): Promise<Row[]> {
  await customerCurrency(db, customerId);
  let query = db.selectFrom('insurances').selectAll().where('customer_id', '=', customerId).orderBy('id').limit(q.limit + 1);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  if (q.since !== undefined) {
    const since = q.since;
    query = query.where('id', 'in', (eb) => eb.selectFrom('changes').select('entity_id').where('entity', '=', INSURANCE).where('seq', '>', since));
  }
  return query.execute();
}

export function insuranceRoutes(app: OpenAPIHono<AppEnv>): void {
  const tags = ['Credit setup'];
  const base = '/api/v1/customers/{id}/insurances';
  register(
    app,
    createRoute({
      method: 'get',
      path: base,
      tags,
      summary: "List a customer's insurance policies and guarantees",
      request: { params: CustomerParam, query: z.object({ ...pageQuery, since: SinceQuery }) },
      responses: { 200: jsonResponse(z.object({ items: z.array(InsuranceSchema), nextCursor: z.string().nullable() })), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await listInsurances(c.var.deps.handle.read, c.req.valid('param').id, { limit: q.limit, after: decodeCursor(q.cursor), since: q.since });
      const { items, nextCursor } = page(rows, q.limit, (r) => r.id);
      return c.json({ items: items.map(insuranceRowToJson), nextCursor });
    },
  );
  register(app, createRoute({ method: 'get', path: `${base}/{insuranceId}`, tags, summary: 'One insurance policy or guarantee', request: { params: InsuranceParams }, responses: { 200: jsonResponse(InsuranceSchema), ...errorResponses } }), async (c) => {
    const { id, insuranceId } = c.req.valid('param');
    const json = await getInsurance(c.var.deps.handle.read, id, insuranceId);
    c.header('ETag', etag(json.version));
    return c.json(json);
  });
  register(
    app,
    createRoute({ middleware: [guard(CAN.setup, 'change insurances and guarantees')], method: 'post', path: base, tags, summary: 'Add an insurance policy or guarantee to a customer', request: { params: CustomerParam, body: jsonBody(InsuranceInput) }, responses: { 201: jsonResponse(InsuranceSchema, 'created'), ...errorResponses } }),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      return command(c, async (tx) => {
        const json = await createInsurance(tx, id, input);
        return { status: 201, body: json, version: json.version };
      });
    },
  );
  register(
    app,
    createRoute({ middleware: [guard(CAN.setup, 'change insurances and guarantees')], method: 'put', path: `${base}/{insuranceId}`, tags, summary: 'Replace an insurance policy or guarantee (If-Match required)', request: { params: InsuranceParams, body: jsonBody(InsuranceInput) }, responses: { 200: jsonResponse(InsuranceSchema), ...errorResponses } }),
    async (c) => {
      const { id, insuranceId } = c.req.valid('param');
      const input = c.req.valid('json');
      const ifMatch = requireIfMatch(c);
      return command(c, async (tx) => {
        const json = await replaceInsurance(tx, id, insuranceId, input, ifMatch);
        return { body: json, version: json.version };
      });
    },
  );
  register(
    app,
    createRoute({ middleware: [guard(CAN.setup, 'change insurances and guarantees')], method: 'delete', path: `${base}/{insuranceId}`, tags, summary: 'Delete an insurance policy or guarantee (If-Match required)', request: { params: InsuranceParams }, responses: { 200: jsonResponse(InsuranceSchema), ...errorResponses } }),
    async (c) => {
      const { id, insuranceId } = c.req.valid('param');
      const ifMatch = requireIfMatch(c);
      return command(c, async (tx) => ({ body: await deleteInsurance(tx, id, insuranceId, ifMatch) }));
    },
  );
}

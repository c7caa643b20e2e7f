import { z } from '@hono/zod-openapi';
import { tryParseMoney } from '../../shared/money';
import { dateProblem, EARLIEST_DATE, LATEST_DATE } from '../../shared/dates';
import { MoneyJson } from '../../shared/api/credit';
import { ID_PATTERN, ID_RULE } from '../../shared/ids';

/**
 * Ids of every entity: short, URL-safe, no spaces (SPEC §8). "." and ".." are refused: a URL
 * path cannot address them (clients and servers resolve them as dot segments, so
 * `/customers/..` is `/`), so a row with such an id could never be read, changed or deleted.
 */
export const Id = z.string().regex(ID_PATTERN, ID_RULE);

/**
 * An example id of each kind of entity, as the API hands them out (`H-…`, `CLJ-…`, `u_…`: see the
 * services' id generators) or as an ERP or a credit manager would key them in. The OpenAPI document
 * shows these, so an id field of one kind never shows another kind's id.
 */
export const ID_EXAMPLES = {
  customer: 'C1001',
  salesOrder: 'SO-10045',
  transaction: 'INV-10023',
  payment: 'PAY-10077',
  user: 'u_3f9a2c71d0e4b5a6',
  paymentTerms: 'Net30',
  cashDiscount: '2P10',
  creditManagementGroup: 'KEY',
  customerGroup: 'EXPORT',
  contact: 'CP-000123',
  accountStatus: 'STOP',
  reasonCode: 'PAID',
  blockingRule: 'BR-3f9a2c71d0',
  creditGroup: 'NORDICS',
  insurance: 'INS-3f9a2c71d0',
  insuranceType: 'INSURER',
  coverageType: 'WHOLE-TURNOVER',
  hold: 'H-3f9a2c71d0',
  riskGroup: 'STD',
  scoringRule: 'GROWTH',
  automaticLimitSetup: 'AUTO-STD',
  journal: 'CLJ-3f9a2c71d0',
  agingDefinition: 'AGE30',
  pool: 'EAST',
  agent: 'JDOE',
  caseCategory: 'DISPUTE',
  activity: 'ACT-3f9a2c71d0',
  case: 'CASE-3f9a2c71d0',
  interestCode: 'INT8',
  bankAccount: 'BANK-EUR',
  writeOffAccount: 'WRITEOFF',
  interestNote: 'IN-3f9a2c71d0',
  interestLine: 'IN-3f9a2c71d0-L1',
  salesTaxAccount: 'SALESTAX',
  chargeCode: 'LATE',
  fee: 'FEE-3f9a2c71d0',
  writeOff: 'WO-3f9a2c71d0',
  upload: 'UPL-3f9a2c71d0',
} as const;
export type IdKind = keyof typeof ID_EXAMPLES;

/** An {@link Id} of one kind of entity: the same rules, documented with an example of that kind. */
export const idOf = (kind: IdKind) => Id.openapi({ example: ID_EXAMPLES[kind] });

/**
 * `{id}` in a path. Its example is that of the path's collection, filled in where the route is
 * registered (server/http/openapi-conventions.ts, `ID_KIND_OF_COLLECTION`).
 */
export const IdParam = z.object({ id: Id.openapi({ param: { name: 'id', in: 'path' } }) });

export const Name = z.string().trim().min(1).max(200);
export const ShortText = z.string().max(200);
export const LongText = z.string().max(4000);
export const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO currency code, e.g. "USD"')
  .openapi({ example: 'USD' });

/** Money in a request: "1234.50" or 1234.5; parsed to integer minor units (bigint). */
export const MoneyIn = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    const r = tryParseMoney(v);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.message });
      return z.NEVER;
    }
    return r.value;
  })
  .openapi({ type: 'string', example: '1234.50', description: 'decimal string or number with at most 2 decimals' });

export const NonNegativeMoneyIn = MoneyIn.refine((m) => m >= 0n, 'must not be negative');
export const PositiveMoneyIn = MoneyIn.refine((m) => m > 0n, 'must be greater than zero');

/** Money as the API writes it: the one schema, shared with the add-in's wire types (shared/api/credit.ts). */
export const MoneyOut = MoneyJson;

/**
 * Every date a request carries (bodies, query strings, path segments): an existing date written
 * YYYY-MM-DD between 1900-01-01 and 2199-12-31 (shared/dates.ts `dateProblem`, the one definition
 * the upload cells and the add-in use too). Outside that range is a 400 naming the field: such a
 * date is a typo, and stored it would break date arithmetic for later requests.
 */
export const DateIn = z
  .string()
  .superRefine((s, ctx) => {
    const problem = dateProblem(s);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  })
  .openapi({
    example: '2025-06-30',
    format: 'date',
    description: `a date YYYY-MM-DD between ${EARLIEST_DATE} and ${LATEST_DATE}`,
  });
export const DateOut = z.string().openapi({ format: 'date', example: '2025-06-30' });
export const Timestamp = z.string().openapi({ format: 'date-time' });

export const SinceQuery = z.coerce
  .number()
  .int()
  .min(0)
  .optional()
  .openapi({ description: 'only rows changed after this change-log sequence' });

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })),
    }),
    current: z.unknown().optional(),
  })
  .openapi('Error');

export const BatchItemResult = z
  .object({
    index: z.number().int(),
    id: z.string().optional(),
    status: z.enum(['ok', 'error']),
    errors: z.array(z.object({ path: z.string(), message: z.string() })),
    /** A ledger item re-sent exactly as it stands: nothing was written (the feed is idempotent per item). */
    unchanged: z
      .boolean()
      .optional()
      .openapi({ description: 'true when the item was re-sent exactly as stored: nothing was written' }),
  })
  .openapi('BatchItemResult');

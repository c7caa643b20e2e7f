import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env';
import type { Tx } from '../../db/transaction';
import type { SetupReader, SetupView } from '../../db/setup-cache';
import { ruleViolation } from '../../http/errors';
import { cachedSetupRows, registerSetupKind, setupRowsCached, type SetupJson, type SetupKind } from './setup.resource';
import { refuseWhileUsed, USES } from './in-use';
import { withArticle } from '../../../shared/words';

const Description = z.string().trim().min(1).max(200);

const REASON_KINDS = ['release', 'reject', 'forcedHold', 'writeOff', 'nsf', 'waive'] as const;
export type ReasonKind = (typeof REASON_KINDS)[number];

/** Refuses deleting a row that blocking rules still name. */
export const paymentTerms: SetupKind<z.ZodType<Record<string, unknown>>> = {
  entity: 'paymentTerms',
  path: 'payment-terms',
  noun: 'payment terms',
  tag: 'Credit setup',
  input: z
    .strictObject({
      description: Description,
      days: z.number().int().min(0).max(3650).default(0).openapi({ description: 'days from invoice date to due date' }),
      rank: z
        .number()
        .int()
        .min(0)
        .max(1000)
        .nullable()
        .default(null)
        .openapi({ description: 'relative rank for the "payment terms increased" check; null = unranked' }),
    })
    .openapi('PaymentTermsInput'),
  toData: (i) => i,
  beforeDelete: refuseWhileUsed('payment terms', [
    USES.customers('payment_terms_id'),
    USES.openOrders('payment_terms_id'),
    USES.rules('payment_terms_id'),
  ]),
};

export const cashDiscounts: SetupKind<z.ZodType<Record<string, unknown>>> = {
  entity: 'cashDiscount',
  path: 'cash-discounts',
  noun: 'cash discount',
  tag: 'Credit setup',
  input: z
    .strictObject({
      description: Description,
      rank: z.number().int().min(0).max(1000).nullable().default(null),
    })
    .openapi('CashDiscountInput'),
  toData: (i) => i,
  beforeDelete: refuseWhileUsed('cash discount', [
    USES.customers('cash_discount_id'),
    USES.openOrders('cash_discount_id'),
  ]),
};

export const creditManagementGroups: SetupKind<z.ZodType<Record<string, unknown>>> = {
  entity: 'creditManagementGroup',
  path: 'credit-management-groups',
  noun: 'credit management group',
  tag: 'Credit setup',
  input: z.strictObject({ description: z.string().trim().min(1).max(60) }).openapi('CreditManagementGroupInput'),
  toData: (i) => i,
  // A group customers belong to, or that a group-scoped rule names, stays.
  beforeDelete: refuseWhileUsed('credit management group', [
    USES.customers('credit_management_group_id'),
    USES.rules('account_or_group', ['valid_for', 'group']),
  ]),
};

export const accountStatuses: SetupKind<z.ZodType<Record<string, unknown>>> = {
  entity: 'accountStatus',
  path: 'account-statuses',
  noun: 'account status',
  tag: 'Credit setup',
  input: z
    .strictObject({
      description: Description,
      invoicingAndDeliveryHold: z.enum(['no', 'invoice', 'all']).default('no'),
    })
    .openapi('AccountStatusInput'),
  toData: (i) => i,
  beforeDelete: refuseWhileUsed('account status', [
    USES.customers('account_status_id'),
    USES.rules('account_status_id'),
  ]),
};

/** The parameters that name a reason code, read straight from the stored row (no import cycle with parameters). */
const REASON_PARAMETERS = [
  'autoReleaseReasonCode',
  'modifiedOrderReleaseReasonCode',
  'canceledOrderReasonCode',
  'writeOffReasonCode',
] as const;
async function parametersNaming(tx: Tx, code: string): Promise<string[]> {
  const row = await tx.db.selectFrom('parameters').select('data').where('id', '=', 1).executeTakeFirst();
  const values = row ? (JSON.parse(row.data) as Record<string, unknown>) : {};
  return REASON_PARAMETERS.filter((p) => values[p] === code);
}

export const reasonCodes: SetupKind<z.ZodType<Record<string, unknown>>> = {
  entity: 'reasonCode',
  path: 'reason-codes',
  noun: 'reason code',
  tag: 'Credit setup',
  input: z.strictObject({ kind: z.enum(REASON_KINDS), description: Description }).openapi('ReasonCodeInput'),
  toData: (i) => i,
  // A code the parameters name must keep existing, with its kind.
  validate: async (tx, id, input) => {
    const existing = (await setupRowsCached(tx, 'reasonCode')).get(id);
    if (!existing || existing.kind === input.kind) return;
    const naming = await parametersNaming(tx, id);
    if (naming.length)
      throw ruleViolation(`reason code ${id} is named by the parameter ${naming.join(', ')}; its kind cannot change`, [
        { path: 'kind', message: `stays ${String(existing.kind)} while ${naming.join(', ')} names it` },
      ]);
  },
  beforeDelete: async (tx, id) => {
    const naming = await parametersNaming(tx, id);
    if (naming.length)
      throw ruleViolation(
        `reason code ${id} is named by the parameter ${naming.join(', ')}; change the parameter first`,
      );
    // Holds, write-offs and NSF records keep the code they were decided with.
    await refuseWhileUsed('reason code', [
      USES.customers('status_reason_id'),
      USES.holds('release_reason_code'),
      USES.holds('reject_reason_code'),
      USES.writeOffs(),
      USES.nsfRecords(),
    ])(tx, id);
  },
};

const CREDIT_SETUP_KINDS = [paymentTerms, cashDiscounts, creditManagementGroups, accountStatuses, reasonCodes];

export function creditSetupRoutes(app: OpenAPIHono<AppEnv>): void {
  for (const kind of CREDIT_SETUP_KINDS) registerSetupKind(app, kind);
}

/** A reason code must exist with the right kind (SPEC §5 contract details): 422 otherwise. */
export async function requireReasonCode(
  tx: SetupReader,
  code: string,
  kind: ReasonKind,
  path = 'reasonCode',
): Promise<void> {
  const codes = await setupRowsCached(tx, reasonCodes.entity);
  const row = codes.get(code);
  if (!row || row.kind !== kind) {
    throw ruleViolation(`reason code ${code} is not ${withArticle(kind)} reason`, [
      { path, message: row ? `is ${withArticle(String(row.kind))} reason, not ${kind}` : 'does not exist' },
    ]);
  }
}

/** Ranks by id, for the ranked parameter checks (a row without rank is left out). */
export async function ranksOf(
  tx: SetupReader,
  kind: SetupKind<z.ZodType<Record<string, unknown>>>,
): Promise<Map<string, number>> {
  return cachedRanks(tx.cache, kind) ?? ranksFrom(await setupRowsCached(tx, kind.entity));
}

/** The ranks from the cached rows, without I/O; undefined until the rows have been read since they last changed. */
export function cachedRanks(
  cache: SetupView,
  kind: SetupKind<z.ZodType<Record<string, unknown>>>,
): Map<string, number> | undefined {
  const rows = cachedSetupRows(cache, kind.entity);
  return rows && ranksFrom(rows);
}

/** The ranks of each cached row set: a new set (after a commit changed the kind) gets its ranks anew. */
const ranksOfRows = new WeakMap<Map<string, SetupJson>, Map<string, number>>();

function ranksFrom(rows: Map<string, SetupJson>): Map<string, number> {
  let ranks = ranksOfRows.get(rows);
  if (ranks) return ranks;
  ranks = new Map<string, number>();
  for (const [id, r] of rows) if (typeof r.rank === 'number') ranks.set(id, r.rank);
  ranksOfRows.set(rows, ranks);
  return ranks;
}

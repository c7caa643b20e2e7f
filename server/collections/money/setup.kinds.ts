import { z } from '@hono/zod-openapi';
import type { SetupReader } from '../../db/setup-cache';
import { ruleViolation } from '../../http/errors';
import { Currency, DateIn, Id, idOf, Name, NonNegativeMoneyIn, ShortText } from '../../http/schemas';
import { RateIn } from '../../credit/blocking-rules/blocking-rules.schema';
import { getParameters } from '../../credit/parameters/parameters.service';
import { setupRowsCached, type SetupJson, type SetupKind } from '../../credit/setup/setup.resource';
import { formatMoney, formatRate, parseMoney, parseRate } from '../../../shared/money';
import type { InterestCode, InterestCodeVersion } from '../../../shared/collections/interest';

/**
 * Setup kinds of the collections money operations, PUT-upserted like every setup kind
 * (SPEC §5 contract details): interest codes, bank accounts (NSF fee) and write-off accounts.
 *
 * Interest code decisions:
 * - The body is the SPEC shape (one version: `validFrom` default 1900-01-01) plus optional
 *   `graceDays` (default 0) and `versions`: further date-effective versions with the same fields,
 *   each with its own `validFrom` (collections.md §1.11). Two versions may not share a date.
 * - `every` is required by the interval method (default 1 month otherwise unused);
 *   `rangeBy: "days"` needs `every.unit: "day"`, `"months"` needs `"month"`, both need `interval`.
 * - Range `from` is an amount for ranges by amount, and a whole number of days or months otherwise.
 */

const Every = z.strictObject({ n: z.number().int().min(1).max(3650), unit: z.enum(['day', 'month']) });
const RangeRow = z.strictObject({ from: z.union([z.string(), z.number()]), value: RateIn });

const versionFields = {
  method: z.enum(['daily365', 'monthly30', 'interval']),
  valueType: z.enum(['percentage', 'amount']).default('percentage'),
  rate: RateIn.default(0n).openapi({
    description: 'percentage (yearly for daily365, monthly for monthly30, per interval) or amount, up to 4 decimals',
  }),
  every: Every.nullish(),
  rangeBy: z.enum(['amount', 'days', 'months']).nullish(),
  ranges: z.array(RangeRow).max(50).nullish(),
  minInterest: NonNegativeMoneyIn.nullish(),
  maxInterest: NonNegativeMoneyIn.nullish(),
  feeAmount: NonNegativeMoneyIn.nullish(),
  graceDays: z.number().int().min(0).max(3650).default(0),
};

type VersionIn = {
  method: 'daily365' | 'monthly30' | 'interval';
  valueType: 'percentage' | 'amount';
  rate: bigint;
  every?: { n: number; unit: 'day' | 'month' } | null;
  rangeBy?: 'amount' | 'days' | 'months' | null;
  ranges?: { from: string | number; value: bigint }[] | null;
  minInterest?: bigint | null;
  maxInterest?: bigint | null;
  feeAmount?: bigint | null;
  graceDays: number;
};

/** Cross-field rules of one version, reported under `prefix` (e.g. `versions.1.`). */
function checkVersion(v: VersionIn, ctx: z.RefinementCtx, prefix: (string | number)[]): void {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path: [...prefix, ...path], message });
  if (v.method === 'interval' && !v.every) issue(['every'], 'is required by the interval method');
  if (v.rangeBy && !v.ranges?.length) issue(['ranges'], `at least one row is required with rangeBy ${v.rangeBy}`);
  if (v.ranges?.length && !v.rangeBy) issue(['rangeBy'], 'is required when ranges are given');
  if ((v.rangeBy === 'days' || v.rangeBy === 'months') && v.method !== 'interval')
    issue(['rangeBy'], `${v.rangeBy} ranges need the interval method`);
  if (v.rangeBy === 'days' && v.every && v.every.unit !== 'day')
    issue(['every', 'unit'], 'ranges by days need every.unit "day"');
  if (v.rangeBy === 'months' && v.every && v.every.unit !== 'month')
    issue(['every', 'unit'], 'ranges by months need every.unit "month"');
  (v.ranges ?? []).forEach((r, i) => {
    const ok = v.rangeBy === 'amount' ? tryMoney(r.from) !== null : /^\d{1,5}$/.test(String(r.from));
    if (!ok)
      issue(
        ['ranges', i, 'from'],
        v.rangeBy === 'amount'
          ? 'must be an amount with at most 2 decimals'
          : 'must be a whole number of days or months',
      );
  });
  if (v.minInterest != null && v.maxInterest != null && v.minInterest > v.maxInterest)
    issue(['maxInterest'], 'must not be below minInterest');
}

function tryMoney(v: string | number): bigint | null {
  try {
    const m = parseMoney(v);
    return m >= 0n ? m : null;
  } catch {
    return null;
  }
}

const VersionInput = z
  .strictObject({ validFrom: DateIn, ...versionFields })
  .superRefine((v, ctx) => checkVersion(v as VersionIn, ctx, []));

const InterestCodeInput = z
  .strictObject({
    name: Name,
    currency: Currency,
    validFrom: DateIn.optional(),
    ...versionFields,
    versions: z.array(VersionInput).max(50).optional().openapi({
      description: 'further date-effective versions, each with the same fields as the code and its own validFrom',
    }),
  })
  .superRefine((v, ctx) => {
    checkVersion(v as unknown as VersionIn, ctx, []);
    const dates = [v.validFrom ?? FIRST_DAY, ...(v.versions ?? []).map((x) => x.validFrom)];
    dates.forEach((d, i) => {
      if (dates.indexOf(d) !== i)
        ctx.addIssue({
          code: 'custom',
          path: ['versions', i - 1, 'validFrom'],
          message: `another version already starts on ${d}`,
        });
    });
  })
  .openapi('InterestCodeInput');

const FIRST_DAY = '1900-01-01';

/** A version as stored (JSON-ready: money and rates as decimal strings). */
function versionData(v: VersionIn & { validFrom?: string }) {
  const money = (m: bigint | null | undefined) => (m === null || m === undefined ? null : formatMoney(m));
  return {
    validFrom: v.validFrom ?? FIRST_DAY,
    method: v.method,
    valueType: v.valueType,
    rate: formatRate(v.rate),
    every: v.every ?? null,
    rangeBy: v.rangeBy ?? null,
    ranges: v.ranges
      ? v.ranges.map((r) => ({
          from: v.rangeBy === 'amount' ? formatMoney(parseMoney(r.from)) : String(Number(r.from)),
          value: formatRate(r.value),
        }))
      : null,
    minInterest: money(v.minInterest),
    maxInterest: money(v.maxInterest),
    feeAmount: money(v.feeAmount),
    graceDays: v.graceDays,
  };
}

const interestCodes: SetupKind<z.ZodType<Record<string, unknown>>> = {
  entity: 'interestCode',
  path: 'interest-codes',
  noun: 'interest code',
  tag: 'Collections setup',
  input: InterestCodeInput as unknown as z.ZodType<Record<string, unknown>>,
  toData: (raw) => {
    const i = raw as unknown as VersionIn & {
      name: string;
      currency: string;
      validFrom?: string;
      versions?: (VersionIn & { validFrom: string })[];
    };
    return { name: i.name, currency: i.currency, ...versionData(i), versions: (i.versions ?? []).map(versionData) };
  },
  // Interest notes keep their own copy of what they charged; a code customers still name stays.
  beforeDelete: async (tx, id) => {
    const used = await tx.db.selectFrom('customers').select('id').where('interest_code_id', '=', id).executeTakeFirst();
    if (used)
      throw ruleViolation(`interest code ${id} is the interest code of customer ${used.id}; change the customer first`);
  },
};

const bankAccounts: SetupKind<z.ZodType<Record<string, unknown>>> = {
  entity: 'bankAccount',
  path: 'bank-accounts',
  noun: 'bank account',
  tag: 'Collections setup',
  input: z
    .strictObject({
      name: Name,
      nsfFee: NonNegativeMoneyIn.default(0n).openapi({
        description: 'the fee charged to the customer for a returned (NSF) payment; 0 = none',
      }),
      nsfJournal: ShortText.nullish().openapi({ description: 'the journal the NSF fee is booked in (informational)' }),
    })
    .openapi('BankAccountInput') as unknown as z.ZodType<Record<string, unknown>>,
  toData: (raw) => {
    const i = raw as { name: string; nsfFee: bigint; nsfJournal?: string | null };
    return { name: i.name, nsfFee: formatMoney(i.nsfFee), nsfJournal: i.nsfJournal ?? null };
  },
};

const writeOffAccounts: SetupKind<z.ZodType<Record<string, unknown>>> = {
  entity: 'writeOffAccount',
  path: 'write-off-accounts',
  noun: 'write-off account',
  tag: 'Collections setup',
  input: z
    .strictObject({
      name: Name,
      postingProfile: Id.nullish().openapi({
        description:
          'the posting profile this account serves; without one, the account serves only when named by the parameter writeOffAccountId',
      }),
      salesTaxAccountId: idOf('salesTaxAccount').nullish().openapi({
        description: 'where the tax share goes when separateSalesTax is on; without one there is no tax line',
      }),
    })
    .openapi('WriteOffAccountInput') as unknown as z.ZodType<Record<string, unknown>>,
  toData: (raw) => {
    const i = raw as { name: string; postingProfile?: string | null; salesTaxAccountId?: string | null };
    return { name: i.name, postingProfile: i.postingProfile ?? null, salesTaxAccountId: i.salesTaxAccountId ?? null };
  },
  beforeDelete: async (tx, id) => {
    const { values } = await getParameters(tx);
    if (values.writeOffAccountId === id)
      throw ruleViolation(
        `write-off account ${id} is named by the parameter writeOffAccountId; change the parameter first`,
      );
  },
};

export const COLLECTIONS_MONEY_SETUP_KINDS = [interestCodes, bankAccounts, writeOffAccounts];

type Reader = SetupReader;

function versionFromJson(v: Record<string, unknown>): InterestCodeVersion {
  const money = (x: unknown) => (x === null || x === undefined ? null : parseMoney(x));
  const rangeBy = (v.rangeBy as InterestCodeVersion['rangeBy']) ?? null;
  return {
    validFrom: v.validFrom as string,
    method: v.method as InterestCodeVersion['method'],
    valueType: v.valueType as InterestCodeVersion['valueType'],
    rate: parseRate(v.rate),
    every: (v.every as InterestCodeVersion['every']) ?? null,
    rangeBy,
    ranges:
      ((v.ranges as { from: string; value: string }[] | null) ?? null)?.map((r) => ({
        from: rangeBy === 'amount' ? parseMoney(r.from) : BigInt(r.from),
        value: parseRate(r.value),
      })) ?? null,
    minInterest: money(v.minInterest),
    maxInterest: money(v.maxInterest),
    feeAmount: money(v.feeAmount),
    graceDays: (v.graceDays as number) ?? 0,
  };
}

/** The interest code as the pure calculation takes it, or undefined when it does not exist. */
export async function loadInterestCode(r: Reader, id: string): Promise<InterestCode | undefined> {
  const row = (await setupRowsCached(r, interestCodes.entity)).get(id);
  if (!row) return undefined;
  return {
    id,
    currency: row.currency as string,
    versions: [versionFromJson(row), ...((row.versions as Record<string, unknown>[]) ?? []).map(versionFromJson)],
  };
}

export async function findBankAccount(r: Reader, id: string): Promise<SetupJson | undefined> {
  return (await setupRowsCached(r, bankAccounts.entity)).get(id);
}

/**
 * The write-off account for a posting profile: the account set up for that profile, else the
 * parameter `writeOffAccountId` (collections.md §1.14). 422 when there is none.
 */
export async function writeOffAccountFor(
  r: Reader,
  postingProfile: string | null,
  parameterAccountId: string | null,
): Promise<{ ledgerAccount: string; taxAccount: string | null }> {
  const rows = await setupRowsCached(r, writeOffAccounts.entity);
  const byProfile =
    postingProfile === null ? undefined : [...rows.values()].find((a) => a.postingProfile === postingProfile);
  const chosen = byProfile ?? (parameterAccountId === null ? undefined : rows.get(parameterAccountId));
  if (!chosen) {
    throw ruleViolation(
      parameterAccountId === null
        ? 'no write-off account: set the parameter writeOffAccountId or a write-off account for the posting profile'
        : `write-off account ${parameterAccountId} (the parameter writeOffAccountId) is not set up; PUT /api/v1/write-off-accounts/${parameterAccountId} first`,
      [{ path: 'writeOffAccountId', message: 'no write-off account' }],
    );
  }
  return { ledgerAccount: chosen.id, taxAccount: (chosen.salesTaxAccountId as string | null) ?? null };
}

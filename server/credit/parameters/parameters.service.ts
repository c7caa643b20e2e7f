import { sql } from 'kysely';
import type { Tx } from '../../db/transaction';
import { SETUP, type SetupReader, type SetupView } from '../../db/setup-cache';
import { formatMoney } from '../../../shared/money';
import { ruleViolation } from '../../http/errors';
import { CHECKPOINTS, validateCheckpoints, type CheckpointSetup } from '../../../shared/credit/checkpoints';
import type { CreditParameters } from '../../../shared/credit/types';
import { requireReasonCode } from '../setup/setup.kinds';
import { ParametersSchema, type Parameters } from './parameters.schema';
import { anyLedgerEntry } from '../../exchange-rates/exchange-rates.repository';

/** Stored JSON keeps money as text; parsing through the schema restores the defaults and bigints. */
function parseStored(data: string | undefined): Parameters {
  return ParametersSchema.parse(data ? JSON.parse(data) : {});
}

export function parametersToJson(p: Parameters, version: number) {
  return {
    ...p,
    waiveLimits: p.waiveLimits.map((w) => ({ currency: w.currency, amount: formatMoney(w.amount) })),
    adjustmentLineApprovalAmount:
      p.adjustmentLineApprovalAmount === null ? null : formatMoney(p.adjustmentLineApprovalAmount),
    version,
  };
}

/** The cached parameters without I/O, or undefined until they have been read since the last commit that changed them. */
export function cachedParameters(cache: SetupView): { values: Parameters; version: number } | undefined {
  return cache.peek(SETUP.parameters);
}

/** The parameters, through the setup cache. */
export function getParameters(r: SetupReader): Promise<{ values: Parameters; version: number }> {
  return r.cache.read(SETUP.parameters, async () => {
    const row = await r.db.selectFrom('parameters').selectAll().where('id', '=', 1).executeTakeFirst();
    return { values: parseStored(row?.data), version: row?.version ?? 0 };
  });
}

export function creditParameters(p: Parameters): CreditParameters {
  return {
    creditManagementEnabled: p.creditManagementEnabled,
    creditLimitType: p.creditLimitType,
    checkCreditLimitOnSalesOrder: p.checkCreditLimitOnSalesOrder,
    checkCustomerCreditGroupsCreditLimit: p.checkCustomerCreditGroupsCreditLimit,
    ignoreCreditLimitExpiredRuleWhenBlank: p.ignoreCreditLimitExpiredRuleWhenBlank,
    paymentTermsIncreased: p.paymentTermsIncreased,
    settlementDiscountIncreased: p.settlementDiscountIncreased,
  };
}

/** Merges the given parameters into the stored ones (no If-Match: one row, audited). */
export async function updateParameters(tx: Tx, patch: Partial<Parameters>) {
  // PostgreSQL runs PUTs concurrently (READ COMMITTED): lock the row so two merges never both
  // start from the same stored values (a lost update, and two changes with one version).
  const q = tx.db.selectFrom('parameters').selectAll().where('id', '=', 1);
  const row = await (tx.dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
  const before = parseStored(row?.data);
  const next = ParametersSchema.parse({
    ...JSON.parse(row?.data ?? '{}'),
    ...JSON.parse(JSON.stringify(patch, (_k, v) => (typeof v === 'bigint' ? formatMoney(v) : v))),
  });
  for (const [field, code] of [
    ['autoReleaseReasonCode', next.autoReleaseReasonCode],
    ['modifiedOrderReleaseReasonCode', next.modifiedOrderReleaseReasonCode],
  ] as const) {
    if (code !== null && code !== (before as Record<string, unknown>)[field])
      await requireReasonCode(tx, code, 'release', field);
  }
  // Entries keep the AC amounts they were booked at (never revalued): a new accounting currency
  // would make every one of them wrong, so it is fixed once the ledger or an order has an entry.
  if (next.accountingCurrency !== before.accountingCurrency && (await anyLedgerEntry(tx.db)))
    throw ruleViolation(
      `the accounting currency cannot change from ${before.accountingCurrency}: ledger entries or sales orders exist, booked in it`,
      [{ path: 'accountingCurrency', message: `is fixed at ${before.accountingCurrency} once entries exist` }],
    );
  if (next.canceledOrderReasonCode !== null && next.canceledOrderReasonCode !== before.canceledOrderReasonCode)
    await requireReasonCode(tx, next.canceledOrderReasonCode, 'reject', 'canceledOrderReasonCode');
  if (next.defaultAgingDefinitionId !== null && next.defaultAgingDefinitionId !== before.defaultAgingDefinitionId) {
    const exists = await tx.db
      .selectFrom('setup_rows')
      .select('id')
      .where('kind', '=', 'agingDefinition')
      .where('id', '=', next.defaultAgingDefinitionId)
      .executeTakeFirst();
    if (!exists)
      throw ruleViolation(`aging definition ${next.defaultAgingDefinitionId} does not exist`, [
        { path: 'defaultAgingDefinitionId', message: 'does not exist' },
      ]);
  }
  if (next.maxDaysToAllowWaive !== null && next.maxDaysToAllowWaive < next.minDaysToAllowWaive) {
    throw ruleViolation('the waive window is empty', [
      { path: 'maxDaysToAllowWaive', message: 'must not be below minDaysToAllowWaive' },
    ]);
  }
  const data = JSON.stringify(parametersToJson(next, 0), (k, v) => (k === 'version' ? undefined : v));
  const version = (row?.version ?? 0) + 1;
  if (row)
    await tx.db.updateTable('parameters').set({ data, updated_at: tx.now, version }).where('id', '=', 1).execute();
  else await tx.db.insertInto('parameters').values({ id: 1, data, updated_at: tx.now, version }).execute();
  const after = parametersToJson(next, version);
  tx.changed('parameters', 'parameters', row ? 'update' : 'create', version, {
    action: 'parameters.update',
    before: parametersToJson(before, row?.version ?? 0),
    after,
  });
  tx.invalidate(SETUP.parameters);
  return after;
}

/** All five checkpoints in process order, through the setup cache; a checkpoint never set up checks nothing. */
export function getCheckpoints(r: SetupReader): Promise<CheckpointSetup[]> {
  return r.cache.read(SETUP.checkpoints, () => readCheckpoints(r.db));
}

async function readCheckpoints(db: SetupReader['db']): Promise<CheckpointSetup[]> {
  const rows = await db.selectFrom('checkpoints').selectAll().execute();
  return CHECKPOINTS.map((checkpoint): CheckpointSetup => {
    const r = rows.find((x) => x.checkpoint === checkpoint);
    return { checkpoint, posting: r?.posting === 1, proForma: r?.pro_forma === 1, graceDays: r?.grace_days ?? null };
  });
}

/** Replaces the checkpoint setup; the grace-days rule of credit.md §4.6 is a 422. */
export async function replaceCheckpoints(tx: Tx, rows: CheckpointSetup[]): Promise<CheckpointSetup[]> {
  const errors = validateCheckpoints(rows);
  if (errors.length)
    throw ruleViolation(
      'the checkpoint setup is not valid',
      errors.map((e) => ({ path: `${e.index}.${e.field}`, message: e.message })),
    );
  // On PostgreSQL two concurrent replacements of different rows would otherwise both commit and
  // leave the union of the two setups (which may break the grace-days rule): one at a time.
  if (tx.dialect === 'postgres')
    await sql`select pg_advisory_xact_lock(hashtext('creditdesk.checkpoints'))`.execute(tx.db);
  const before = await readCheckpoints(tx.db);
  await tx.db.deleteFrom('checkpoints').execute();
  if (rows.length) {
    await tx.db
      .insertInto('checkpoints')
      .values(
        rows.map((r) => ({
          checkpoint: r.checkpoint,
          posting: r.posting ? 1 : 0,
          pro_forma: r.proForma ? 1 : 0,
          grace_days: r.graceDays,
        })),
      )
      .execute();
  }
  const after = await readCheckpoints(tx.db);
  const version = ((
    await tx.db
      .selectFrom('changes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('entity', '=', 'checkpoints')
      .executeTakeFirst()
  )?.n ?? 0) as number;
  tx.changed('checkpoints', 'checkpoints', 'update', Number(version) + 1, {
    action: 'checkpoints.replace',
    before,
    after,
  });
  tx.invalidate(SETUP.checkpoints);
  return after;
}

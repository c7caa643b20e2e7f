import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { BlockingRulesTable, Database } from '../../db/schema';
import { SETUP, type SetupReader, type SetupView } from '../../db/setup-cache';
import type { Tx } from '../../db/transaction';
import { ApiError, notFound, ruleViolation, type ErrorDetail } from '../../http/errors';
import { assertVersion } from '../../http/versioning';
import { formatMoney, formatRate, tryParseMoney, tryParseRate } from '../../../shared/money';
import type { BlockingRule, RuleType, Scope, ValueType } from '../../../shared/credit/types';
import { toBigIntOrNull } from '../../db/values';
import { setupRowsCached } from '../setup/setup.resource';
import { findSetupRow } from '../setup/setup.repository';
import { accountStatuses, paymentTerms } from '../setup/setup.kinds';
import type { BlockingRuleInput, BlockingRuleJson } from './blocking-rules.schema';
import { withArticle } from '../../../shared/words';

const BLOCKING_RULE = 'blockingRule';
type Row = Selectable<BlockingRulesTable>;

function ruleRowToRule(r: Row): BlockingRule {
  return {
    id: r.id,
    ruleType: r.rule_type as RuleType,
    kind: r.kind as BlockingRule['kind'],
    validFor: r.valid_for as Scope,
    accountOrGroup: r.account_or_group,
    riskGroupId: r.risk_group_id,
    valueType: r.value_type as ValueType | null,
    days: r.days,
    amount: toBigIntOrNull(r.amount),
    percent: toBigIntOrNull(r.percent),
    creditLimitThreshold: toBigIntOrNull(r.credit_limit_threshold),
    accountStatusId: r.account_status_id,
    paymentTermsId: r.payment_terms_id,
    releaseSalesOrder: r.release_sales_order === 1,
  };
}

/** The rule as one readable sentence (credit.md §9.7: show "Block when overdue > 3,000 AND usage > 70 %"). */
function ruleSentence(r: BlockingRule): string {
  const verb =
    r.kind === 'blocking' ? 'Block when' : r.releaseSalesOrder ? 'Release the order when' : 'Do not block when';
  const scope =
    r.validFor === 'all'
      ? 'all customers'
      : r.validFor === 'table'
        ? `customer ${r.accountOrGroup}`
        : `credit management group ${r.accountOrGroup}`;
  const risk = r.riskGroupId ? ` in risk group ${r.riskGroupId}` : '';
  const cmp = r.kind === 'blocking' ? '>' : '≤';
  const money = (m: bigint | null) => formatMoney(m ?? 0n);
  let what: string;
  switch (r.ruleType) {
    case 'daysOverdue':
      what =
        r.valueType === 'amount' ? `overdue amount ${cmp} ${money(r.amount)}` : `days overdue ${cmp} ${r.days ?? 0}`;
      break;
    case 'accountStatus':
      what = `account status is ${r.accountStatusId}`;
      break;
    case 'termsOfPayment':
      what = `the order's terms of payment are ${r.paymentTermsId}`;
      break;
    case 'creditLimitExpired':
      what = `credit limit expired ${cmp} ${r.days ?? 0} days ago`;
      break;
    case 'overdueAmount':
      what = `overdue ${cmp} ${money(r.amount)} AND usage ${cmp} ${r.valueType === 'amount' ? money(r.creditLimitThreshold) : `${formatRate(r.creditLimitThreshold ?? 0n)}% of limit`}`;
      break;
    case 'salesOrder':
      what = `order amount ${cmp} ${money(r.amount)}`;
      break;
    case 'creditLimitUsed':
      what = `credit limit used after the order ${cmp} ${formatRate(r.percent ?? 0n)}%`;
      break;
  }
  return `${verb} ${what} (${scope}${risk})`;
}

export function ruleRowToJson(r: Row): BlockingRuleJson {
  const rule = ruleRowToRule(r);
  return {
    id: r.id,
    ruleType: r.rule_type,
    kind: rule.kind,
    validFor: rule.validFor,
    accountOrGroup: r.account_or_group,
    riskGroupId: r.risk_group_id,
    valueType: r.value_type,
    days: r.days,
    amount: rule.amount === null ? null : formatMoney(rule.amount),
    percent: rule.percent === null ? null : formatRate(rule.percent),
    creditLimitThreshold:
      rule.creditLimitThreshold === null
        ? null
        : rule.valueType === 'amount'
          ? formatMoney(rule.creditLimitThreshold)
          : formatRate(rule.creditLimitThreshold),
    accountStatusId: r.account_status_id,
    paymentTermsId: r.payment_terms_id,
    releaseSalesOrder: rule.releaseSalesOrder,
    description: r.description,
    sentence: ruleSentence(rule),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

/** The cached rules without I/O, or undefined until they have been read since the last commit that changed one. */
export function cachedRules(cache: SetupView): BlockingRule[] | undefined {
  return cache.peek(SETUP.blockingRules);
}

/** Every rule, through the setup cache. */
export function activeRules(r: SetupReader): Promise<BlockingRule[]> {
  return r.cache.read(SETUP.blockingRules, async () =>
    (await r.db.selectFrom('blocking_rules').selectAll().orderBy('id').execute()).map(ruleRowToRule),
  );
}

/**
 * Checks a rule's fields against its type (credit.md §4.2–§4.3) and turns it into columns.
 * Every problem is reported at once, with its field path.
 */
async function ruleColumns(tx: Tx, input: BlockingRuleInput) {
  const errors: ErrorDetail[] = [];
  const need = (field: keyof BlockingRuleInput, why: string) => {
    if (input[field] === null || input[field] === undefined) errors.push({ path: field, message: `required: ${why}` });
  };
  const forbid = (fields: (keyof BlockingRuleInput)[]) => {
    for (const f of fields)
      if (input[f] !== null && input[f] !== undefined)
        errors.push({ path: f, message: `not used by ${withArticle(input.ruleType)} rule` });
  };
  const type = input.ruleType as RuleType;
  let valueType: ValueType | null = input.valueType ?? null;
  let threshold: bigint | null = null;

  if (input.releaseSalesOrder && input.kind !== 'exclusion')
    errors.push({ path: 'releaseSalesOrder', message: 'only exclusions can release a sales order' });
  if (input.validFor === 'all' && input.accountOrGroup)
    errors.push({ path: 'accountOrGroup', message: 'a rule valid for all customers names no account or group' });
  if (input.validFor !== 'all')
    need(
      'accountOrGroup',
      `the ${input.validFor === 'table' ? 'customer' : 'credit management group'} the rule is for`,
    );
  if ((type === 'accountStatus' || type === 'termsOfPayment') && input.validFor !== 'all')
    errors.push({ path: 'validFor', message: `${type} rules apply to all customers` });
  // credit.md §4.2: these two have no scope or risk-group fields; a risk group would narrow them.
  if ((type === 'accountStatus' || type === 'termsOfPayment') && input.riskGroupId)
    errors.push({ path: 'riskGroupId', message: `${type} rules apply to all customers, in every risk group` });

  switch (type) {
    case 'daysOverdue':
      if (valueType === 'amount') {
        if (input.kind !== 'exclusion')
          errors.push({ path: 'valueType', message: 'only exclusions may measure days overdue by amount' });
        need('amount', 'the overdue amount');
        forbid(['days', 'percent', 'creditLimitThreshold', 'accountStatusId', 'paymentTermsId']);
      } else {
        if (valueType !== null && valueType !== 'days')
          errors.push({ path: 'valueType', message: 'must be "days" (or "amount" on an exclusion)' });
        valueType = 'days';
        need('days', 'the days overdue threshold');
        forbid(['amount', 'percent', 'creditLimitThreshold', 'accountStatusId', 'paymentTermsId']);
      }
      break;
    case 'accountStatus':
      need('accountStatusId', 'the account status that blocks');
      forbid(['days', 'amount', 'percent', 'creditLimitThreshold', 'paymentTermsId', 'valueType']);
      break;
    case 'termsOfPayment':
      need('paymentTermsId', 'the terms of payment that block');
      forbid(['days', 'amount', 'percent', 'creditLimitThreshold', 'accountStatusId', 'valueType']);
      break;
    case 'creditLimitExpired':
      need('days', 'days after expiry');
      forbid(['amount', 'percent', 'creditLimitThreshold', 'accountStatusId', 'paymentTermsId', 'valueType']);
      break;
    case 'overdueAmount': {
      need('amount', 'the overdue amount');
      need('creditLimitThreshold', 'the credit-limit threshold');
      if (valueType !== 'percent' && valueType !== 'amount')
        errors.push({ path: 'valueType', message: 'must be "percent" or "amount"' });
      const raw = input.creditLimitThreshold;
      if (raw !== null && raw !== undefined) {
        const parsed = valueType === 'amount' ? tryParseMoney(raw) : tryParseRate(raw);
        if (!parsed.ok) errors.push({ path: 'creditLimitThreshold', message: parsed.message });
        else if (parsed.value < 0n) errors.push({ path: 'creditLimitThreshold', message: 'must not be negative' });
        else threshold = parsed.value;
      }
      forbid(['days', 'percent', 'accountStatusId', 'paymentTermsId']);
      break;
    }
    case 'salesOrder':
      need('amount', 'the order amount');
      forbid(['days', 'percent', 'creditLimitThreshold', 'accountStatusId', 'paymentTermsId', 'valueType']);
      break;
    case 'creditLimitUsed':
      need('percent', 'the percentage of the limit');
      forbid(['days', 'amount', 'creditLimitThreshold', 'accountStatusId', 'paymentTermsId', 'valueType']);
      break;
  }
  if (type !== 'daysOverdue' && type !== 'overdueAmount') valueType = null;
  if (errors.length) throw new ApiError('invalid_request', `the ${type} rule is missing or has wrong fields`, errors);

  // References must exist: a rule naming an unknown status or terms could never fire. On
  // PostgreSQL the row is locked, so a concurrent delete of it cannot slip past its in-use check.
  const exists = async (entity: string, id: string) =>
    tx.dialect === 'postgres'
      ? (await findSetupRow(tx.db, entity, id, true)) !== undefined
      : (await setupRowsCached(tx, entity)).has(id);
  if (input.accountStatusId && !(await exists(accountStatuses.entity, input.accountStatusId))) {
    throw ruleViolation(`account status ${input.accountStatusId} does not exist`, [
      { path: 'accountStatusId', message: 'unknown account status' },
    ]);
  }
  if (input.paymentTermsId && !(await exists(paymentTerms.entity, input.paymentTermsId))) {
    throw ruleViolation(`payment terms ${input.paymentTermsId} do not exist`, [
      { path: 'paymentTermsId', message: 'unknown payment terms' },
    ]);
  }
  return {
    rule_type: type,
    kind: input.kind,
    valid_for: input.validFor,
    account_or_group: input.validFor === 'all' ? null : (input.accountOrGroup ?? null),
    risk_group_id: input.riskGroupId ?? null,
    value_type: valueType,
    days: input.days ?? null,
    amount: input.amount ?? null,
    percent: input.percent ?? null,
    credit_limit_threshold: threshold,
    account_status_id: input.accountStatusId ?? null,
    payment_terms_id: input.paymentTermsId ?? null,
    release_sales_order: input.releaseSalesOrder ? 1 : 0,
    description: input.description ?? null,
  };
}

export async function createRule(tx: Tx, input: BlockingRuleInput): Promise<BlockingRuleJson> {
  const columns = await ruleColumns(tx, input);
  const row: Row = {
    id: `BR-${randomBytes(5).toString('hex')}`,
    ...columns,
    created_at: tx.now,
    updated_at: tx.now,
    version: 1,
  };
  await tx.db.insertInto('blocking_rules').values(row).execute();
  const json = ruleRowToJson(row);
  tx.changed(BLOCKING_RULE, row.id, 'create', 1, { action: 'blockingRule.create', after: json });
  tx.invalidate(SETUP.blockingRules);
  return json;
}

async function lockRule(tx: Tx, id: string): Promise<Row> {
  const q = tx.db.selectFrom('blocking_rules').selectAll().where('id', '=', id);
  const row = await (tx.dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
  if (!row) throw notFound('blocking rule', id);
  return row;
}

export async function replaceRule(
  tx: Tx,
  id: string,
  input: BlockingRuleInput,
  ifMatch: number,
): Promise<BlockingRuleJson> {
  const existing = await lockRule(tx, id);
  const before = ruleRowToJson(existing);
  assertVersion(ifMatch, existing, before);
  const columns = await ruleColumns(tx, input);
  const row: Row = { ...existing, ...columns, updated_at: tx.now, version: existing.version + 1 };
  await tx.db.updateTable('blocking_rules').set(row).where('id', '=', id).execute();
  const json = ruleRowToJson(row);
  tx.changed(BLOCKING_RULE, id, 'update', row.version, { action: 'blockingRule.update', before, after: json });
  tx.invalidate(SETUP.blockingRules);
  return json;
}

/** Holds keep their own copy of the reasons, so deleting a rule never changes a hold. */
export async function deleteRule(tx: Tx, id: string, ifMatch: number): Promise<BlockingRuleJson> {
  const existing = await lockRule(tx, id);
  const before = ruleRowToJson(existing);
  assertVersion(ifMatch, existing, before);
  await tx.db.deleteFrom('blocking_rules').where('id', '=', id).execute();
  tx.changed(BLOCKING_RULE, id, 'delete', existing.version + 1, { action: 'blockingRule.delete', before, after: null });
  tx.invalidate(SETUP.blockingRules);
  return { ...before, version: existing.version + 1 };
}

export async function getRule(db: Kysely<Database>, id: string): Promise<BlockingRuleJson> {
  const row = await db.selectFrom('blocking_rules').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('blocking rule', id);
  return ruleRowToJson(row);
}

export async function listRules(
  db: Kysely<Database>,
  q: { limit: number; after?: string; since?: number },
): Promise<Row[]> {
  let query = db
    .selectFrom('blocking_rules')
    .selectAll()
    .orderBy('id')
    .limit(q.limit + 1);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  if (q.since !== undefined) {
    const since = q.since;
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('changes').select('entity_id').where('entity', '=', BLOCKING_RULE).where('seq', '>', since),
    );
  }
  return query.execute();
}

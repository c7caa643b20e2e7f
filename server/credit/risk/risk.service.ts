/**
 * Risk scoring (credit.md §1.7, §1.8, §2.3, §7 "Update risk scores"):
 * - setup kinds `risk-groups` (score bands), `scoring-rules` (scoring groups) and
 *   `automatic-limit-setups`, PUT-upserted through the generic setup factory;
 * - `POST /api/v1/risk-scores:update`, which computes each customer's inputs from the database,
 *   scores them with the pure engine (shared/credit/risk.ts) and stores `risk_score` and
 *   `risk_group_id`, all in one transaction;
 * - {@link automaticLimitsFor}, the automatic credit limits for journal generation (mode `automatic`).
 *
 * Approximations (the database holds no balance statistics table yet):
 * - **Average balance** is the current balance (Σ open amounts of every ledger entry, in the
 *   accounting currency), not the mean of 12 month-end balances.
 * - **DSO** (12 months) uses that same current balance as the outstanding balance, and as sales
 *   the invoices (type `invoice`, not canceled) dated in `(asOf − 12 months, asOf]`; the days are
 *   capped by `customerSince` (§1.8). No sales → no DSO (the input is unknown and scores 0).
 * - **Average payment days** is the mean of `closedDate − invoiceDate` over invoices fully
 *   settled on or before `asOf` (all history, not only 12 months); `closedDate` is the date of the
 *   settlement that brought the invoice to zero, so a partly paid invoice does not count yet.
 * - **Customer since / in business since** are whole years (anniversaries passed) from
 *   `customerSince` / `businessStartedDate` to `asOf`.
 * - **Country**: customers have no country column, so a `country` group's input is entered by
 *   hand like a user-defined value.
 * - **Hand-entered inputs are the customer's**: stored on it (`riskInputs`, set through
 *   PATCH /customers/{id}/credit-profile or the `userDefined` of a scoring call, which replaces the
 *   stored value of each rule it names) and used by every later run and by automatic limits.
 * - **Revenue** for automatic limits is the 12-month invoiced sales above (summed in the
 *   accounting currency), converted to the customer's currency at the rate on `asOf` to compare
 *   with the setup's `maxRevenue` (the setup is the one in the customer's currency, credit.md
 *   §2.3), unless the caller passes its own figure.
 * - **Amounts** of the scoring inputs (average balance, the DSO's balance and sales) are in the
 *   accounting currency, entries of every currency taken at their AC amounts.
 */
import type { Tx } from '../../db/transaction';
import type { SetupReader } from '../../db/setup-cache';
import { fromAccounting } from '../../../shared/currency';
import { rateBook } from '../../exchange-rates/exchange-rates.service';
import { ruleViolation, type ErrorDetail } from '../../http/errors';
import { refuseWhileUsed, USES } from '../setup/in-use';
import { toBigIntOrNull } from '../../db/values';
import { type CalendarDate } from '../../../shared/dates';
import { formatMoney, type Money } from '../../../shared/money';
import {
  automaticLimitFor,
  averagePaymentDays,
  dso,
  overlappingBands,
  riskGroupFor,
  riskScore,
  wholeYears,
  type RiskInput,
  type RiskInputs,
  type ScoringRule,
} from '../../../shared/credit/risk';
import {
  CUSTOMER,
  customerRowToCustomer,
  findAllCustomers,
  findCustomersByIds,
  lockRows,
  riskInputsOf,
  updateCustomer,
  type CustomerRow,
} from '../../customers/customers.repository';
import type { SetupKind } from '../setup/setup.resource';
import {
  enteredValueErrors,
  limitLineErrors,
  scoringRuleErrors,
  sortedEntries,
} from '../../../shared/credit/risk-setup';
import {
  AUTOMATIC_LIMIT_SETUP,
  loadLedgerFacts,
  loadRiskSetup,
  RISK_GROUP,
  SCORING_RULE,
  toScoringRule,
  type LedgerFacts,
} from './risk.repository';
import {
  AutomaticLimitSetupInput,
  RiskGroupInput,
  ScoringRuleInput,
  TAG,
  type RiskScoresUpdateInput,
  type ScoredCustomer,
} from './risk.schema';

// ---------------------------------------------------------------------------------------------
// Setup kinds
// ---------------------------------------------------------------------------------------------

export const riskGroups: SetupKind<typeof RiskGroupInput> = {
  entity: RISK_GROUP,
  path: 'risk-groups',
  noun: 'risk group',
  tag: TAG,
  input: RiskGroupInput,
  toData: (i) => ({
    description: i.description,
    fromScore: formatMoney(i.fromScore),
    toScore: formatMoney(i.toScore),
    indicator: i.indicator ?? null,
  }),
  async validate(tx, id, input) {
    if (input.fromScore > input.toScore)
      throw ruleViolation('a risk group runs from its lower score to its higher one', [
        { path: 'toScore', message: `must be at least fromScore (${formatMoney(input.fromScore)})` },
      ]);
    const others = (await loadRiskSetup(tx.db)).bands;
    const hits = overlappingBands({ id, fromScore: input.fromScore, toScore: input.toScore }, others);
    if (hits.length) {
      const shown = hits.map((h) => {
        const b = others.find((o) => o.id === h)!;
        return `${h} (${formatMoney(b.fromScore)}–${formatMoney(b.toScore)})`;
      });
      throw ruleViolation(
        `risk groups must not overlap: ${formatMoney(input.fromScore)}–${formatMoney(input.toScore)} overlaps ${shown.join(', ')}`,
        [{ path: 'fromScore', message: `the band overlaps ${shown.join(', ')} (both ends are inclusive)` }],
      );
    }
  },
  async beforeDelete(tx, id) {
    await refuseWhileUsed('risk group', [USES.customers('risk_group_id'), USES.rules('risk_group_id')])(tx, id);
    const setup = (await loadRiskSetup(tx.db)).setups.find((s) => s.riskGroupId === id);
    if (setup)
      throw ruleViolation(
        `risk group ${id} is used by automatic limit setup ${setup.id}; change or delete the setup first`,
      );
  },
};

function scoringRuleData(i: ScoringRuleInput): Record<string, unknown> {
  const lines =
    i.scoreType === 'range'
      ? i.lines.map((l) => ({
          fromValue: l.fromValue == null ? null : formatMoney(l.fromValue),
          toValue: l.toValue == null ? null : formatMoney(l.toValue),
          score: formatMoney(l.score),
        }))
      : i.lines.map((l) => ({ value: l.value, score: formatMoney(l.score) }));
  return { description: i.description, groupType: i.groupType, scoreType: i.scoreType, lines };
}

export const scoringRules: SetupKind<typeof ScoringRuleInput> = {
  entity: SCORING_RULE,
  path: 'scoring-rules',
  noun: 'scoring rule',
  tag: TAG,
  input: ScoringRuleInput,
  toData: scoringRuleData,
  async validate(tx, id, input) {
    const errors = scoringRuleErrors(input);
    if (errors.length)
      throw ruleViolation(`the lines of scoring rule ${id} do not fit its ${input.groupType} input`, errors);
    // Automatic limit lines that compare this group's input must still make sense.
    const setup = await loadRiskSetup(tx.db);
    const rule = toScoringRule(id, scoringRuleData(input));
    for (const s of setup.setups) {
      const bad = limitLineErrors(s.lines, new Map([...setup.rules.map((r) => [r.id, r] as const), [id, rule]])).filter(
        (e) => s.lines[Number(e.path.split('.')[1])]?.scoringRuleId === id,
      );
      if (bad.length)
        throw ruleViolation(
          `automatic limit setup ${s.id} compares this group's input in a way the change would break: ${bad[0]!.message}`,
          [{ path: 'groupType', message: `automatic limit setup ${s.id}: ${bad[0]!.message}` }],
        );
    }
  },
  async beforeDelete(tx, id) {
    const setup = (await loadRiskSetup(tx.db)).setups.find((s) => s.lines.some((l) => l.scoringRuleId === id));
    if (setup)
      throw ruleViolation(
        `scoring rule ${id} is used by automatic limit setup ${setup.id}; change or delete the setup first`,
      );
  },
};

export const automaticLimitSetups: SetupKind<typeof AutomaticLimitSetupInput> = {
  entity: AUTOMATIC_LIMIT_SETUP,
  path: 'automatic-limit-setups',
  noun: 'automatic limit setup',
  tag: TAG,
  input: AutomaticLimitSetupInput,
  toData: (i) => ({
    riskGroupId: i.riskGroupId,
    currency: i.currency,
    maxRevenue: formatMoney(i.maxRevenue),
    lines: i.lines.map((l) => ({
      scoringRuleId: l.scoringRuleId,
      operator: l.operator,
      value: l.value,
      creditLimit: formatMoney(l.creditLimit),
    })),
  }),
  async validate(tx, id, input) {
    const setup = await loadRiskSetup(tx.db);
    const errors: ErrorDetail[] = [];
    if (!setup.bands.some((b) => b.id === input.riskGroupId))
      errors.push({ path: 'riskGroupId', message: `risk group ${input.riskGroupId} does not exist` });
    const twin = setup.setups.find(
      (s) => s.id !== id && s.riskGroupId === input.riskGroupId && s.currency === input.currency,
    );
    if (twin)
      errors.push({
        path: 'currency',
        message: `automatic limit setup ${twin.id} already covers risk group ${input.riskGroupId} in ${input.currency}`,
      });
    errors.push(...limitLineErrors(input.lines, new Map(setup.rules.map((r) => [r.id, r]))));
    if (errors.length) throw ruleViolation(`automatic limit setup ${id} is refused`, errors);
  },
};

// ---------------------------------------------------------------------------------------------
// Inputs of one customer
// ---------------------------------------------------------------------------------------------

/** Hand-entered values: by customer id, by scoring-rule id. */
type EnteredValues = Readonly<Record<string, Readonly<Record<string, string>>>>;

const hundredthsOfYears = (years: number | null): bigint | null => (years === null ? null : BigInt(years) * 100n);

function inputsOf(
  c: CustomerRow,
  f: LedgerFacts,
  asOf: CalendarDate,
  entered: Readonly<Record<string, string>> | undefined,
): RiskInputs {
  return {
    averagePaymentDays: averagePaymentDays(f.settled),
    customerSinceYears: hundredthsOfYears(wholeYears(c.customer_since, asOf)),
    inBusinessSinceYears: hundredthsOfYears(wholeYears(c.business_started_date, asOf)),
    daysSalesOutstanding: dso({
      balance: f.balance,
      sales: f.sales12,
      asOf,
      months: 12,
      customerSince: c.customer_since,
    }),
    averageBalance: f.balance,
    creditManagementGroupId: c.credit_management_group_id,
    accountStatusId: c.account_status_id,
    country: null,
    entered: entered ?? {},
  };
}

/** Refuses hand-entered values for unknown customers or groups, for groups the database scores, and non-decimals for range groups (422). */
function enteredErrors(
  entered: EnteredValues,
  customerIds: ReadonlySet<string>,
  rules: ReadonlyMap<string, ScoringRule>,
): ErrorDetail[] {
  const errors: ErrorDetail[] = [];
  for (const [customerId, values] of Object.entries(entered)) {
    if (!customerIds.has(customerId))
      errors.push({
        path: `userDefined.${customerId}`,
        message: `customer ${customerId} is not among the customers being scored`,
      });
    errors.push(...enteredValueErrors(values, rules, `userDefined.${customerId}`));
  }
  return errors;
}

const inputOut = (v: RiskInput): string | null => (typeof v === 'bigint' ? formatMoney(v) : v);

// ---------------------------------------------------------------------------------------------
// Update risk scores
// ---------------------------------------------------------------------------------------------

/**
 * The periodic task "Update risk scores" (§7): for the given customers (all when none are given)
 * computes every scoring group's input on `asOf`, sums the scores, assigns the risk group whose
 * band holds the score (none when it falls between bands) and stores both. A customer whose score
 * and group did not change is left alone (no new version); the others get version + 1, a change
 * of entity `customer` and an audit row `customer.riskScore`. One transaction: all or nothing.
 */
export async function updateRiskScores(
  tx: Tx,
  body: RiskScoresUpdateInput,
): Promise<{ updated: number; asOf: string; customers: ScoredCustomer[] }> {
  const asOf = body.asOf ?? tx.today;
  let customers: CustomerRow[];
  if (body.customerIds) {
    const wanted = [...new Set(body.customerIds)];
    const found = await findCustomersByIds(tx.db, wanted, lockRows(tx));
    const missing = body.customerIds.flatMap((id, n) =>
      found.has(id) ? [] : [{ path: `customerIds.${n}`, message: `customer ${id} does not exist` }],
    );
    if (missing.length) throw ruleViolation('some customers do not exist; nothing was scored', missing);
    customers = [...found.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  } else {
    customers = await findAllCustomers(tx.db, lockRows(tx));
  }
  const setup = await loadRiskSetup(tx.db);
  const entered: EnteredValues = body.userDefined ?? {};
  const errors = enteredErrors(
    entered,
    new Set(customers.map((c) => c.id)),
    new Map(setup.rules.map((r) => [r.id, r])),
  );
  if (errors.length) throw ruleViolation('some entered values are refused; nothing was scored', errors);

  const facts = await loadLedgerFacts(
    tx.db,
    customers.map((c) => c.id),
    asOf,
  );
  let updated = 0;
  const out: ScoredCustomer[] = [];
  for (const c of customers) {
    // Hand-entered inputs are the customer's (credit.md §1.7): those of this call are kept for
    // every later run, over the ones stored before (PATCH /customers/{id}/credit-profile sets them too).
    const stored = riskInputsOf(c);
    const inputs = { ...stored, ...(entered[c.id] ?? {}) };
    const inputsChanged = JSON.stringify(sortedEntries(inputs)) !== JSON.stringify(sortedEntries(stored));
    const { score, contributions } = riskScore(setup.rules, inputsOf(c, facts.get(c.id)!, asOf, inputs));
    const group = riskGroupFor(score, setup.bands);
    const changed = toBigIntOrNull(c.risk_score) !== score || c.risk_group_id !== group || inputsChanged;
    let version = c.version;
    if (changed) {
      const set = {
        risk_score: score,
        risk_group_id: group,
        ...(inputsChanged ? { risk_inputs: JSON.stringify(Object.fromEntries(sortedEntries(inputs))) } : {}),
        updated_at: tx.now,
        version: c.version + 1,
      };
      await updateCustomer(tx.db, c.id, set);
      version = set.version;
      updated++;
      tx.changed(CUSTOMER, c.id, 'update', set.version, {
        action: 'customer.riskScore',
        before: customerRowToCustomer(c),
        after: customerRowToCustomer({ ...c, ...set }),
        reason: `risk scores updated as of ${asOf}`,
      });
    }
    out.push({
      customerId: c.id,
      riskScore: formatMoney(score),
      riskGroupId: group,
      changed,
      version,
      contributions: contributions.map((x) => ({
        scoringRuleId: x.scoringRuleId,
        groupType: x.groupType,
        input: inputOut(x.input),
        score: formatMoney(x.score),
      })),
    });
  }
  return { updated, asOf, customers: out };
}

// ---------------------------------------------------------------------------------------------
// Automatic credit limits (for adjustment-journal generation, mode "automatic")
// ---------------------------------------------------------------------------------------------

export interface AutomaticLimitsOptions {
  /** The date the inputs are computed for (default today, UTC). */
  asOf?: CalendarDate;
  /** Hand-entered inputs (userDefined and country groups); without them such lines never match. */
  userDefined?: EnteredValues;
  /** Each customer's revenue, in its currency; default: invoiced sales of the last 12 months (converted from AC at the rate on asOf). */
  revenue?: ReadonlyMap<string, Money>;
}

export interface AutomaticLimitResult {
  customerId: string;
  /** The new credit limit in minor units (format with `formatMoney`), in `currency`. */
  creditLimit: Money;
  /** The setup's currency, which is the customer's (credit.md §2.3): a journal line converts the limit to the accounting currency. */
  currency: string;
  riskGroupId: string;
  setupId: string;
  /** The scoring group of the line that gave the limit. */
  scoringRuleId: string;
}

/**
 * The automatic credit limit of each customer (credit.md §2.3): the setup of the customer's
 * stored risk group (from the last "Update risk scores") and currency applies when its revenue is
 * at most `maxRevenue`; its lines compare the customer's scoring-group inputs (computed now, as
 * of `asOf`) and the highest matching limit wins. Only customers with a limit are returned, in
 * id order; unknown ids are skipped. Reads only: the caller's transaction writes the journal lines.
 * @example
 * const lines = await automaticLimitsFor(tx, ['C1', 'C2']); // → [{ customerId: 'C1', creditLimit: 20_000_000n, riskGroupId: 'Low', … }]
 */
export async function automaticLimitsFor(
  tx: SetupReader & { today: string },
  customerIds: readonly string[],
  options: AutomaticLimitsOptions = {},
): Promise<AutomaticLimitResult[]> {
  const asOf = options.asOf ?? tx.today;
  const found = await findCustomersByIds(tx.db, [...new Set(customerIds)]);
  const setup = await loadRiskSetup(tx.db);
  const candidates = [...found.values()].filter(
    (c) =>
      c.risk_group_id !== null &&
      setup.setups.some((s) => s.riskGroupId === c.risk_group_id && s.currency === c.currency),
  );
  if (candidates.length === 0) return [];
  const [facts, rates] = await Promise.all([
    loadLedgerFacts(
      tx.db,
      candidates.map((c) => c.id),
      asOf,
    ),
    rateBook(tx),
  ]);
  // The ledger's sales are in AC; maxRevenue is in the setup's currency, the customer's (422 without a rate).
  const revenueOf = (c: CustomerRow, f: LedgerFacts): Money =>
    options.revenue?.get(c.id) ??
    (c.currency === rates.accountingCurrency
      ? f.sales12
      : fromAccounting(f.sales12, rates.require(c.currency, asOf, 'asOf')));
  const out: AutomaticLimitResult[] = [];
  for (const c of candidates.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const f = facts.get(c.id)!;
    const { contributions } = riskScore(
      setup.rules,
      inputsOf(c, f, asOf, { ...riskInputsOf(c), ...(options.userDefined?.[c.id] ?? {}) }),
    );
    const limit = automaticLimitFor(
      {
        riskGroupId: c.risk_group_id,
        currency: c.currency,
        revenue: revenueOf(c, f),
        inputs: new Map(contributions.map((x) => [x.scoringRuleId, x.input])),
      },
      setup.setups,
    );
    if (limit)
      out.push({
        customerId: c.id,
        creditLimit: limit.creditLimit,
        currency: c.currency,
        riskGroupId: c.risk_group_id!,
        setupId: limit.setupId,
        scoringRuleId: limit.scoringRuleId,
      });
  }
  return out;
}

import type { Reader } from '../../db/prepared-sql';
import { zodDetails, type ErrorDetail } from '../../http/errors';
import { groupBy, toBigInt } from '../../db/values';
import { formatMoney, formatRate } from '../../../shared/money';
import {
  projectLine,
  releasableHolds,
  validateJournalLines,
  type JournalLineInput as DomainLine,
  type JournalType,
} from '../../../shared/credit/adjustments';
import { accountingCurrency, loadCreditInput, loadCreditInputs } from '../credit-check/credit-input';
import { currentValues, openUnforcedHolds, type CurrentValues } from './journals.repository';
import { JournalLineInput } from './journals.schema';

/**
 * Journal lines as checked before anything is saved, and the `:validate` read model (what the sheet
 * shows before sending). Commands (journals.service.ts) check lines the same way.
 */

export interface CheckedLines {
  lines: (DomainLine | null)[];
  errors: ErrorDetail[];
  current: CurrentValues;
}

/** Shape (zod) and business rules of every line; `offset` numbers paths as the journal's own lines. */
export async function checkLines(
  r: Reader,
  type: JournalType,
  raw: readonly unknown[],
  taken: ReadonlySet<string>,
  offset = 0,
): Promise<CheckedLines> {
  const errors: ErrorDetail[] = [];
  const lines: (DomainLine | null)[] = [];
  for (const [i, line] of raw.entries()) {
    const p = JournalLineInput.safeParse(line);
    if (p.success) lines.push(p.data as DomainLine);
    else {
      errors.push(...zodDetails(p.error, `lines.${offset + i}`));
      lines.push(null);
    }
    await r.pace.step();
  }
  const valid = lines.flatMap((l, i) => (l ? [{ l, i }] : []));
  const current = await currentValues(
    r,
    valid.map((v) => v.l),
  );
  const domain = validateJournalLines(
    type,
    valid.map((v) => v.l),
    { customerExists: (id) => current.customers.has(id), groupExists: (id) => current.groups.has(id), today: r.today },
    taken,
  );
  for (const e of domain) errors.push({ path: `lines.${offset + valid[e.index]!.i}.${e.field}`, message: e.message });
  return { lines, errors, current };
}

/**
 * The `:validate` answer: what the sheet shows before sending. Per line: errors, the current and
 * new limit, projected available credit and percent used, and which held orders would pass with
 * the new limit — computed by the same shared functions the credit check runs. `taken` names
 * customers (`c:<id>`) and credit groups (`g:<id>`) already on the journal, so a caller validating
 * a long sheet in parts still finds duplicates across them.
 */
export async function validateJournal(
  r: Reader,
  body: { type: JournalType; lines: unknown[] },
  taken: ReadonlySet<string> = new Set(),
) {
  const today = r.today;
  const checked = await checkLines(r, body.type, body.lines, taken);
  const byLine = groupBy(checked.errors, (e) => Number(e.path.split('.')[1]));
  const asOf = today;
  const wanted = new Set<string>();
  for (let i = 0; i < checked.lines.length; i++) {
    const id = checked.lines[i]?.customerId;
    if (id && !byLine.has(i)) wanted.add(id);
  }
  // Held orders of the journal's customers: the hold list is short, so every open unforced hold is
  // read once and kept when its customer is in the journal (a journal may have 50,000 lines).
  const holds = wanted.size ? (await openUnforcedHolds(r.db)).filter((h) => wanted.has(h.customerId)) : [];
  const holdsOf = groupBy(holds, (h) => h.customerId);
  // A customer's limits and projected figures are in the accounting currency, a group's limit in its own.
  const ac = await accountingCurrency(r);

  const lines: ValidatedLine[] = [];
  // Lines in blocks of 1,000: the engine inputs of a block's customers are read together, so a
  // 50,000-line journal never holds 50,000 inputs at once.
  for (let from = 0; from < checked.lines.length; from += 1000) {
    const to = Math.min(from + 1000, checked.lines.length);
    const ids: string[] = [];
    for (let i = from; i < to; i++) {
      const id = checked.lines[i]?.customerId;
      if (id && !byLine.has(i)) ids.push(id);
    }
    const inputs = ids.length ? await loadCreditInputs(r, ids, asOf) : undefined;
    for (let index = from; index < to; index++) {
      await r.pace.step();
      const l = checked.lines[index];
      const errors = byLine.get(index);
      const customerId = l?.customerId ?? null;
      const creditGroupId = l?.creditGroupId ?? null;
      const current = customerId
        ? checked.current.customers.get(customerId)?.creditLimit
        : creditGroupId
          ? checked.current.groups.get(creditGroupId)?.creditLimit
          : undefined;
      const input = !errors && customerId ? inputs?.get(customerId) : undefined;
      const projection = input ? projectLine(input, body.type, l!) : null;
      const holdInputs = [];
      if (input) {
        for (const h of holdsOf.get(customerId!) ?? []) {
          holdInputs.push({
            holdId: h.holdId,
            input: await loadCreditInput(r, {
              customerId: customerId!,
              asOf,
              excludeOrderId: h.orderId,
              orderCurrency: h.currency,
              order: {
                amount: toBigInt(h.amount) - toBigInt(h.invoiced_amount),
                paymentTermsId: h.payment_terms_id,
                cashDiscountId: h.cash_discount_id,
                excludeFromCreditManagement: h.exclude_from_credit_management === 1,
              },
            }),
          });
        }
      }
      lines.push({
        index,
        status: errors ? 'error' : 'ok',
        errors: errors ?? [],
        customerId,
        creditGroupId,
        currency: customerId
          ? ac
          : creditGroupId
            ? (checked.current.groups.get(creditGroupId)?.currency ?? null)
            : null,
        currentCreditLimit: current === undefined ? null : formatMoney(current),
        newCreditLimit: l ? formatMoney(l.newCreditLimit) : null,
        currentAvailableCredit:
          projection?.currentAvailableCredit == null ? null : formatMoney(projection.currentAvailableCredit),
        projectedAvailableCredit:
          projection?.projectedAvailableCredit == null ? null : formatMoney(projection.projectedAvailableCredit),
        projectedPercentUsed:
          projection?.projectedPercentUsed == null ? null : formatRate(projection.projectedPercentUsed),
        releasableHolds: holdInputs.length ? releasableHolds(holdInputs, body.type, l!) : [],
      });
    }
  }
  return { valid: checked.errors.length === 0, lines };
}

/** One line of the `:validate` answer. */
interface ValidatedLine {
  index: number;
  status: 'ok' | 'error';
  errors: ErrorDetail[];
  customerId: string | null;
  creditGroupId: string | null;
  currency: string | null;
  currentCreditLimit: string | null;
  newCreditLimit: string | null;
  currentAvailableCredit: string | null;
  projectedAvailableCredit: string | null;
  projectedPercentUsed: string | null;
  releasableHolds: string[];
}

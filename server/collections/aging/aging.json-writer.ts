import type { AgingDefinition } from '../../../shared/collections/aging';
import type { ListRow, RunFields, SnapshotSqlRow } from './aging.repository';
import type { AgingCurrency, AgingRowJson } from './aging.schema';
import type { CustomerViewJson } from '../snapshots/customer-view';
import { formatMinorUnits as moneyText } from '../../../shared/money';

/**
 * The aging list's rows as JSON text, written by hand: GET /aging answers up to 50,000 rows, and
 * building an object per row for JSON.stringify costs more than the list's SQL. The text equals
 * what AgingRowSchema gives for the same row (test/api/aging-json-writer.test.ts).
 */

/** The stored period amounts, as the decimal strings the API shows. */
export function snapshotAmounts(row: Pick<SnapshotSqlRow, 'buckets'>): string[] {
  // The stored array holds only decimal strings (no quotes or escapes inside), written by
  // JSON.stringify: splitting its text is the same as parsing it, and cheaper for 10,000 rows.
  return row.buckets.slice(2, -2).split('","');
}

/**
 * Whether a row has no customer-currency view although its customer's currency is not the run's
 * accounting currency: the run found no exchange rate on its as-of date (collections.md §2.3), so
 * the customer view of the row cannot be shown (GET /aging?currency=customer answers 422).
 */
export const customerViewMissing = (row: Pick<ListRow, 'customer_currency' | 'customer_view'>, run: RunFields) =>
  row.customer_view === null && row.customer_currency !== run.currency;

/**
 * Writes aging rows as JSON text: the run's fields and the bucket labels are encoded once per run
 * and per definition, each row adds only its own values (10,000 rows without building objects).
 *
 * In the company view (`accounting`) every row is in its run's accounting currency. In the
 * customer view a row with a stored customer-currency view (migration 011) shows that, in the
 * customer's currency; a row of a customer in the accounting currency is the same row. A row
 * {@link customerViewMissing} must not be written in the customer view (the caller answers 422).
 */
export class AgingRowWriter {
  private readonly labels: string[];
  private readonly runs = new Map<string, { head: string; tail: string }>();
  constructor(
    def: AgingDefinition,
    private readonly currency: AgingCurrency = 'accounting',
  ) {
    this.labels = def.lines.map((l) => `{"label":${JSON.stringify(l.label)},"amount":"`);
  }
  private run(seq: string, run: RunFields) {
    let parts = this.runs.get(seq);
    if (!parts) {
      parts = {
        head: `"asOf":"${run.as_of}","currency":${JSON.stringify(run.currency)},`,
        tail: `"snapshotAt":"${run.processed_at}",`,
      };
      this.runs.set(seq, parts);
    }
    return parts;
  }
  text(row: ListRow, run: RunFields, stale: boolean): string {
    const { head, tail } = this.run(String(row.seq), run);
    if (this.currency === 'customer' && row.customer_view !== null)
      // The row in its customer's currency: the stored view's decimal strings as they are.
      return this.compose(
        row,
        `"asOf":"${run.as_of}","currency":${JSON.stringify(row.customer_currency)},`,
        tail,
        JSON.parse(row.customer_view) as CustomerViewJson,
        stale,
      );
    if (this.currency === 'customer' && customerViewMissing(row, run))
      throw new Error(`aging row ${row.customer_id} has no customer-currency view`);
    return this.compose(
      row,
      head,
      tail,
      {
        amountDue: moneyText(row.amount_due),
        buckets: snapshotAmounts(row),
        unbucketedAmount: moneyText(row.unbucketed_amount),
        indicator: row.indicator,
        creditLimit: moneyOrNull(row.credit_limit),
        remainingCredit: moneyOrNull(row.remaining_credit),
        packingSlipAmount: moneyText(row.packing_slip_amount),
        salesOrderAmount: moneyText(row.sales_order_amount),
        disputedAmount: moneyText(row.disputed_amount),
      },
      stale,
    );
  }
  /** One row's text: its own fields, the run's (`head`, `tail`) and its amounts as decimal strings. */
  private compose(row: ListRow, head: string, tail: string, a: RowAmounts, stale: boolean): string {
    let buckets = '';
    for (let i = 0; i < this.labels.length; i++)
      buckets += `${i ? ',' : ''}${this.labels[i]}${a.buckets[i] ?? '0.00'}"}`;
    // Ids match the Id schema (letters, digits, "_", "." and "-"), so they need no JSON escaping.
    return (
      `{"id":"${row.definition_id}:${row.customer_id}","customerId":"${row.customer_id}","name":${JSON.stringify(row.name)},${head}` +
      `"amountDue":"${a.amountDue}","buckets":[${buckets}],"unbucketedAmount":"${a.unbucketedAmount}","indicator":${JSON.stringify(a.indicator)},${tail}` +
      `"stale":${stale},"creditLimit":${textOrNull(a.creditLimit)},"remainingCredit":${textOrNull(a.remainingCredit)},"packingSlipAmount":"${a.packingSlipAmount}",` +
      `"salesOrderAmount":"${a.salesOrderAmount}","disputedAmount":"${a.disputedAmount}","disputedCount":${Number(row.disputed_count)},"version":${row.version}}`
    );
  }
}

/** A row's amounts as the decimal strings the API shows: the shape the stored customer view has. */
type RowAmounts = CustomerViewJson;

const moneyOrNull = (v: number | string | null) => (v === null ? null : moneyText(v));
const textOrNull = (v: string | null) => (v === null ? 'null' : `"${v}"`);

/** One snapshot row as the API shows it, in the company view or the customer's currency. */
export function snapshotToJson(
  row: SnapshotSqlRow,
  def: AgingDefinition,
  stale: boolean,
  currency: AgingCurrency = 'accounting',
): AgingRowJson {
  return JSON.parse(new AgingRowWriter(def, currency).text(row, row, stale)) as AgingRowJson;
}

/** The header fields of the aging list (everything but its rows). */
export interface AgingListHead {
  definitionId: string;
  currencyView: AgingCurrency;
  periods: string[];
  poolId: string | null;
  pools: { id: string; name: string; isDefault: boolean }[];
  lastSeq: number;
  runs: {
    snapshotAt: string;
    asOf: string;
    criteria: string;
    creditPlacement: string;
    currency: string;
    processedBy: string | null;
  }[];
  removed?: string[];
  nextCursor: string | null;
}

/** GET /aging's body, the header encoded once and the rows spliced in as written. */
export function agingListBody(list: AgingListHead & { items: string[] }): string {
  const head = JSON.stringify({
    definitionId: list.definitionId,
    currencyView: list.currencyView,
    periods: list.periods,
    poolId: list.poolId,
    pools: list.pools,
    lastSeq: list.lastSeq,
    runs: list.runs,
    ...(list.removed ? { removed: list.removed } : {}),
    nextCursor: list.nextCursor,
  });
  return `${head.slice(0, -1)},"items":[${list.items.join(',')}]}`;
}

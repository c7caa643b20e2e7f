import type { AgingDefinition } from '../../../shared/collections/aging';
import type { ListRow, RunFields, SnapshotSqlRow } from './aging.repository';
import type { AgingRowJson } from './aging.schema';
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
 * Writes aging rows as JSON text: the run's fields and the bucket labels are encoded once per run
 * and per definition, each row adds only its own values (10,000 rows without building objects).
 */

export class AgingRowWriter {
  private readonly labels: string[];
  private readonly runs = new Map<string, { head: string; tail: string }>();
  constructor(def: AgingDefinition) {
    this.labels = def.lines.map((l) => `{"label":${JSON.stringify(l.label)},"amount":"`);
  }
  private run(seq: string, run: RunFields) {
    let parts = this.runs.get(seq);
    if (!parts) {
      parts = {
        head: `"asOf":"${run.as_of}",`,
        tail: `"snapshotAt":"${run.processed_at}",`,
      };
      this.runs.set(seq, parts);
    }
    return parts;
  }
  text(row: ListRow, run: RunFields, stale: boolean): string {
    const { head, tail } = this.run(String(row.seq), run);
    const amounts = snapshotAmounts(row);
    let buckets = '';
    for (let i = 0; i < this.labels.length; i++) buckets += `${i ? ',' : ''}${this.labels[i]}${amounts[i] ?? '0.00'}"}`;
    // Ids match the Id schema (letters, digits, "_", "." and "-"), so they need no JSON escaping.
    return (
      `{"id":"${row.definition_id}:${row.customer_id}","customerId":"${row.customer_id}","name":${JSON.stringify(row.name)},${head}` +
      `"amountDue":"${moneyText(row.amount_due)}","buckets":[${buckets}],"unbucketedAmount":"${moneyText(row.unbucketed_amount)}","indicator":${JSON.stringify(row.indicator)},${tail}` +
      `"stale":${stale},"creditLimit":${moneyOrNull(row.credit_limit)},"remainingCredit":${moneyOrNull(row.remaining_credit)},"packingSlipAmount":"${moneyText(row.packing_slip_amount)}",` +
      `"salesOrderAmount":"${moneyText(row.sales_order_amount)}","disputedAmount":"${moneyText(row.disputed_amount)}","disputedCount":${Number(row.disputed_count)},"version":${row.version}}`
    );
  }
}

const moneyOrNull = (v: number | string | null) => (v === null ? 'null' : `"${moneyText(v)}"`);

/** One snapshot row as the API shows it. */
export function snapshotToJson(row: SnapshotSqlRow, def: AgingDefinition, stale: boolean): AgingRowJson {
  return JSON.parse(new AgingRowWriter(def).text(row, row, stale)) as AgingRowJson;
}

/** The header fields of the aging list (everything but its rows). */
export interface AgingListHead {
  definitionId: string;
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

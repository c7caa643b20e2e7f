import { sqlAll, sqlRows, type Reader } from '../../db/prepared-sql';
import { AGING_SNAPSHOT } from '../snapshots/snapshots.repository';

// The snapshot rows of the aging list, with their customer's name and their run's fields.

export interface SnapshotSqlRow {
  definition_id: string;
  customer_id: string;
  seq: number | string;
  amount_due: number | string;
  buckets: string;
  unbucketed_amount: number | string;
  indicator: string | null;
  credit_limit: number | string | null;
  remaining_credit: number | string | null;
  packing_slip_amount: number | string;
  sales_order_amount: number | string;
  disputed_count: number;
  disputed_amount: number | string;
  version: number;
  /** The customer's name (joined). */
  name: string;
  /** The customer's currency and the row in it (null: the AC row itself, or no rate; migration 011). */
  customer_currency: string;
  customer_view: string | null;
  /** The run's fields (joined). */
  as_of: string;
  criteria: string;
  credit_placement: string;
  currency: string;
  processed_at: string;
  processed_by: string | null;
}

const ROW_COLUMNS = `s.definition_id, s.customer_id, s.seq, s.amount_due, s.buckets, s.unbucketed_amount, s.indicator, s.credit_limit, s.remaining_credit,
  s.packing_slip_amount, s.sales_order_amount, s.disputed_count, s.disputed_amount, s.version, c.name, s.customer_currency, s.customer_view`;
const SNAPSHOT_SQL = `select ${ROW_COLUMNS}, r.as_of, r.criteria, r.credit_placement, r.currency, r.processed_at, r.processed_by
  from aging_snapshots s join customers c on c.id = s.customer_id join aging_runs r on r.seq = s.seq where s.definition_id = ?`;

/** The snapshot rows of a definition (or of one customer), ordered by customer id, with their run's fields. */
export function snapshotRows(r: Reader, definitionId: string, customerId?: string): Promise<SnapshotSqlRow[]> {
  return customerId === undefined
    ? sqlAll<SnapshotSqlRow>(r, `${SNAPSHOT_SQL} order by s.customer_id`, [definitionId])
    : sqlAll<SnapshotSqlRow>(r, `${SNAPSHOT_SQL} and s.customer_id = ?`, [definitionId, customerId]);
}

const STALE_SQL = `select t.customer_id as id, max(c.seq) as seq from changes c join transactions t on t.id = c.entity_id
  where c.entity = 'transaction' and c.seq > ? group by t.customer_id`;

/** The sequence of each customer's newest ledger change after `after` (for staleness and `since`). */
export async function ledgerChangesAfter(r: Reader, after: number): Promise<Map<string, number>> {
  const rows = await sqlAll<{ id: string; seq: number | string }>(r, STALE_SQL, [after]);
  return new Map(rows.map((x) => [x.id, Number(x.seq)]));
}

/** The run's fields of a snapshot row. */
export type RunFields = Pick<
  SnapshotSqlRow,
  'as_of' | 'criteria' | 'credit_placement' | 'currency' | 'processed_at' | 'processed_by'
>;
/** A snapshot row of the list, without its run's fields (each run is read once). */
export type ListRow = Omit<SnapshotSqlRow, keyof RunFields>;

const LIST_SQL = `select ${ROW_COLUMNS} from aging_snapshots s join customers c on c.id = s.customer_id
  where s.definition_id = ? and s.customer_id > ? order by s.customer_id`;
const RUNS_SQL = `select seq, as_of, criteria, credit_placement, currency, processed_at, processed_by from aging_runs where definition_id = ?`;

/** A row read as an array (sqlRows, in ROW_COLUMNS order) as an object built in JS, which is cheaper than the driver's. */
const listRow = (a: unknown[]): ListRow => ({
  definition_id: a[0] as string,
  customer_id: a[1] as string,
  seq: a[2] as number | string,
  amount_due: a[3] as number | string,
  buckets: a[4] as string,
  unbucketed_amount: a[5] as number | string,
  indicator: a[6] as string | null,
  credit_limit: a[7] as number | string | null,
  remaining_credit: a[8] as number | string | null,
  packing_slip_amount: a[9] as number | string,
  sales_order_amount: a[10] as number | string,
  disputed_count: Number(a[11]),
  disputed_amount: a[12] as number | string,
  version: Number(a[13]),
  name: a[14] as string,
  customer_currency: a[15] as string,
  customer_view: a[16] as string | null,
});

/** The list rows of a definition after customer id `after`, in customer id order. */
export async function listRows(r: Reader, definitionId: string, after: string): Promise<ListRow[]> {
  return (await sqlRows(r, LIST_SQL, [definitionId, after])).map(listRow);
}

/** The runs of a definition (each snapshot row names its run by `seq`). */
export function runsOf(r: Reader, definitionId: string): Promise<(RunFields & { seq: number | string })[]> {
  return sqlAll<RunFields & { seq: number | string }>(r, RUNS_SQL, [definitionId]);
}

/** Customer ids whose snapshot row of a definition was deleted after `since`. */
export async function removedSnapshotCustomers(r: Reader, definitionId: string, since: number): Promise<string[]> {
  const gone = await sqlAll<{ entity_id: string }>(
    r,
    `select entity_id from changes where entity = ? and op = 'delete' and seq > ? and entity_id like ?`,
    [AGING_SNAPSHOT, since, `${definitionId}:%`],
  );
  return [...new Set(gone.map((g) => g.entity_id.slice(definitionId.length + 1)))];
}

// ---------------------------------------------------------------------------------------------
// The historical aged-balance report (§2.3, E32): open amounts rebuilt from settlements

// Each side's open amount moves by what a settlement moved on that side: the debit by `amount` (its
// TC) and `debit_amount_accounting`, the credit by `credit_amount` (its TC) and
// `credit_amount_accounting`; a reversal row (`reverses_id` set) gives the same amounts back.
const REPORT_SQL = (
  oneCustomer: boolean,
) => `select t.id, t.customer_id, t.currency, t.due_date, t.trans_date, t.document_date,
    t.amount - coalesce(sd.s, 0) + coalesce(sc.s, 0) as open,
    t.amount_accounting - coalesce(sd.ac, 0) + coalesce(sc.ac, 0) as open_accounting
  from transactions t
  left join (select debit_id, sum(case when reverses_id is null then amount else -amount end) as s,
      sum(case when reverses_id is null then debit_amount_accounting else -debit_amount_accounting end) as ac
    from settlements where settle_date <= ? group by debit_id) sd on sd.debit_id = t.id
  left join (select credit_id, sum(case when reverses_id is null then credit_amount else -credit_amount end) as s,
      sum(case when reverses_id is null then credit_amount_accounting else -credit_amount_accounting end) as ac
    from settlements where settle_date <= ? group by credit_id) sc on sc.credit_id = t.id
  where t.trans_date <= ?${oneCustomer ? ' and t.customer_id = ?' : ''}
  order by t.customer_id`;

/**
 * Every transaction posted by `balanceAsOf` (of one customer, or all) at its open amounts after the
 * settlements dated on or before it: `open` in its currency (TC), `open_accounting` in the
 * accounting currency.
 */
export function openAmountsAsOf(r: Reader, balanceAsOf: string, customerId?: string) {
  const params: unknown[] = [balanceAsOf, balanceAsOf, balanceAsOf];
  if (customerId) params.push(customerId);
  return sqlAll<{
    id: string;
    customer_id: string;
    currency: string;
    due_date: string | null;
    trans_date: string;
    document_date: string | null;
    open: number | string;
    open_accounting: number | string;
  }>(r, REPORT_SQL(!!customerId), params);
}

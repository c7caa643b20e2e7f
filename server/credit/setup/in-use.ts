import type { Tx } from '../../db/transaction';
import { ruleViolation } from '../../http/errors';

/**
 * Setup rows other data names cannot be deleted (issue 18, "no dangling references"): a customer,
 * an open order, a blocking rule, a hold … that names a deleted payment term would carry an id
 * nothing resolves any more. A delete is refused with a 422 that names one user of each kind.
 */
export interface Use {
  /** What uses the row, in words: `customer`, `open sales order`, `blocking rule` … */
  what: string;
  /** The id of one such user, or undefined when there is none. */
  find(tx: Tx, id: string): Promise<string | undefined>;
}

type Column = string;

/** A table's rows naming the setup row in `column` (optionally only those matching `where`). */
function rowsOf(
  table: 'customers' | 'sales_orders' | 'blocking_rules' | 'holds' | 'write_offs' | 'nsf_records',
  what: string,
  column: Column,
  where?: [Column, string],
): Use {
  return {
    what,
    async find(tx, id) {
      let q = tx.db
        .selectFrom(table as 'customers')
        .select('id' as const)
        .where(column as 'id', '=', id);
      if (where) q = q.where(where[0] as 'id', '=', where[1]);
      const row = await q.limit(1).executeTakeFirst();
      return row === undefined ? undefined : String(row.id);
    },
  };
}

export const USES = {
  customers: (column: Column): Use => rowsOf('customers', 'customer', column),
  openOrders: (column: Column): Use => rowsOf('sales_orders', 'open sales order', column, ['status', 'open']),
  rules: (column: Column, where?: [Column, string]): Use => rowsOf('blocking_rules', 'blocking rule', column, where),
  holds: (column: Column): Use => rowsOf('holds', 'credit hold', column),
  writeOffs: (): Use => rowsOf('write_offs', 'write-off', 'reason_code'),
  nsfRecords: (): Use => rowsOf('nsf_records', 'NSF record', 'reason_code'),
};

/** The beforeDelete of a setup kind: refuses (422) while any of `uses` names the row, naming one of each. */
export function refuseWhileUsed(noun: string, uses: readonly Use[]): (tx: Tx, id: string) => Promise<void> {
  return async (tx, id) => {
    const found: string[] = [];
    for (const use of uses) {
      const by = await use.find(tx, id);
      if (by !== undefined) found.push(`${use.what} ${by}`);
    }
    if (found.length) {
      throw ruleViolation(
        `${noun} ${id} is in use (${found.join(', ')}); change or remove those first`,
        found.map((f) => ({ path: 'id', message: `used by ${f}` })),
      );
    }
  };
}

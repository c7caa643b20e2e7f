import type { Kysely, Selectable } from 'kysely';
import type { Database, SalesOrdersTable } from '../db/schema';
import { formatMoney } from '../../shared/money';
import { toBigInt, toBool } from '../db/values';
import type { SalesOrder } from './sales-orders.schema';

type Db = Kysely<Database>;
export type SalesOrderRow = Selectable<SalesOrdersTable>;

/** Not yet delivered nor invoiced: what counts as "open orders" in exposure. */
export const undeliveredAmount = (r: SalesOrderRow) =>
  toBigInt(r.amount) - toBigInt(r.invoiced_amount) - toBigInt(r.delivered_not_invoiced);

export function salesOrderRowToSalesOrder(r: SalesOrderRow): SalesOrder {
  return {
    id: r.id,
    customerId: r.customer_id,
    amount: formatMoney(toBigInt(r.amount)),
    currency: r.currency,
    deliveredNotInvoiced: formatMoney(toBigInt(r.delivered_not_invoiced)),
    invoicedAmount: formatMoney(toBigInt(r.invoiced_amount)),
    openAmount: formatMoney(undeliveredAmount(r)),
    status: r.status as SalesOrder['status'],
    paymentTermsId: r.payment_terms_id,
    cashDiscountId: r.cash_discount_id,
    excludeFromCreditManagement: toBool(r.exclude_from_credit_management),
    creditStatus: r.credit_status as SalesOrder['creditStatus'],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

/** `lock` (PostgreSQL only) takes the row lock, so a concurrent change or posting waits and then sees this one's result. */
export function findSalesOrder(db: Db, id: string, lock = false): Promise<SalesOrderRow | undefined> {
  const query = db.selectFrom('sales_orders').selectAll().where('id', '=', id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

export async function saveSalesOrder(db: Db, row: SalesOrderRow, isNew: boolean): Promise<void> {
  if (isNew) await db.insertInto('sales_orders').values(row).execute();
  else await db.updateTable('sales_orders').set(row).where('id', '=', row.id).execute();
}

export function listSalesOrders(
  db: Db,
  q: { customerId?: string; status?: string; since?: number; limit: number; after?: string },
): Promise<SalesOrderRow[]> {
  let query = db
    .selectFrom('sales_orders')
    .selectAll()
    .orderBy('id')
    .limit(q.limit + 1);
  if (q.customerId) query = query.where('customer_id', '=', q.customerId);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  if (q.since !== undefined) {
    const since = q.since;
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('changes').select('entity_id').where('entity', '=', 'salesOrder').where('seq', '>', since),
    );
  }
  return query.execute();
}

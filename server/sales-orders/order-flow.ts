/**
 * The order commands that pass through credit management, each one explicit: posting (what
 * refuses any posting, then the credit gate, then the posting's effect) and canceling (the order,
 * then its open hold). The routes call these; there is no other way to post an order, so no entry
 * point can post one without the credit check.
 */
import type { Tx } from '../db/transaction';
import { lockRows } from '../customers/customers.service';
import { cancelHoldOfOrder, creditGate } from '../credit/holds/holds.service';
import type { Hold } from '../credit/holds/holds.repository';
import { applyPosting, cancelOrder, refusePosting, requireSalesOrder } from './sales-orders.service';
import { salesOrderRowToSalesOrder } from './sales-orders.repository';
import type { PostingInput, SalesOrder } from './sales-orders.schema';

/** Posts an order through a checkpoint: `posted: false` with the hold when the credit check holds it. */
export async function postSalesOrder(
  tx: Tx,
  id: string,
  input: PostingInput,
): Promise<{ posted: boolean; order: SalesOrder; invoiceId?: string; hold?: Hold }> {
  const order = await requireSalesOrder(tx, id, lockRows(tx));
  const posting = { ...input, asOf: input.asOf ?? tx.today };
  await refusePosting(tx, order, posting);
  const gate = await creditGate(tx, order, posting);
  // The gate may have saved the order (a hold, a passed check's grace window): read it again.
  const checked = await requireSalesOrder(tx, id);
  if (gate.held) return { posted: false, order: salesOrderRowToSalesOrder(checked), hold: gate.hold };
  return applyPosting(tx, checked, posting);
}

/** Cancels an open order (If-Match) and its open hold. */
export async function cancelSalesOrder(tx: Tx, id: string, ifMatch: number): Promise<SalesOrder> {
  const order = await cancelOrder(tx, id, ifMatch);
  await cancelHoldOfOrder(tx, id);
  return order;
}

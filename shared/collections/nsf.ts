/**
 * NSF (collections.md §3.5): which transactions may be recorded as a bounced payment. Pure.
 * The effects (settlements reversed, a reversing debit settled against the payment, the bank's
 * NSF fee) are applied by the server in one transaction.
 */
import { withArticle } from '../words';

export interface NsfCandidate {
  id: string;
  type: string;
  bankAccountId: string | null;
  canceled: boolean;
}

/**
 * The reason an NSF is refused (§3.5, E29), or null: only a payment, with a bank account, not
 * canceled before.
 * @example
 * nsfRefusal({ id: 'INV-N1', type: 'invoice', bankAccountId: null, canceled: false }); // 'transaction INV-N1 is not a payment …'
 */
export function nsfRefusal(t: NsfCandidate): string | null {
  if (t.type !== 'payment')
    return `transaction ${t.id} is not a payment (it is ${withArticle(t.type)}); only payments can be returned as NSF`;
  if (!t.bankAccountId)
    return `payment ${t.id} has no bank account; NSF applies to payments received through a bank account`;
  if (t.canceled)
    return `payment ${t.id} is already canceled (an NSF cannot be recorded twice; book a replacement payment instead)`;
  return null;
}

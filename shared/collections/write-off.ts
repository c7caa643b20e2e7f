/**
 * Write-off journal lines (collections.md §3.4): per (currency, posting profile) combination a
 * customer line for the opposite of the net open amount, a ledger line to the write-off account
 * and, with `separateSalesTax`, a tax line per tax account moving the tax share of the open
 * amounts. Pure; amounts are bigint minor units.
 *
 * Decisions:
 * - Tax share of an item = open × tax / amount, rounded half-up once per item (§3.4 [assume:
 *   proportional]); the tax line carries the sum, the ledger line the net less that sum.
 * - A combination whose net is zero gets no lines (nothing to write off there).
 * - Lines are `{debit, credit}` with positive amounts and one side filled (SPEC §5).
 */
import { divRoundHalfUp, type Money } from '../money';

export interface WriteOffItem {
  transactionId: string;
  currency: string;
  postingProfile: string | null;
  /** Signed: debits positive, credits negative. */
  openAmount: Money;
  amount: Money;
  taxAmount: Money;
}

export interface WriteOffAccounts {
  /** The write-off (ledger) account of a posting profile. */
  ledgerAccount: string;
  /** Where the tax share goes (null: no separate tax line for this profile). */
  taxAccount: string | null;
}

type WriteOffLineType = 'customer' | 'ledger' | 'tax';

export interface WriteOffLine {
  lineType: WriteOffLineType;
  accountId: string | null;
  currency: string;
  postingProfile: string | null;
  debit: Money;
  credit: Money;
}

/** The tax share of an open amount, proportional to the invoice's tax (0 without tax). */
function taxShare(item: Pick<WriteOffItem, 'openAmount' | 'amount' | 'taxAmount'>): Money {
  if (item.taxAmount === 0n || item.amount === 0n) return 0n;
  return divRoundHalfUp(item.openAmount * item.taxAmount, item.amount);
}

const side = (signed: Money): { debit: Money; credit: Money } =>
  signed >= 0n ? { debit: signed, credit: 0n } : { debit: 0n, credit: -signed };

/**
 * The journal lines for the marked items, in combination order (currency, then posting profile).
 * @example
 * // E25: INV-1 1,100 (tax 100), INV-2 500, CN-1 −200, separate tax → customer credit 1,400; 618000 debit 1,300; tax debit 100
 * writeOffLines(items, () => ({ ledgerAccount: '618000', taxAccount: '222200' }), { customerId: 'C9', separateSalesTax: true });
 */
export function writeOffLines(
  items: readonly WriteOffItem[],
  accountsFor: (postingProfile: string | null) => WriteOffAccounts,
  options: { customerId: string; separateSalesTax: boolean },
): WriteOffLine[] {
  const groups = new Map<string, WriteOffItem[]>();
  for (const i of items) {
    const key = `${i.currency}\u0000${i.postingProfile ?? ''}`;
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  }
  const lines: WriteOffLine[] = [];
  for (const key of [...groups.keys()].sort()) {
    const group = groups.get(key)!;
    const { currency, postingProfile } = group[0]!;
    const net = group.reduce((s, i) => s + i.openAmount, 0n);
    if (net === 0n) continue;
    const accounts = accountsFor(postingProfile);
    const tax = options.separateSalesTax && accounts.taxAccount ? group.reduce((s, i) => s + taxShare(i), 0n) : 0n;
    lines.push({ lineType: 'customer', accountId: options.customerId, currency, postingProfile, ...side(-net) });
    lines.push({ lineType: 'ledger', accountId: accounts.ledgerAccount, currency, postingProfile, ...side(net - tax) });
    if (tax !== 0n)
      lines.push({ lineType: 'tax', accountId: accounts.taxAccount, currency, postingProfile, ...side(tax) });
  }
  return lines;
}

/**
 * Pairs debits with credits until both sides are used up (the settlements a posted write-off
 * makes: the customer line against the marked items, and the marked items among themselves).
 * Largest first, so the fewest settlements close everything.
 * @example
 * settlementPairs([{ id: 'INV', open: 500n }], [{ id: 'WO', open: -500n }]); // [{ debitId: 'INV', creditId: 'WO', amount: 500n }]
 */
export function settlementPairs(
  debits: readonly { id: string; open: Money }[],
  credits: readonly { id: string; open: Money }[],
): { debitId: string; creditId: string; amount: Money }[] {
  const d = debits.filter((x) => x.open > 0n).map((x) => ({ ...x }));
  const c = credits.filter((x) => x.open < 0n).map((x) => ({ id: x.id, open: -x.open }));
  const out: { debitId: string; creditId: string; amount: Money }[] = [];
  let i = 0;
  let j = 0;
  while (i < d.length && j < c.length) {
    const amount = d[i]!.open < c[j]!.open ? d[i]!.open : c[j]!.open;
    out.push({ debitId: d[i]!.id, creditId: c[j]!.id, amount });
    d[i]!.open -= amount;
    c[j]!.open -= amount;
    if (d[i]!.open === 0n) i++;
    if (c[j]!.open === 0n) j++;
  }
  return out;
}

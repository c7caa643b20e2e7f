import type { Actor } from '../../db/transaction';
import type { Reader } from '../../db/prepared-sql';
import { ruleViolation } from '../../http/errors';
import { toBigInt, toBigIntOrNull } from '../../db/values';
import type { SetupJson } from '../../credit/setup/setup.resource';
import type { AgingDefinition } from '../../../shared/collections/aging';
import type { PoolCustomer, PoolSnapshot } from '../../../shared/collections/pools';
import { parseMoney } from '../../../shared/money';
import { agentsOf, poolsOf } from '../setup/setup.kinds';
import type { ListRow } from './aging.repository';

// Which pool the aging list shows (collections.md §5), and a snapshot row as pool criteria read it.

interface OfferedPool {
  id: string;
  name: string;
  isDefault: boolean;
}

export interface PoolChoice {
  /** The pools the caller's picker offers (empty for non-agents: they cannot filter by pool). */
  offered: OfferedPool[];
  /** The pool applied to the list, or null (every customer with a snapshot). */
  pool: SetupJson | null;
}

/**
 * The pool visibility rules of §5: a user who is not an agent sees every customer and cannot
 * filter by pool; an agent with pools is offered those (plus every collections pool with
 * allowViewAllPools) and gets the default pool when none is asked for; an agent without pools sees
 * every customer. Asking for a pool that is not offered is a 422 naming `poolId`.
 */
export async function choosePool(r: Reader, actor: Actor, poolId: string | undefined): Promise<PoolChoice> {
  const agent = actor.userId === null ? undefined : (await agentsOf(r)).get(actor.userId);
  const pools = await poolsOf(r);
  if (!agent) {
    if (poolId !== undefined)
      throw ruleViolation(
        'only collections agents filter the aging list by pool (collections.md §5); leave poolId out to see every customer',
        [{ path: 'poolId', message: 'you are not a collections agent' }],
      );
    return { offered: [], pool: null };
  }
  const own = (agent.poolIds as string[]).filter((id) => pools.has(id));
  const ids = agent.allowViewAllPools
    ? [...own, ...[...pools.values()].filter((p) => p.type === 'collections' && !own.includes(p.id)).map((p) => p.id)]
    : own;
  const defaultId = (agent.defaultPoolId as string | null) ?? own[0] ?? null;
  const offered = ids.map((id) => ({ id, name: String(pools.get(id)!.name), isDefault: id === defaultId }));
  if (poolId !== undefined) {
    if (!ids.includes(poolId))
      throw ruleViolation(`pool ${poolId} is not one of your pools; you can choose ${ids.join(', ') || 'none'}`, [
        { path: 'poolId', message: 'is not offered to you' },
      ]);
    return { offered, pool: pools.get(poolId)! };
  }
  return { offered, pool: defaultId !== null && own.length > 0 ? (pools.get(defaultId) ?? null) : null };
}

/** A snapshot row as pool criteria read it (`amounts`: its period amounts, oldest first). */
export function poolSnapshot(row: ListRow, def: AgingDefinition, amounts: string[]): PoolSnapshot {
  return {
    amountDue: toBigInt(row.amount_due),
    disputedAmount: toBigInt(row.disputed_amount),
    disputedCount: Number(row.disputed_count),
    creditLimit: toBigIntOrNull(row.credit_limit),
    remainingCredit: toBigIntOrNull(row.remaining_credit),
    unbucketedAmount: toBigInt(row.unbucketed_amount),
    periods: new Map(def.lines.map((l, i) => [l.label, parseMoney(amounts[i] ?? '0')])),
  };
}

/** A pool reading only snapshot fields needs no customer fields. */
export const NO_CUSTOMER_FIELDS: PoolCustomer = {
  customerId: null,
  name: null,
  customerGroup: null,
  currency: null,
  accountStatusId: null,
  creditManagementGroupId: null,
  riskGroupId: null,
  postingProfile: null,
  salesGroup: null,
};

import { z } from '@hono/zod-openapi';
import type { Tx } from '../../db/transaction';
import type { SetupReader } from '../../db/setup-cache';
import { ruleViolation } from '../../http/errors';
import { idOf } from '../../http/schemas';
import { setupRowsCached, type SetupJson, type SetupKind } from '../../credit/setup/setup.resource';
import { findUser } from '../../users/users.service';
import { getParameters } from '../../credit/parameters/parameters.service';
import { validateDefinition, type AgingDefinition, type AgingLine } from '../../../shared/collections/aging';
import {
  POOL_OPERATORS,
  validatePoolCriteria,
  type PoolCriterion,
  type PoolType,
} from '../../../shared/collections/pools';
import { AGING_SNAPSHOT, deleteSnapshotsOf, snapshotId } from '../snapshots/snapshots.repository';

/**
 * Collections setup with natural ids, upserted with PUT like the credit setup kinds
 * (SPEC §5 contract details): aging period definitions, customer pools and agents.
 */
const TAG = 'Collections setup';

/** `lines[2].unit` (the pure validator's path) → ['lines', 2, 'unit'] (a zod issue path). */
const issuePath = (path: string): (string | number)[] =>
  path
    .split(/[.[\]]+/)
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));

/** The most units of each interval a line may reach from the as-of date: a century. */
const MAX_UNITS: Partial<Record<string, number>> = { day: 36_500, week: 5_215, month: 1_200, quarter: 400, year: 100 };

const AgingLineIn = z
  .strictObject({
    label: z
      .string()
      .trim()
      .min(1)
      .max(60)
      .openapi({ example: '1-30', description: 'the column caption, at most 60 characters' }),
    unit: z
      .number()
      .int()
      .min(-3650)
      .max(3650)
      .openapi({ example: -30, description: 'negative = a past period, positive = a future one, 0 = the as-of day' }),
    interval: z.enum(['day', 'week', 'month', 'quarter', 'year', 'unlimited']),
    indicator: z
      .string()
      .trim()
      .min(1)
      .max(30)
      .nullish()
      .openapi({ example: 'red', description: 'the aging indicator (icon/colour) of this period' }),
  })
  .superRefine((l, ctx) => {
    // A period reaches at most a century from the as-of date: the accepted dates span three
    // (shared/dates.ts), and 3,650 years would leave the calendar when the aging runs (issue 18).
    const most = MAX_UNITS[l.interval];
    if (most !== undefined && Math.abs(l.unit) > most)
      ctx.addIssue({
        code: 'custom',
        path: ['unit'],
        message: `at most ${most} ${l.interval}s before or after the as-of date (a century)`,
      });
  });

export const AgingDefinitionInput = z
  .strictObject({
    name: z.string().trim().min(1).max(60),
    printingDirection: z
      .enum(['forward', 'backward'])
      .default('forward')
      .openapi({ description: 'display order of the columns only (collections.md §1.4)' }),
    lines: z.array(AgingLineIn).openapi({
      description:
        'oldest → newest: past lines, then at most one unit-0 line (interval day), then future lines; 1 to 6 lines',
    }),
  })
  .superRefine((v, ctx) => {
    const def: AgingDefinition = {
      id: '',
      name: v.name,
      lines: v.lines.map((l) => ({ label: l.label, unit: l.unit, interval: l.interval })),
    };
    for (const issue of validateDefinition(def))
      ctx.addIssue({ code: 'custom', path: issuePath(issue.path), message: issue.message });
  })
  .openapi('AgingDefinitionInput');

/** A stored definition as the pure aging code takes it. */
export function toAgingDefinition(row: SetupJson): AgingDefinition {
  const lines = (row.lines as (AgingLine & { indicator?: string | null })[]).map((l) => ({
    label: l.label,
    unit: l.unit,
    interval: l.interval,
    ...(l.indicator ? { indicator: l.indicator } : {}),
  }));
  return { id: row.id, name: String(row.name), lines };
}

const sameLines = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

async function poolsNaming(tx: Tx, definitionId: string): Promise<string[]> {
  const pools = await setupRowsCached(tx, 'pool');
  return [...pools.values()].filter((p) => p.definitionId === definitionId).map((p) => p.id);
}

async function parameterNames(tx: Tx, definitionId: string): Promise<boolean> {
  return (await getParameters(tx)).values.defaultAgingDefinitionId === definitionId;
}

/**
 * Removes the snapshot rows of a definition (its periods changed, or it is deleted): they were
 * computed with periods that no longer exist. Each removal is in the change feed, so a workbook
 * drops the row; the next snapshot run fills them again.
 */
async function dropSnapshots(tx: Tx, definitionId: string): Promise<void> {
  const rows = await deleteSnapshotsOf(tx, definitionId);
  if (rows.length === 0) return;
  for (const r of rows) tx.change(AGING_SNAPSHOT, snapshotId(definitionId, r.customer_id), 'delete', r.version + 1);
  tx.audit({
    action: 'agingSnapshot.drop',
    entity: AGING_SNAPSHOT,
    entityId: definitionId,
    after: { definitionId, customers: rows.length },
    reason: 'the definition changed its periods or was deleted',
  });
}

const agingDefinitions: SetupKind<z.ZodType<Record<string, unknown>>> = {
  entity: 'agingDefinition',
  path: 'aging-definitions',
  noun: 'aging definition',
  tag: TAG,
  input: AgingDefinitionInput,
  toData: (i) => ({
    ...i,
    lines: (i.lines as z.output<typeof AgingLineIn>[]).map((l) => ({
      label: l.label,
      unit: l.unit,
      interval: l.interval,
      indicator: l.indicator ?? null,
    })),
  }),
  validate: async (tx, id, input) => {
    const labels = (input.lines as { label: string }[]).map((l) => l.label);
    const dup = labels.findIndex((l, i) => labels.indexOf(l) !== i);
    if (dup >= 0)
      throw ruleViolation('period labels must be unique: they name the columns', [
        { path: `lines.${dup}.label`, message: `"${labels[dup]}" is used twice` },
      ]);
    // Pools whose period criteria name a label this definition no longer has would stop matching.
    const pools = await setupRowsCached(tx, 'pool');
    for (const pool of pools.values()) {
      if (pool.definitionId !== id) continue;
      for (const c of pool.criteria as PoolCriterion[]) {
        const label = c.field.startsWith('period:') ? c.field.slice('period:'.length) : null;
        if (label !== null && !labels.includes(label))
          throw ruleViolation(
            `pool ${pool.id} filters on the period "${label}"; keep that label or change the pool first`,
            [{ path: 'lines', message: `must keep a period labelled "${label}"` }],
          );
      }
    }
  },
  afterSave: async (tx, id, before, after) => {
    if (before && !sameLines(before.lines, after.lines)) await dropSnapshots(tx, id);
  },
  beforeDelete: async (tx, id) => {
    const pools = await poolsNaming(tx, id);
    if (pools.length)
      throw ruleViolation(`aging definition ${id} is used by the pool ${pools.join(', ')}; change the pool first`);
    if (await parameterNames(tx, id))
      throw ruleViolation(
        `aging definition ${id} is the default (parameter defaultAgingDefinitionId); change the parameter first`,
      );
    await dropSnapshots(tx, id);
  },
};

const CriterionIn = z.strictObject({
  field: z.string().min(1).max(80).openapi({
    example: 'amountDue',
    description: 'a customer field, a snapshot field (collections pools only) or `period:<line label>`',
  }),
  op: z.enum(POOL_OPERATORS),
  value: z.union([z.string().max(200), z.array(z.string().max(200)).max(100)]).openapi({
    description:
      "one value, or a list for `in` and `[from, to]` for `between`; amounts as decimal strings in the accounting currency (a snapshot's amounts are compared as the run stored them in it, whichever currency the list shows)",
  }),
});

export const PoolInput = z
  .strictObject({
    name: z.string().trim().min(1).max(60),
    type: z.enum(['collections', 'agingSnapshot']).openapi({
      description:
        'collections pools filter the aging list; agingSnapshot pools choose the customers of a snapshot run',
    }),
    definitionId: idOf('agingDefinition').nullish().openapi({
      description: 'the aging definition the list uses with this pool (collections.md §2.1)',
    }),
    criteria: z.array(CriterionIn).max(20).default([]).openapi({
      description: 'combined with AND; an empty list matches every customer (with a snapshot, for a collections pool)',
    }),
  })
  .superRefine((v, ctx) => {
    // The labels are checked against the definition in validate (it needs the database).
    for (const issue of validatePoolCriteria(v.type as PoolType, v.criteria as PoolCriterion[], null)) {
      if (issue.message.startsWith('a period criterion needs') && v.definitionId) continue;
      ctx.addIssue({ code: 'custom', path: issuePath(issue.path), message: issue.message });
    }
  })
  .openapi('PoolInput');

const pools: SetupKind<z.ZodType<Record<string, unknown>>> = {
  entity: 'pool',
  path: 'pools',
  noun: 'pool',
  tag: TAG,
  input: PoolInput,
  toData: (i) => ({ ...i, definitionId: i.definitionId ?? null }),
  validate: async (tx, id, input) => {
    const definitionId = (input.definitionId as string | null | undefined) ?? null;
    let labels: string[] | null = null;
    if (definitionId !== null) {
      const def = (await setupRowsCached(tx, 'agingDefinition')).get(definitionId);
      if (!def)
        throw ruleViolation(`aging definition ${definitionId} does not exist`, [
          { path: 'definitionId', message: 'does not exist' },
        ]);
      labels = (def.lines as { label: string }[]).map((l) => l.label);
    }
    const issues = validatePoolCriteria(input.type as PoolType, input.criteria as PoolCriterion[], labels);
    if (issues.length) throw ruleViolation('the pool criteria do not fit its aging definition', issues);
    if (input.type !== 'collections') {
      const agents = await agentsUsing(tx, id);
      if (agents.length)
        throw ruleViolation(
          `pool ${id} is assigned to the agent ${agents.join(', ')}; only collections pools can be, so remove it from them first`,
          [{ path: 'type', message: 'must stay collections while agents use the pool' }],
        );
    }
  },
  beforeDelete: async (tx, id) => {
    const agents = await agentsUsing(tx, id);
    if (agents.length)
      throw ruleViolation(`pool ${id} is assigned to the agent ${agents.join(', ')}; remove it from them first`);
  },
};

async function agentsUsing(tx: Tx, poolId: string): Promise<string[]> {
  const agents = await setupRowsCached(tx, 'agent');
  return [...agents.values()].filter((a) => (a.poolIds as string[]).includes(poolId)).map((a) => a.id);
}

const AgentInput = z
  .strictObject({
    poolIds: z
      .array(idOf('pool'))
      .max(50)
      .default([])
      .openapi({ description: "collections pools offered in the agent's pool picker" }),
    defaultPoolId: idOf('pool')
      .nullish()
      .openapi({ description: 'preselected pool; one of poolIds (defaults to the first)' }),
    allowViewAllPools: z.boolean().default(false).openapi({ description: 'also offer every other collections pool' }),
  })
  .superRefine((v, ctx) => {
    const dup = v.poolIds.findIndex((p, i) => v.poolIds.indexOf(p) !== i);
    if (dup >= 0) ctx.addIssue({ code: 'custom', path: ['poolIds', dup], message: 'is listed twice' });
    if (v.defaultPoolId != null && !v.poolIds.includes(v.defaultPoolId))
      ctx.addIssue({ code: 'custom', path: ['defaultPoolId'], message: 'must be one of poolIds' });
  })
  .openapi('AgentInput');

/** Collections agents (collections.md §1.7): the id is the user's id. */
const agents: SetupKind<z.ZodType<Record<string, unknown>>> = {
  entity: 'agent',
  path: 'agents',
  noun: 'collections agent',
  tag: TAG,
  input: AgentInput,
  toData: (i) => {
    const poolIds = i.poolIds as string[];
    return {
      poolIds,
      defaultPoolId: (i.defaultPoolId as string | null | undefined) ?? poolIds[0] ?? null,
      allowViewAllPools: i.allowViewAllPools,
    };
  },
  validate: async (tx, id, input) => {
    if (!(await findUser(tx.db, id)))
      throw ruleViolation(`user ${id} does not exist; an agent is an existing user`, [
        { path: 'id', message: 'is not a user' },
      ]);
    const all = await setupRowsCached(tx, 'pool');
    (input.poolIds as string[]).forEach((p, i) => {
      const pool = all.get(p);
      if (!pool) throw ruleViolation(`pool ${p} does not exist`, [{ path: `poolIds.${i}`, message: 'does not exist' }]);
      if (pool.type !== 'collections')
        throw ruleViolation(`pool ${p} is an agingSnapshot pool; agents work from collections pools`, [
          { path: `poolIds.${i}`, message: 'is not a collections pool' },
        ]);
    });
  },
};

export const COLLECTIONS_SETUP_KINDS = [agingDefinitions, pools, agents];

/** Every definition, pool or agent row, cached per database until a commit changes the kind. */
export const definitionsOf = (r: SetupReader) => setupRowsCached(r, agingDefinitions.entity);
export const poolsOf = (r: SetupReader) => setupRowsCached(r, pools.entity);
export const agentsOf = (r: SetupReader) => setupRowsCached(r, agents.entity);

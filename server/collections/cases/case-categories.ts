import { z } from '@hono/zod-openapi';
import type { Tx } from '../../db/transaction';
import { ruleViolation } from '../../http/errors';
import type { SetupKind } from '../../credit/setup/setup.resource';
import { caseUsingCategory } from './cases.repository';

/**
 * Case categories (collections.md §1.9): PUT-upserted setup rows `{description, type}`.
 * A collections case may only use a category of type `collections`; `other` categories exist
 * for the rest of case management and are refused on cases (422).
 * A category used by a case cannot be deleted, nor turned into an `other` category (422).
 */
const CASE_CATEGORY = 'caseCategory';
const CASE_CATEGORY_TYPES = ['collections', 'other'] as const;

export const caseCategories: SetupKind<z.ZodType<Record<string, unknown>>> = {
  entity: CASE_CATEGORY,
  path: 'case-categories',
  noun: 'case category',
  tag: 'Collections setup',
  input: z
    .strictObject({
      description: z.string().trim().min(1).max(200),
      type: z
        .enum(CASE_CATEGORY_TYPES)
        .openapi({ description: 'collections cases may only use `collections` categories' }),
    })
    .openapi('CaseCategoryInput'),
  toData: (i) => i,
  validate: async (tx: Tx, id, input) => {
    if (input.type === 'collections') return;
    const used = await caseUsingCategory(tx.db, id);
    if (used)
      throw ruleViolation(`case category ${id} is used by case ${used}; it must stay a collections category`, [
        { path: 'type', message: `stays collections while case ${used} uses it` },
      ]);
  },
  beforeDelete: async (tx: Tx, id) => {
    const used = await caseUsingCategory(tx.db, id);
    if (used) throw ruleViolation(`case category ${id} is used by case ${used}; change or delete the case first`);
  },
};

/**
 * The category a case may use: it must exist with type collections. On PostgreSQL the row is
 * share-locked, so a concurrent delete waits and then sees the new case.
 */
export async function caseCategoryErrors(tx: Tx, categoryId: string, path = 'categoryId') {
  const q = tx.db
    .selectFrom('setup_rows')
    .select('data')
    .where('kind', '=', CASE_CATEGORY)
    .where('id', '=', categoryId);
  const row = await (tx.dialect === 'postgres' ? q.forShare() : q).executeTakeFirst();
  if (!row) return [{ path, message: `case category ${categoryId} does not exist` }];
  const type = (JSON.parse(row.data) as { type?: string }).type;
  return type === 'collections'
    ? []
    : [
        {
          path,
          message: `case category ${categoryId} has type ${String(type)}; a collections case needs a collections category`,
        },
      ];
}

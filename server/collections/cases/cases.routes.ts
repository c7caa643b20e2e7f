import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env';
import { registerSetupKind } from '../../credit/setup/setup.resource';
import { registerWorkResource } from '../work/work.routes';
import { caseCategories } from './case-categories';
import { CaseInput, CaseListQuery, CasePatch, CaseSchema } from './cases.schema';
import type { CaseListFilter } from './cases.repository';
import { createCase, deleteCase, getCase, listCases, patchCase } from './cases.service';

/** Case categories are setup (credit_manager, admin). */
export function caseCategoryRoutes(app: OpenAPIHono<AppEnv>): void {
  registerSetupKind(app, caseCategories);
}

/** Collections cases (collections.md §1.9): the generic work routes under /api/v1/cases. */
export function caseRoutes(app: OpenAPIHono<AppEnv>): void {
  registerWorkResource(app, {
    path: 'cases',
    noun: 'case',
    nouns: 'cases',
    input: CaseInput,
    patch: CasePatch,
    schema: CaseSchema,
    patchResult: CaseSchema,
    listQuery: CaseListQuery,
    list: (db, q) => listCases(db, q as CaseListFilter),
    get: getCase,
    create: createCase,
    change: patchCase,
    remove: deleteCase,
    summaries: {
      list: 'List collections cases (by customer, open or closed)',
      create: 'Open a collections case',
      patch: 'Change, close or reopen a case (If-Match required)',
      remove: 'Delete a case without activities (If-Match required)',
    },
  });
}

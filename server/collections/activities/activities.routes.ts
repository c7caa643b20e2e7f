import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env';
import { registerWorkResource } from '../work/work.routes';
import {
  ActivityInput,
  ActivityListQuery,
  ActivityPatch,
  ActivityPatchResult,
  ActivitySchema,
} from './activities.schema';
import type { ActivityListFilter } from './activities.repository';
import { createActivity, deleteActivity, getActivity, listActivities, patchActivity } from './activities.service';

/** Collections activities (collections.md §1.8): the generic work routes under /api/v1/activities. */
export function activityRoutes(app: OpenAPIHono<AppEnv>): void {
  registerWorkResource(app, {
    path: 'activities',
    noun: 'activity',
    nouns: 'activities',
    input: ActivityInput,
    patch: ActivityPatch,
    schema: ActivitySchema,
    patchResult: ActivityPatchResult,
    listQuery: ActivityListQuery,
    list: (db, q) => listActivities(db, q as ActivityListFilter),
    get: getActivity,
    create: createActivity,
    change: patchActivity,
    remove: deleteActivity,
    summaries: {
      list: 'List collections activities (by customer, case, responsible user, open or closed)',
      create: 'Create an activity (id: the generated activity number)',
      patch: 'Change an activity (If-Match required); closing with followUp creates a follow-up task',
      remove: 'Delete an activity (If-Match required)',
    },
  });
}

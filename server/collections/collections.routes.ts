import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env';
import { registerSetupKind } from '../credit/setup/setup.resource';
import { COLLECTIONS_SETUP_KINDS } from './setup/setup.kinds';
import { agingRoutes } from './aging/aging.routes';
import { customerPageRoutes } from './customer-page/customer-page.routes';
import { activityRoutes } from './activities/activities.routes';
import { caseCategoryRoutes, caseRoutes } from './cases/cases.routes';
import { transactionStatusRoutes } from './transaction-status/transaction-status.routes';
import { collectionsMoneyRoutes } from './money/money.routes';

/** Every collections route (SPEC §5 "Collections"), in the order the API document lists them. */
export function collectionsRoutes(app: OpenAPIHono<AppEnv>): void {
  for (const kind of COLLECTIONS_SETUP_KINDS) registerSetupKind(app, kind);
  agingRoutes(app);
  customerPageRoutes(app);
  caseCategoryRoutes(app);
  activityRoutes(app);
  caseRoutes(app);
  transactionStatusRoutes(app);
  collectionsMoneyRoutes(app);
}

import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env';
import { collectionsWorkRoutes } from './work.routes';
import { agingRoutes } from './aging.routes';
import { customerPageRoutes } from './customer-page';
import { collectionsMoneyRoutes } from './money/routes';

/** Every collections route (SPEC §5 "Collections"). */
export function collectionsRoutes(app: OpenAPIHono<AppEnv>): void {
  agingRoutes(app);
  customerPageRoutes(app);
  collectionsWorkRoutes(app);
  collectionsMoneyRoutes(app);
}

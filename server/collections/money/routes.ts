import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env';

/** Interest codes and notes, fees, waive / reinstate / reverse, write-offs and NSF (collections.md §1.11–§1.16, §3.1–§3.5). */
export function collectionsMoneyRoutes(_app: OpenAPIHono<AppEnv>): void {}

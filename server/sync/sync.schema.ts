import { z } from '@hono/zod-openapi';

/** One entry of the change log: which row changed, how, and its version after the change. */
const ChangeSchema = z
  .object({
    seq: z.number(),
    entity: z.string(),
    id: z.string(),
    op: z.enum(['create', 'update', 'delete']),
    version: z.number(),
  })
  .openapi('Change');

/** A page of `GET /api/v1/changes`: the changes after `since`, and the sequence to ask from next. */
export const ChangesPageSchema = z.object({ changes: z.array(ChangeSchema), nextSince: z.number() });

/** One row of the audit log (`GET /api/v1/audit`): who did what to which row, before and after. */
export const AuditSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    userId: z.string().nullable(),
    requestId: z.string().nullable(),
    action: z.string(),
    entity: z.string(),
    entityId: z.string(),
    before: z.unknown().nullable(),
    after: z.unknown().nullable(),
    reason: z.string().nullable(),
  })
  .openapi('AuditRow');

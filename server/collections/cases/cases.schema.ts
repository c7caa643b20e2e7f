import { z } from '@hono/zod-openapi';
import { idOf, Timestamp } from '../../http/schemas';
import { TransactionIdList } from '../work/work.shared';

export const CASE_STATUSES = ['open', 'closed'] as const;

const Description = z.string().trim().min(1).max(1000);

export const CaseInput = z
  .strictObject({
    customerId: idOf('customer'),
    categoryId: idOf('caseCategory').openapi({ description: 'a case category of type collections' }),
    description: Description,
    ownerUserId: idOf('user').nullish().openapi({ description: 'left out: the caller; null: nobody' }),
    transactionIds: TransactionIdList().default([]),
  })
  .openapi('CaseInput');
export type CaseInput = z.output<typeof CaseInput>;

export const CasePatch = z
  .strictObject({
    description: Description.optional(),
    ownerUserId: idOf('user').nullable().optional(),
    categoryId: idOf('caseCategory').optional(),
    status: z
      .enum(CASE_STATUSES)
      .optional()
      .openapi({ description: 'closed sets closedAt; open (reopening) clears it' }),
    transactionIds: TransactionIdList().optional().openapi({ description: 'replaces the linked set' }),
  })
  .openapi('CasePatch');
export type CasePatch = z.output<typeof CasePatch>;

export const CaseSchema = z
  .object({
    id: z.string().openapi({ example: 'CASE-0a1b2c3d4e' }),
    customerId: z.string(),
    categoryId: z.string(),
    status: z.enum(CASE_STATUSES),
    description: z.string(),
    ownerUserId: z.string().nullable(),
    openedAt: Timestamp,
    closedAt: Timestamp.nullable(),
    transactionIds: z.array(z.string()),
    activityIds: z.array(z.string()).openapi({ description: 'activities whose caseId is this case' }),
    createdBy: z.string().nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: z.number().int(),
  })
  .openapi('CollectionCase');
export type CaseJson = z.infer<typeof CaseSchema>;

export const CaseListQuery = {
  customerId: idOf('customer').optional(),
  status: z.enum(CASE_STATUSES).optional().openapi({ description: 'left out: every status' }),
};

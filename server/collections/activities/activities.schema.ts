import { z } from '@hono/zod-openapi';
import { DateIn, DateOut, idOf, LongText, ShortText, Timestamp } from '../../http/schemas';
import { TimestampIn, TransactionIdList } from '../work/work.shared';

const ACTIVITY_TYPES = ['task', 'action', 'appointment', 'event'] as const;

const Subject = z.string().trim().min(1).max(200);
const Percent = z.number().int().min(0).max(100).openapi({ description: '0–100' });

export const ActivityInput = z
  .strictObject({
    customerId: idOf('customer'),
    type: z.enum(ACTIVITY_TYPES).openapi({
      description:
        'task: future work; action: work done; appointment: a future meeting; event: something that happened',
    }),
    subject: Subject,
    caseId: idOf('case').nullish().openapi({ description: 'a case of the same customer' }),
    transactionIds: TransactionIdList().default([]).openapi({ description: 'transactions of the same customer' }),
    category: ShortText.nullish(),
    purpose: ShortText.nullish(),
    responsibleUserId: idOf('user').nullish().openapi({ description: 'left out: the caller; null: nobody' }),
    startAt: TimestampIn.nullish(),
    endAt: TimestampIn.nullish().openapi({ description: 'not before startAt' }),
    dueDate: DateIn.nullish(),
    closed: z.boolean().default(false),
    percentComplete: Percent.default(0),
    notes: LongText.nullish(),
    isCollectionsActivity: z.boolean().default(true),
    followUpOf: idOf('activity')
      .nullish()
      .openapi({ description: 'the activity of the same customer this one follows up' }),
  })
  .openapi('ActivityInput');
export type ActivityInput = z.output<typeof ActivityInput>;

export const ActivityPatch = z
  .strictObject({
    subject: Subject.optional(),
    notes: LongText.nullable().optional(),
    dueDate: DateIn.nullable().optional(),
    startAt: TimestampIn.nullable().optional(),
    endAt: TimestampIn.nullable().optional(),
    responsibleUserId: idOf('user').nullable().optional(),
    percentComplete: Percent.optional(),
    category: ShortText.nullable().optional(),
    purpose: ShortText.nullable().optional(),
    caseId: idOf('case').nullable().optional(),
    transactionIds: TransactionIdList().optional().openapi({ description: 'replaces the linked set' }),
    closed: z.boolean().optional().openapi({ description: 'true closes (sets closedAt), false reopens (clears it)' }),
    followUp: z
      .strictObject({ dueDate: DateIn, subject: Subject.optional() })
      .optional()
      .openapi({ description: 'with closed: true, creates a follow-up task in the same transaction' }),
  })
  .superRefine((v, ctx) => {
    if (v.followUp && v.closed !== true)
      ctx.addIssue({
        code: 'custom',
        path: ['followUp'],
        message: 'a follow-up is created when closing: send closed: true with it',
      });
  })
  .openapi('ActivityPatch');
export type ActivityPatch = z.output<typeof ActivityPatch>;

export const ActivitySchema = z
  .object({
    id: z.string().openapi({ example: 'ACT-0a1b2c3d4e' }),
    customerId: z.string(),
    caseId: z.string().nullable(),
    transactionIds: z.array(z.string()),
    type: z.enum(ACTIVITY_TYPES),
    subject: z.string(),
    category: z.string().nullable(),
    purpose: z.string().nullable(),
    responsibleUserId: z.string().nullable(),
    startAt: Timestamp.nullable(),
    endAt: Timestamp.nullable(),
    dueDate: DateOut.nullable(),
    closed: z.boolean(),
    closedAt: Timestamp.nullable(),
    percentComplete: z.number().int(),
    notes: z.string().nullable(),
    isCollectionsActivity: z.boolean(),
    followUpOf: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: z.number().int(),
  })
  .openapi('Activity');
export type ActivityJson = z.infer<typeof ActivitySchema>;

export const ActivityPatchResult = ActivitySchema.extend({
  followUp: ActivitySchema.optional().openapi({ description: 'the follow-up task created by this change' }),
}).openapi('ActivityPatchResult');

export const ActivityListQuery = {
  customerId: idOf('customer').optional(),
  caseId: idOf('case').optional(),
  responsibleUserId: idOf('user').optional(),
  status: z.enum(['open', 'closed']).optional().openapi({ description: 'left out: open and closed' }),
};

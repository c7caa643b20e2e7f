import { z } from '@hono/zod-openapi';
import { DateIn, PositiveMoneyIn } from '../../http/schemas';
import { TransactionIdList } from '../work/work.shared';

const SETTABLE_COLLECTION_STATUSES = ['notDisputed', 'disputed', 'promisedToPay', 'resolved'] as const;
export type SettableCollectionStatus = (typeof SETTABLE_COLLECTION_STATUSES)[number];

export const SetStatusInput = z
  .strictObject({
    transactionIds: TransactionIdList(1),
    status: z
      .enum(SETTABLE_COLLECTION_STATUSES)
      .openapi({ description: 'promiseToPayBroken is set only by aging snapshots' }),
    promiseDate: DateIn.optional().openapi({ description: 'required with promisedToPay, not allowed otherwise' }),
    promiseAmount: PositiveMoneyIn.optional().openapi({
      description: 'only with promisedToPay; per transaction, at most its open amount; none = the whole open amount',
    }),
  })
  .superRefine((v, ctx) => {
    if (v.status === 'promisedToPay' && v.promiseDate === undefined)
      ctx.addIssue({ code: 'custom', path: ['promiseDate'], message: 'required when the status is promisedToPay' });
    if (v.status !== 'promisedToPay') {
      if (v.promiseDate !== undefined)
        ctx.addIssue({ code: 'custom', path: ['promiseDate'], message: 'only allowed with status promisedToPay' });
      if (v.promiseAmount !== undefined)
        ctx.addIssue({ code: 'custom', path: ['promiseAmount'], message: 'only allowed with status promisedToPay' });
    }
  })
  .openapi('SetCollectionStatusInput');
export type SetStatusInput = z.output<typeof SetStatusInput>;

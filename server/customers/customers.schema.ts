import { z } from '@hono/zod-openapi';
import { CustomerCreditSchema } from '../../shared/api/credit';
import {
  Currency,
  DateIn,
  DateOut,
  Id,
  idOf,
  type IdKind,
  LongText,
  MoneyIn,
  MoneyOut,
  Name,
  NonNegativeMoneyIn,
  ShortText,
  Timestamp,
} from '../http/schemas';

const OptionalId = Id.nullish();
/** An optional {@link Id} of one kind, documented with an example of that kind. */
const optionalIdOf = (kind: IdKind) => idOf(kind).nullish();
const OptionalDate = DateIn.nullish();

/** The fields a caller may set on a customer (credit.md §1.2, collections.md §1.1). */
const customerFields = {
  name: Name,
  currency: Currency,
  creditLimit: NonNegativeMoneyIn.openapi({
    description: "in the accounting currency (credit.md §1.2), whatever the customer's currency",
  }),
  creditLimitExpirationDate: OptionalDate,
  // No defaults on these three: left out of a feed's PUT, an existing customer's value is kept
  // (credit attributes and, with allowManualEditingOfCreditLimits off, limits; see the service).
  mandatoryCreditLimit: z.boolean().optional(),
  unlimitedCredit: z.boolean().optional(),
  excludeFromCreditManagement: z.boolean().optional(),
  ignoreUntilDate: OptionalDate,
  creditManagementGroupId: optionalIdOf('creditManagementGroup'),
  accountStatusId: optionalIdOf('accountStatus'),
  statusReasonId: optionalIdOf('reasonCode'),
  paymentTermsId: optionalIdOf('paymentTerms'),
  cashDiscountId: optionalIdOf('cashDiscount'),
  customerGroup: optionalIdOf('customerGroup'),
  interestCodeId: optionalIdOf('interestCode'),
  riskScore: MoneyIn.nullish().openapi({
    type: 'string',
    example: '42.50',
    description: 'risk score with up to 2 decimals',
  }),
  customerSince: OptionalDate,
  businessStartedDate: OptionalDate,
  lastReviewDate: OptionalDate,
  nextScheduledReviewDate: OptionalDate,
  eligibleCreditLimit: NonNegativeMoneyIn.nullish(),
  eligibleCreditLimitCurrency: Currency.nullish(),
  eligibleCreditLimitDate: OptionalDate,
  withAgency: z.boolean().default(false),
  titleHeld: z.boolean().default(false),
  creditRating: ShortText.nullish(),
  notes: LongText.nullish(),
  collectionsContactId: optionalIdOf('contact'),
  postingProfile: OptionalId,
  salesGroup: OptionalId,
};

export const CustomerInput = z.strictObject(customerFields).openapi('CustomerInput');

/**
 * The credit attributes of a customer that credit staff edit (credit.md §1.2, §6), partial: what
 * is left out stays as it is. `riskInputs` merges into the stored inputs; a null value removes one.
 */
export const CreditProfilePatch = z
  .strictObject({
    accountStatusId: optionalIdOf('accountStatus'),
    statusReasonId: optionalIdOf('reasonCode'),
    creditManagementGroupId: optionalIdOf('creditManagementGroup'),
    lastReviewDate: OptionalDate,
    nextScheduledReviewDate: OptionalDate,
    creditRating: ShortText.nullish(),
    notes: LongText.nullish(),
    eligibleCreditLimit: NonNegativeMoneyIn.nullish(),
    eligibleCreditLimitCurrency: Currency.nullish(),
    eligibleCreditLimitDate: OptionalDate,
    mandatoryCreditLimit: z.boolean().optional(),
    excludeFromCreditManagement: z.boolean().optional(),
    ignoreUntilDate: OptionalDate,
    riskInputs: z
      .record(Id, ShortText.nullable())
      .optional()
      .openapi({
        description:
          'hand-entered scoring inputs by scoring-rule id (userDefined and country groups); null removes one',
        example: { GROWTH: 'strong' },
      }),
  })
  .openapi('CreditProfilePatch');
export type CreditProfilePatch = z.output<typeof CreditProfilePatch>;
export type CustomerInput = z.output<typeof CustomerInput>;

/** One item of `customers:batch`: the customer with its id, and optionally the version it is based on. */
export const CustomerBatchItem = z.strictObject({
  id: idOf('customer'),
  version: z.number().int().min(1).optional(),
  ...customerFields,
});
export type CustomerBatchItem = z.output<typeof CustomerBatchItem>;

export const CustomerBatchBody = z
  .strictObject({ items: z.array(z.unknown()).min(1).max(50_000) })
  .openapi('CustomerBatch');

export const CustomerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    currency: z.string().openapi({ description: "the customer's currency (its orders' by default)" }),
    creditLimit: MoneyOut.meta({ description: 'in the accounting currency (credit.md §1.2)' }),
    creditLimitDate: DateOut.nullable(),
    creditLimitExpirationDate: DateOut.nullable(),
    mandatoryCreditLimit: z.boolean(),
    unlimitedCredit: z.boolean(),
    excludeFromCreditManagement: z.boolean(),
    ignoreUntilDate: DateOut.nullable(),
    creditManagementGroupId: z.string().nullable(),
    accountStatusId: z.string().nullable(),
    statusReasonId: z.string().nullable(),
    paymentTermsId: z.string().nullable(),
    cashDiscountId: z.string().nullable(),
    customerGroup: z.string().nullable(),
    interestCodeId: z.string().nullable(),
    riskScore: z.string().nullable(),
    riskGroupId: z.string().nullable(),
    riskInputs: z.record(z.string(), z.string()).openapi({
      description:
        'hand-entered risk-scoring inputs by scoring-rule id (credit.md §1.7), kept for every later risk-scores:update',
    }),
    customerSince: DateOut.nullable(),
    businessStartedDate: DateOut.nullable(),
    lastReviewDate: DateOut.nullable(),
    nextScheduledReviewDate: DateOut.nullable(),
    eligibleCreditLimit: MoneyOut.nullable(),
    eligibleCreditLimitCurrency: z.string().nullable(),
    eligibleCreditLimitDate: DateOut.nullable(),
    withAgency: z.boolean(),
    titleHeld: z.boolean(),
    creditRating: z.string().nullable(),
    notes: z.string().nullable(),
    collectionsContactId: z.string().nullable(),
    postingProfile: z.string().nullable(),
    salesGroup: z.string().nullable(),
    invoicingAndDeliveryOnHold: z.boolean(),
    collectionLetterLevel: z.number().int(),
    collectionLetterDate: DateOut.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: z.number().int(),
  })
  .openapi('Customer');
export type Customer = z.infer<typeof CustomerSchema>;

/**
 * The customer's `credit`: the credit check of an empty order in the credit check's own shape
 * (`exposure` is the object {balance, deliveredNotInvoiced, openOrders, total}) plus the limit
 * breakdown (SPEC §5), with `currency` (the accounting currency its amounts are in) and
 * `creditLimitCustomerCurrency` (the limit in the customer's currency at today's rate). One schema
 * with POST /credit-check's, in shared/api/credit.ts.
 */
export const CustomerWithCreditSchema = CustomerSchema.extend({ credit: CustomerCreditSchema }).openapi(
  'CustomerWithCredit',
);

export const CustomerListSchema = z
  .object({ items: z.array(CustomerSchema), nextCursor: z.string().nullable() })
  .openapi('CustomerList');

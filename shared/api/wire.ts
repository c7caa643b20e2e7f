/**
 * The API's answers as the add-in reads them, derived from the server's zod response schemas: a
 * field renamed or retyped on the server fails `tsc` in the pane instead of reaching a sheet.
 *
 * Types only. Every import here is `import type`, which the bundler erases: the pane's bundle gets
 * no server code (and no zod) from this module. The schemas that both sides use at run time live
 * beside it as plain zod (shared/api/credit.ts).
 */
import type { z } from 'zod';
import type { CreditContextResponse } from '../../server/credit/credit-check/credit-context';
import type { BatchResult, HoldSchema } from '../../server/credit/holds/holds.schema';
import type { JournalSchema, ValidationSchema } from '../../server/credit/journals/journals.schema';
import type { ErrorSchema } from '../../server/http/schemas';
import type { AgingListSchema } from '../../server/collections/aging/aging.schema';
import type { AgingDefinitionInput, PoolInput } from '../../server/collections/setup/setup.kinds';
import type { UserSchema } from '../../server/users/users.schema';
import type { ChangesPageSchema } from '../../server/sync/sync.schema';

/** `POST /api/v1/credit-context:batch`. */
export type CreditContextJson = z.output<typeof CreditContextResponse>;
/** One customer of {@link CreditContextJson}. */
export type CustomerContextJson = CreditContextJson['customers'][number];
/** A blocking rule as `GET /api/v1/blocking-rules` lists it (and the credit context carries). */
export type BlockingRuleJson = CreditContextJson['rules'][number];
export type TemporaryLimitJson = CustomerContextJson['temporaryLimits'][number];
export type CreditOrderJson = CustomerContextJson['order'];
export type ExposurePartsJson = CustomerContextJson['exposureParts'];

/** A hold as `GET /api/v1/holds` lists it. */
export type HoldJson = z.output<typeof HoldSchema>;
/** `POST /api/v1/holds:release-batch` and `holds:reject-batch`: one item per hold sent. */
export type HoldBatchResultJson = z.output<typeof BatchResult>;

/** `GET /api/v1/me`: the user the token belongs to. */
export type UserJson = z.output<typeof UserSchema>;
/** A page of `GET /api/v1/changes`. */
export type ChangesPageJson = z.output<typeof ChangesPageSchema>;

/** `POST /api/v1/adjustment-journals:validate`. */
export type JournalValidationJson = z.output<typeof ValidationSchema>;
/** An adjustment journal as `POST /api/v1/adjustment-journals` answers it. */
export type JournalJson = z.output<typeof JournalSchema>;

/** Every error answer (SPEC §4). */
export type ErrorJson = z.output<typeof ErrorSchema>;
export type ErrorDetailJson = ErrorJson['error']['details'][number];

/** A page of `GET /api/v1/aging`. */
export type AgingListJson = z.output<typeof AgingListSchema>;
/** One customer row of {@link AgingListJson}. */
export type AgingRowJson = AgingListJson['items'][number];
/**
 * An aging definition as `GET /api/v1/aging-definitions` lists it: the stored input with its id and
 * version (the setup routes document their rows loosely; the input schema is the exact one).
 */
export type AgingDefinitionJson = z.output<typeof AgingDefinitionInput> & { id: string; version: number };
/** A pool as `GET /api/v1/pools` lists it (as {@link AgingDefinitionJson}: the input with id and version). */
export type PoolJson = z.output<typeof PoolInput> & { id: string; version: number };

import type { Generated } from 'kysely';

/**
 * Row types as the drivers return them. Integers that may exceed 2^31 (money, sequences)
 * come back as `number` from better-sqlite3 and as `string` from pg; repositories convert them
 * with `toBigInt` / `toNumber` (server/db/values.ts) and never do arithmetic on the raw value.
 */
export type Int8 = number | string | bigint;
type Bool = number; // 0 | 1 in both dialects

interface UsersTable {
  id: string;
  name: string;
  role: string;
  created_at: string;
  version: number;
}

interface ApiTokensTable {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface ExchangeRatesTable {
  currency: string;
  rate_date: string;
  /** AC per 1 unit, scaled by 10^10 (shared/currency.ts). */
  rate: Int8;
  created_at: string;
  updated_at: string;
  version: number;
}

interface ChangeCounterTable {
  id: number;
  seq: Int8;
}

interface SetupVersionTable {
  id: number;
  version: Int8;
}

interface ChangesTable {
  seq: Int8;
  entity: string;
  entity_id: string;
  op: string;
  version: number;
  at: string;
}

interface AuditLogTable {
  id: Generated<Int8>;
  at: string;
  user_id: string | null;
  request_id: string | null;
  action: string;
  entity: string;
  entity_id: string;
  before: string | null;
  after: string | null;
  reason: string | null;
}

interface IdempotencyKeysTable {
  user_id: string;
  key: string;
  request_hash: string;
  status: number;
  response: string;
  created_at: string;
}

export interface CustomersTable {
  id: string;
  name: string;
  currency: string;
  credit_limit: Int8;
  credit_limit_expiration_date: string | null;
  credit_limit_date: string | null;
  mandatory_credit_limit: Bool;
  unlimited_credit: Bool;
  exclude_from_credit_management: Bool;
  ignore_until_date: string | null;
  credit_management_group_id: string | null;
  account_status_id: string | null;
  status_reason_id: string | null;
  payment_terms_id: string | null;
  cash_discount_id: string | null;
  customer_group: string | null;
  interest_code_id: string | null;
  risk_score: Int8 | null;
  /** Hand-entered risk-scoring inputs (JSON: scoring-rule id → value), or null. */
  risk_inputs: string | null;
  risk_group_id: string | null;
  customer_since: string | null;
  business_started_date: string | null;
  last_review_date: string | null;
  next_scheduled_review_date: string | null;
  eligible_credit_limit: Int8 | null;
  eligible_credit_limit_currency: string | null;
  eligible_credit_limit_date: string | null;
  with_agency: Bool;
  title_held: Bool;
  credit_rating: string | null;
  notes: string | null;
  collections_contact_id: string | null;
  posting_profile: string | null;
  sales_group: string | null;
  invoicing_and_delivery_on_hold: Bool;
  collection_letter_level: number;
  collection_letter_date: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface TransactionsTable {
  id: string;
  customer_id: string;
  type: string;
  /** In the transaction currency (TC). */
  amount: Int8;
  open_amount: Int8;
  currency: string;
  /** In the accounting currency (AC), fixed at posting (migration 010). */
  amount_accounting: Int8;
  open_amount_accounting: Int8;
  trans_date: string;
  due_date: string | null;
  document_date: string | null;
  tax_amount: Int8;
  bank_account_id: string | null;
  payment_journal: string | null;
  source: string;
  source_ref: string | null;
  collection_status: string;
  promise_date: string | null;
  promise_amount: Int8 | null;
  canceled: Bool;
  closed_date: string | null;
  created_at: string;
  version: number;
}

export interface SettlementsTable {
  id: Generated<Int8>;
  debit_id: string;
  credit_id: string;
  /** In the debit's currency. */
  amount: Int8;
  /** In the credit's currency (equals `amount` unless the two differ). */
  credit_amount: Int8;
  /** The AC each side's open amount moved (their difference is the realised exchange difference). */
  debit_amount_accounting: Int8;
  credit_amount_accounting: Int8;
  settle_date: string;
  reverses_id: Int8 | null;
  created_at: string;
  created_by: string | null;
}

export interface SalesOrdersTable {
  id: string;
  customer_id: string;
  amount: Int8;
  currency: string;
  delivered_not_invoiced: Int8;
  invoiced_amount: Int8;
  status: string;
  payment_terms_id: string | null;
  cash_discount_id: string | null;
  exclude_from_credit_management: Bool;
  invoice_count: number;
  credit_status: Generated<string>;
  last_pass_checkpoint: string | null;
  last_pass_date: string | null;
  released_amount: Int8 | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface SetupRowsTable {
  kind: string;
  id: string;
  data: string;
  created_at: string;
  updated_at: string;
  version: number;
}

interface ParametersTable {
  id: number;
  data: string;
  updated_at: string;
  version: number;
}

interface CheckpointsTable {
  checkpoint: string;
  posting: Bool;
  pro_forma: Bool;
  grace_days: number | null;
}

export interface BlockingRulesTable {
  id: string;
  rule_type: string;
  kind: string;
  valid_for: string;
  account_or_group: string | null;
  risk_group_id: string | null;
  value_type: string | null;
  days: number | null;
  amount: Int8 | null;
  percent: Int8 | null;
  credit_limit_threshold: Int8 | null;
  account_status_id: string | null;
  payment_terms_id: string | null;
  release_sales_order: Bool;
  description: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface CreditGroupsTable {
  id: string;
  name: string;
  credit_limit: Int8;
  currency: string;
  credit_limit_to_date: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

interface CreditGroupMembersTable {
  customer_id: string;
  credit_group_id: string;
}

export interface HoldsTable {
  id: string;
  sales_order_id: string;
  customer_id: string;
  checkpoint: string | null;
  posting_type: string | null;
  held_at: string;
  as_of: string;
  order_amount: Int8;
  status: string;
  summary_reason: string;
  reasons: string;
  forced: Bool;
  release_reason_code: string | null;
  review_date: string | null;
  release_mode: string | null;
  released_by: string | null;
  released_at: string | null;
  reject_reason_code: string | null;
  comment: string | null;
  rejected_by: string | null;
  rejected_at: string | null;
  pending: string | null;
  version: number;
}

export interface AdjustmentJournalsTable {
  id: string;
  type: string;
  description: string;
  status: string;
  created_by: string | null;
  submitted_by: string | null;
  submitted_at: string | null;
  approved_by: string | null;
  approved_at: string | null;
  rejected_by: string | null;
  rejected_at: string | null;
  reject_comment: string | null;
  posted_by: string | null;
  posted_at: string | null;
  posting_date: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface AdjustmentJournalLinesTable {
  journal_id: string;
  line_no: number;
  customer_id: string | null;
  credit_group_id: string | null;
  current_credit_limit: Int8 | null;
  new_credit_limit: Int8;
  new_expiration_date: string | null;
  new_from_date: string | null;
  new_to_date: string | null;
  approval_status: string;
  /** Who put the line on the journal (null on lines written before migration 009). */
  created_by: string | null;
}

export interface TemporaryLimitsTable {
  id: Generated<Int8>;
  customer_id: string | null;
  credit_group_id: string | null;
  amount: Int8;
  from_date: string;
  to_date: string;
  source_journal_id: string;
  source_line_no: number;
  created_at: string;
}

export interface InsurancesTable {
  id: string;
  customer_id: string;
  identifier: string;
  type_id: string | null;
  coverage_type_id: string | null;
  identification: string | null;
  value: Int8;
  currency: string;
  update_credit_limit_pct: Int8;
  effective_date: string;
  expiration_date: string;
  included_in_exposure: Bool;
  created_at: string;
  updated_at: string;
  version: number;
}

interface AgingRunsTable {
  seq: Int8;
  definition_id: string;
  as_of: string;
  criteria: string;
  credit_placement: string;
  currency: string;
  pool_id: string | null;
  customer_id: string | null;
  customers: number;
  processed_at: string;
  processed_by: string | null;
}

interface AgingSnapshotsTable {
  definition_id: string;
  customer_id: string;
  seq: Int8;
  amount_due: Int8;
  /** JSON array of decimal strings ("1234.50"), one per definition line (oldest first). */
  buckets: string;
  unbucketed_amount: Int8;
  indicator: string | null;
  credit_limit: Int8 | null;
  remaining_credit: Int8 | null;
  packing_slip_amount: Int8;
  sales_order_amount: Int8;
  disputed_count: number;
  disputed_amount: Int8;
  /** The customer's currency when the run wrote the row (migration 011). */
  customer_currency: string;
  /** The row in the customer's currency (JSON of decimal strings); null when it is the AC row or no rate was found (migration 011). */
  customer_view: string | null;
  version: number;
}

export interface CollectionCasesTable {
  id: string;
  customer_id: string;
  category_id: string;
  status: string;
  description: string;
  owner_user_id: string | null;
  opened_at: string;
  closed_at: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

interface CaseTransactionsTable {
  case_id: string;
  transaction_id: string;
}

export interface ActivitiesTable {
  id: string;
  customer_id: string;
  case_id: string | null;
  type: string;
  subject: string;
  category: string | null;
  purpose: string | null;
  responsible_user_id: string | null;
  start_at: string | null;
  end_at: string | null;
  due_date: string | null;
  closed: Bool;
  closed_at: string | null;
  percent_complete: number;
  notes: string | null;
  is_collections: Bool;
  follow_up_of: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

interface ActivityTransactionsTable {
  activity_id: string;
  transaction_id: string;
}

export interface InterestNotesTable {
  id: string;
  customer_id: string;
  interest_code_id: string;
  currency: string;
  from_date: string | null;
  to_date: string;
  note_date: string;
  status: string;
  total_amount: Int8;
  posting_no: number | null;
  posted_date: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface InterestNoteLinesTable {
  id: string;
  note_id: string;
  line_no: number;
  transaction_id: string;
  base_amount: Int8;
  from_date: string;
  to_date: string;
  days: number;
  rate: string;
  formula: string;
  interest_amount: Int8;
  version_from: string;
  charge_txn_id: string | null;
  waive_txn_id: string | null;
  waived_amount: Int8 | null;
  adjustment_status: string;
}

export interface FeesTable {
  id: string;
  customer_id: string;
  interest_note_id: string | null;
  code: string;
  source: string;
  source_ref: string | null;
  amount: Int8;
  currency: string;
  date: string | null;
  charge_txn_id: string | null;
  waive_txn_id: string | null;
  waived_amount: Int8 | null;
  adjustment_status: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface AdjustmentHistoryTable {
  id: Generated<Int8>;
  customer_id: string;
  interest_note_id: string | null;
  target: string;
  target_ref: string;
  action: string;
  amount: Int8;
  currency: string;
  adjustment_txn_ids: string;
  date: string;
  user_id: string | null;
  at: string;
}

export interface WriteOffsTable {
  id: string;
  customer_id: string;
  status: string;
  date: string;
  reason_code: string;
  comment: string | null;
  separate_sales_tax: Bool;
  settlement_ids: string;
  reversal_settlement_ids: string;
  posted_date: string | null;
  reversed_date: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface WriteOffLinesTable {
  write_off_id: string;
  line_no: number;
  line_type: string;
  account_id: string | null;
  currency: string;
  posting_profile: string | null;
  debit: Int8;
  credit: Int8;
  transaction_id: string | null;
  reversal_transaction_id: string | null;
}

interface WriteOffItemsTable {
  write_off_id: string;
  transaction_id: string;
  open_amount: Int8;
}

interface NsfRecordsTable {
  id: string;
  customer_id: string;
  payment_txn_id: string;
  reversal_txn_id: string;
  bank_account_id: string;
  date: string;
  reason_code: string;
  comment: string | null;
  fee_id: string | null;
  fee_amount: Int8;
  reopened_settlements: string;
  user_id: string | null;
  at: string;
}

interface UploadsTable {
  id: string;
  kind: string;
  file_name: string;
  file_type: string;
  file_size: number;
  sha256: string;
  content: Buffer;
  row_count: number;
  results: string;
  journal_id: string | null;
  uploaded_by: string | null;
  uploaded_at: string;
}

export interface Database {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  change_counter: ChangeCounterTable;
  setup_version: SetupVersionTable;
  changes: ChangesTable;
  audit_log: AuditLogTable;
  idempotency_keys: IdempotencyKeysTable;
  customers: CustomersTable;
  transactions: TransactionsTable;
  settlements: SettlementsTable;
  exchange_rates: ExchangeRatesTable;
  sales_orders: SalesOrdersTable;
  setup_rows: SetupRowsTable;
  parameters: ParametersTable;
  checkpoints: CheckpointsTable;
  blocking_rules: BlockingRulesTable;
  credit_groups: CreditGroupsTable;
  credit_group_members: CreditGroupMembersTable;
  holds: HoldsTable;
  adjustment_journals: AdjustmentJournalsTable;
  adjustment_journal_lines: AdjustmentJournalLinesTable;
  temporary_limits: TemporaryLimitsTable;
  insurances: InsurancesTable;
  uploads: UploadsTable;
  aging_runs: AgingRunsTable;
  aging_snapshots: AgingSnapshotsTable;
  collection_cases: CollectionCasesTable;
  case_transactions: CaseTransactionsTable;
  activities: ActivitiesTable;
  activity_transactions: ActivityTransactionsTable;
  interest_notes: InterestNotesTable;
  interest_note_lines: InterestNoteLinesTable;
  fees: FeesTable;
  adjustment_history: AdjustmentHistoryTable;
  write_offs: WriteOffsTable;
  write_off_lines: WriteOffLinesTable;
  write_off_items: WriteOffItemsTable;
  nsf_records: NsfRecordsTable;
}

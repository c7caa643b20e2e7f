import type { Kysely } from 'kysely';

// Credit controls (issue 18):
// - customers.risk_inputs: the hand-entered risk-scoring inputs of a customer (JSON object of
//   scoring-rule id → value), kept so every later risk-scores:update scores with them;
// - adjustment_journal_lines.created_by: who put each line on a journal, so that nobody approves
//   a journal or a line they created (four eyes). Lines written before this migration have none.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('customers').addColumn('risk_inputs', 'text').execute();
  await db.schema.alterTable('adjustment_journal_lines').addColumn('created_by', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}

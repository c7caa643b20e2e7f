// Helpers for the collections money API tests (test/api/collections-money-*.test.ts): setup and
// arrangement through the public API, and read-backs of everything those requests could change.
import { expect } from 'vitest';
import type { TestApp } from './app';
import { allAudit, allChanges } from './conventions';
import { ok, postTransactions, putCustomer, reasonCode } from './credit';
import { listAll } from './credit-setup';

/** Reason codes, the bank account BANK1 (NSF fee 25.00), write-off account 618000 (tax 222200) and the parameters of E21/E25. */
export async function moneySetup(t: TestApp): Promise<void> {
  await reasonCode(t, 'BADDEBT', 'writeOff');
  await reasonCode(t, 'NSF-CHK', 'nsf');
  await reasonCode(t, 'REL', 'release');
  ok(
    await t.request('PUT', '/api/v1/bank-accounts/BANK1', {
      as: 'credit_manager',
      body: { name: 'Main bank', nsfFee: '25.00', nsfJournal: 'NSF' },
    }),
    201,
  );
  ok(
    await t.request('PUT', '/api/v1/write-off-accounts/618000', {
      as: 'credit_manager',
      body: { name: 'Bad debts', salesTaxAccountId: '222200' },
    }),
    201,
  );
  ok(
    await t.request('PUT', '/api/v1/parameters', {
      as: 'credit_manager',
      body: {
        waiveLimits: [{ currency: 'USD', amount: '100.00' }],
        minDaysToAllowWaive: 0,
        maxDaysToAllowWaive: 60,
        adjustmentInvoiceDate: 'systemDate',
        separateSalesTax: true,
        writeOffAccountId: '618000',
        writeOffReasonCode: 'BADDEBT',
      },
    }),
  );
}

export const putInterestCode = async (t: TestApp, id: string, body: Record<string, unknown>) =>
  ok(
    await t.request('PUT', `/api/v1/interest-codes/${id}`, {
      as: 'credit_manager',
      body: { name: `Interest ${id}`, currency: 'USD', ...body },
    }),
    201,
  );

export async function customerWithCode(
  t: TestApp,
  id: string,
  interestCodeId: string | null,
  fields: Record<string, unknown> = {},
): Promise<void> {
  await putCustomer(t, id, { ...(interestCodeId ? { interestCodeId } : {}), ...fields });
}

export async function calculate(t: TestApp, body: Record<string, unknown>): Promise<any[]> {
  return ok(await t.request('POST', '/api/v1/interest-notes:calculate', { as: 'collections_agent', body }), 201).items;
}

export const postNote = async (t: TestApp, id: string, date?: string) =>
  ok(
    await t.request('POST', `/api/v1/interest-notes/${id}/post`, {
      as: 'collections_agent',
      body: date ? { date } : {},
    }),
  );

export const adjust = (
  t: TestApp,
  noteId: string,
  action: 'waive' | 'reinstate' | 'reverse',
  body: Record<string, unknown> = {},
  as: 'collections_agent' | 'credit_manager' = 'collections_agent',
) => t.request('POST', `/api/v1/interest-notes/${noteId}/${action}`, { as, body });

export const settleBy = async (t: TestApp, debitId: string, creditId: string, amount: string, date: string) =>
  ok(
    await t.request('POST', '/api/v1/settlements', { as: 'integration', body: { debitId, creditId, amount, date } }),
    201,
  );

export const balanceOf = async (t: TestApp, customerId: string): Promise<string> =>
  ok(await t.request('GET', `/api/v1/customers/${customerId}`)).credit.exposure.balance;
export const txn = async (t: TestApp, id: string) => ok(await t.request('GET', `/api/v1/transactions/${id}`));

/** A posted note like IN-1 of E21: one line of 58.88 and a fee of 10.00, posted 2024-07-01, 20.00 paid on the line. */
export async function in1(t: TestApp, customerId: string, codeId: string, createCustomer = true): Promise<any> {
  if (createCustomer) await customerWithCode(t, customerId, codeId);
  await postTransactions(t, [
    { id: `${customerId}-INV`, customerId, type: 'invoice', amount: '423.00', dueDate: '2023-11-11' },
    {
      id: `${customerId}-PAY`,
      customerId,
      type: 'payment',
      amount: '-20.00',
      transDate: '2024-07-05',
      bankAccountId: 'BANK1',
    },
  ]);
  const [note] = await calculate(t, { customerIds: [customerId], toDate: '2024-06-30' });
  expect(note.lines.map((l: any) => [l.days, l.interestAmount])).toEqual([[232, '58.88']]);
  expect(note.fees.map((f: any) => f.amount)).toEqual(['10.00']);
  const posted = await postNote(t, note.id, '2024-07-01');
  await settleBy(t, posted.lines[0].chargeTransactionId, `${customerId}-PAY`, '20.00', '2024-07-05');
  return posted;
}

/** Everything a collections money request could change, read back through the API and the tables. */
export async function moneyState(t: TestApp, customerIds: string[]) {
  const db = t.handle.db;
  const count = async (
    table:
      'settlements' | 'adjustment_history' | 'nsf_records' | 'write_offs' | 'fees' | 'interest_notes' | 'transactions',
  ) =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const transactions: Record<string, unknown[]> = {};
  for (const id of customerIds) transactions[id] = await listAll(t, `/api/v1/customers/${id}/transactions`);
  return {
    transactions,
    notes: await listAll(t, '/api/v1/interest-notes'),
    fees: await listAll(t, '/api/v1/fees'),
    writeOffs: await listAll(t, '/api/v1/write-offs'),
    changes: await allChanges(t),
    audit: (await allAudit(t)).length,
    counts: {
      settlements: await count('settlements'),
      history: await count('adjustment_history'),
      nsf: await count('nsf_records'),
      writeOffs: await count('write_offs'),
      fees: await count('fees'),
      notes: await count('interest_notes'),
      transactions: await count('transactions'),
    },
  };
}

export async function expectMoneyUnchanged(
  t: TestApp,
  customerIds: string[],
  before: Awaited<ReturnType<typeof moneyState>>,
): Promise<void> {
  expect(await moneyState(t, customerIds)).toEqual(before);
}

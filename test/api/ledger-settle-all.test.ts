// server/ledger/ledger.service.ts: settleAll (a write-off's 20,000 settlements read, check and
// write in bulk) equals the same settlements made one at a time, row for row; reverseSettlements
// likewise. Both dialects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { allAudit, allChanges } from '../support/conventions';
import { postTransactions, putCustomer } from '../support/credit';
import { runInTransaction, SYSTEM } from '../../server/db/transaction';
import {
  reverseSettlement,
  reverseSettlements,
  settle,
  settleAll,
  type SettlementInput,
} from '../../server/ledger/ledger.service';

const invoices = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-INV${i}`,
    customerId: prefix,
    type: 'invoice',
    amount: `${100 + i}.00`,
    dueDate: '2025-03-01',
  }));

/** A customer's 30 invoices (100.00 … 129.00), two payments and a credit note. */
const ledger = (c: string) => [
  ...invoices(c, 30),
  { id: `${c}-PAY1`, customerId: c, type: 'payment', amount: '-1500.00' },
  { id: `${c}-PAY2`, customerId: c, type: 'payment', amount: '-900.00' },
  { id: `${c}-CN`, customerId: c, type: 'creditNote', amount: '-1000.00' },
];

/** Settlements that close some invoices, part-pay others, and move the same payment many times. */
function pairs(c: string): SettlementInput[] {
  const out: SettlementInput[] = [];
  for (let i = 0; i < 12; i++)
    out.push({ debitId: `${c}-INV${i}`, creditId: `${c}-PAY1`, amount: BigInt(100 + i) * 100n, date: '2025-04-01' });
  for (let i = 12; i < 20; i++)
    out.push({ debitId: `${c}-INV${i}`, creditId: `${c}-PAY2`, amount: 5000n, date: '2025-04-02' });
  for (let i = 12; i < 20; i++)
    out.push({ debitId: `${c}-INV${i}`, creditId: `${c}-CN`, amount: 2500n, date: '2025-04-03' });
  return out;
}

/** Everything a settlement writes, with the customer prefix taken out so two customers compare. */
async function state(t: TestApp, c: string, fromSeq: number, fromAudit: number) {
  const strip = (v: unknown) => JSON.parse(JSON.stringify(v).replaceAll(`${c}-`, 'X-').replaceAll(`"${c}"`, '"X"'));
  const db = t.handle.db;
  const transactions = await db
    .selectFrom('transactions')
    .select(['id', 'open_amount', 'closed_date', 'version'])
    .where('customer_id', '=', c)
    .orderBy('id')
    .execute();
  const settlements = await db
    .selectFrom('settlements')
    .innerJoin('transactions', 'transactions.id', 'settlements.debit_id')
    .select([
      'settlements.debit_id',
      'settlements.credit_id',
      'settlements.amount',
      'settlements.settle_date',
      'settlements.reverses_id',
    ])
    .where('transactions.customer_id', '=', c)
    .orderBy('settlements.id')
    .execute();
  const changes = (await allChanges(t, fromSeq)).map(({ seq: _seq, ...rest }) => ({
    ...rest,
    id: rest.entity === 'settlement' ? 'S' : rest.id,
  }));
  const audit = (await allAudit(t)).slice(fromAudit).map((a) => ({
    action: a.action,
    entity: a.entity,
    before: a.before,
    after:
      a.after && typeof a.after === 'object' && 'id' in a.after && a.entity === 'settlement'
        ? { ...a.after, id: 'S', reverses: (a.after as { reverses?: string }).reverses ? 'S' : undefined }
        : a.after,
  }));
  return strip({
    transactions: transactions.map((r) => ({ ...r, open_amount: String(r.open_amount) })),
    settlements: settlements.map((r) => ({
      ...r,
      amount: String(r.amount),
      reverses_id: r.reverses_id === null ? null : 'S',
    })),
    changes,
    audit,
  });
}

describe.each(DIALECTS)('settleAll and reverseSettlements on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    const customers = ['ONE', 'ALL', 'BAD1', 'BAD2'];
    for (const c of customers) await putCustomer(t, c);
    // One batch: every entry has the same createdAt, so the customers' entries compare field for field.
    await postTransactions(t, customers.flatMap(ledger));
  });
  afterAll(() => t.close());
  const mark = async () => [(await allChanges(t)).at(-1)!.seq, (await allAudit(t)).length] as const;

  it('writes what the same settlements written one at a time write, and reverses them alike', async () => {
    const [seqOne, auditOne] = await mark();
    const single = await runInTransaction(t.handle, SYSTEM, async (tx) => {
      const out = [];
      for (const p of pairs('ONE')) out.push(await settle(tx, p));
      return out;
    });
    const [seqAll, auditAll] = await mark();
    const bulk = await runInTransaction(t.handle, SYSTEM, (tx) => settleAll(tx, pairs('ALL')));
    expect(bulk.map((s) => ({ ...s, id: 'S' }))).toEqual(
      single.map((s) =>
        JSON.parse(
          JSON.stringify({ ...s, id: 'S' })
            .replaceAll('ONE-', 'ALL-')
            .replaceAll('"ONE"', '"ALL"'),
        ),
      ),
    );
    expect(new Set(bulk.map((s) => s.id)).size).toBe(bulk.length);
    const [seqAfter, auditAfter] = await mark();
    const one = await state(t, 'ONE', seqOne, auditOne);
    expect(one.transactions.find((r: any) => r.id === 'X-PAY1').version).toBe(13);
    // The marks split the log: ONE's part before seqAll, ALL's after.
    expect({ ...(await state(t, 'ALL', seqAll, auditAll)), changes: undefined, audit: undefined }).toEqual({
      ...one,
      changes: undefined,
      audit: undefined,
    });
    expect((await state(t, 'ALL', seqAll, auditAll)).changes).toEqual(
      (await state(t, 'ONE', seqOne, auditOne)).changes.slice(0, seqAll - seqOne),
    );
    expect((await state(t, 'ALL', seqAll, auditAll)).audit).toEqual(
      (await state(t, 'ONE', seqOne, auditOne)).audit.slice(0, auditAll - auditOne),
    );

    // Reversal of every other settlement, alone and in bulk.
    const [rSeqOne, rAuditOne] = await mark();
    await runInTransaction(t.handle, SYSTEM, async (tx) => {
      for (const s of single.filter((_s, i) => i % 2 === 0)) await reverseSettlement(tx, s.id, '2025-05-01');
    });
    const [rSeqAll, rAuditAll] = await mark();
    await runInTransaction(t.handle, SYSTEM, (tx) =>
      reverseSettlements(
        tx,
        bulk.filter((_s, i) => i % 2 === 0).map((s) => s.id),
        '2025-05-01',
      ),
    );
    const oneReversed = await state(t, 'ONE', rSeqOne, rAuditOne);
    const allReversed = await state(t, 'ALL', rSeqAll, rAuditAll);
    expect(allReversed.transactions).toEqual(oneReversed.transactions);
    expect(allReversed.settlements).toEqual(oneReversed.settlements);
    expect(allReversed.changes).toEqual(oneReversed.changes.slice(0, rSeqAll - rSeqOne));
    expect(allReversed.audit).toEqual(oneReversed.audit.slice(0, rAuditAll - rAuditOne));
    expect(seqAfter).toBeGreaterThan(seqAll);
    expect(auditAfter).toBeGreaterThan(auditAll);
  });

  it('refuses the whole run at the first settlement that fails, with the error a lone one gives, and writes nothing', async () => {
    const bad = (c: string): SettlementInput[] => [
      ...pairs(c).slice(0, 5),
      { debitId: `${c}-INV0`, creditId: `${c}-PAY1`, amount: 100n, date: '2025-04-01' },
    ];
    const [seq] = await mark();
    const single = runInTransaction(t.handle, SYSTEM, async (tx) => {
      for (const p of bad('BAD1')) await settle(tx, p);
    });
    const bulk = runInTransaction(t.handle, SYSTEM, (tx) => settleAll(tx, bad('BAD2')));
    const [e1, e2] = await Promise.all([single.catch((e: unknown) => e), bulk.catch((e: unknown) => e)]);
    expect((e2 as Error).message).toBe((e1 as Error).message.replaceAll('BAD1', 'BAD2'));
    expect((e2 as Error).message).toMatch(/no open debit amount/);
    expect((await mark())[0]).toBe(seq);
    const unknown = await runInTransaction(t.handle, SYSTEM, (tx) =>
      reverseSettlements(tx, ['999999999'], '2025-05-01'),
    ).catch((e: unknown) => e);
    expect((unknown as Error).message).toMatch(/settlement 999999999/);
  });
});

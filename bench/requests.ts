// Request shapes that several bench sections send (SQLite and PostgreSQL alike): the credit check,
// the 10,000-line journal, the aging snapshot, the write-off and its setup.
import { STANDARD_AGING_LINES } from '../shared/collections/aging';
import type autocannon from 'autocannon';
import { allOk, call, load } from './http';

export const CUSTOMERS = 10_000;
export const AS_OF = '2025-06-30';
export const customerId = (i: number, prefix = 'C') => `${prefix}${String(i).padStart(6, '0')}`;

export const customer = (i: number, prefix = 'C') => ({
  id: customerId(i, prefix),
  name: `Customer ${i}`,
  currency: 'USD',
  creditLimit: `${10000 + (i % 500) * 100}.00`,
  creditManagementGroupId: 'STD',
  customerGroup: 'RETAIL',
});

/** One credit check of an order for the i-th customer (modulo the 10,000 with a ledger). */
export const checkBody = (i: number) =>
  JSON.stringify({ customerId: customerId(i % CUSTOMERS), orderAmount: '2500.00', asOf: AS_OF });
let checks = 0;
/** The next check's body: load runs go round the customers in turn, each run where the last one stopped. */
export const nextCheckBody = () => checkBody(checks++);

/** `POST /credit-check` under load (autocannon, 10 connections unless told), every request a new body; throws on any non-2xx. */
export async function checkLoad(
  base: string,
  token: string,
  opts: Partial<autocannon.Options> = {},
): Promise<autocannon.Result> {
  const r = await load(`${base}/api/v1/credit-check`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: nextCheckBody() }) }],
    ...opts,
  });
  return allOk('credit-check', r);
}

/** A creditLimit journal of one line per customer with a ledger; `run` moves every limit again. */
export const journalBody = (run: number) =>
  JSON.stringify({
    type: 'creditLimit',
    description: 'bench',
    lines: Array.from({ length: CUSTOMERS }, (_, i) => ({
      customerId: customerId(i),
      newCreditLimit: `${20000 + run * 500 + (i % 300) * 100}.00`,
      newExpirationDate: '2030-12-31',
    })),
  });

export interface CreatedJournal {
  id: string;
  version: number;
  validateMs: number;
  createMs: number;
}

/** Validate, then create, a journal (as the add-in sends it: the same body twice). */
export async function createJournal(base: string, managerToken: string, body: string): Promise<CreatedJournal> {
  const headers = { authorization: `Bearer ${managerToken}`, 'content-type': 'application/json' };
  let t = performance.now();
  const validated = await fetch(`${base}/api/v1/adjustment-journals:validate`, { method: 'POST', headers, body });
  const validateMs = performance.now() - t;
  if (validated.status !== 200 || !((await validated.json()) as { valid: boolean }).valid)
    throw new Error('journal validate failed');
  t = performance.now();
  const created = await fetch(`${base}/api/v1/adjustment-journals`, { method: 'POST', headers, body });
  const createMs = performance.now() - t;
  const journal = (await created.json()) as { id: string; version: number };
  if (created.status !== 201)
    throw new Error(`journal create answered ${created.status}: ${JSON.stringify(journal).slice(0, 300)}`);
  return { id: journal.id, version: journal.version, validateMs, createMs };
}

/** Posts a created journal; the elapsed milliseconds. */
export async function postJournal(
  base: string,
  managerToken: string,
  journal: { id: string; version: number },
): Promise<number> {
  const t = performance.now();
  await call(
    base,
    managerToken,
    'POST',
    `/api/v1/adjustment-journals/${journal.id}/post`,
    { postingDate: AS_OF },
    { 'if-match': `"${journal.version}"` },
  );
  return performance.now() - t;
}

/** The standard aging definition (the collections section's), as STD, unless it is there already. */
export async function ensureStandardAging(base: string, managerToken: string): Promise<void> {
  const res = await fetch(`${base}/api/v1/aging-definitions/STD`, {
    headers: { authorization: `Bearer ${managerToken}` },
  });
  await res.arrayBuffer();
  if (res.status === 404)
    await call(base, managerToken, 'PUT', '/api/v1/aging-definitions/STD', {
      name: 'Standard',
      lines: [...STANDARD_AGING_LINES],
    });
  else if (res.status !== 200) throw new Error(`GET /api/v1/aging-definitions/STD answered ${res.status}`);
}

/** One aging snapshot run of every customer; the elapsed milliseconds. */
export async function runSnapshot(base: string, managerToken: string): Promise<number> {
  const t = performance.now();
  await call(base, managerToken, 'POST', '/api/v1/aging-snapshots', { definitionId: 'STD', asOf: AS_OF });
  return performance.now() - t;
}

/** The customer whose open invoices the fairness section writes off (bench/data.ts gives it 20,000). */
export const WRITE_OFF_CUSTOMER = 'W000000';

/** What a write-off needs: a writeOff reason code and the default write-off account. */
export async function writeOffSetup(base: string, managerToken: string): Promise<void> {
  await call(base, managerToken, 'PUT', '/api/v1/reason-codes/BADDEBT', { kind: 'writeOff', description: 'bad debt' });
  await call(base, managerToken, 'PUT', '/api/v1/write-off-accounts/618000', { name: 'Bad debts' });
  await call(base, managerToken, 'PUT', '/api/v1/parameters', { writeOffAccountId: '618000' });
}

/** A write-off of every open item of the customer: the draft, then its posting. */
export async function writeOffAll(base: string, managerToken: string, customerId = WRITE_OFF_CUSTOMER): Promise<void> {
  const draft = await call(base, managerToken, 'POST', '/api/v1/write-offs', {
    customerId,
    reasonCode: 'BADDEBT',
    date: AS_OF,
  });
  // The draft's id is its first field; parsing its 20,000 items here would stall this process's
  // event loop, which the fairness section's GET loop shares.
  const id = /^\{"id":"([^"]+)"/.exec(draft)?.[1];
  if (!id) throw new Error(`write-off draft without an id: ${draft.slice(0, 200)}`);
  await call(base, managerToken, 'POST', `/api/v1/write-offs/${id}/post`, {});
}

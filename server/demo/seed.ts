import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DbHandle } from '../db/connection';
import { runInTransaction, SYSTEM, ROLES, type Role } from '../db/transaction';
import { createUser } from '../users/users.service';
import { upsertCustomerBatch } from '../customers/customers.service';
import { appendTransactions, settle, type NewTransaction } from '../ledger/ledger.service';
import { upsertSalesOrder } from '../sales-orders/sales-orders.service';
import { addDays } from '../../shared/dates';
import { formatMoney, formatRate } from '../../shared/money';
import { putExchangeRateBatch } from '../exchange-rates/exchange-rates.service';
import { seedCreditDemo } from './credit-seed';
import { seedCollectionsDemo } from './collections-seed';

/** A small deterministic generator, so every demo company is the same. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = [
  'Contoso',
  'Fabrikam',
  'Northwind',
  'Tailspin',
  'Litware',
  'Adventure Works',
  'Alpine Ski',
  'Coho Winery',
  'Wide World',
  'Proseware',
  'Lucerne',
  'Margie Travel',
  'Trey Research',
  'Wingtip',
  'Humongous',
  'Blue Yonder',
  'Graphic Design',
  'Southridge',
  'Woodgrove',
  'Fourth Coffee',
];
const SUFFIX = ['Ltd', 'Inc', 'GmbH', 'BV', 'SA', 'LLC', 'Pty', 'AB', 'Oy', 'plc'];

export interface DemoOptions {
  customers?: number;
  /** The demo's "today": invoices age relative to it. */
  asOf?: string;
  /** Where to keep a copy of the printed tokens (none when omitted). */
  tokensFile?: string;
  /** The app, to load the credit setup and holds through the public API (skipped when omitted). */
  app?: Parameters<typeof seedCreditDemo>[0];
}

/**
 * The demo's rate history (USD is the accounting currency): a weekly EUR and GBP rate for the 60
 * weeks up to `asOf`, moving a little each week. Built from integers (units of 0.0001) and sent as
 * decimal text, as a feed would.
 */
function demoRates(asOf: string): { currency: string; date: string; rate: string }[] {
  const out = [];
  for (let week = 60; week >= 0; week--) {
    const date = addDays(asOf, -7 * week);
    const swing = ((week * 37) % 41) - 20; // −20 … +20
    out.push({ currency: 'EUR', date, rate: formatRate(BigInt(10800 + swing * 5)) });
    out.push({ currency: 'GBP', date, rate: formatRate(BigInt(12650 - swing * 4)) });
  }
  return out;
}

/**
 * Loads the demo company: users with one token per role, about 200 customers with invoices,
 * payments, settlements and open orders. Later features add their own setup to it.
 * Returns the tokens (shown once) and keeps a copy in `tokensFile` when given.
 */
export async function seedDemo(
  handle: DbHandle,
  options: DemoOptions = {},
): Promise<Record<Role, string> & Record<string, string>> {
  const count = options.customers ?? 200;
  const asOf = options.asOf ?? new Date().toISOString().slice(0, 10);
  const random = rng(20250630);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const cents = (min: number, max: number) => BigInt(Math.round(min + random() * (max - min))) * 100n;

  const tokens = {} as Record<Role, string>;
  await runInTransaction(handle, SYSTEM, async (tx) => {
    for (const role of ROLES) {
      const { token } = await createUser(tx, {
        id: `demo-${role.replace('_', '-')}`,
        name: `Demo ${role.replace('_', ' ')}`,
        role,
      });
      tokens[role] = token;
    }
  });

  await runInTransaction(handle, SYSTEM, async (tx) => {
    await putExchangeRateBatch(tx, demoRates(asOf));
  });

  await runInTransaction(handle, SYSTEM, async (tx) => {
    const customers = Array.from({ length: count }, (_, i) => {
      const id = `C${String(1001 + i)}`;
      const unlimited = i % 50 === 7;
      return {
        id,
        name: `${pick(NAMES)} ${pick(SUFFIX)} ${i + 1}`,
        currency: i % 10 === 9 ? 'EUR' : i % 20 === 4 ? 'GBP' : 'USD',
        creditLimit: formatMoney(unlimited ? 0n : cents(5, 50) * 1000n),
        creditLimitExpirationDate: addDays(asOf, Math.floor(random() * 400) - 30),
        mandatoryCreditLimit: i % 25 === 3,
        unlimitedCredit: unlimited,
        excludeFromCreditManagement: i % 67 === 11,
        withAgency: false,
        titleHeld: false,
        creditManagementGroupId: pick(['STD', 'STD', 'STD', 'KEY', 'RISK']),
        paymentTermsId: pick(['Net30', 'Net30', 'Net10', 'Net60']),
        customerGroup: pick(['RETAIL', 'WHOLESALE', 'EXPORT']),
        customerSince: addDays(asOf, -Math.floor(random() * 3000) - 60),
        // USD customers pay interest on overdue invoices (the code is set up with the collections demo).
        interestCodeId: i % 10 === 9 ? null : 'INT-M',
      };
    });
    await upsertCustomerBatch(tx, customers);

    const ledger: NewTransaction[] = [];
    const settlements: { debitId: string; creditId: string; amount: bigint; date: string }[] = [];
    for (const c of customers) {
      const invoices = 2 + Math.floor(random() * 8);
      for (let n = 1; n <= invoices; n++) {
        const transDate = addDays(asOf, -Math.floor(random() * 150));
        const amount = cents(200, 9000);
        const id = `${c.id}-I${n}`;
        ledger.push({
          id,
          customerId: c.id,
          type: 'invoice',
          amount,
          currency: c.currency,
          transDate,
          dueDate: addDays(transDate, 30),
          documentDate: transDate,
          source: 'demo',
        });
        // About a third of invoices are paid in full or in part.
        if (random() < 0.35) {
          const paid = random() < 0.7 ? amount : amount / 2n;
          const payDate = addDays(transDate, 10 + Math.floor(random() * 40));
          if (payDate <= asOf) {
            const payId = `${c.id}-P${n}`;
            ledger.push({
              id: payId,
              customerId: c.id,
              type: 'payment',
              amount: -paid,
              currency: c.currency,
              transDate: payDate,
              bankAccountId: 'BANK1',
              paymentJournal: 'ARPAY',
              source: 'demo',
            });
            settlements.push({ debitId: id, creditId: payId, amount: paid, date: payDate });
          }
        }
      }
      if (random() < 0.1) {
        ledger.push({
          id: `${c.id}-CN1`,
          customerId: c.id,
          type: 'creditNote',
          amount: -cents(50, 500),
          currency: c.currency,
          transDate: addDays(asOf, -20),
          source: 'demo',
        });
      }
    }
    await appendTransactions(tx, ledger);
    for (const s of settlements) await settle(tx, s);

    let orderNo = 5001;
    for (const c of customers) {
      const orders = Math.floor(random() * 3);
      for (let n = 0; n < orders; n++) {
        await upsertSalesOrder(
          tx,
          `SO${orderNo++}`,
          { customerId: c.id, amount: cents(500, 12000), excludeFromCreditManagement: false },
          undefined,
        );
      }
    }
  });

  const customerIds = Array.from({ length: count }, (_, i) => `C${String(1001 + i)}`);
  let extra: Record<string, string> = {};
  if (options.app) {
    await seedCreditDemo(options.app, tokens, asOf, customerIds);
    extra = await seedCollectionsDemo(options.app, tokens, asOf, customerIds);
  }
  const all: Record<string, string> = { ...tokens, ...extra };

  if (options.tokensFile) {
    try {
      mkdirSync(dirname(options.tokensFile), { recursive: true });
      writeFileSync(options.tokensFile, JSON.stringify(all, null, 2) + '\n', { mode: 0o600 });
    } catch {
      // A read-only directory only loses the convenience copy; the tokens were printed.
    }
  }
  return all as Record<Role, string> & Record<string, string>;
}

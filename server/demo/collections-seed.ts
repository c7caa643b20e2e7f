import type { createApp } from '../app';
import { addDays } from '../../shared/dates';
import { STANDARD_AGING_LINES } from '../../shared/collections/aging';

type App = ReturnType<typeof createApp>;

/**
 * The collections half of the demo company, loaded through the public API as a credit manager,
 * an admin and two collections agents would: two aging definitions (STD the default), pools, two
 * agents (one with pools, one who sees every pool), a case category, disputes and promises to
 * pay, cases and activities, interest (one note posted, drafts), the bank's NSF fee and the
 * write-off account, and a snapshot of both definitions as of the demo date.
 * Returns the second agent's token (the first is the demo collections_agent).
 */
export async function seedCollectionsDemo(
  app: App,
  tokens: { credit_manager: string; admin: string; collections_agent: string },
  asOf: string,
  customerIds: string[],
): Promise<{ collections_agent_2: string }> {
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, any>;
    if (res.status >= 400) throw new Error(`demo ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const manager = (method: string, path: string, body?: unknown) => call(tokens.credit_manager, method, path, body);
  const agent = (method: string, path: string, body?: unknown) => call(tokens.collections_agent, method, path, body);

  await manager('PUT', '/api/v1/aging-definitions/STD', {
    name: 'Standard (days past due)',
    lines: [...STANDARD_AGING_LINES],
  });
  await manager('PUT', '/api/v1/aging-definitions/MONTHLY', {
    name: 'Monthly',
    lines: [
      { label: 'Older', unit: -1, interval: 'unlimited', indicator: 'red' },
      { label: '3 months', unit: -1, interval: 'month', indicator: 'orange' },
      { label: '2 months', unit: -1, interval: 'month', indicator: 'yellow' },
      { label: 'This month', unit: -1, interval: 'month', indicator: 'green' },
      { label: 'Not due', unit: 1, interval: 'unlimited', indicator: 'green' },
    ],
  });
  await manager('PUT', '/api/v1/parameters', { defaultAgingDefinitionId: 'STD' });
  await manager('PUT', '/api/v1/pools/90PLUS', {
    name: 'Over 90 days',
    type: 'collections',
    definitionId: 'STD',
    criteria: [{ field: 'period:Over 90', op: '>', value: '0' }],
  });
  await manager('PUT', '/api/v1/pools/OVER10K', {
    name: 'Balance over 10,000',
    type: 'collections',
    criteria: [{ field: 'amountDue', op: '>', value: '10000' }],
  });
  await manager('PUT', '/api/v1/pools/EXPORT', {
    name: 'Export customers',
    type: 'collections',
    criteria: [{ field: 'customerGroup', op: '=', value: 'EXPORT' }],
  });
  await manager('PUT', '/api/v1/pools/USD-ONLY', {
    name: 'USD customers (snapshot runs)',
    type: 'agingSnapshot',
    criteria: [{ field: 'currency', op: '=', value: 'USD' }],
  });

  const second = await call(tokens.admin, 'POST', '/api/v1/users', {
    name: 'Demo collections agent 2',
    role: 'collections_agent',
  });
  const secondId = String(second.id ?? second.user?.id);
  await manager('PUT', '/api/v1/agents/demo-collections-agent', {
    poolIds: ['90PLUS', 'OVER10K'],
    defaultPoolId: '90PLUS',
    allowViewAllPools: false,
  });
  await manager('PUT', `/api/v1/agents/${secondId}`, { poolIds: ['EXPORT'], allowViewAllPools: true });
  await manager('PUT', '/api/v1/case-categories/DISPUTE', { description: 'Invoice dispute', type: 'collections' });
  await manager('PUT', '/api/v1/case-categories/PROMISE', { description: 'Payment plan', type: 'collections' });

  // Disputes, promises, cases and activities on the first customers with open invoices.
  let worked = 0;
  for (const customerId of customerIds) {
    if (worked >= 6) break;
    const open = (await agent('GET', `/api/v1/customers/${customerId}/transactions?open=true&limit=20`)) as {
      items: { id: string; type: string }[];
    };
    const invoices = open.items.filter((x) => x.type === 'invoice').map((x) => x.id);
    if (invoices.length < 2) continue;
    worked++;
    if (worked % 2 === 1) {
      await agent('POST', '/api/v1/transactions:set-status', { transactionIds: [invoices[0]], status: 'disputed' });
      const kase = await agent('POST', '/api/v1/cases', {
        customerId,
        categoryId: 'DISPUTE',
        description: `Customer disputes ${invoices[0]}: goods damaged`,
        transactionIds: [invoices[0]],
      });
      await agent('POST', '/api/v1/activities', {
        customerId,
        caseId: kase.id,
        type: 'task',
        subject: 'Ask the warehouse for the delivery photos',
        dueDate: addDays(asOf, 3),
        transactionIds: [invoices[0]],
      });
    } else {
      await agent('POST', '/api/v1/transactions:set-status', {
        transactionIds: [invoices[0], invoices[1]],
        status: 'promisedToPay',
        promiseDate: addDays(asOf, worked),
      });
      await agent('POST', '/api/v1/activities', {
        customerId,
        type: 'action',
        subject: 'Phone call: promised to pay both invoices',
        transactionIds: [invoices[0], invoices[1]],
      });
      await agent('POST', '/api/v1/activities', {
        customerId,
        type: 'task',
        subject: 'Check the promised payment arrived',
        dueDate: addDays(asOf, worked + 1),
      });
    }
  }

  // Money operations: interest, the bank's NSF fee, the write-off account, the waive limits; one
  // customer's interest note posted, the next ones left as drafts.
  await manager('PUT', '/api/v1/interest-codes/INT-M', {
    name: 'Monthly 1.5 %',
    currency: 'USD',
    method: 'monthly30',
    valueType: 'percentage',
    rate: '1.5',
    minInterest: '1.00',
    feeAmount: '5.00',
  });
  await manager('PUT', '/api/v1/bank-accounts/BANK1', {
    name: 'Main operating account',
    nsfFee: '25.00',
    nsfJournal: 'NSF',
  });
  await manager('PUT', '/api/v1/write-off-accounts/WRITEOFF', { name: 'Bad debts' });
  await manager('PUT', '/api/v1/parameters', {
    waiveLimits: [{ currency: 'USD', amount: '500.00' }],
    maxDaysToAllowWaive: 60,
    writeOffReasonCode: 'BADDEBT',
  });
  const notes = (await agent('POST', '/api/v1/interest-notes:calculate', {
    customerIds: customerIds.slice(0, 4),
    toDate: asOf,
  })) as { items: { id: string }[] };
  if (notes.items[0]) await agent('POST', `/api/v1/interest-notes/${notes.items[0].id}/post`, {});

  await agent('POST', '/api/v1/aging-snapshots', { definitionId: 'STD', asOf, updateCollectionStatus: true });
  await agent('POST', '/api/v1/aging-snapshots', { definitionId: 'MONTHLY', asOf });
  return { collections_agent_2: String(second.token) };
}

import type { createApp } from '../app';
import { addDays } from '../../shared/dates';

type App = ReturnType<typeof createApp>;

/**
 * The credit-management half of the demo company, loaded through the public API exactly as a
 * credit manager and an integrator would: setup, rules, checkpoints, a credit group, and about
 * twenty held orders with varied reasons.
 */
export async function seedCreditDemo(
  app: App,
  tokens: { credit_manager: string; integration: string; credit_clerk: string },
  asOf: string,
  customerIds: string[],
): Promise<{ holds: number }> {
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status >= 400) throw new Error(`demo ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const manager = (method: string, path: string, body?: unknown) => call(tokens.credit_manager, method, path, body);

  const reasons: [string, string, string][] = [
    ['OK-REVIEWED', 'release', 'Reviewed: OK to release'],
    ['PAID', 'release', 'Customer paid the overdue invoices'],
    ['AUTO', 'release', 'Released automatically: no reason left'],
    ['MODIFIED', 'release', 'Order changed after release, rechecked'],
    ['RISK', 'reject', 'Credit risk too high'],
    ['CANCELED', 'reject', 'Order canceled while on hold'],
    ['FRAUD', 'forcedHold', 'Fraud check'],
    ['BADDEBT', 'writeOff', 'Uncollectible'],
    ['NSF-BANK', 'nsf', 'Returned by the bank'],
    ['GOODWILL', 'waive', 'Goodwill gesture'],
  ];
  for (const [id, kind, description] of reasons)
    await manager('PUT', `/api/v1/reason-codes/${id}`, { kind, description });
  for (const [id, days, rank] of [
    ['Net10', 10, 1],
    ['Net30', 30, 2],
    ['Net60', 60, 3],
    ['CIA', 0, 0],
  ] as const)
    await manager('PUT', `/api/v1/payment-terms/${id}`, {
      description: id === 'CIA' ? 'Cash in advance' : `Net ${days} days`,
      days,
      rank,
    });
  for (const [id, rank] of [
    ['1P10', 1],
    ['2P10', 2],
  ] as const)
    await manager('PUT', `/api/v1/cash-discounts/${id}`, { description: `${id[0]}% in 10 days`, rank });
  for (const [id, description] of [
    ['STD', 'Standard'],
    ['KEY', 'Key accounts'],
    ['RISK', 'Watch list'],
  ])
    await manager('PUT', `/api/v1/credit-management-groups/${id}`, { description });
  for (const [id, hold] of [
    ['Normal', 'no'],
    ['Watch', 'invoice'],
    ['Collections', 'all'],
  ])
    await manager('PUT', `/api/v1/account-statuses/${id}`, { description: id, invoicingAndDeliveryHold: hold });
  await manager('PUT', '/api/v1/parameters', {
    autoReleaseReasonCode: 'AUTO',
    modifiedOrderReleaseReasonCode: 'MODIFIED',
    canceledOrderReasonCode: 'CANCELED',
    paymentTermsIncreased: true,
  });
  await manager('PUT', '/api/v1/checkpoints', [
    { checkpoint: 'confirmation', posting: true, proForma: true, graceDays: 2 },
    { checkpoint: 'packingSlip', posting: true, proForma: false, graceDays: 1 },
  ]);
  const keyCustomer = customerIds[4]!;
  for (const rule of [
    {
      ruleType: 'creditLimitUsed',
      kind: 'blocking',
      validFor: 'all',
      percent: '100',
      description: 'Hold when the limit is exceeded',
    },
    { ruleType: 'daysOverdue', kind: 'blocking', validFor: 'all', valueType: 'days', days: 60 },
    {
      ruleType: 'daysOverdue',
      kind: 'exclusion',
      validFor: 'table',
      accountOrGroup: keyCustomer,
      valueType: 'days',
      days: 120,
      description: 'Key account: tolerate up to 120 days',
    },
    { ruleType: 'creditLimitExpired', kind: 'blocking', validFor: 'all', days: 30 },
    { ruleType: 'salesOrder', kind: 'blocking', validFor: 'group', accountOrGroup: 'RISK', amount: '10000.00' },
    { ruleType: 'accountStatus', kind: 'blocking', validFor: 'all', accountStatusId: 'Collections' },
    { ruleType: 'termsOfPayment', kind: 'blocking', validFor: 'all', paymentTermsId: 'CIA' },
  ]) {
    await manager('POST', '/api/v1/blocking-rules', rule);
  }
  await manager('PUT', '/api/v1/credit-groups/G-NORTH', {
    name: 'Northwind group',
    creditLimit: '120000.00',
    currency: 'USD',
    creditLimitToDate: addDays(asOf, 365),
    members: customerIds.slice(0, 3),
  });
  // A group that shares one limit in EUR between two EUR customers and a USD one: each member's
  // exposure (in USD, the accounting currency) is converted to EUR at the check date (credit.md §3).
  const euroMembers = [customerIds[9], customerIds[19], customerIds[3]].filter((id) => id !== undefined);
  if (euroMembers.length === 3)
    await manager('PUT', '/api/v1/credit-groups/G-EURO', {
      name: 'Euro trading group',
      creditLimit: '90000.00',
      currency: 'EUR',
      creditLimitToDate: addDays(asOf, 365),
      members: euroMembers,
    });

  // Confirm open orders until about twenty are held, then force two more by hand.
  const orders = (await call(tokens.integration, 'GET', '/api/v1/sales-orders?status=open&limit=1000')) as {
    items: { id: string; customerId: string }[];
  };
  let holds = 0;
  for (const order of orders.items) {
    if (holds >= 20) break;
    const result = await call(tokens.integration, 'POST', `/api/v1/sales-orders/${order.id}/post`, {
      checkpoint: 'confirmation',
      postingType: 'posting',
      asOf,
    });
    if (!result.posted) holds++;
  }
  const clear = orders.items.filter((o) => !customerIds.slice(0, 3).includes(o.customerId)).slice(-2);
  for (const o of clear) {
    const order = await call(tokens.integration, 'GET', `/api/v1/sales-orders/${o.id}`);
    if (order.creditStatus !== 'clear') continue;
    await call(tokens.credit_clerk, 'POST', `/api/v1/sales-orders/${o.id}/force-hold`, { reasonCode: 'FRAUD', asOf });
    holds++;
  }
  return { holds };
}

import { it, expect } from 'vitest';
import { startTestApp } from '/work/main/test/support/app';
import { allChanges } from '/work/main/test/support/conventions';
it.each(['sqlite','postgres'] as const)('probe %s', async (d) => {
  const t = await startTestApp(d);
  await t.request('PUT', '/api/v1/parameters', { as: 'credit_manager', body: { separateSalesTax: false } });
  const fields = ['paymentTermsIncreased','settlementDiscountIncreased','requireReleaseApproval','requireAdjustmentApproval','separateSalesTax'];
  const res = await Promise.all(fields.map((f) => t.request('PUT', '/api/v1/parameters', { as: 'credit_manager', body: { [f]: true } })));
  console.log(d, res.map((r) => r.status + ':' + r.body.version));
  const g = (await t.request('GET', '/api/v1/parameters')).body;
  console.log(d, fields.map((f) => g[f]), g.version);
  console.log(d, (await allChanges(t)).filter(c=>c.entity==='parameters').map(c=>c.version));
  // credit group delete vs put race
  await t.request('PUT', '/api/v1/customers/X1', { as: 'integration', body: { name: 'x', currency: 'USD', creditLimit: '1.00' } });
  let both = 0;
  for (let i = 0; i < 20; i++) {
    const id = `G${i}`;
    await t.request('PUT', `/api/v1/credit-groups/${id}`, { as: 'credit_manager', body: { name: 'g', creditLimit: 1, currency: 'USD', creditLimitToDate: '2026-01-01', members: [] } });
    const [a, b] = await Promise.all([
      t.request('PUT', `/api/v1/credit-groups/${id}`, { as: 'credit_manager', body: { name: 'g2', creditLimit: 1, currency: 'USD', creditLimitToDate: '2026-01-01', members: ['X1'] }, headers: { 'If-Match': '"1"' } }),
      t.request('DELETE', `/api/v1/credit-groups/${id}`, { as: 'credit_manager', headers: { 'If-Match': '"1"' } }),
    ]);
    if (a.status === 200 && b.status === 200) both++;
    if (a.status >= 500 || b.status >= 500) console.log('500!', a.status, b.status, JSON.stringify(a.body), JSON.stringify(b.body));
    if (a.status === 200) await t.request('PUT', `/api/v1/credit-groups/${id}`, { as: 'credit_manager', body: { name: 'g', creditLimit: 1, currency: 'USD', creditLimitToDate: '2026-01-01', members: [] }, headers: { 'If-Match': '"2"' } }).catch(() => 0);
  }
  console.log(d, 'both succeeded', both);
  await t.close();
});

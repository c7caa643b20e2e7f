// server/collections/snapshots/snapshots.repository.ts (agedSums): on SQLite a run over every customer sums the open items in
// parts of SUMS_PART customers (ranges of ids, pacing between them); the parts must add up to
// exactly what one statement gives, whatever the part size and wherever a boundary falls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { postTransactions, putCustomer } from '../support/credit';
import { agedSums } from '../../server/collections/snapshots/snapshots.repository';
import { periodRanges, STANDARD_AGING_LINES } from '../../shared/collections/aging';
import { readerOf } from '../../server/http/reader';

describe('aging sums in parts on SQLite', () => {
  let t: TestApp;
  const ids = ['A1', 'A2', 'B1', 'B2', 'B3', 'C1', 'Z9'];
  beforeAll(async () => {
    t = await startTestApp('sqlite');
    for (const id of ids) await putCustomer(t, id);
    // Every customer but B2 has open items across the buckets, credits among them; B2 has none.
    await postTransactions(
      t,
      ids
        .filter((id) => id !== 'B2')
        .flatMap((id, n) => [
          { id: `${id}-1`, customerId: id, type: 'invoice', amount: `${100 + n}.00`, dueDate: '2025-06-20' },
          { id: `${id}-2`, customerId: id, type: 'invoice', amount: `${200 + n}.00`, dueDate: '2025-04-15' },
          { id: `${id}-3`, customerId: id, type: 'invoice', amount: `${300 + n}.00`, dueDate: '2024-12-01' },
          { id: `${id}-4`, customerId: id, type: 'payment', amount: `-${50 + n}.00`, transDate: '2025-05-10' },
        ]),
    );
  });
  afterAll(() => t.close());

  it('parts of 1, 2, 3 and 1,000 customers give the sums of one statement per customer', async () => {
    const ranges = periodRanges({ id: 'STD', name: 'Standard', lines: [...STANDARD_AGING_LINES] }, '2025-06-30');
    for (const placement of ['ownDate', 'oldestFirst'] as const) {
      const one = new Map<string, unknown>();
      for (const id of ids) {
        const sums = (await agedSums(readerOf(t.handle), ranges, 'dueDate', placement, id)).get(id);
        if (sums) one.set(id, sums);
      }
      expect([...one.keys()].sort()).toEqual(ids.filter((id) => id !== 'B2'));
      for (const partSize of [1, 2, 3, 1000]) {
        const parts = await agedSums(readerOf(t.handle), ranges, 'dueDate', placement, undefined, partSize);
        expect(
          new Map([...parts].sort(([a], [b]) => a.localeCompare(b))),
          `parts of ${partSize}, ${placement}`,
        ).toEqual(new Map([...one].sort(([a], [b]) => a.localeCompare(b))));
      }
    }
  });
});

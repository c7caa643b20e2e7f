// Parallel postings for the members of one customer credit group (credit.md §3, §4.6, §5), over
// HTTP on both dialects: the outcome of 20 postings fired at once (held orders, holds, no
// duplicate holds, a gap-free change log) equals a serial run of the same postings on a fresh app.
// The scenario (test/support/group-postings.ts) is shared with the multi-process suite
// (test/multiprocess/team.test.ts), which splits the postings over two server processes.
import { describe, expect, it } from 'vitest';
import { DIALECTS, startTestApp, type TestApp, type TestResponse } from '../support/app';
import {
  expectGapFreeLog,
  expectGroupDecisions,
  expectSameOutcome,
  GROUP_LIMIT,
  groupExposure,
  groupOutcome,
  postGroupOrder,
  POSTINGS,
  setUpGroup,
  type GroupOutcome,
} from '../support/group-postings';

async function groupApp(dialect: (typeof DIALECTS)[number]): Promise<{ t: TestApp; setupSeq: number }> {
  const t = await startTestApp(dialect);
  return { t, setupSeq: await setUpGroup(t) };
}

describe.each(DIALECTS)('credit group concurrency on %s', (dialect) => {
  it('20 parallel postings for one credit group decide exactly as the same postings in series', async () => {
    const serial = await groupApp(dialect);
    const parallel = await groupApp(dialect);
    try {
      const rounds: { serial: GroupOutcome; parallel: GroupOutcome }[] = [];
      // Two rounds: the second posts everything again (held orders are refused, the others pass again).
      for (let round = 0; round < 2; round++) {
        const serialResponses: TestResponse[] = [];
        for (const p of POSTINGS) serialResponses.push(await postGroupOrder(serial.t, p));
        const parallelResponses = await Promise.all(POSTINGS.map((p) => postGroupOrder(parallel.t, p)));
        rounds.push({
          serial: await groupOutcome(serial.t, serial.setupSeq, serialResponses),
          parallel: await groupOutcome(parallel.t, parallel.setupSeq, parallelResponses),
        });
      }

      for (const { serial: s, parallel: p } of rounds) expectSameOutcome(p, s);
      expectGroupDecisions(rounds[0]!.parallel, rounds[1]!.parallel);
      // The group's exposure (its members' invoices and open orders) stays within its limit.
      const group = await groupExposure(parallel.t);
      expect(group).toMatchObject({ id: 'G', limit: GROUP_LIMIT });
      expect(Number(group.exposure)).toBeLessThanOrEqual(Number(group.limit));
      expect(await groupExposure(serial.t)).toEqual(group);

      await expectGapFreeLog(parallel.t);
      await expectGapFreeLog(serial.t);
    } finally {
      await serial.t.close();
      await parallel.t.close();
    }
  });
});

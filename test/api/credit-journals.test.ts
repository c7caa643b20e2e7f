// Credit limit adjustment journals over HTTP on both dialects (credit.md §2, §6; SPEC §5
// "Adjustment journals"; issue 5): create (all or nothing), `:validate` with projections and
// releasable holds, lines, generate (filters, credit groups, E37, E38), posting and read-only
// journals, the approval flow with two users, roles, If-Match, and per-line approval.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addDays, todayUtc } from '../../shared/dates';
import { DIALECTS, startTestApp, type TestApp } from '../support/app';
import { allChanges, expectError, snapshot } from '../support/conventions';
import {
  addRule,
  auditActions,
  changesAfter,
  cluAll,
  holdsOf,
  lastSeq,
  ok,
  postingCheckpoints,
  postOrder,
  postTransactions,
  putCustomer,
  putOrder,
  putSetup,
  setCheckpoints,
  setParameters,
} from '../support/credit';

const TODAY = todayUtc();
const day = (n: number) => addDays(TODAY, n);
const BASE = '/api/v1/adjustment-journals';
type As = 'admin' | 'credit_manager' | 'credit_manager_2' | 'credit_clerk' | 'collections_agent' | 'integration';

describe.each(DIALECTS)('adjustment journals over HTTP on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    // The held orders of the `:validate` tests: confirmation checks "credit limit used > 100 %".
    await setCheckpoints(t, postingCheckpoints('confirmation'));
    await addRule(t, cluAll(100));
    await putSetup(t, 'credit-management-groups', 'GENA', { description: 'Generate A' });
    await putSetup(t, 'credit-management-groups', 'GENB', { description: 'Generate B' });
  });
  afterAll(async () => t.close());
  // Approval parameters are per test; the app is shared by the file.
  beforeEach(async () => {
    await setParameters(t, { requireAdjustmentApproval: false, adjustmentLineApprovalAmount: null });
  });

  const create = (body: Record<string, unknown>, as: As = 'credit_clerk') =>
    t.request('POST', BASE, { as, body: { description: 'test journal', ...body } });
  const createOk = async (body: Record<string, unknown>, as: As = 'credit_clerk') => ok(await create(body, as), 201);
  const getJournal = async (id: string) => ok(await t.request('GET', `${BASE}/${id}`));
  /** A state change under If-Match: the journal's current version unless `version` says otherwise (null = no header). */
  async function act(
    id: string,
    action: 'submit' | 'approve' | 'reject' | 'post',
    o: { as?: As; version?: number | null; body?: unknown } = {},
  ) {
    const version = o.version === undefined ? (await getJournal(id)).version : o.version;
    return t.request('POST', `${BASE}/${id}/${action}`, {
      as: o.as ?? 'credit_manager',
      headers: version === null ? {} : { 'If-Match': `"${version}"` },
      body: o.body,
    });
  }
  const addLines = (id: string, lines: unknown[], as: As = 'credit_clerk') =>
    t.request('POST', `${BASE}/${id}/lines`, { as, body: { lines } });
  const generate = (id: string, body: Record<string, unknown>, as: As = 'credit_clerk') =>
    t.request('POST', `${BASE}/${id}/generate`, { as, body });
  const customer = async (id: string) => ok(await t.request('GET', `/api/v1/customers/${id}`));
  const creditGroup = async (id: string, creditLimit: string, members: string[], creditLimitToDate = '2027-12-31') =>
    ok(
      await t.request('PUT', `/api/v1/credit-groups/${id}`, {
        as: 'credit_manager',
        body: { name: `Group ${id}`, creditLimit, currency: 'USD', creditLimitToDate, members },
      }),
      201,
    );
  /** A line as the API returns it, reduced to its figures. */
  const lineFigures = (l: any) => [
    l.lineNo,
    l.customerId ?? l.creditGroupId,
    l.currentCreditLimit,
    l.newCreditLimit,
    l.newExpirationDate,
    l.newFromDate,
    l.newToDate,
    l.approvalStatus,
  ];

  /** Everything a refused journal request could have written: journals, customers, groups, change log, audit, temporary limits. */
  async function state() {
    const count = async (table: 'adjustment_journals' | 'adjustment_journal_lines' | 'temporary_limits') =>
      Number(
        (
          await t.handle.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      ...(await snapshot(t)),
      journals: ok(await t.request('GET', `${BASE}?limit=1000`)).items,
      groups: ok(await t.request('GET', '/api/v1/credit-groups?limit=1000')).items,
      rows: {
        journals: await count('adjustment_journals'),
        lines: await count('adjustment_journal_lines'),
        temporaryLimits: await count('temporary_limits'),
      },
    };
  }

  describe('create and read', () => {
    it('creates a journal with lines: 201, numbered from 1, current limits filled, omitted expiry kept, read back by GET, list and change log', async () => {
      await putCustomer(t, 'CR1', { creditLimit: '10000.00', creditLimitExpirationDate: '2027-06-30' });
      await putCustomer(t, 'CR2', { creditLimit: '2500.50' });
      await putCustomer(t, 'CR3', { creditLimit: '0.00', creditLimitExpirationDate: '2027-01-31' });
      await creditGroup('CRG', '40000.00', [], '2027-03-31');
      const seq = await lastSeq(t);
      const j = await createOk({
        type: 'creditLimit',
        description: 'Q3 review',
        lines: [
          { customerId: 'CR1', newCreditLimit: '12000.00', newExpirationDate: '2027-12-31' },
          { customerId: 'CR2', newCreditLimit: 3000 }, // no expiry given: the current one (none) is kept
          { customerId: 'CR3', newCreditLimit: '500.25', newExpirationDate: null }, // null: never expires
          { creditGroupId: 'CRG', newCreditLimit: '45000.00' }, // the group's to-date is kept
        ],
      });
      expect(j).toMatchObject({
        type: 'creditLimit',
        description: 'Q3 review',
        status: 'draft',
        createdBy: t.userIds.credit_clerk,
        submittedBy: null,
        approvedBy: null,
        postedBy: null,
        postingDate: null,
        lineCount: 4,
        version: 1,
      });
      expect(j.id).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
      expect(j.lines.map(lineFigures)).toEqual([
        [1, 'CR1', '10000.00', '12000.00', '2027-12-31', null, null, 'none'],
        [2, 'CR2', '2500.50', '3000.00', null, null, null, 'none'],
        [3, 'CR3', '0.00', '500.25', null, null, null, 'none'],
        [4, 'CRG', '40000.00', '45000.00', '2027-03-31', null, null, 'none'],
      ]);
      expect(Object.keys(j.lines[0]).sort()).toEqual([
        'approvalStatus',
        'creditGroupId',
        'currency',
        'currentCreditLimit',
        'customerId',
        'lineNo',
        'newCreditLimit',
        'newExpirationDate',
        'newFromDate',
        'newToDate',
      ]);
      expect([j.lines[0].creditGroupId, j.lines[3].customerId]).toEqual([null, null]);

      const res = await t.request('GET', `${BASE}/${j.id}`, { as: 'collections_agent' });
      expect(ok(res)).toEqual(j);
      expect(res.headers.get('etag')).toBe('"1"');
      const listed = ok(await t.request('GET', `${BASE}?limit=1000`)).items.find((x: any) => x.id === j.id);
      expect(listed).toMatchObject({ id: j.id, status: 'draft', lineCount: 4, lines: [], version: 1 });
      expect(ok(await t.request('GET', `${BASE}?status=draft&since=${seq}`)).items.map((x: any) => x.id)).toEqual([
        j.id,
      ]);
      expect((await changesAfter(t, seq)).map((c) => [c.entity, c.id, c.op, c.version])).toEqual([
        ['adjustmentJournal', j.id, 'create', 1],
      ]);
      expect((await auditActions(t, 'adjustmentJournal', j.id)).map((a) => [a.action, a.userId])).toEqual([
        ['adjustmentJournal.create', t.userIds.credit_clerk],
      ]);
      // Creating a journal changes no limit.
      expect((await customer('CR1')).creditLimit).toBe('10000.00');
    });

    it('a journal may start empty; the header shape is checked (400), unknown journals are 404', async () => {
      const empty = await createOk({ type: 'temporary' });
      expect(empty).toMatchObject({ type: 'temporary', status: 'draft', lineCount: 0, lines: [] });
      expectError(await create({ type: 'weekly' }), 400, 'invalid_request');
      expectError(await create({ type: 'creditLimit', approved: true }), 400, 'invalid_request');
      expectError(await t.request('GET', `${BASE}/CLJ-nope`), 404, 'not_found');
      // Submitting an empty journal has nothing to approve.
      expectError(await act(empty.id, 'submit', { as: 'credit_clerk' }), 422, 'rule_violation');
    });

    it('all or nothing: every bad line of the issue answers 422 with its path, and nothing is saved', async () => {
      await putCustomer(t, 'BAD1');
      await putCustomer(t, 'BAD2');
      await creditGroup('BADG', '1000.00', []);
      const before = await state();
      const res = await create({
        type: 'temporary',
        lines: [
          { customerId: 'BAD1', newCreditLimit: '20000.00', newFromDate: day(-5), newToDate: day(30) }, // 0 fine
          { customerId: 'BAD2', creditGroupId: 'BADG', newCreditLimit: '1.00', newFromDate: TODAY, newToDate: day(1) }, // 1 both
          { newCreditLimit: '1.00', newFromDate: TODAY, newToDate: day(1) }, // 2 neither
          { customerId: 'NOBODY', newCreditLimit: '1.00', newFromDate: TODAY, newToDate: day(1) }, // 3 unknown customer
          { customerId: 'BAD2', newCreditLimit: '-1.00', newFromDate: TODAY, newToDate: day(1) }, // 4 negative limit
          { creditGroupId: 'BADG', newCreditLimit: '1.00', newFromDate: day(10), newToDate: day(9) }, // 5 from > to
          { customerId: 'BAD1', newCreditLimit: '1.00', newFromDate: TODAY, newToDate: day(1) }, // 6 duplicate of line 0
          { customerId: 'BAD2', newCreditLimit: '1.00' }, // 7 temporary without dates
          { customerId: 'BAD2', newCreditLimit: '1.00', newFromDate: day(-30), newToDate: day(-1) }, // 8 a window that already ended
          { customerId: 'BAD2', newCreditLimit: '1.001', newFromDate: TODAY, newToDate: day(1), colour: 'red' }, // 9 malformed amount, unknown field
        ],
      });
      const details = expectError(res, 422, 'rule_violation');
      const paths = details.map((d) => d.path);
      for (const p of [
        'lines.1.creditGroupId',
        'lines.2.customerId',
        'lines.3.customerId',
        'lines.4.newCreditLimit',
        'lines.5.newToDate',
        'lines.6.customerId',
        'lines.7.newFromDate',
        'lines.7.newToDate',
        'lines.8.newToDate',
        'lines.9.newCreditLimit',
      ]) {
        expect(paths, p).toContain(p);
      }
      expect(paths.some((p) => p.startsWith('lines.9') && p !== 'lines.9.newCreditLimit')).toBe(true); // the unknown field
      // The good line has no error, and the message counts the bad lines.
      expect(paths.filter((p) => p.startsWith('lines.0'))).toEqual([]);
      expect(new Set(paths.map((p) => p.split('.').slice(0, 2).join('.'))).size).toBe(9);
      expect(res.body.error.message).toContain('9 line(s)');
      expect(details.find((d) => d.path === 'lines.3.customerId')!.message).toContain('NOBODY');
      expect(await state()).toEqual(before);
    });

    it('all or nothing on a credit-limit journal: an expiry in the past, from/to dates, a duplicate customer, an unknown group', async () => {
      await putCustomer(t, 'BADL1', { creditLimit: '5000.00' });
      const before = await state();
      const res = await create({
        type: 'creditLimit',
        lines: [
          { customerId: 'BADL1', newCreditLimit: '6000.00', newExpirationDate: day(-1) }, // 0 an expiry in the past
          { customerId: 'BADL1', newCreditLimit: '7000.00', newExpirationDate: TODAY }, // 1 today is fine, but BADL1 is already on line 0
          { creditGroupId: 'NOGROUP', newCreditLimit: '1.00' }, // 2 unknown group
          { customerId: 'BADL1x', newCreditLimit: '1.00', newFromDate: TODAY, newToDate: day(1) }, // 3 unknown customer, dates of a temporary journal
        ],
      });
      expect(expectError(res, 422, 'rule_violation').map((d) => d.path)).toEqual([
        'lines.0.newExpirationDate',
        'lines.1.customerId',
        'lines.2.creditGroupId',
        'lines.3.customerId',
        'lines.3.newFromDate',
      ]);
      expect(await state()).toEqual(before);
      // The same journal without its bad lines is accepted.
      const good = await createOk({
        type: 'creditLimit',
        lines: [{ customerId: 'BADL1', newCreditLimit: '7000.00', newExpirationDate: TODAY }],
      });
      expect(good.lines.map(lineFigures)).toEqual([[1, 'BADL1', '5000.00', '7000.00', TODAY, null, null, 'none']]);
    });
  });

  describe(':validate (the sheet preview)', () => {
    /**
     * E2 data: limit 10,000, balance 6,000, another open order 2,000; the order of 2,500 is held (105 %).
     * A held order is still an open order, so the customer's own exposure is 10,500 (available −500).
     */
    async function heldCustomer(id: string) {
      await putCustomer(t, id, { creditLimit: '10000.00', creditLimitExpirationDate: '2027-12-31' });
      await postTransactions(t, [
        { id: `INV-${id}`, customerId: id, type: 'invoice', amount: '6000.00', dueDate: '2027-12-31' },
      ]);
      await putOrder(t, `SO-${id}-OPEN`, id, '2000.00');
      await putOrder(t, `SO-${id}`, id, '2500.00');
      const res = ok(await postOrder(t, `SO-${id}`, { asOf: TODAY }));
      expect(res.posted).toBe(false);
      expect(res.hold.reasons.map((r: any) => [r.ruleType, r.measured])).toEqual([['creditLimitUsed', '105']]);
      return res.hold.id as string;
    }
    const validate = (body: Record<string, unknown>, as: As = 'credit_clerk') =>
      t.request('POST', `${BASE}:validate`, { as, body: { description: 'preview', ...body } });

    it('answers per line: current and new limit, projected available credit and percent used, and the holds a higher limit would release; nothing saved', async () => {
      const holdId = await heldCustomer('VAL1');
      await putCustomer(t, 'VAL2', { creditLimit: '1000.00' });
      await creditGroup('VALG', '30000.00', []);
      const before = await state();
      const body = ok(
        await validate({
          type: 'creditLimit',
          lines: [
            { customerId: 'VAL1', newCreditLimit: '12000.00', newExpirationDate: '2028-06-30' },
            { customerId: 'VAL2', newCreditLimit: '900.00' },
            { creditGroupId: 'VALG', newCreditLimit: '35000.00' },
            { customerId: 'VAL2', newCreditLimit: '-5.00' },
            { customerId: 'NOBODY', newCreditLimit: '5.00' },
          ],
        }),
      );
      expect(body.valid).toBe(false);
      expect(body.lines).toEqual([
        {
          index: 0,
          status: 'ok',
          errors: [],
          customerId: 'VAL1',
          creditGroupId: null,
          currency: 'USD',
          currentCreditLimit: '10000.00',
          newCreditLimit: '12000.00',
          currentAvailableCredit: '-500.00',
          projectedAvailableCredit: '1500.00',
          projectedPercentUsed: '87.5',
          releasableHolds: [holdId],
        },
        {
          index: 1,
          status: 'ok',
          errors: [],
          customerId: 'VAL2',
          creditGroupId: null,
          currency: 'USD',
          currentCreditLimit: '1000.00',
          newCreditLimit: '900.00',
          currentAvailableCredit: '1000.00',
          projectedAvailableCredit: '900.00',
          projectedPercentUsed: '0',
          releasableHolds: [],
        },
        {
          index: 2,
          status: 'ok',
          errors: [],
          customerId: null,
          creditGroupId: 'VALG',
          currency: 'USD',
          currentCreditLimit: '30000.00',
          newCreditLimit: '35000.00',
          currentAvailableCredit: null,
          projectedAvailableCredit: null,
          projectedPercentUsed: null,
          releasableHolds: [],
        },
        {
          index: 3,
          status: 'error',
          errors: [
            { path: 'lines.3.customerId', message: expect.stringContaining('already on this journal') },
            { path: 'lines.3.newCreditLimit', message: expect.any(String) },
          ],
          customerId: 'VAL2',
          creditGroupId: null,
          currency: 'USD',
          currentCreditLimit: '1000.00',
          newCreditLimit: '-5.00',
          currentAvailableCredit: null,
          projectedAvailableCredit: null,
          projectedPercentUsed: null,
          releasableHolds: [],
        },
        {
          index: 4,
          status: 'error',
          errors: [{ path: 'lines.4.customerId', message: expect.stringContaining('NOBODY') }],
          customerId: 'NOBODY',
          creditGroupId: null,
          currency: 'USD',
          currentCreditLimit: null,
          newCreditLimit: '5.00',
          currentAvailableCredit: null,
          projectedAvailableCredit: null,
          projectedPercentUsed: null,
          releasableHolds: [],
        },
      ]);
      expect(await state()).toEqual(before);
    });

    it('a lower limit, or one just short, releases nothing; exactly enough releases the hold; a valid body is valid', async () => {
      const holdId = await heldCustomer('VAL3');
      const one = async (newCreditLimit: string) => {
        const body = ok(
          await validate({ type: 'creditLimit', lines: [{ customerId: 'VAL3', newCreditLimit }] }, 'collections_agent'),
        );
        expect(body.valid).toBe(true);
        return body.lines[0];
      };
      expect(await one('9000.00')).toMatchObject({
        currentAvailableCredit: '-500.00',
        projectedAvailableCredit: '-1500.00',
        projectedPercentUsed: '116.6667',
        releasableHolds: [],
      });
      expect(await one('10499.99')).toMatchObject({ projectedAvailableCredit: '-0.01', releasableHolds: [] });
      // 8,000 + 2,500 = 10,500: exactly 100 % is not over the limit.
      expect(await one('10500.00')).toMatchObject({
        projectedAvailableCredit: '0.00',
        projectedPercentUsed: '100',
        releasableHolds: [holdId],
      });
      // The hold is still on hold: the preview changed nothing.
      expect((await holdsOf(t, 'customerId=VAL3')).map((h) => [h.id, h.status])).toEqual([[holdId, 'onHold']]);
    });

    it('a temporary line projects and releases only when its window covers today', async () => {
      const holdId = await heldCustomer('VAL4');
      const body = ok(
        await validate({
          type: 'temporary',
          lines: [{ customerId: 'VAL4', newCreditLimit: '20000.00', newFromDate: day(-10), newToDate: day(10) }],
        }),
      );
      expect(body.lines[0]).toMatchObject({
        status: 'ok',
        currentCreditLimit: '10000.00',
        newCreditLimit: '20000.00',
        currentAvailableCredit: '-500.00',
        projectedAvailableCredit: '9500.00',
        projectedPercentUsed: '52.5',
        releasableHolds: [holdId],
      });
      const later = ok(
        await validate({
          type: 'temporary',
          lines: [{ customerId: 'VAL4', newCreditLimit: '20000.00', newFromDate: day(1), newToDate: day(10) }],
        }),
      );
      expect(later.lines[0]).toMatchObject({
        status: 'ok',
        projectedAvailableCredit: '-500.00',
        projectedPercentUsed: '105',
        releasableHolds: [],
      });
    });

    // What a sheet does: preview, then send the same lines. The create checks every line itself
    // (no process keeps a preview between requests), so what changed in between is seen.
    describe('create right after the preview', () => {
      const previewThenCreate = async (lines: unknown[], between?: () => Promise<void>, createLines = lines) => {
        expect(ok(await validate({ type: 'creditLimit', lines })).valid).toBe(true);
        await between?.();
        return create({ type: 'creditLimit', lines: createLines });
      };

      it('gives the journal a create without a preview gives', async () => {
        await putCustomer(t, 'VR1', { creditLimit: '1000.00', creditLimitExpirationDate: '2027-05-31' });
        await putCustomer(t, 'VR2', { creditLimit: '2000.00' });
        const lines = [
          { customerId: 'VR1', newCreditLimit: '1500.00' },
          { customerId: 'VR2', newCreditLimit: '2500.00', newExpirationDate: '2028-01-31' },
        ];
        const previewed = ok(await previewThenCreate(lines), 201);
        const direct = await createOk({ type: 'creditLimit', lines });
        expect(previewed.lines.map(lineFigures)).toEqual(direct.lines.map(lineFigures));
        expect(previewed.lines.map(lineFigures)).toEqual([
          [1, 'VR1', '1000.00', '1500.00', '2027-05-31', null, null, 'none'],
          [2, 'VR2', '2000.00', '2500.00', '2028-01-31', null, null, 'none'],
        ]);
      });

      it('reads a customer changed in between afresh: its new limit and expiry are the line current ones', async () => {
        await putCustomer(t, 'VR3', { creditLimit: '1000.00', creditLimitExpirationDate: '2027-05-31' });
        const j = ok(
          await previewThenCreate([{ customerId: 'VR3', newCreditLimit: '1500.00' }], async () => {
            const body = {
              name: 'Customer VR3',
              currency: 'USD',
              creditLimit: '1200.00',
              creditLimitExpirationDate: '2027-09-30',
            };
            ok(
              await t.request('PUT', '/api/v1/customers/VR3', {
                as: 'integration',
                headers: { 'If-Match': '"1"' },
                body,
              }),
            );
          }),
          201,
        );
        expect(j.lines.map(lineFigures)).toEqual([[1, 'VR3', '1200.00', '1500.00', '2027-09-30', null, null, 'none']]);
      });

      it('refuses a line whose credit group was deleted in between: 422, nothing saved', async () => {
        const group = await creditGroup('VRG', '30000.00', []);
        const lines = [{ creditGroupId: 'VRG', newCreditLimit: '35000.00' }];
        let before: Awaited<ReturnType<typeof state>> | undefined;
        const res = await previewThenCreate(lines, async () => {
          ok(
            await t.request('DELETE', '/api/v1/credit-groups/VRG', {
              as: 'credit_manager',
              headers: { 'If-Match': `"${group.version}"` },
            }),
          );
          before = await state();
        });
        expect(expectError(res, 422, 'rule_violation').map((d) => d.path)).toEqual(['lines.0.creditGroupId']);
        expect(await state()).toEqual(before);
      });

      it('checks other lines than the previewed ones in full', async () => {
        await putCustomer(t, 'VR4', { creditLimit: '1000.00' });
        const res = await previewThenCreate([{ customerId: 'VR4', newCreditLimit: '1500.00' }], undefined, [
          { customerId: 'NOBODY', newCreditLimit: '1500.00' },
        ]);
        expect(expectError(res, 422, 'rule_violation').map((d) => d.path)).toEqual(['lines.0.customerId']);
      });
    });
  });

  describe('lines and generate', () => {
    it('adds lines numbered after the existing ones; a duplicate or bad line refuses the whole request', async () => {
      await putCustomer(t, 'ADD1', { creditLimit: '100.00' });
      await putCustomer(t, 'ADD2', { creditLimit: '200.00' });
      await putCustomer(t, 'ADD3', { creditLimit: '300.00' });
      const j = await createOk({ type: 'creditLimit', lines: [{ customerId: 'ADD1', newCreditLimit: '150.00' }] });
      const added = ok(await addLines(j.id, [{ customerId: 'ADD2', newCreditLimit: '250.00' }]));
      expect(added).toMatchObject({ status: 'draft', lineCount: 2, version: 2 });
      expect(added.lines.map(lineFigures)).toEqual([
        [1, 'ADD1', '100.00', '150.00', null, null, null, 'none'],
        [2, 'ADD2', '200.00', '250.00', null, null, null, 'none'],
      ]);
      const before = await state();
      const res = await addLines(j.id, [
        { customerId: 'ADD3', newCreditLimit: '350.00' },
        { customerId: 'ADD1', newCreditLimit: '1.00' }, // already line 1
      ]);
      // Paths number the lines of the request: the second new line is lines.1, whatever the journal already holds.
      expect(expectError(res, 422, 'rule_violation').map((d) => d.path)).toEqual(['lines.1.customerId']);
      expect(await state()).toEqual(before);
      expectError(await addLines(j.id, []), 400, 'invalid_request');
      expectError(
        await addLines(j.id, [{ customerId: 'ADD3', newCreditLimit: '1.00' }], 'collections_agent'),
        403,
        'forbidden',
      );
      expectError(await addLines('CLJ-nope', [{ customerId: 'ADD3', newCreditLimit: '1.00' }]), 404, 'not_found');
    });

    it('generates from customers with filters: credit management group, customer group, customer ids; customers already on the journal are skipped', async () => {
      await putCustomer(t, 'GEN-A1', {
        creditLimit: '1000.00',
        creditManagementGroupId: 'GENA',
        customerGroup: 'WHOLESALE',
      });
      await putCustomer(t, 'GEN-A2', {
        creditLimit: '2000.00',
        creditManagementGroupId: 'GENA',
        customerGroup: 'RETAIL',
      });
      await putCustomer(t, 'GEN-B1', {
        creditLimit: '3000.00',
        creditManagementGroupId: 'GENB',
        customerGroup: 'RETAIL',
      });
      await putCustomer(t, 'GEN-B2', {
        creditLimit: '4000.00',
        creditManagementGroupId: 'GENB',
        customerGroup: 'WHOLESALE',
        creditLimitExpirationDate: '2027-04-30',
      });
      const j = await createOk({ type: 'creditLimit' });
      const fixed = { mode: 'customers', valueType: 'fixed', value: '500.00' };

      let body = ok(await generate(j.id, { ...fixed, filter: { creditManagementGroupId: 'GENA' } }));
      expect(body.lines.map(lineFigures)).toEqual([
        [1, 'GEN-A1', '1000.00', '1500.00', null, null, null, 'none'],
        [2, 'GEN-A2', '2000.00', '2500.00', null, null, null, 'none'],
      ]);
      // Filters combine: wholesale customers of GENB only. Generate needs no If-Match.
      body = ok(
        await generate(j.id, { ...fixed, filter: { creditManagementGroupId: 'GENB', customerGroup: 'WHOLESALE' } }),
      );
      expect(body.lines.slice(2).map(lineFigures)).toEqual([
        [3, 'GEN-B2', '4000.00', '4500.00', '2027-04-30', null, null, 'none'],
      ]);
      // By ids: GEN-A1 is on the journal already, so only GEN-B1 is added.
      body = ok(await generate(j.id, { ...fixed, value: -250, filter: { customerIds: ['GEN-B1', 'GEN-A1'] } }));
      expect(body.lines.slice(3).map(lineFigures)).toEqual([
        [4, 'GEN-B1', '3000.00', '2750.00', null, null, null, 'none'],
      ]);
      // A filter that matches nobody adds nothing.
      body = ok(await generate(j.id, { ...fixed, filter: { customerGroup: 'NOSUCHGROUP' } }));
      expect(body.lineCount).toBe(4);
      expect((await auditActions(t, 'adjustmentJournal', j.id)).map((a) => a.action)).toEqual([
        'adjustmentJournal.create',
        ...Array(4).fill('adjustmentJournal.generate'),
      ]);
      // Customers themselves are untouched until posting.
      expect((await customer('GEN-A1')).creditLimit).toBe('1000.00');
    });

    it('generate refuses bad options: 400 for the shape, 422 for a generated line that would be invalid, 403 for other roles', async () => {
      await putCustomer(t, 'GENX', { creditLimit: '100.00' });
      const j = await createOk({ type: 'creditLimit' });
      const base = { mode: 'customers', filter: { customerIds: ['GENX'] } };
      expectError(await generate(j.id, { ...base, valueType: 'fixed', value: '1.001' }), 400, 'invalid_request');
      expectError(await generate(j.id, { ...base, valueType: 'percentage', value: 'lots' }), 400, 'invalid_request');
      expectError(await generate(j.id, { ...base, valueType: 'fixed', value: 1, roundOff: 0 }), 400, 'invalid_request');
      expectError(
        await generate(j.id, { ...base, valueType: 'fixed', value: 1, roundingForm: 'sideways' }),
        400,
        'invalid_request',
      );
      expectError(
        await generate(j.id, { ...base, valueType: 'fixed', value: 1 }, 'collections_agent'),
        403,
        'forbidden',
      );
      const before = await state();
      // 100 − 150 would be a negative limit: refused with the line's path, nothing added.
      expect(
        expectError(await generate(j.id, { ...base, valueType: 'fixed', value: -150 }), 422, 'rule_violation').map(
          (d) => d.path,
        ),
      ).toEqual(['lines.0.newCreditLimit']);
      // An absolute expiry in the past is refused like a typed one.
      expect(
        expectError(
          await generate(j.id, {
            ...base,
            valueType: 'fixed',
            value: 1,
            dates: { mode: 'absolute', newExpirationDate: day(-1) },
          }),
          422,
          'rule_violation',
        ).map((d) => d.path),
      ).toEqual(['lines.0.newExpirationDate']);
      expect(await state()).toEqual(before);
    });

    it('credit E37 over HTTP: +7 % with round-off 10 on 12,345 → 13,210 normal, 13,200 down, 13,210 up; the expiry (2025-12-31) is kept', async () => {
      // C1 of §8: its expiry 2025-12-31 has passed on the server's today; generate without dates keeps it.
      await putCustomer(t, 'E37-N', {
        creditLimit: '12345.00',
        creditLimitExpirationDate: '2025-12-31',
        creditManagementGroupId: 'GENA',
      });
      await putCustomer(t, 'E37-D', { creditLimit: '12345.00', creditLimitExpirationDate: '2025-12-31' });
      await putCustomer(t, 'E37-U', { creditLimit: '12345.00', creditLimitExpirationDate: '2025-12-31' });
      await putCustomer(t, 'E37-X', { creditLimit: '12345.00', creditLimitExpirationDate: '2025-12-31' });
      const j = await createOk({ type: 'creditLimit', description: 'E37 +7 %' });
      const pct = { mode: 'customers', valueType: 'percentage', value: 7, roundOff: '10.00' };
      ok(await generate(j.id, { ...pct, roundingForm: 'normal', filter: { customerIds: ['E37-N'] } }));
      ok(await generate(j.id, { ...pct, roundingForm: 'down', filter: { customerIds: ['E37-D'] } }));
      ok(await generate(j.id, { ...pct, roundingForm: 'up', filter: { customerIds: ['E37-U'] } }));
      const body = ok(
        await generate(j.id, {
          mode: 'customers',
          valueType: 'percentage',
          value: '7',
          filter: { customerIds: ['E37-X'] },
        }),
      );
      expect(body.lines.map(lineFigures)).toEqual([
        [1, 'E37-N', '12345.00', '13210.00', '2025-12-31', null, null, 'none'],
        [2, 'E37-D', '12345.00', '13200.00', '2025-12-31', null, null, 'none'],
        [3, 'E37-U', '12345.00', '13210.00', '2025-12-31', null, null, 'none'],
        [4, 'E37-X', '12345.00', '13209.15', '2025-12-31', null, null, 'none'], // no round-off: 12,345 × 1.07
      ]);
      ok(await act(j.id, 'post'));
      expect(await customer('E37-N')).toMatchObject({
        creditLimit: '13210.00',
        creditLimitExpirationDate: '2025-12-31',
        creditLimitDate: TODAY,
      });
      expect(await customer('E37-D')).toMatchObject({ creditLimit: '13200.00' });
    });

    it('credit E38 over HTTP: fixed −2,500 on 10,000 → 7,500, relative dates +365 on 2025-12-31 → 2026-12-31, posted', async () => {
      await putCustomer(t, 'E38', { creditLimit: '10000.00', creditLimitExpirationDate: '2025-12-31' });
      await putCustomer(t, 'E38-NODATE', { creditLimit: '10000.00' });
      const j = await createOk({ type: 'creditLimit', description: 'E38' });
      const body = ok(
        await generate(j.id, {
          mode: 'customers',
          valueType: 'fixed',
          value: -2500,
          dates: { mode: 'relative', days: 365 },
          filter: { customerIds: ['E38', 'E38-NODATE'] },
        }),
      );
      // Without a current expiry the offset counts from the journal date (today).
      expect(body.lines.map(lineFigures)).toEqual([
        [1, 'E38', '10000.00', '7500.00', '2026-12-31', null, null, 'none'],
        [2, 'E38-NODATE', '10000.00', '7500.00', day(365), null, null, 'none'],
      ]);
      ok(await act(j.id, 'post', { body: { postingDate: TODAY } }));
      expect(await customer('E38')).toMatchObject({
        creditLimit: '7500.00',
        creditLimitExpirationDate: '2026-12-31',
        creditLimitDate: TODAY,
      });
      expect(await customer('E38-NODATE')).toMatchObject({
        creditLimit: '7500.00',
        creditLimitExpirationDate: day(365),
      });
    });

    it('generates temporary lines with absolute dates, and relative dates that move the active temporary window', async () => {
      await putCustomer(t, 'GT1', { creditLimit: '1000.00' });
      const first = await createOk({ type: 'temporary' });
      const abs = ok(
        await generate(first.id, {
          mode: 'customers',
          valueType: 'percentage',
          value: 100,
          dates: { mode: 'absolute', newFromDate: day(-2), newToDate: day(5) },
          filter: { customerIds: ['GT1'] },
        }),
      );
      expect(abs.lines.map(lineFigures)).toEqual([[1, 'GT1', '1000.00', '2000.00', null, day(-2), day(5), 'none']]);
      ok(await act(first.id, 'post'));
      expect((await customer('GT1')).credit).toMatchObject({
        baseCreditLimit: '1000.00',
        activeTemporaryLimit: '2000.00',
        totalCreditLimit: '2000.00',
      });
      // Relative dates shift the active window; the amount is computed from the base limit.
      const second = await createOk({ type: 'temporary' });
      const rel = ok(
        await generate(second.id, {
          mode: 'customers',
          valueType: 'fixed',
          value: 0,
          dates: { mode: 'relative', days: 10 },
          filter: { customerIds: ['GT1'] },
        }),
      );
      expect(rel.lines.map(lineFigures)).toEqual([[1, 'GT1', '1000.00', '1000.00', null, day(8), day(15), 'none']]);
      // Without an active window and without dates, a temporary line has no dates: refused.
      await putCustomer(t, 'GT2', { creditLimit: '1000.00' });
      const res = await generate(second.id, {
        mode: 'customers',
        valueType: 'fixed',
        value: 10,
        filter: { customerIds: ['GT2'] },
      });
      expect(expectError(res, 422, 'rule_violation').map((d) => d.path)).toEqual([
        'lines.1.newFromDate',
        'lines.1.newToDate',
      ]);
    });

    it('generates from credit groups; posting sets the group limit and to-date, and members take the new to-date (credit.md §1.5, §3)', async () => {
      await putCustomer(t, 'CGM1', { creditLimit: '0.00' });
      await creditGroup('CG-1', '10000.00', ['CGM1'], '2027-06-30');
      await creditGroup('CG-2', '20000.00', [], '2027-06-30');
      await creditGroup('CG-3', '30000.00', [], '2027-06-30');
      expect((await customer('CGM1')).creditLimitExpirationDate).toBe('2027-06-30');
      const j = await createOk({ type: 'creditLimit', description: 'groups' });
      const body = ok(
        await generate(j.id, {
          mode: 'creditGroups',
          valueType: 'percentage',
          value: 10,
          roundOff: 1000,
          roundingForm: 'up',
          dates: { mode: 'relative', days: 31 },
          filter: { creditGroupIds: ['CG-2', 'CG-1'] },
        }),
      );
      expect(body.lines.map(lineFigures)).toEqual([
        [1, 'CG-1', '10000.00', '11000.00', '2027-07-31', null, null, 'none'],
        [2, 'CG-2', '20000.00', '22000.00', '2027-07-31', null, null, 'none'],
      ]);
      expect(body.lines.map((l: any) => l.customerId)).toEqual([null, null]);
      const seq = await lastSeq(t);
      const posted = ok(await act(j.id, 'post'));
      expect(posted.status).toBe('posted');
      expect(ok(await t.request('GET', '/api/v1/credit-groups/CG-1'))).toMatchObject({
        creditLimit: '11000.00',
        creditLimitToDate: '2027-07-31',
        members: ['CGM1'],
      });
      expect(ok(await t.request('GET', '/api/v1/credit-groups/CG-2'))).toMatchObject({
        creditLimit: '22000.00',
        creditLimitToDate: '2027-07-31',
      });
      expect(ok(await t.request('GET', '/api/v1/credit-groups/CG-3'))).toMatchObject({
        creditLimit: '30000.00',
        creditLimitToDate: '2027-06-30',
      });
      // The member's expiry equals the group's date while it is a member.
      expect((await customer('CGM1')).creditLimitExpirationDate).toBe('2027-07-31');
      const changes = (await changesAfter(t, seq)).map((c) => `${c.entity}:${c.id}`);
      expect(changes).toEqual(
        expect.arrayContaining(['creditGroup:CG-1', 'creditGroup:CG-2', 'customer:CGM1', `adjustmentJournal:${j.id}`]),
      );
      expect(changes).not.toContain('creditGroup:CG-3');
    });
  });

  describe('posting', () => {
    it('posts: creditLimit, expiry and creditLimitDate = postingDate; one change per customer; then the journal is read-only', async () => {
      await putCustomer(t, 'P1', { creditLimit: '1000.00', creditLimitExpirationDate: '2027-01-31' });
      await putCustomer(t, 'P2', { creditLimit: '2000.00', creditLimitExpirationDate: '2027-01-31' });
      await putCustomer(t, 'P3', { creditLimit: '3000.00' });
      await putCustomer(t, 'P4', { creditLimit: '4000.00' });
      const j = await createOk({
        type: 'creditLimit',
        lines: [
          { customerId: 'P1', newCreditLimit: '1500.00', newExpirationDate: '2028-01-31' },
          { customerId: 'P2', newCreditLimit: '0.00', newExpirationDate: null },
          { customerId: 'P3', newCreditLimit: '3500.00' },
        ],
      });
      const p1Before = await customer('P1');
      const seq = await lastSeq(t);
      expectError(await act(j.id, 'post', { as: 'credit_clerk' }), 403, 'forbidden');
      const posted = ok(await act(j.id, 'post', { body: { postingDate: day(-3) } }));
      expect(posted).toMatchObject({
        status: 'posted',
        postedBy: t.userIds.credit_manager,
        postingDate: day(-3),
        version: 2,
        lineCount: 3,
      });
      expect(posted.postedAt).toEqual(expect.any(String));
      expect(await getJournal(j.id)).toEqual(posted);
      expect(await customer('P1')).toMatchObject({
        creditLimit: '1500.00',
        creditLimitExpirationDate: '2028-01-31',
        creditLimitDate: day(-3),
        version: p1Before.version + 1,
      });
      expect(await customer('P2')).toMatchObject({
        creditLimit: '0.00',
        creditLimitExpirationDate: null,
        creditLimitDate: day(-3),
      });
      expect(await customer('P3')).toMatchObject({
        creditLimit: '3500.00',
        creditLimitExpirationDate: null,
        creditLimitDate: day(-3),
      });
      expect(await customer('P4')).toMatchObject({ creditLimit: '4000.00', creditLimitDate: TODAY });
      expect((await changesAfter(t, seq)).map((c) => [c.entity, c.id, c.op])).toEqual([
        ['customer', 'P1', 'update'],
        ['customer', 'P2', 'update'],
        ['customer', 'P3', 'update'],
        ['adjustmentJournal', j.id, 'update'],
      ]);
      const audit = await auditActions(t, 'customer', 'P1');
      expect(audit.at(-1)).toMatchObject({
        action: 'customer.creditLimit',
        userId: t.userIds.credit_manager,
        reason: expect.stringContaining(j.id),
      });
      expect(audit.at(-1)!.before).toMatchObject({ creditLimit: '1000.00' });
      expect(audit.at(-1)!.after).toMatchObject({ creditLimit: '1500.00' });

      // Read-only afterwards: posting again, adding or generating lines, submitting, all 422 and nothing changes.
      const before = await state();
      expectError(await act(j.id, 'post'), 422, 'rule_violation');
      expectError(await addLines(j.id, [{ customerId: 'P4', newCreditLimit: '1.00' }]), 422, 'rule_violation');
      expectError(
        await generate(j.id, { mode: 'customers', valueType: 'fixed', value: 1, filter: { customerIds: ['P4'] } }),
        422,
        'rule_violation',
      );
      expectError(await act(j.id, 'submit', { as: 'credit_clerk' }), 422, 'rule_violation');
      expectError(await act(j.id, 'approve'), 422, 'rule_violation');
      expectError(await act(j.id, 'reject', { body: { comment: 'too late' } }), 422, 'rule_violation');
      expect(await state()).toEqual(before);
    });

    it('a temporary journal posts temporary limits and leaves the base limit alone', async () => {
      await putCustomer(t, 'PT1', { creditLimit: '1000.00', creditLimitExpirationDate: '2027-01-31' });
      const j = await createOk({
        type: 'temporary',
        lines: [{ customerId: 'PT1', newCreditLimit: '5000.00', newFromDate: day(-1), newToDate: day(1) }],
      });
      expect(j.lines.map(lineFigures)).toEqual([[1, 'PT1', '1000.00', '5000.00', null, day(-1), day(1), 'none']]);
      expect((await customer('PT1')).credit.activeTemporaryLimit).toBeNull();
      ok(await act(j.id, 'post'));
      const c = await customer('PT1');
      expect(c).toMatchObject({ creditLimit: '1000.00', creditLimitExpirationDate: '2027-01-31' });
      expect(c.credit).toMatchObject({
        baseCreditLimit: '1000.00',
        activeTemporaryLimit: '5000.00',
        totalCreditLimit: '5000.00',
        effectiveLimit: '5000.00',
      });
      expect((await auditActions(t, 'customer', 'PT1')).map((a) => a.action)).toContain('temporaryLimit.create');
    });

    it('an empty journal and a body with unknown fields are refused', async () => {
      const j = await createOk({ type: 'creditLimit' });
      expectError(await act(j.id, 'post'), 422, 'rule_violation');
      expectError(await act(j.id, 'post', { body: { postingDate: '2025-02-30' } }), 400, 'invalid_request');
      expectError(await act(j.id, 'post', { body: { force: true } }), 400, 'invalid_request');
    });
  });

  describe('approval (requireAdjustmentApproval, two users)', () => {
    beforeEach(async () => {
      await setParameters(t, { requireAdjustmentApproval: true });
    });
    const oneLine = async (customerId: string, as: As = 'credit_clerk') => {
      await putCustomer(t, customerId, { creditLimit: '1000.00' });
      return createOk({ type: 'creditLimit', lines: [{ customerId, newCreditLimit: '2000.00' }] }, as);
    };

    it('the clerk creates and submits, a credit manager approves and posts', async () => {
      const j = await oneLine('AP1');
      // Only an approved journal posts.
      expectError(await act(j.id, 'post'), 422, 'rule_violation');
      const submitted = ok(await act(j.id, 'submit', { as: 'credit_clerk', version: 1 }));
      expect(submitted).toMatchObject({
        status: 'submitted',
        submittedBy: t.userIds.credit_clerk,
        submittedAt: expect.any(String),
        version: 2,
      });
      expectError(await act(j.id, 'post'), 422, 'rule_violation');
      expectError(await act(j.id, 'approve', { as: 'credit_clerk' }), 403, 'forbidden');
      // A submitted journal is no longer editable.
      await putCustomer(t, 'AP1b');
      expectError(await addLines(j.id, [{ customerId: 'AP1b', newCreditLimit: '1.00' }]), 422, 'rule_violation');
      const approved = ok(await act(j.id, 'approve', { as: 'credit_manager', version: 2 }));
      expect(approved).toMatchObject({
        status: 'approved',
        approvedBy: t.userIds.credit_manager,
        approvedAt: expect.any(String),
        submittedBy: t.userIds.credit_clerk,
        version: 3,
      });
      expectError(await act(j.id, 'approve', { as: 'credit_manager_2' }), 422, 'rule_violation'); // already approved
      expect((await customer('AP1')).creditLimit).toBe('1000.00');
      const posted = ok(await act(j.id, 'post', { as: 'credit_manager', version: 3 }));
      expect(posted).toMatchObject({ status: 'posted', postedBy: t.userIds.credit_manager, version: 4 });
      expect((await customer('AP1')).creditLimit).toBe('2000.00');
      expect((await auditActions(t, 'adjustmentJournal', j.id)).map((a) => [a.action, a.userId])).toEqual([
        ['adjustmentJournal.create', t.userIds.credit_clerk],
        ['adjustmentJournal.submit', t.userIds.credit_clerk],
        ['adjustmentJournal.approve', t.userIds.credit_manager],
        ['adjustmentJournal.post', t.userIds.credit_manager],
      ]);
    });

    it('nobody approves their own submission: the submitting manager gets 422, another manager approves', async () => {
      const j = await oneLine('AP2', 'credit_manager');
      ok(await act(j.id, 'submit', { as: 'credit_manager' }));
      const before = await state();
      const self = await act(j.id, 'approve', { as: 'credit_manager' });
      expect(expectError(self, 422, 'rule_violation')).toEqual([]);
      expect(self.body.error.message).toMatch(
        /^four eyes: nobody approves a journal they created, submitted or put lines on/,
      );
      expectError(
        await act(j.id, 'reject', { as: 'credit_manager', body: { comment: 'my own' } }),
        422,
        'rule_violation',
      );
      expect(await state()).toEqual(before);
      const approved = ok(await act(j.id, 'approve', { as: 'credit_manager_2' }));
      expect(approved).toMatchObject({
        status: 'approved',
        submittedBy: t.userIds.credit_manager,
        approvedBy: t.userIds.credit_manager_2,
      });
      // The submitter may post once someone else approved.
      ok(await act(j.id, 'post', { as: 'credit_manager' }));
      expect((await customer('AP2')).creditLimit).toBe('2000.00');
    });

    it('approving a draft, posting a draft or a rejected journal are 422; a rejection carries its comment and the journal can be fixed and resubmitted', async () => {
      const j = await oneLine('AP3');
      expectError(await act(j.id, 'approve'), 422, 'rule_violation');
      expectError(await act(j.id, 'reject', { body: { comment: 'not yet submitted' } }), 422, 'rule_violation');
      expectError(await act(j.id, 'post'), 422, 'rule_violation');
      ok(await act(j.id, 'submit', { as: 'credit_clerk' }));
      expectError(await act(j.id, 'reject', { body: {} }), 400, 'invalid_request'); // the comment is required
      const rejected = ok(
        await act(j.id, 'reject', { as: 'credit_manager_2', body: { comment: 'AP3 needs a guarantee first' } }),
      );
      expect(rejected).toMatchObject({
        status: 'rejected',
        rejectedBy: t.userIds.credit_manager_2,
        rejectedAt: expect.any(String),
        rejectComment: 'AP3 needs a guarantee first',
        approvedBy: null,
      });
      const audit = await auditActions(t, 'adjustmentJournal', j.id);
      expect(audit.at(-1)).toMatchObject({
        action: 'adjustmentJournal.reject',
        userId: t.userIds.credit_manager_2,
        reason: 'AP3 needs a guarantee first',
      });
      const before = await state();
      expectError(await act(j.id, 'post'), 422, 'rule_violation');
      expectError(await act(j.id, 'approve'), 422, 'rule_violation');
      expect(await state()).toEqual(before);
      expect((await customer('AP3')).creditLimit).toBe('1000.00');

      // A rejected journal can be changed and submitted again; the rejection is cleared.
      await putCustomer(t, 'AP3b', { creditLimit: '10.00' });
      ok(await addLines(j.id, [{ customerId: 'AP3b', newCreditLimit: '20.00' }]));
      const again = ok(await act(j.id, 'submit', { as: 'credit_clerk' }));
      expect(again).toMatchObject({ status: 'submitted', rejectedBy: null, rejectComment: null, lineCount: 2 });
      ok(await act(j.id, 'approve'));
      ok(await act(j.id, 'post'));
      expect([(await customer('AP3')).creditLimit, (await customer('AP3b')).creditLimit]).toEqual(['2000.00', '20.00']);
    });

    it('roles: collections agents and integrations do not create journals, clerks neither approve nor reject nor post', async () => {
      await putCustomer(t, 'AP4', { creditLimit: '1000.00' });
      const body = { type: 'creditLimit', lines: [{ customerId: 'AP4', newCreditLimit: '5.00' }] };
      const before = await state();
      for (const as of ['collections_agent', 'integration', 'admin'] as const)
        expectError(await create(body, as), 403, 'forbidden');
      expect(await state()).toEqual(before);
      const j = await createOk(body, 'credit_manager');
      expectError(await act(j.id, 'submit', { as: 'collections_agent' }), 403, 'forbidden');
      ok(await act(j.id, 'submit', { as: 'credit_clerk' })); // clerks may submit a manager's journal
      expectError(await act(j.id, 'approve', { as: 'credit_clerk' }), 403, 'forbidden');
      expectError(await act(j.id, 'reject', { as: 'credit_clerk', body: { comment: 'no' } }), 403, 'forbidden');
      // Four eyes: the manager who created it does not approve it, even when a clerk submitted it.
      expectError(await act(j.id, 'approve', { as: 'credit_manager' }), 422, 'rule_violation');
      ok(await act(j.id, 'approve', { as: 'credit_manager_2' }));
      expectError(await act(j.id, 'post', { as: 'credit_clerk' }), 403, 'forbidden');
      expectError(await act(j.id, 'post', { as: 'collections_agent' }), 403, 'forbidden');
      ok(await act(j.id, 'post', { as: 'credit_manager' }));
    });

    it('If-Match on submit, approve, reject and post: missing → 428, stale → 409 with the current journal, malformed → 412; nothing changes', async () => {
      const j = await oneLine('AP5');
      const before = await state();
      const stale = async (
        action: 'submit' | 'approve' | 'reject' | 'post',
        as: As,
        version: number,
        body?: unknown,
      ) => {
        expectError(await act(j.id, action, { as, version: null, body }), 428, 'precondition_required');
        const conflict = await act(j.id, action, { as, version, body });
        expectError(conflict, 409, 'version_conflict', ['current']);
        expect(conflict.body.current).toEqual(await getJournal(j.id));
        expectError(
          await t.request('POST', `${BASE}/${j.id}/${action}`, { as, headers: { 'If-Match': 'v1' }, body }),
          412,
          'precondition_failed',
        );
      };
      await stale('submit', 'credit_clerk', 7);
      expect(await state()).toEqual(before);
      ok(await act(j.id, 'submit', { as: 'credit_clerk', version: 1 }));
      await stale('approve', 'credit_manager', 1);
      await stale('reject', 'credit_manager', 1, { comment: 'stale' });
      ok(await act(j.id, 'approve', { version: 2 }));
      await stale('post', 'credit_manager', 2);
      expect((await getJournal(j.id)).status).toBe('approved');
      ok(await act(j.id, 'post', { version: 3 }));
    });
  });

  describe('per-line approval (adjustmentLineApprovalAmount)', () => {
    it('lines raising more than the amount wait for their own decision; rejected lines are not posted', async () => {
      await setParameters(t, { requireAdjustmentApproval: true, adjustmentLineApprovalAmount: '5000.00' });
      await putCustomer(t, 'LA1', { creditLimit: '1000.00' });
      await putCustomer(t, 'LA2', { creditLimit: '1000.00' });
      await putCustomer(t, 'LA3', { creditLimit: '1000.00' });
      await putCustomer(t, 'LA4', { creditLimit: '9000.00' });
      await putCustomer(t, 'LA5', { creditLimit: '1000.00' });
      const j = await createOk({
        type: 'creditLimit',
        lines: [
          { customerId: 'LA1', newCreditLimit: '11000.00' }, // +10,000: pending
          { customerId: 'LA2', newCreditLimit: '7000.00' }, // +6,000: pending
          { customerId: 'LA3', newCreditLimit: '6000.00' }, // +5,000: exactly the amount, no line approval
          { customerId: 'LA4', newCreditLimit: '100.00' }, // a decrease
          { customerId: 'LA5', newCreditLimit: '6000.01' }, // +5,000.01: pending
        ],
      });
      expect(j.lines.map((l: any) => l.approvalStatus)).toEqual(['none', 'none', 'none', 'none', 'none']);
      const submitted = ok(await act(j.id, 'submit', { as: 'credit_clerk' }));
      expect(submitted.lines.map((l: any) => [l.customerId, l.approvalStatus])).toEqual([
        ['LA1', 'pending'],
        ['LA2', 'pending'],
        ['LA3', 'none'],
        ['LA4', 'none'],
        ['LA5', 'pending'],
      ]);
      const approved = ok(await act(j.id, 'approve', { as: 'credit_manager' }));
      expect(approved.status).toBe('approved');
      // The header is approved, but pending lines block the posting.
      const before = await state();
      const refused = await act(j.id, 'post');
      expect(expectError(refused, 422, 'rule_violation').length).toBe(3);
      expect(await state()).toEqual(before);

      const decide = (lineNo: number, decision: 'approve' | 'reject', o: { as?: As; version?: number | null } = {}) =>
        getJournal(j.id).then((cur) =>
          t.request('POST', `${BASE}/${j.id}/lines/${lineNo}/${decision}`, {
            as: o.as ?? 'credit_manager',
            headers: o.version === null ? {} : { 'If-Match': `"${o.version ?? cur.version}"` },
          }),
        );
      expectError(await decide(1, 'approve', { version: null }), 428, 'precondition_required');
      expectError(await decide(1, 'approve', { version: 1 }), 409, 'version_conflict', ['current']);
      expectError(await decide(1, 'approve', { as: 'credit_clerk' }), 403, 'forbidden');
      expectError(await decide(3, 'approve'), 422, 'rule_violation'); // line 3 does not await approval
      expectError(await decide(9, 'approve'), 404, 'not_found');
      let after = ok(await decide(1, 'approve'));
      expect(after.lines[0].approvalStatus).toBe('approved');
      after = ok(await decide(2, 'reject', { as: 'credit_manager_2' }));
      expect(after.lines[1].approvalStatus).toBe('rejected');
      expectError(await decide(2, 'approve'), 422, 'rule_violation'); // decided already
      // One line still pends.
      expectError(await act(j.id, 'post'), 422, 'rule_violation');
      after = ok(await decide(5, 'reject'));
      expect(after.lines.map((l: any) => l.approvalStatus)).toEqual([
        'approved',
        'rejected',
        'none',
        'none',
        'rejected',
      ]);
      expect((await auditActions(t, 'adjustmentJournal', j.id)).map((a) => [a.action, a.reason]).slice(-3)).toEqual([
        ['adjustmentJournal.line.approve', 'line 1'],
        ['adjustmentJournal.line.reject', 'line 2'],
        ['adjustmentJournal.line.reject', 'line 5'],
      ]);

      const seq = await lastSeq(t);
      ok(await act(j.id, 'post'));
      const limits = await Promise.all(
        ['LA1', 'LA2', 'LA3', 'LA4', 'LA5'].map(async (id) => (await customer(id)).creditLimit),
      );
      expect(limits).toEqual(['11000.00', '1000.00', '6000.00', '100.00', '1000.00']);
      expect((await changesAfter(t, seq)).filter((c) => c.entity === 'customer').map((c) => c.id)).toEqual([
        'LA1',
        'LA3',
        'LA4',
      ]);
    });

    it('without requireAdjustmentApproval, a draft with a line above the amount still cannot post unapproved', async () => {
      await setParameters(t, { requireAdjustmentApproval: false, adjustmentLineApprovalAmount: '100.00' });
      await putCustomer(t, 'LA7', { creditLimit: '1000.00' });
      const j = await createOk({ type: 'creditLimit', lines: [{ customerId: 'LA7', newCreditLimit: '99999.00' }] });
      expectError(await act(j.id, 'post', { as: 'credit_manager' }), 422, 'rule_violation');
      expect(ok(await t.request('GET', '/api/v1/customers/LA7')).creditLimit).toBe('1000.00');
    });

    it('the submitter does not decide on their own lines', async () => {
      await setParameters(t, { requireAdjustmentApproval: true, adjustmentLineApprovalAmount: '100.00' });
      await putCustomer(t, 'LA6', { creditLimit: '1000.00' });
      const j = await createOk(
        { type: 'creditLimit', lines: [{ customerId: 'LA6', newCreditLimit: '5000.00' }] },
        'credit_manager',
      );
      const submitted = ok(await act(j.id, 'submit', { as: 'credit_manager' }));
      expect(submitted.lines[0].approvalStatus).toBe('pending');
      const line = (as: As) =>
        t.request('POST', `${BASE}/${j.id}/lines/1/approve`, { as, headers: { 'If-Match': `"${submitted.version}"` } });
      expectError(await line('credit_manager'), 422, 'rule_violation');
      expect(ok(await line('credit_manager_2')).lines[0].approvalStatus).toBe('approved');
    });
  });

  it('the change log of the file stays gap-free', async () => {
    const all = await allChanges(t);
    expect(all.map((c) => c.seq)).toEqual(all.map((_, i) => i + 1));
  });
});

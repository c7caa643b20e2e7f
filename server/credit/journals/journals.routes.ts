import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env';
import { guard } from '../../http/auth';
import { command } from '../../http/command';
import { ApiError, zodDetails } from '../../http/errors';
import { errorResponses, jsonBody, jsonResponse, register } from '../../http/openapi';
import { decodeCursor, page, pageQuery } from '../../http/paging';
import { IdParam, SinceQuery } from '../../http/schemas';
import { etag, requireIfMatch } from '../../http/versioning';
import { ROLES, type Role } from '../../db/transaction';
import { requestReader } from '../../http/reader';
import {
  GenerateBody,
  JOURNAL_STATUSES,
  JournalBody,
  JournalSchema,
  LinesBody,
  PostBody,
  RejectBody,
  ValidationSchema,
} from './journals.schema';
import { listJournals, type Journal } from './journals.repository';
import {
  addLines,
  approveJournal,
  decideLine,
  createJournal,
  generateLines,
  getJournal,
  postJournal,
  rejectJournal,
  submitJournal,
} from './journals.service';
import { validateJournal } from './journals.validate';

const tags = ['Credit limits'];
/** credit.md §6: clerks and managers create and edit journals; only managers approve and post. */
const EDIT: Role[] = ['credit_clerk', 'credit_manager'];
const APPROVE: Role[] = ['credit_manager'];
const ok = (j: Journal, status: 200 | 201 = 200) => ({ status, body: j, version: j.version });

export function journalRoutes(app: OpenAPIHono<AppEnv>): void {
  const base = '/api/v1/adjustment-journals';
  register(
    app,
    createRoute({
      method: 'get',
      path: base,
      tags,
      summary: 'List adjustment journals (headers with line counts)',
      request: { query: z.object({ ...pageQuery, status: z.enum(JOURNAL_STATUSES).optional(), since: SinceQuery }) },
      responses: {
        200: jsonResponse(z.object({ items: z.array(JournalSchema), nextCursor: z.string().nullable() })),
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const items = await listJournals(c.var.deps.handle.read, {
        status: q.status,
        limit: q.limit,
        after: decodeCursor(q.cursor),
        since: q.since,
      });
      return c.json(page(items, q.limit, (j) => j.id));
    },
  );
  register(
    app,
    createRoute({
      method: 'get',
      path: `${base}/{id}`,
      tags,
      summary: 'One journal with its lines',
      request: { params: IdParam },
      responses: { 200: jsonResponse(JournalSchema), ...errorResponses },
    }),
    async (c) => {
      const j = await getJournal(requestReader(c), c.req.valid('param').id);
      c.header('ETag', etag(j.version));
      return c.json(j);
    },
  );
  register(
    app,
    createRoute({
      middleware: [guard(EDIT, 'create adjustment journals')],
      method: 'post',
      path: base,
      tags,
      summary: 'Create a journal (all or nothing: any invalid line → 422 with every line’s errors)',
      request: { body: jsonBody(JournalBody) },
      responses: { 201: jsonResponse(JournalSchema, 'created'), ...errorResponses },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return command(c, async (tx) => ok(await createJournal(tx, body), 201));
    },
  );
  register(
    app,
    createRoute({
      middleware: [guard(ROLES, 'validate adjustment journals')],
      method: 'post',
      path: `${base}:validate`,
      idempotencyKey: false,
      tags,
      summary:
        'Dry run: per-line errors, projected available credit and percent used, holds that would become releasable (nothing saved)',
      request: { body: jsonBody(JournalBody) },
      responses: { 200: jsonResponse(ValidationSchema), ...errorResponses },
    }),
    async (c) => c.json(await validateJournal(requestReader(c), c.req.valid('json'))),
  );
  register(
    app,
    createRoute({
      middleware: [guard(EDIT, 'edit adjustment journals')],
      method: 'post',
      path: `${base}/{id}/lines`,
      tags,
      summary: 'Add lines to a draft or rejected journal (all or nothing)',
      request: { params: IdParam, body: jsonBody(LinesBody) },
      responses: { 200: jsonResponse(JournalSchema), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { lines } = c.req.valid('json');
      return command(c, async (tx) => ok(await addLines(tx, id, lines)));
    },
  );
  register(
    app,
    createRoute({
      middleware: [guard(EDIT, 'edit adjustment journals')],
      method: 'post',
      path: `${base}/{id}/generate`,
      tags,
      summary:
        'Generate lines from customers or credit groups (fixed or percentage, round-off, absolute or relative dates)',
      request: { params: IdParam, body: jsonBody(GenerateBody) },
      responses: { 200: jsonResponse(JournalSchema), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      return command(c, async (tx) => ok(await generateLines(tx, id, body)));
    },
  );
  const transition = (
    action: 'submit' | 'approve' | 'post',
    roles: Role[],
    run: (
      tx: Parameters<typeof submitJournal>[0],
      id: string,
      v: number,
      body: { postingDate?: string },
    ) => Promise<Journal>,
    summary: string,
  ) =>
    register(
      app,
      createRoute({
        middleware: [guard(roles, `${action} adjustment journals`)],
        method: 'post',
        path: `${base}/{id}/${action}`,
        tags,
        summary,
        description: action === 'post' ? 'Body (optional): {"postingDate":"YYYY-MM-DD"}, default today.' : 'No body.',
        ifMatch: 'required',
        ...(action === 'post' ? { optionalBody: PostBody } : {}),
        request: { params: IdParam },
        responses: { 200: jsonResponse(JournalSchema), ...errorResponses },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const ifMatch = requireIfMatch(c);
        // The body is optional here, so it is parsed by hand, with the same error shape.
        const text = await c.req.text();
        let body: { postingDate?: string } = {};
        if (text.trim()) {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            throw new ApiError('invalid_request', 'the request body is not valid JSON');
          }
          const parsed = (action === 'post' ? PostBody : z.strictObject({})).safeParse(json);
          if (!parsed.success)
            throw new ApiError(
              'invalid_request',
              'the request body does not match the schema',
              zodDetails(parsed.error),
            );
          body = parsed.data;
        }
        return command(c, async (tx) => ok(await run(tx, id, ifMatch, body)));
      },
    );
  transition('submit', EDIT, (tx, id, v) => submitJournal(tx, id, v), 'Submit for approval (If-Match)');
  transition(
    'approve',
    APPROVE,
    (tx, id, v) => approveJournal(tx, id, v),
    'Approve (If-Match; a credit manager other than the submitter)',
  );
  transition(
    'post',
    APPROVE,
    (tx, id, v, b) => postJournal(tx, id, v, b.postingDate),
    'Post every line in one transaction (If-Match; optional postingDate)',
  );
  for (const decision of ['approve', 'reject'] as const) {
    register(
      app,
      createRoute({
        middleware: [guard(APPROVE, `${decision} journal lines`)],
        method: 'post',
        path: `${base}/{id}/lines/{lineNo}/${decision}`,
        ifMatch: 'required',
        tags,
        summary: `Per-line approval: ${decision} one line that awaits approval (If-Match: the journal's version)`,
        request: {
          params: IdParam.extend({
            lineNo: z.coerce
              .number()
              .int()
              .min(1)
              .openapi({ param: { name: 'lineNo', in: 'path' } }),
          }),
        },
        responses: { 200: jsonResponse(JournalSchema), ...errorResponses },
      }),
      async (c) => {
        const { id, lineNo } = c.req.valid('param');
        const ifMatch = requireIfMatch(c);
        return command(c, async (tx) =>
          ok(await decideLine(tx, id, lineNo, decision === 'approve' ? 'approved' : 'rejected', ifMatch)),
        );
      },
    );
  }
  register(
    app,
    createRoute({
      middleware: [guard(APPROVE, 'reject adjustment journals')],
      method: 'post',
      path: `${base}/{id}/reject`,
      ifMatch: 'required',
      tags,
      summary: 'Reject a submitted journal with a comment (If-Match)',
      request: { params: IdParam, body: jsonBody(RejectBody) },
      responses: { 200: jsonResponse(JournalSchema), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { comment } = c.req.valid('json');
      const ifMatch = requireIfMatch(c);
      return command(c, async (tx) => ok(await rejectJournal(tx, id, comment, ifMatch)));
    },
  );
}

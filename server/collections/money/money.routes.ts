import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../http/env';
import { CAN, guard } from '../../http/auth';
import { command } from '../../http/command';
import { ApiError, zodDetails } from '../../http/errors';
import { errorResponses, jsonBody, jsonResponse, register } from '../../http/openapi';
import { decodeCursor, page, pageQuery } from '../../http/paging';
import { Id, idOf, IdParam, SinceQuery } from '../../http/schemas';
import { etag } from '../../http/versioning';
import { registerSetupKind } from '../../credit/setup/setup.resource';
import { adjustFee, adjustInterestNote, createFee, getFee, listFees } from './adjustments.service';
import { calculateInterestNotes, getInterestNote, listInterestNotes, postInterestNote } from './interest.service';
import { recordNsf } from './nsf.service';
import {
  AdjustBody,
  CalculateBody,
  DateBody,
  FeeBody,
  FeeSchema,
  InterestNoteSchema,
  NsfBody,
  NsfSchema,
  WriteOffBody,
  WriteOffSchema,
} from './money.schema';
import { COLLECTIONS_MONEY_SETUP_KINDS } from './setup.kinds';
import { createWriteOff, getWriteOff, listWriteOffs, postWriteOff, reverseWriteOff } from './write-offs.service';

/**
 * Interest codes and notes, fees, waive / reinstate / reverse, write-offs and NSF
 * (collections.md §1.11–§1.16, §3.1–§3.5; SPEC §5). Writes need collections_agent or
 * credit_manager (CAN.collections), setup kinds need CAN.setup; the role is checked before the
 * body. Every write runs in one transaction through `command()` (Idempotency-Key honoured) and
 * none takes If-Match: ledger actions are guarded by their business state (422 when done).
 */

const tags = ['Collections money'];
const writer = (action: string) => [guard(CAN.collections, action)];

/** An optional JSON body (`{}` or none), parsed by hand with the same error shape as validated bodies. */
async function optionalBody<T extends z.ZodType>(c: Context<AppEnv>, schema: T): Promise<z.output<T>> {
  const text = await c.req.text();
  let json: unknown = {};
  if (text.trim()) {
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiError('invalid_request', 'the request body is not valid JSON');
    }
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new ApiError('invalid_request', 'the request body does not match the schema', zodDetails(parsed.error));
  return parsed.data;
}

export function collectionsMoneyRoutes(app: OpenAPIHono<AppEnv>): void {
  for (const kind of COLLECTIONS_MONEY_SETUP_KINDS) registerSetupKind(app, kind);
  interestNoteRoutes(app);
  feeRoutes(app);
  writeOffRoutes(app);
  nsfRoutes(app);
}

function interestNoteRoutes(app: OpenAPIHono<AppEnv>): void {
  const base = '/api/v1/interest-notes';
  register(
    app,
    createRoute({
      middleware: writer('calculate interest'),
      method: 'post',
      path: `${base}:calculate`,
      tags,
      summary: 'Calculate and store draft interest notes (one per customer that owes interest)',
      description: "Cancels the customers' earlier drafts. Lines carry base, window, days, rate, formula and amount.",
      request: { body: jsonBody(CalculateBody) },
      responses: {
        201: jsonResponse(z.object({ items: z.array(InterestNoteSchema) }), 'the draft notes'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return command(c, async (tx) => ({ status: 201, body: { items: await calculateInterestNotes(tx, body) } }));
    },
  );
  register(
    app,
    createRoute({
      method: 'get',
      path: base,
      tags,
      summary: 'List interest notes',
      request: {
        query: z.object({
          ...pageQuery,
          since: SinceQuery,
          customerId: idOf('customer').optional(),
          status: z.enum(['created', 'posted', 'canceled']).optional(),
        }),
      },
      responses: {
        200: jsonResponse(z.object({ items: z.array(InterestNoteSchema), nextCursor: z.string().nullable() })),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { limit, cursor, ...q } = c.req.valid('query');
      const rows = await listInterestNotes(c.var.deps.handle.read, { ...q, limit, after: decodeCursor(cursor) });
      return c.json(page(rows, limit, (r) => r.id));
    },
  );
  register(
    app,
    createRoute({
      method: 'get',
      path: `${base}/{id}`,
      tags,
      summary: 'One interest note with its lines and fees',
      request: { params: IdParam },
      responses: { 200: jsonResponse(InterestNoteSchema), ...errorResponses },
    }),
    async (c) => {
      const note = await getInterestNote(c.var.deps.handle.read, c.req.valid('param').id);
      c.header('ETag', etag(note.version));
      return c.json(note);
    },
  );
  register(
    app,
    createRoute({
      middleware: writer('post interest notes'),
      method: 'post',
      path: `${base}/{id}/post`,
      tags,
      summary: 'Post a draft note: an interest entry per line and a fee entry per fee',
      description: 'Body (optional): {"date":"YYYY-MM-DD"}, default the note date.',
      optionalBody: DateBody,
      request: { params: IdParam },
      responses: { 200: jsonResponse(InterestNoteSchema), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = await optionalBody(c, DateBody);
      return command(c, async (tx) => {
        const note = await postInterestNote(tx, id, body);
        return { body: note, version: note.version };
      });
    },
  );
  const summaries = {
    waive: 'Waive a posted note, one line or one fee: a credit note settled against it (window and waive limit apply)',
    reinstate: 'Reinstate what was waived: a new debit for the waived amount',
    reverse:
      'Reverse a posted note or one line (newest note first; never a fee alone): a credit note, and the period is charged again by the next calculation',
  };
  for (const action of ['waive', 'reinstate', 'reverse'] as const) {
    register(
      app,
      createRoute({
        middleware: writer(`${action} interest notes`),
        method: 'post',
        path: `${base}/{id}/${action}`,
        tags,
        summary: summaries[action],
        description: 'Body (optional): {lineId?, feeId?, date?}; neither lineId nor feeId: the whole note.',
        optionalBody: AdjustBody,
        request: { params: IdParam },
        responses: { 200: jsonResponse(InterestNoteSchema), ...errorResponses },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const body = await optionalBody(c, AdjustBody);
        return command(c, async (tx) => {
          const note = await adjustInterestNote(tx, action, id, body);
          return { body: note, version: note.version };
        });
      },
    );
  }
}

function feeRoutes(app: OpenAPIHono<AppEnv>): void {
  const base = '/api/v1/fees';
  register(
    app,
    createRoute({
      middleware: writer('charge fees'),
      method: 'post',
      path: base,
      tags,
      summary: 'Charge a fee to a customer (a fee ledger entry in its currency)',
      request: { body: jsonBody(FeeBody) },
      responses: { 201: jsonResponse(FeeSchema, 'created'), ...errorResponses },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return command(c, async (tx) => {
        const fee = await createFee(tx, body);
        return { status: 201, body: fee, version: fee.version };
      });
    },
  );
  register(
    app,
    createRoute({
      method: 'get',
      path: base,
      tags,
      summary: 'List posted fees',
      request: { query: z.object({ ...pageQuery, customerId: idOf('customer').optional() }) },
      responses: {
        200: jsonResponse(z.object({ items: z.array(FeeSchema), nextCursor: z.string().nullable() })),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { limit, cursor, customerId } = c.req.valid('query');
      const rows = await listFees(c.var.deps.handle.read, { limit, after: decodeCursor(cursor), customerId });
      return c.json(page(rows, limit, (r) => r.id));
    },
  );
  register(
    app,
    createRoute({
      method: 'get',
      path: `${base}/{id}`,
      tags,
      summary: 'One fee',
      request: { params: IdParam },
      responses: { 200: jsonResponse(FeeSchema), ...errorResponses },
    }),
    async (c) => {
      const fee = await getFee(c.var.deps.handle.read, c.req.valid('param').id);
      c.header('ETag', etag(fee.version));
      return c.json(fee);
    },
  );
  for (const action of ['waive', 'reinstate'] as const) {
    register(
      app,
      createRoute({
        middleware: writer(`${action} fees`),
        method: 'post',
        path: `${base}/{id}/${action}`,
        tags,
        summary: action === 'waive' ? 'Waive a fee (window and waive limit apply)' : 'Reinstate a waived fee',
        description: 'Body (optional): {"date":"YYYY-MM-DD"}, default today.',
        optionalBody: DateBody,
        request: { params: IdParam },
        responses: { 200: jsonResponse(FeeSchema), ...errorResponses },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const body = await optionalBody(c, DateBody);
        return command(c, async (tx) => {
          const fee = await adjustFee(tx, action, id, body);
          return { body: fee, version: fee.version };
        });
      },
    );
  }
}

function writeOffRoutes(app: OpenAPIHono<AppEnv>): void {
  const base = '/api/v1/write-offs';
  register(
    app,
    createRoute({
      middleware: writer('write off'),
      method: 'post',
      path: base,
      tags,
      summary: 'Create a draft write-off journal for a customer (all open items, or the ones listed)',
      request: { body: jsonBody(WriteOffBody) },
      responses: { 201: jsonResponse(WriteOffSchema, 'the draft journal'), ...errorResponses },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return command(c, async (tx) => {
        const w = await createWriteOff(tx, body);
        return { status: 201, body: w, version: w.version };
      });
    },
  );
  register(
    app,
    createRoute({
      method: 'get',
      path: base,
      tags,
      summary: 'List write-off journals',
      request: { query: z.object({ ...pageQuery, customerId: idOf('customer').optional() }) },
      responses: {
        200: jsonResponse(z.object({ items: z.array(WriteOffSchema), nextCursor: z.string().nullable() })),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { limit, cursor, customerId } = c.req.valid('query');
      const rows = await listWriteOffs(c.var.deps.handle.read, { customerId, limit, after: decodeCursor(cursor) });
      return c.json(page(rows, limit, (r) => r.id));
    },
  );
  register(
    app,
    createRoute({
      method: 'get',
      path: `${base}/{id}`,
      tags,
      summary: 'One write-off journal',
      request: { params: IdParam },
      responses: { 200: jsonResponse(WriteOffSchema), ...errorResponses },
    }),
    async (c) => {
      const w = await getWriteOff(c.var.deps.handle.read, c.req.valid('param').id);
      c.header('ETag', etag(w.version));
      return c.json(w);
    },
  );
  register(
    app,
    createRoute({
      middleware: writer('post write-offs'),
      method: 'post',
      path: `${base}/{id}/post`,
      tags,
      summary: 'Post a draft write-off: the marked items are settled and close',
      request: { params: IdParam },
      responses: { 200: jsonResponse(WriteOffSchema), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await optionalBody(c, z.strictObject({}));
      return command(c, async (tx) => {
        const w = await postWriteOff(tx, id);
        return { body: w, version: w.version };
      });
    },
  );
  register(
    app,
    createRoute({
      middleware: writer('reverse write-offs'),
      method: 'post',
      path: `${base}/{id}/reverse`,
      tags,
      summary: 'Reverse a posted write-off: the items reopen at their amounts and due dates',
      description: 'Body (optional): {"date":"YYYY-MM-DD"}, default the journal date.',
      optionalBody: DateBody,
      request: { params: IdParam },
      responses: { 200: jsonResponse(WriteOffSchema), ...errorResponses },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = await optionalBody(c, DateBody);
      return command(c, async (tx) => {
        const w = await reverseWriteOff(tx, id, body);
        return { body: w, version: w.version };
      });
    },
  );
}

function nsfRoutes(app: OpenAPIHono<AppEnv>): void {
  register(
    app,
    createRoute({
      middleware: writer('record NSF payments'),
      method: 'post',
      path: '/api/v1/payments/{transactionId}/nsf',
      tags,
      summary: 'Record a returned (NSF) payment: cancel it, reopen what it paid, charge the bank fee',
      request: {
        params: z.object({ transactionId: Id.openapi({ param: { name: 'transactionId', in: 'path' } }) }),
        body: jsonBody(NsfBody),
      },
      responses: { 201: jsonResponse(NsfSchema, 'the NSF record'), ...errorResponses },
    }),
    async (c) => {
      const { transactionId } = c.req.valid('param');
      const body = c.req.valid('json');
      return command(c, async (tx) => ({ status: 201, body: await recordNsf(tx, transactionId, body) }));
    },
  );
}

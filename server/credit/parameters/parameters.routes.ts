import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env';
import { requestReader } from '../../http/reader';
import { guard, CAN } from '../../http/auth';
import { command } from '../../http/command';
import { errorResponses, jsonBody, jsonResponse, register } from '../../http/openapi';
import type { CheckpointSetup } from '../../../shared/credit/checkpoints';
import { CheckpointsBody, ParametersOut, ParametersPatch } from './parameters.schema';
import {
  getCheckpoints,
  getParameters,
  parametersToJson,
  replaceCheckpoints,
  updateParameters,
} from './parameters.service';

const tags = ['Credit setup'];

export function parameterRoutes(app: OpenAPIHono<AppEnv>): void {
  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/parameters',
      tags,
      summary: 'All parameters with their current values',
      responses: { 200: jsonResponse(ParametersOut), ...errorResponses },
    }),
    async (c) => {
      const { values, version } = await getParameters(requestReader(c));
      return c.json(parametersToJson(values, version));
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(CAN.setup, 'change parameters')],
      method: 'put',
      path: '/api/v1/parameters',
      tags,
      summary: 'Change some parameters (the body is merged; audited)',
      request: { body: jsonBody(ParametersPatch) },
      responses: { 200: jsonResponse(ParametersOut), ...errorResponses },
    }),
    async (c) => {
      const patch = c.req.valid('json');
      return command(c, async (tx) => {
        const after = await updateParameters(tx, patch);
        return { body: after, version: after.version };
      });
    },
  );

  register(
    app,
    createRoute({
      method: 'get',
      path: '/api/v1/checkpoints',
      tags,
      summary: 'The five checkpoints and their grace days',
      responses: { 200: jsonResponse(CheckpointsBody) },
    }),
    async (c) => {
      return c.json(await getCheckpoints(requestReader(c)));
    },
  );

  register(
    app,
    createRoute({
      middleware: [guard(CAN.setup, 'change checkpoints')],
      method: 'put',
      path: '/api/v1/checkpoints',
      tags,
      summary: 'Replace the checkpoint setup',
      description:
        'Grace days only on posting rows; once one posting row has grace days, every posting row needs them (422 otherwise). `graceDays: null` means none.',
      request: { body: jsonBody(CheckpointsBody) },
      responses: { 200: jsonResponse(CheckpointsBody), ...errorResponses },
    }),
    async (c) => {
      const rows = c.req.valid('json') as CheckpointSetup[];
      return command(c, async (tx) => ({ body: await replaceCheckpoints(tx, rows) }));
    },
  );
}

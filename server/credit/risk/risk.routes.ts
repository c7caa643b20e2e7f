import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env';
import { guard, CAN } from '../../http/auth';
import { command } from '../../http/command';
import { errorResponses, jsonBody, jsonResponse, register } from '../../http/openapi';
import { registerSetupKind } from '../setup/setup.resource';
import { RiskScoresUpdateInput, RiskScoresUpdateResult, TAG } from './risk.schema';
import { automaticLimitSetups, riskGroups, scoringRules, updateRiskScores } from './risk.service';

/** Risk groups, scoring rules and automatic limit setups (setup roles), and the risk-score update (credit manager, admin). */
export function riskRoutes(app: OpenAPIHono<AppEnv>): void {
  registerSetupKind(app, riskGroups);
  registerSetupKind(app, scoringRules);
  registerSetupKind(app, automaticLimitSetups);
  register(
    app,
    createRoute({
      middleware: [guard(CAN.setup, 'update risk scores')],
      method: 'post',
      path: '/api/v1/risk-scores:update',
      tags: [TAG],
      summary:
        "Update risk scores: compute each customer's inputs, sum the scores, assign the risk group (one transaction)",
      request: { body: jsonBody(RiskScoresUpdateInput) },
      responses: { 200: jsonResponse(RiskScoresUpdateResult), ...errorResponses },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return command(c, async (tx) => ({ body: await updateRiskScores(tx, body) }));
    },
  );
}

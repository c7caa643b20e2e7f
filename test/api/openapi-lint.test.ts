// The OpenAPI document passes Redocly's recommended rules (redocly.yaml) with no error and no
// warning: the same check as `npm run lint:openapi`, spawned on the document written to a temp file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { formatProblems, lintOpenApi, writeOpenApiDocument } from '../support/openapi-tools';

it('the OpenAPI document passes redocly lint (recommended) with 0 errors and 0 warnings', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditdesk-openapi-lint-'));
  try {
    const file = join(dir, 'openapi.json');
    await writeOpenApiDocument(file);
    const result = lintOpenApi(file);
    expect(result.problems.length ? formatProblems(result.problems) : result.errors ? result.stderr : '').toBe('');
    expect({ errors: result.errors, warnings: result.warnings }).toEqual({ errors: 0, warnings: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

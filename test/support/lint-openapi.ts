// `npm run lint:openapi`: the OpenAPI document of the app, built in process and written to a temp
// file, linted by Redocly (redocly.yaml: the recommended rules). Fails on any error or warning.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatProblems, lintOpenApi, writeOpenApiDocument } from './openapi-tools';

const dir = mkdtempSync(join(tmpdir(), 'creditdesk-openapi-'));
try {
  const file = join(dir, 'openapi.json');
  await writeOpenApiDocument(file);
  const result = lintOpenApi(file);
  if (result.problems.length) console.log(formatProblems(result.problems));
  if (result.stderr.trim() && result.errors + result.warnings > 0 && !result.problems.length)
    console.error(result.stderr);
  console.log(`openapi.json: ${result.errors} error(s), ${result.warnings} warning(s)`);
  process.exitCode = result.errors + result.warnings > 0 ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}

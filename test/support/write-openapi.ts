// `npx tsx test/support/write-openapi.ts [file]`: the OpenAPI document of the app, built in process
// on a throwaway SQLite database (test/support/role-matrix.ts), written to `file` or printed.
// `npm run lint:openapi` lints it (test/support/lint-openapi.ts); `npm run gen:openapi-client` types it.
import { openApiDocument } from './role-matrix';
import { writeOpenApiDocument } from './openapi-tools';

const out = process.argv[2];
if (out) await writeOpenApiDocument(out);
else process.stdout.write(`${JSON.stringify(await openApiDocument(), null, 2)}\n`);

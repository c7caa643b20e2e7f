// `npm run gen:openapi-client`: test-artifacts/openapi-client.d.ts, the types openapi-typescript
// generates from the OpenAPI document (`paths`, `components`, `operations`). Type a client with them,
// e.g. openapi-fetch's `createClient<paths>()`; test/support/openapi-addin-calls.ts types the add-in's calls.
import { CLIENT_TYPES, writeOpenApiClient } from './openapi-tools';

await writeOpenApiClient(CLIENT_TYPES);
console.log(`${CLIENT_TYPES} written`);

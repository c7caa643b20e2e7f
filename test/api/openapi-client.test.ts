// A typed client generated from the OpenAPI document (openapi-typescript) compiles against the
// add-in's real calls (test/support/openapi-addin-calls.ts): every path, query, header and body the
// add-in sends is one the document describes.
import { expect, it } from 'vitest';
import { typecheckClientCalls, writeOpenApiClient } from '../support/openapi-tools';

it("the add-in's calls typecheck against the client types generated from the OpenAPI document", async () => {
  await writeOpenApiClient();
  const { status, output } = typecheckClientCalls();
  expect(output).toBe('');
  expect(status).toBe(0);
}, 180_000);

// `npx tsx test/support/write-role-matrix.ts`: writes the role matrix of the OpenAPI document into
// README.md's role section (between the role-matrix markers). test/api/role-matrix.test.ts fails
// while the README and the code disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiDocument, operationsOf, roleMatrixTable, withReadmeRoleMatrix } from './role-matrix';

const readmePath = fileURLToPath(new URL('../../README.md', import.meta.url));
const table = roleMatrixTable(operationsOf(await openApiDocument()));
writeFileSync(readmePath, withReadmeRoleMatrix(readFileSync(readmePath, 'utf8'), table));
console.log(`README.md: role matrix of ${table.split('\n').length - 2} routes written`);

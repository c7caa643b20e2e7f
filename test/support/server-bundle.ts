import { rmSync } from 'node:fs';
import { buildServer } from '../../server/build.mjs';
import { SERVER_BUNDLE } from './process';

/** The tests that start the server as a process run what `npm start` runs: its bundle, built once before the suite. */
export default async function setup(): Promise<() => void> {
  await buildServer({ outfile: SERVER_BUNDLE });
  return () => {
    for (const f of [SERVER_BUNDLE, `${SERVER_BUNDLE}.map`]) rmSync(f, { force: true });
  };
}

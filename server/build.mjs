// `npm start` runs the server as one JavaScript bundle that esbuild makes from server/main.ts
// (npm's prestart, about half a second). Node then loads plain JavaScript: no TypeScript loader
// at run time. tsx's loader runs its hooks on a thread of its own, which costs about 40 MB of
// resident memory for as long as the server runs. Packages stay outside the bundle and load from
// node_modules as usual. exceljs stays a lazy import. The source map maps stack traces back to
// the .ts files.
//
//   node server/build.mjs                      server/main.ts -> dist/server/main.mjs
//   buildServer({ entry, outfile })            the same for another entry (the bench's server, tests)
//   startFlags()                               Node's flags of the start script, for the bench and tests
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Bundles `entry` (a .ts file) into `outfile` (.mjs) with a linked source map; resolves when written. */
export async function buildServer({ entry = `${root}server/main.ts`, outfile = `${root}dist/server/main.mjs` } = {}) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  return outfile;
}

/**
 * Node's flags of `npm start` (package.json's start script): the bench and the tests that start the
 * server as a process run it with exactly these.
 */
export function startFlags() {
  const start = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).scripts.start.split(/\s+/);
  return start.slice(1, -1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const out = await buildServer();
  console.log(`server: built ${out.slice(root.length)} in ${Math.round(performance.now() - started)} ms`);
}

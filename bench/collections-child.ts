// Runs the collections benchmarks in a fresh process (forked by bench/run.ts), so the heap the
// load tests left behind in the orchestrator does not weigh on these in-process timings.
import { benchCollections } from './collections';

const dir = process.argv[2]!;
const rows = await benchCollections(dir);
process.send?.({ rows }, () => process.exit(0));

// `npm run build`: builds the task pane with Vite into addin/dist (git-ignored), which the server
// serves at /addin/ together with office.js from node_modules/@microsoft/office-js.
// `--if-missing` (npm start's prestart) builds only when there is no build yet.
import { existsSync } from 'node:fs';
import { build } from 'vite';

const config = new URL('./vite.config.ts', import.meta.url).pathname;
if (process.argv.includes('--if-missing') && existsSync(new URL('./dist/taskpane.html', import.meta.url).pathname)) {
  process.exit(0);
}
const started = performance.now();
await build({ configFile: config });
console.log(`add-in: built addin/dist in ${Math.round(performance.now() - started)} ms`);

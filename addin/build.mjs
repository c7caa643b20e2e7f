// The add-in build. Until the task pane is built with Vite (add-in issue), the pane is the static
// placeholder in addin/public, served as-is at /addin/; this only checks that it is there.
import { existsSync } from 'node:fs';

const required = ['addin/public/taskpane.html', 'addin/public/assets/icon-32.png'];
const missing = required.filter((f) => !existsSync(f));
if (missing.length) {
  console.error(`missing add-in files: ${missing.join(', ')}`);
  process.exit(1);
}
console.log('add-in: static placeholder in addin/public (no build step yet)');

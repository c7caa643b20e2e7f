import { execFileSync } from 'node:child_process';

/** The Chromium tests open the built pane: build it once before the suite (`npm run build`). */
export default function setup(): void {
  execFileSync(process.execPath, ['addin/build.mjs'], { stdio: 'inherit' });
}

// The README is what a newcomer follows (issue 19 item 9): every shell block marked
// `<!-- walkthrough -->` runs as written, in order, against a freshly started demo server (the bundle
// `npm start` runs, on a new SQLite file), and every curl in it gets a 2xx. A `# → text` comment
// says what comes back: the block's output must contain it (`…` stands for anything in between).
// The add-in README's commands are checked too: the npm scripts it names exist and the pages it
// links to are served.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, stopServer, type ServerProcess } from '../support/process';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const addinReadme = readFileSync(join(root, 'addin/README.md'), 'utf8');

interface Block {
  /** The section it is in (the nearest heading above it). */
  section: string;
  code: string;
}

/** The ```sh blocks right after a `<!-- walkthrough -->` line, with the heading they sit under. */
function walkthroughBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  let section = '';
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*```/.test(line)) fenced = !fenced;
    if (!fenced && /^#{1,6} /.test(line)) section = line.replace(/^#+ /, '');
    if (line.trim() !== '<!-- walkthrough -->') continue;
    if (lines[i + 1] !== '```sh')
      throw new Error(`README line ${i + 1}: a walkthrough marker must be followed by a \`\`\`sh fence`);
    const end = lines.indexOf('```', i + 2);
    if (end < 0) throw new Error(`README line ${i + 2}: unterminated fence`);
    blocks.push({ section, code: lines.slice(i + 2, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** What the README says comes back: the text after `# →` on each line. */
const expectations = (code: string) => [...code.matchAll(/# →\s*(.+?)\s*$/gm)].map((m) => m[1]!);

/** Whether `text` contains the parts of `expected` (split at `…`) in order. */
function containsInOrder(text: string, expected: string): boolean {
  let at = 0;
  for (const part of expected
    .split('…')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const found = text.indexOf(part, at);
    if (found < 0) return false;
    at = found + part.length;
  }
  return true;
}

/**
 * Runs a block with bash, stopping at the first failing command (`set -euo pipefail`). curl is
 * wrapped, not changed: the same arguments, plus `--fail-with-body` (a non-2xx answer fails the
 * command) and a line on stderr with each answer's status.
 */
function runBlock(
  code: string,
  cwd: string,
  port: number,
): Promise<{ code: number; stdout: string; stderr: string; statuses: string[] }> {
  const script = [
    'set -euo pipefail',
    `curl() { command curl --fail-with-body -w '%{stderr}@@curl %{http_code} %{method} %{url_effective}\\n' "$@"; }`,
    code.replaceAll('localhost:3000', `127.0.0.1:${port}`),
  ].join('\n');
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', script],
      { cwd, timeout: 30_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C.UTF-8' } },
      (err, stdout, stderr) => {
        const statuses = stderr
          .split('\n')
          .filter((l) => l.startsWith('@@curl '))
          .map((l) => l.slice(7));
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, statuses });
      },
    );
  });
}

describe('README walkthrough against a fresh demo server', () => {
  const blocks = walkthroughBlocks(readme);
  const dir = mkdtempSync(join(tmpdir(), 'creditdesk-readme-'));
  let server: ServerProcess;

  beforeAll(async () => {
    // The README's commands are bash with curl and node, as a newcomer's machine has them.
    try {
      execFileSync('curl', ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error('the README walkthrough needs curl on the PATH (apt-get install curl)');
    }
    mkdirSync(join(dir, 'data'));
    // As `npm start` runs it (from the project, which serves the built add-in), on a new database
    // whose demo tokens land in <dir>/data/demo-tokens.json: the blocks run in <dir>, where
    // ./data/demo-tokens.json is that file, and their downloads stay there.
    server = await startServer(
      { DATABASE_URL: join(dir, 'data', 'creditdesk.sqlite'), SEED_DEMO: '1' },
      { cwd: root, readyTimeoutMs: 40_000 },
    );
  }, 60_000);
  afterAll(async () => {
    if (server) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('has walkthrough blocks in the sections a newcomer follows', () => {
    const sections = blocks.map((b) => b.section);
    for (const s of [
      'Quick start',
      'Feeding data (integration role)',
      'Credit holds: a walkthrough',
      'Credit limits: journals, temporary limits, insurance, risk',
      'Collections: aging, pools, agents, activities and cases',
      'Collections money operations: interest, fees, waive, write-off, NSF',
      'Uploading a sheet (without the add-in)',
    ]) {
      expect(sections).toContain(s);
    }
    // No hard-coded date in a walkthrough: they are computed in the shell, so nothing ages.
    for (const b of blocks) expect(b.code, b.section).not.toMatch(/\b20\d\d-\d\d-\d\d\b/);
    // Nor a placeholder id (IN-…) that cannot run.
    for (const b of blocks) expect(b.code, b.section).not.toMatch(/[A-Z]-…/);
  });

  it('runs every block in order: each curl answers 2xx and says what the README says', async () => {
    for (const block of blocks) {
      const r = await runBlock(block.code, dir, server.port);
      const context = `${block.section}\n--- stderr\n${r.stderr.slice(-4000)}\n--- stdout\n${r.stdout.slice(-2000)}`;
      expect(r.code, context).toBe(0);
      const calls = (block.code.match(/(^|[\s($])curl -/g) ?? []).length;
      expect(r.statuses, context).toHaveLength(calls);
      for (const s of r.statuses) expect(s, context).toMatch(/^2\d\d /);
      for (const e of expectations(block.code)) expect(containsInOrder(r.stdout, e), `"${e}" in ${context}`).toBe(true);
    }
    // What the blocks left behind is real: the downloads are workbooks, the template's example row
    // created nothing, and the CSV's journal exists.
    for (const f of ['adjustments.xlsx', 'adjustments-result.xlsx', 'aging.xlsx', 'holds.xlsx'])
      expect(readFileSync(join(dir, f)).subarray(0, 2).toString('latin1'), f).toBe('PK');
    const tokens = JSON.parse(readFileSync(join(dir, 'data', 'demo-tokens.json'), 'utf8')) as Record<string, string>;
    const uploads = await fetch(`${server.url}/api/v1/adjustment-journals?limit=1000`, {
      headers: { authorization: `Bearer ${tokens.credit_manager}` },
    });
    const journals = ((await uploads.json()) as { items: { description: string | null }[] }).items;
    expect(journals.filter((j) => j.description === 'Upload adjustments.csv')).toHaveLength(1);
    expect(journals.filter((j) => j.description === 'Upload adjustments.xlsx')).toHaveLength(0);
  }, 60_000);

  it('serves what the add-in README links to and has the npm scripts both READMEs name', async () => {
    for (const path of [
      ...new Set([...addinReadme.matchAll(/http:\/\/localhost:3000(\/addin\/[\w./-]+)/g)].map((m) => m[1]!)),
    ]) {
      const res = await fetch(`${server.url}${path}`);
      await res.arrayBuffer();
      expect(res.status, path).toBe(200);
    }
    const scripts = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    const named = [...`${readme}\n${addinReadme}`.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(3);
    for (const n of named) expect(Object.keys(scripts), n).toContain(n);
  });
});

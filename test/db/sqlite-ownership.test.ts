import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/connection';
import { runInTransaction, SYSTEM } from '../../server/db/transaction';
import { upsertCustomerBatch } from '../../server/customers/customers.service';

/** Counts the customers from another process, with plain better-sqlite3 and no busy wait; the error text when it cannot. */
function readFromAnotherProcess(file: string): string {
  const script = `const S = require('better-sqlite3'); const d = new S(${JSON.stringify(file)}, { readonly: true }); d.pragma('busy_timeout = 0'); console.log(d.prepare('select count(*) as n from customers').get().n);`;
  try {
    return execFileSync(process.execPath, ['-e', script], { stdio: 'pipe' }).toString().trim();
  } catch (e) {
    return String((e as { stderr: Buffer }).stderr);
  }
}

// server/db/connection.ts: the server opens its SQLite file with the unix-excl VFS.
describe('a SQLite file is owned by the process that opened it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditdesk-owner-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('another process cannot read it while it is open, and can once it is closed', async () => {
    const file = join(dir, 'owned.sqlite');
    const handle = await openDatabase({ url: file });
    await runInTransaction(handle, SYSTEM, (tx) =>
      upsertCustomerBatch(tx, [{ id: 'C1', name: 'One', currency: 'USD', creditLimit: '100.00' }]),
    );
    expect(readFromAnotherProcess(file)).toMatch(/database is locked/);
    await handle.close();
    expect(readFromAnotherProcess(file)).toBe('1');
  });

  it("the process's own read connection sees each commit of its writer at once", async () => {
    const handle = await openDatabase({ url: join(dir, 'reads.sqlite') });
    const count = () => (handle.sqliteRead!.prepare('select count(*) as n from customers').get() as { n: number }).n;
    expect(count()).toBe(0);
    for (let i = 1; i <= 3; i++) {
      await runInTransaction(handle, SYSTEM, (tx) =>
        upsertCustomerBatch(tx, [{ id: `C${i}`, name: `Customer ${i}`, currency: 'USD', creditLimit: '100.00' }]),
      );
      expect(count()).toBe(i);
    }
    await handle.close();
  });

  it('a path with spaces and URI characters opens as that file', async () => {
    const odd = join(dir, 'a dir #1?x=%20', 'file name.sqlite');
    const handle = await openDatabase({ url: odd });
    await runInTransaction(handle, SYSTEM, (tx) =>
      upsertCustomerBatch(tx, [{ id: 'C1', name: 'One', currency: 'USD', creditLimit: '100.00' }]),
    );
    await handle.close();
    expect(readFromAnotherProcess(odd)).toBe('1');
  });
});

describe('a SQLite file: URI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'creditdesk-uri-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is opened as the caller wrote it (its own options, no exclusive lock)', async () => {
    const file = join(dir, 'shared.sqlite');
    const handle = await openDatabase({ url: `file:${file}` });
    await runInTransaction(handle, SYSTEM, (tx) =>
      upsertCustomerBatch(tx, [{ id: 'C1', name: 'One', currency: 'USD', creditLimit: '100.00' }]),
    );
    expect(readFromAnotherProcess(file)).toBe('1');
    await handle.close();
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { clearSession, loadSession, saveSession, sessionKey } from './session';

/** A Storage over a Map (what localStorage is to the pane). */
function memoryStorage(): Storage & { keys(): string[] } {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, String(v)),
    keys: () => [...m.keys()],
  };
}

describe('the session in browser storage, by Office storage partition', () => {
  afterEach(() => {
    delete (globalThis as { Office?: unknown }).Office;
  });

  it('keys the token by Office.context.partitionKey where Office gives one; another partition does not see it', () => {
    const storage = memoryStorage();
    (globalThis as { Office?: unknown }).Office = { context: { partitionKey: 'tenantA-user1' } };
    saveSession({ serverUrl: 'https://cd.example', token: 'secret-a' }, storage);
    expect(storage.keys()).toEqual(['tenantA-user1creditdesk.session']);
    expect(loadSession(storage)).toEqual({ serverUrl: 'https://cd.example', token: 'secret-a' });
    (globalThis as { Office?: unknown }).Office = { context: { partitionKey: 'tenantB-user2' } };
    expect(loadSession(storage)).toBeNull();
    clearSession(storage);
    (globalThis as { Office?: unknown }).Office = { context: { partitionKey: 'tenantA-user1' } };
    expect(loadSession(storage)).not.toBeNull();
    clearSession(storage);
    expect(storage.keys()).toEqual([]);
  });

  it('uses the plain key without a partition (desktop Excel, outside Office)', () => {
    const storage = memoryStorage();
    expect(sessionKey()).toBe('creditdesk.session');
    (globalThis as { Office?: unknown }).Office = { context: { partitionKey: undefined } };
    saveSession({ serverUrl: 'http://localhost:3000', token: 't' }, storage);
    expect(storage.keys()).toEqual(['creditdesk.session']);
  });
});

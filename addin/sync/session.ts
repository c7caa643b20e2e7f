/**
 * The signed-in session: server URL and API token in the pane's own browser storage — never in
 * the workbook, which gets e-mailed around (SPEC §6).
 *
 * Storage is keyed by `Office.context.partitionKey` where Office gives one (Excel on the web):
 * "Add-ins should use this partition key as part of the storage key to securely store data"
 * (https://learn.microsoft.com/javascript/api/office/office.context#office-office-context-partitionkey-member),
 * so a token saved in one partition (another tenant's or user's Office frame) is not read in
 * another. Desktop Excel gives none: the plain key is used there, and outside Office.
 */
import type { Session } from './api';

const KEY = 'creditdesk.session';

/** Office's storage partition of this pane, when there is one. */
function officePartitionKey(): string | undefined {
  const office = (globalThis as { Office?: { context?: { partitionKey?: unknown } } }).Office;
  try {
    const key = office?.context?.partitionKey;
    return typeof key === 'string' && key ? key : undefined;
  } catch {
    return undefined; // Office.context before Office.onReady
  }
}

/** The storage key of the session in a partition (Microsoft's sample prefixes the key with it). */
export const sessionKey = (partition: string | undefined = officePartitionKey()) =>
  partition ? `${partition}${KEY}` : KEY;

export function loadSession(storage: Storage = localStorage, partition?: string): Session | null {
  try {
    const s = JSON.parse(storage.getItem(sessionKey(partition)) ?? 'null') as Session | null;
    return s && typeof s.serverUrl === 'string' && typeof s.token === 'string' ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session, storage: Storage = localStorage, partition?: string): void {
  storage.setItem(sessionKey(partition), JSON.stringify(s));
}

export function clearSession(storage: Storage = localStorage, partition?: string): void {
  storage.removeItem(sessionKey(partition));
}

/**
 * The signed-in session: server URL and API token in the pane's own browser storage — never in
 * the workbook, which gets e-mailed around (SPEC §6).
 */
import type { Session } from './api';

const KEY = 'creditdesk.session';

export function loadSession(storage: Storage = localStorage): Session | null {
  try {
    const s = JSON.parse(storage.getItem(KEY) ?? 'null') as Session | null;
    return s && typeof s.serverUrl === 'string' && typeof s.token === 'string' ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session, storage: Storage = localStorage): void {
  storage.setItem(KEY, JSON.stringify(s));
}

export function clearSession(storage: Storage = localStorage): void {
  storage.removeItem(KEY);
}

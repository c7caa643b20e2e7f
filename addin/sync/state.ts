/**
 * The sync state of one workbook: its id, the last change sequence each table was pulled at, and
 * the Idempotency-Keys of sends not yet confirmed. Kept in the workbook through the adapter (a
 * very hidden sheet), so a workbook reopened elsewhere pulls only what changed since its own pull.
 */
import { readWorkbookState, writeWorkbookState, type ExcelHost } from '../excel/workbook';
import { newIdempotencyKey } from './api';

interface PendingSend {
  key: string;
  /** The request body the key was first used with: the same body reuses the key (a replay, never a duplicate). */
  body: string;
}

export interface WorkbookSyncState {
  workbookId: string;
  /** Server the sequences belong to: another server starts from scratch. */
  serverUrl: string | null;
  holds: { seq: number } | null;
  /** `view` is absent in a sheet pulled before the currency views: the company view. */
  aging: { definitionId: string; poolId: string | null; view?: 'accounting' | 'customer'; seq: number } | null;
  pendingSends: Record<string, PendingSend>;
}

const fresh = (): WorkbookSyncState => ({
  workbookId: newIdempotencyKey().slice(3),
  serverUrl: null,
  holds: null,
  aging: null,
  pendingSends: {},
});

export async function loadSyncState(host: ExcelHost, serverUrl: string): Promise<WorkbookSyncState> {
  const s = (await readWorkbookState<WorkbookSyncState>(host)) ?? fresh();
  if (s.serverUrl !== serverUrl) return { ...fresh(), workbookId: s.workbookId, serverUrl };
  return { ...fresh(), ...s };
}

export async function saveSyncState(host: ExcelHost, state: WorkbookSyncState): Promise<void> {
  await writeWorkbookState(host, state);
}

/** The key for sending `body` under `slot`: the stored one when the body is unchanged, else a new one. */
export function keyFor(state: WorkbookSyncState, slot: string, body: string): string {
  const p = state.pendingSends[slot];
  if (p && p.body === body) return p.key;
  const key = newIdempotencyKey();
  state.pendingSends[slot] = { key, body };
  return key;
}

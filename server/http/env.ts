import type { Logger } from 'pino';
import type { DbHandle } from '../db/connection';
import type { Actor } from '../db/transaction';
import type { Reader } from '../db/prepared-sql';

interface AppConfig {
  /** Origins allowed by CORS besides the server's own. */
  allowedOrigins: string[];
  /** Maximum JSON body size in bytes. */
  jsonBodyLimit: number;
  /** How often GET /changes/stream sends a heartbeat comment (default 15 s; tests shorten it). */
  streamHeartbeatMs?: number;
  /** Where the task pane loads office.js from (OFFICE_JS_URL); default the packaged copy this server serves. */
  officeJsUrl?: string | undefined;
}

export interface Deps {
  handle: DbHandle;
  config: AppConfig;
  log: Logger;
}

export type AppEnv = {
  Variables: {
    deps: Deps;
    actor: Actor;
    requestId: string;
    log: Logger;
    /** The request's reader, made on first use (server/http/reader.ts). */
    reader: Reader | undefined;
  };
};

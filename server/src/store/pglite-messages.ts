// The messages between the embedded driver (main thread) and the worker thread that runs PGlite.
// Types only: both sides import them, neither imports the other.

/** Given to the worker at start. */
export interface PgliteWorkerData {
  /** Data directory, or `memory://`. */
  dataDir: string;
  /** Schema put on the session's search_path once the database is open. */
  schema: string;
  /** Extra `-c name=value` settings for the embedded PostgreSQL. */
  settings: readonly string[];
  /** Open the database and close it again at once (creates a fresh data directory), then exit. */
  initOnly: boolean;
}

/** A statement or transaction step; `tx` names the open transaction it belongs to. */
export type PgliteRequest =
  | { id: number; op: 'query'; text: string; params: unknown[] | undefined; tx: number | undefined }
  | { id: number; op: 'exec'; text: string; tx: number | undefined }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

/** What a database error carries across the thread boundary: its message and its PostgreSQL fields. */
export interface PgliteErrorFields {
  message: string;
  /** SQLSTATE, when PostgreSQL raised it. */
  code?: string;
  constraint?: string;
  detail?: string;
  severity?: string;
  table?: string;
  column?: string;
}

export type PgliteReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: PgliteErrorFields };

/** The worker's first message: the database is open (or could not be opened). */
export type PgliteStarted = { ready: true } | { ready: false; error: PgliteErrorFields };

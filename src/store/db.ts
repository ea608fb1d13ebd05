/**
 * The database behind the Store: Kysely over better-sqlite3 for the embedded default.
 * Column types are kept portable (text ids, integer epoch milliseconds, JSON as text) so the
 * same migrations and queries can run on PostgreSQL; readers convert with Number() because
 * the pg driver returns bigint columns as strings.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type Generated } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Which SQL dialect a database speaks; migrations use it where the dialects differ. */
export type SqlDialectName = 'sqlite' | 'postgres';

/** Inbound message ids already handled, to recognise redeliveries. */
export interface SeenMessageTable {
  channel: string;
  message_id: string;
  seen_at: number;
}

export interface ConversationTable {
  /** `${channel}:${platform conversation id}` */
  id: string;
  channel: string;
  user_id: string;
  mode: string;
  /** 0 or 1: portable where booleans are not. */
  urgent: number;
  /** ConversationState as JSON. */
  state: string;
  queued_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface TranscriptTable {
  /** Insertion order, so messages written in the same millisecond keep their order. */
  id: Generated<number>;
  conversation_id: string;
  role: string;
  text: string;
  /** Outcome as JSON, for bot messages. */
  outcome: string | null;
  at: number;
}

export interface UnansweredTable {
  id: Generated<number>;
  conversation_id: string;
  channel: string;
  /** Already redacted by the engine. */
  text: string;
  confidence: number | null;
  at: number;
}

/** A worker on one platform. */
export interface WorkerTable {
  channel: string;
  user_id: string;
  display_name: string | null;
  /** When the worker was first shown the privacy notice. */
  consent_at: number | null;
  created_at: number;
}

/** A message left outside office hours, for a counsellor to answer or call back (src/flows/handoff/records.ts). */
export interface HandoffTicketTable {
  id: Generated<number>;
  conversation_id: string;
  channel: string;
  user_id: string;
  /** What the worker asked, as written. */
  message: string;
  /** Only when the worker agreed to a call-back. */
  phone: string | null;
  created_at: number;
  /** 'open' | 'done' */
  status: string;
  done_at: number | null;
  done_by: string | null;
}

/** A worker's 1–5 rating of a chat with a counsellor. */
export interface SatisfactionRatingTable {
  id: Generated<number>;
  conversation_id: string;
  channel: string;
  user_id: string;
  rating: number;
  at: number;
}

/** How long a queued conversation waited for a counsellor, for the wait the next worker is told. */
export interface HandoffWaitTable {
  conversation_id: string;
  queued_at: number;
  claimed_at: number;
  urgent: number;
}

export interface DatabaseSchema {
  seen_message: SeenMessageTable;
  conversation: ConversationTable;
  transcript: TranscriptTable;
  unanswered: UnansweredTable;
  worker: WorkerTable;
  handoff_ticket: HandoffTicketTable;
  satisfaction_rating: SatisfactionRatingTable;
  handoff_wait: HandoffWaitTable;
}

/**
 * Opens a SQLite database through Kysely, creating its folder if needed; ':memory:' gives a
 * throw-away database (one per call). Does not migrate: see createStore.
 */
export function openDatabase(path: string): Kysely<DatabaseSchema> {
  if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  // WAL lets readers (the console, /readyz) run beside the writer; NORMAL sync is durable
  // enough with WAL (a power cut can lose the last transactions, never corrupt the file).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Another process (a CLI command) holding the write lock briefly should not fail a request.
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: sqlite }) });
}

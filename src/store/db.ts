/**
 * The database behind the Store: Kysely over better-sqlite3 for the embedded default.
 * Column types are kept portable (text ids, integer epoch milliseconds, JSON as text) so the
 * same migrations and queries run on PostgreSQL.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type Generated } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SeenMessageTable {
  channel: string;
  message_id: string;
  seen_at: number;
}

export interface ConversationTable {
  id: string;
  channel: string;
  user_id: string;
  mode: string;
  urgent: number;
  state: string;
  queued_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface TranscriptTable {
  id: Generated<number>;
  conversation_id: string;
  role: string;
  text: string;
  outcome: string | null;
  at: number;
}

export interface UnansweredTable {
  id: Generated<number>;
  conversation_id: string;
  channel: string;
  text: string;
  confidence: number | null;
  at: number;
}

export interface WorkerTable {
  channel: string;
  user_id: string;
  display_name: string | null;
  consent_at: number | null;
  created_at: number;
}

export interface DatabaseSchema {
  seen_message: SeenMessageTable;
  conversation: ConversationTable;
  transcript: TranscriptTable;
  unanswered: UnansweredTable;
  worker: WorkerTable;
}

/** Opens (creating the folder if needed) a SQLite database; ':memory:' for a throw-away one. */
export function openSqlite(path: string): Kysely<DatabaseSchema> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  // WAL lets readers (the console, /readyz) run beside the writer; NORMAL sync is durable enough with WAL.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: sqlite }) });
}

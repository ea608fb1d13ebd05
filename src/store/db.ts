/**
 * The database behind the Store: Kysely over better-sqlite3 for the embedded default, or over
 * a pg Pool for PostgreSQL. Column types are kept portable (text ids, integer epoch
 * milliseconds, JSON as text) so the same migrations and queries run on both; our pg pools
 * read bigint back as a number (epoch ms fit easily), and readers still convert with Number()
 * so that code stays right on any driver.
 */
import Database from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, type Generated, type PostgresPool } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { checkpointOffLoop, type CheckpointOptions } from './checkpointer.js';
import { PreparedStatements, runPipeline, staleStatement, type Statement, type StatementResult } from './pg-pipeline.js';

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
  /** The message's buttons (Choice[]) as JSON, when it had any. */
  choices: string | null;
  /** A worker's pictures and files (Attachment[]) as JSON, when the message had any. */
  attachments: string | null;
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
  /** The counsellor calling back (one at a time), and since when. */
  taken_by: string | null;
  taken_at: number | null;
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

/**
 * A processed inbox row's activity: nothing of the message is kept. What the worker wrote lives
 * on only in the transcript (which "xóa dữ liệu" deletes); the row keeps its (channel, message
 * id) to recognise a redelivery until it is pruned, and nothing reads a finished row's activity.
 */
export const ERASED_ACTIVITY = '';

/** Inbound platform events, stored before the webhook is acknowledged (src/bots/delivery). */
export interface InboxTable {
  id: Generated<number>;
  channel: string;
  /** The platform's message id; unique per channel, so a redelivery is recognised. */
  message_id: string;
  /** `${channel}:${platform conversation id}`: rows of one key are processed in id order. */
  conversation_id: string;
  /** The Activity as JSON while the message is to be processed; ERASED_ACTIVITY once done. */
  activity: string;
  /** pending → processing → done, or failed after too many attempts. */
  status: string;
  attempts: number;
  /** When a pending row may be tried (again). */
  next_attempt_at: number;
  /** A processing row whose lease passed belongs to a process that died: it is taken again. */
  lease_until: number | null;
  last_error: string | null;
  received_at: number;
  finished_at: number | null;
}

/** Outbound messages, one row per Reply, sent in id order per conversation (src/bots/delivery). */
export interface OutboxTable {
  id: Generated<number>;
  conversation_id: string;
  channel: string;
  /** SendTarget: the worker's id and the platform conversation id. */
  user_id: string;
  platform_conversation_id: string;
  /** The Reply as JSON. */
  reply: string;
  /** 0 or 1: a counsellor's message rather than the bot's. */
  from_human: number;
  /** The inbox row whose processing wrote it, if any. */
  inbox_id: number | null;
  /** pending → sending → sent, or failed. */
  status: string;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_code: string | null;
  /** Why the last attempt failed, in Vietnamese, for counsellors. */
  last_reason: string | null;
  /** The platform's message ids as a JSON array, once sent. */
  platform_message_ids: string | null;
  created_at: number;
  updated_at: number;
}

/**
 * OAuth token pairs a platform issues and rotates (Zalo's refresh token is single-use), keyed
 * by `${platform}:${app id}`. Written before the new access token is used: see zalo/tokens.ts.
 */
export interface PlatformTokenTable {
  key: string;
  access_token: string;
  refresh_token: string;
  access_expires_at: number;
  refresh_expires_at: number | null;
  obtained_at: number;
  updated_at: number;
}

/** Telegram callback_data tokens and the engine payloads they stand for, shared by all instances. */
export interface TelegramCallbackTable {
  token: string;
  payload: string;
  expires_at: number;
}

export interface DatabaseSchema {
  platform_token: PlatformTokenTable;
  telegram_callback: TelegramCallbackTable;
  seen_message: SeenMessageTable;
  conversation: ConversationTable;
  transcript: TranscriptTable;
  unanswered: UnansweredTable;
  worker: WorkerTable;
  handoff_ticket: HandoffTicketTable;
  satisfaction_rating: SatisfactionRatingTable;
  handoff_wait: HandoffWaitTable;
  inbox: InboxTable;
  outbox: OutboxTable;
  counsellor: CounsellorTable;
  console_session: ConsoleSessionTable;
  console_audit: ConsoleAuditTable;
  console_assignment: ConsoleAssignmentTable;
  console_note: ConsoleNoteTable;
  console_message: ConsoleMessageTable;
  console_closure: ConsoleClosureTable;
  kb_draft: KbDraftTable;
  console_snippet: ConsoleSnippetTable;
}

/** A console account (counsellor or admin). */
export interface CounsellorTable {
  id: string;
  /** Lowercased. */
  email: string;
  name: string;
  role: string;
  /** scrypt$N$r$p$salt$hash (see src/console/passwords.ts). */
  password_hash: string;
  disabled: number;
  created_at: number;
  updated_at: number;
}

/** A console login. The cookie holds a random token; only its SHA-256 is stored. */
export interface ConsoleSessionTable {
  token_hash: string;
  counsellor_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

/** Every console action, who did it and on which conversation. */
export interface ConsoleAuditTable {
  id: Generated<number>;
  at: number;
  counsellor_id: string | null;
  action: string;
  conversation_id: string | null;
  /** Small JSON object, never message text. */
  detail: string | null;
}

/** Who has a conversation now; one row at most per conversation (primary key). */
export interface ConsoleAssignmentTable {
  conversation_id: string;
  counsellor_id: string;
  claimed_at: number;
}

/** Private notes on a conversation, for counsellors only. */
export interface ConsoleNoteTable {
  id: Generated<number>;
  conversation_id: string;
  counsellor_id: string;
  text: string;
  at: number;
}

/** A counsellor's message and what became of its delivery. */
export interface ConsoleMessageTable {
  id: Generated<number>;
  conversation_id: string;
  counsellor_id: string;
  text: string;
  /** The delivery's own id (outbox id), once handed over. */
  outbox_id: string | null;
  /** pending | sent | retrying | failed */
  status: string;
  /** Why it failed, in Vietnamese, for the counsellor. */
  reason: string | null;
  at: number;
  updated_at: number;
}

/** How a counsellor closed a conversation. */
export interface ConsoleClosureTable {
  id: Generated<number>;
  conversation_id: string;
  counsellor_id: string;
  outcome: string;
  /** JSON array of strings. */
  tags: string;
  at: number;
}

/** A canned reply of the office's own (a greeting, asking for documents, office hours…). */
export interface ConsoleSnippetTable {
  id: Generated<number>;
  /** What the counsellor picks it by. */
  title: string;
  text: string;
  created_by: string;
  created_at: number;
}

/** A knowledge-base entry drafted from a counsellor's answer, for a curator. */
export interface KbDraftTable {
  id: Generated<number>;
  conversation_id: string | null;
  counsellor_id: string;
  question: string;
  /** JSON array of strings. */
  phrasings: string;
  answer: string;
  /** Free text the curator turns into a structured citation. */
  citation: string;
  /** open | done | dropped */
  status: string;
  created_at: number;
}

/**
 * Kysely's SQLite driver prepares every query anew, and preparing costs more than running a
 * small query. better-sqlite3 statements are reusable (and re-prepared by SQLite itself after a
 * schema change), and the driver runs one query at a time, so the most recent ones are kept by
 * their SQL text. About three times fewer microseconds per query on the delivery path.
 */
function reusePreparedStatements(sqlite: Database.Database, max = 500): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    let stmt = cache.get(source);
    if (stmt) {
      // Most recently used last, so the first key is the one to drop.
      cache.delete(source);
    } else {
      stmt = prepare(source);
      if (cache.size >= max) cache.delete(cache.keys().next().value as string);
    }
    cache.set(source, stmt);
    return stmt;
  }) as typeof sqlite.prepare;
}

/**
 * Opens a SQLite database through Kysely, creating its folder if needed; ':memory:' gives a
 * throw-away database (one per call). Does not migrate: see createStore.
 */
export function openDatabase(path: string, options: { checkpoint?: CheckpointOptions | false } = {}): Kysely<DatabaseSchema> {
  if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  // WAL lets readers (the console, /readyz) run beside the writer; NORMAL sync is durable
  // enough with WAL (a power cut can lose the last transactions, never corrupt the file).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Another process (a CLI command) holding the write lock briefly should not fail a request.
  sqlite.pragma('busy_timeout = 5000');
  // A file database's checkpoints (page copies and fsyncs) go to a worker thread, not a commit.
  if (options.checkpoint !== false && path !== ':memory:' && !path.startsWith('file:')) checkpointOffLoop(sqlite, path, options.checkpoint);
  reusePreparedStatements(sqlite);
  return new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: sqlite }) });
}

export interface PostgresOptions {
  /** Most connections this process opens (DATABASE_POOL_MAX). */
  max?: number;
  /** Called when an idle connection breaks (server restart): logged, never fatal. */
  onError?: (err: Error) => void;
  /** A schema to work in instead of public (tests isolate themselves this way). */
  schema?: string;
}

/** int8 (bigint, count(*)) as a JS number rather than a string: our bigints are epoch ms and counts. */
const INT8_OID = 20;
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Opens a PostgreSQL database through Kysely over a pg Pool. Connections are made lazily, so
 * this never fails; the first query does when the server is unreachable. Does not migrate.
 */
export function openPostgres(url: string, options: PostgresOptions = {}): Kysely<DatabaseSchema> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    // A request must fail soon, not hang, while the server is away (restart, failover).
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    types: pgTypes,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // Without a listener, an idle client's error (the server restarting) would crash the process.
  pool.on('error', (err) => options.onError?.(err));
  return new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool: lazyBegin(pool) as unknown as PostgresPool }) });
}

type QueryResultLike = { command: string; rowCount: number | null; rows: unknown[] };
interface PgClient {
  query(sql: string, values?: readonly unknown[]): Promise<QueryResultLike>;
  release(destroy?: boolean | Error): void;
}

/** Ends a statement marked by thenCommit (a newline cannot end Kysely's SQL: it writes none). */
const COMMIT_AFTER = '\n;commit';
/** Stands for the statements of pipelined(), which travel as its parameters. */
const PIPELINE = '\n;pipeline';

/**
 * The statement, marked so that the transaction it runs in commits with it, in the same round
 * trip (see lazyBegin): when it fails, nothing is committed and the transaction is left to roll
 * back. Nothing else may run in that transaction afterwards (it throws); the transaction's own
 * commit is then a no-op. Outside a transaction it runs as is.
 */
export function thenCommit(query: CompiledQuery): CompiledQuery {
  return CompiledQuery.raw(query.sql + COMMIT_AFTER, [...query.parameters]);
}

/**
 * The statements as one query, sent in one round trip and run one after the other (see
 * pg-pipeline.ts); its rows are each statement's StatementResult. Outside a transaction they
 * commit together or not at all; in one, with `commit`, the transaction commits after them
 * (as thenCommit). Only through openPostgres's pool.
 */
export function pipelined(queries: readonly CompiledQuery[], options: { commit?: boolean } = {}): CompiledQuery {
  const statements: Statement[] = queries.map((q) => ({ sql: q.sql, values: q.parameters }));
  return CompiledQuery.raw(options.commit ? PIPELINE + COMMIT_AFTER : PIPELINE, [statements]);
}

/** Most named statements kept per connection (the delivery path uses a few dozen shapes). */
const PREPARED_PER_CONNECTION = 200;
const BEGIN: Statement = { sql: 'begin', values: [] };
const COMMIT: Statement = { sql: 'commit', values: [] };

/**
 * The pool as Kysely sees it, with transactions that begin without a round trip of their own,
 * and statements prepared once per connection.
 * Kysely opens a transaction with a `begin` statement, one round trip before the first real
 * one (a message's processing made four: begin, its conversation read, its writes, commit).
 * Here `begin` is only noted, and sent in front of the transaction's first statement, in the
 * same round trip. A transaction that ran no statement sends neither begin nor its commit or
 * rollback. The same way, a statement marked by thenCommit goes out followed by `commit` (the
 * message's writes and its commit: one round trip instead of two).
 * Every statement with values, and every one sent with a begin or commit, goes as a named
 * prepared statement of the connection (pg-pipeline.ts): PostgreSQL parses and plans it once
 * per connection instead of once per run. A statement without values, alone, goes as a simple
 * query (migrations send several in one).
 */
function lazyBegin(pool: pg.Pool): { connect(): Promise<PgClient>; end(): Promise<void> } {
  const wrapped = new WeakMap<object, PgClient>();
  return {
    end: () => pool.end(),
    connect: async () => {
      const client = await pool.connect();
      let lazy = wrapped.get(client);
      if (!lazy) {
        let beginDue = false;
        let inTransaction = false;
        let committed = false;
        const prepared = new PreparedStatements(PREPARED_PER_CONNECTION);
        const ended = (command: 'COMMIT' | 'ROLLBACK'): QueryResultLike => ({ command, rowCount: null, rows: [] });
        lazy = {
          release: (destroy) => {
            beginDue = false;
            inTransaction = false;
            committed = false;
            client.release(destroy);
          },
          query: async (sql, values = []) => {
            const control = values.length === 0 && (sql === 'begin' || sql === 'commit' || sql === 'rollback');
            if (committed) {
              // The transaction ended with its last statement: its commit has nothing left to do.
              if (control && sql === 'commit') {
                committed = false;
                inTransaction = false;
                return ended('COMMIT');
              }
              throw new Error(`the transaction was already committed by its last statement; cannot run: ${sql.slice(0, 40)}`);
            }
            if (control) {
              if (sql === 'begin' && !beginDue) {
                beginDue = true;
                inTransaction = true;
                return { command: 'BEGIN', rowCount: null, rows: [] };
              }
              if (sql !== 'begin') inTransaction = false;
              if (sql !== 'begin' && beginDue) {
                // Nothing ran in it: nothing to end.
                beginDue = false;
                return ended(sql === 'commit' ? 'COMMIT' : 'ROLLBACK');
              }
              return client.query(sql, values as unknown[]);
            }
            const marked = sql.endsWith(COMMIT_AFTER);
            if (marked) sql = sql.slice(0, -COMMIT_AFTER.length);
            const commits = marked && inTransaction;
            const many = sql === PIPELINE;
            if (!beginDue && !commits && !many && values.length === 0) return client.query(sql);
            const statements = many ? (values[0] as Statement[]) : [{ sql, values }];
            // From here the transaction has begun on the server, whatever the statements do.
            const begin = beginDue;
            beginDue = false;
            const sent = [...(begin ? [BEGIN] : []), ...statements, ...(commits ? [COMMIT] : [])];
            let results: StatementResult[];
            try {
              results = await runPipeline(client, sent, prepared, pgTypes);
            } catch (err) {
              // A statement prepared before its table changed (forgotten by now) runs again,
              // prepared anew, when nothing else of its transaction ran before it.
              if (!staleStatement(err) || (inTransaction && !begin)) throw err;
              if (begin) await client.query('rollback');
              results = await runPipeline(client, sent, prepared, pgTypes);
            }
            if (commits) committed = true;
            const own = results.slice(begin ? 1 : 0, (begin ? 1 : 0) + statements.length);
            return many ? { command: 'PIPELINE', rowCount: null, rows: own } : own[0]!;
          },
        };
        wrapped.set(client, lazy);
      }
      return lazy;
    },
  };
}

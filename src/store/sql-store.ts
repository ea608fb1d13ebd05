/**
 * The Store over Kysely: every query goes through the query builder, so the same code
 * serves SQLite now and PostgreSQL later. Timestamps are epoch milliseconds, read back with
 * Number() (pg returns bigint as a string); JSON is text.
 */
import type { CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Attachment, Channel, Choice, ConversationMode, Outcome } from '../flows/activity.js';
import type { DatabaseTarget } from '../config.js';
import { ERASED_ACTIVITY, openDatabase, openPostgres, type ConversationTable, type DatabaseSchema, type SqlDialectName } from './db.js';
import { fixedQuery, fixedRows } from './fixed-query.js';
import { migrateToLatest } from './migrations.js';
import { DeferredWrites } from './pg-deferred.js';
import type { Conversation, ConversationState, LastWrites, StoredTranscriptMessage, TransactionStore, TranscriptMessage, TranscriptRole, UnansweredQuestion, UnitOptions } from './types.js';

export class SqlStore implements TransactionStore {
  private closed = false;

  constructor(
    readonly db: Kysely<DatabaseSchema>,
    readonly dialect: SqlDialectName = 'sqlite',
    /** In a PostgreSQL transaction: the writes nobody reads back, sent together (see pg-deferred.ts). */
    private readonly deferred?: DeferredWrites,
    /** See UnitOptions.deduplicated. */
    private readonly deduplicated = false,
  ) {}

  /**
   * In a SQLite transaction: transcript lines held back and written as ONE multi-row insert (a
   * message's line and its reply's), before any read through this store, by writeLast, and when
   * transaction() ends. Nothing else reads the transcript inside a message's transaction.
   */
  private lines: Record<(typeof LINE)[number], unknown>[] = [];
  private get holdsLines(): boolean {
    return !this.deferred && this.dialect === 'sqlite' && this.db.isTransaction;
  }

  private async writeLines(): Promise<void> {
    while (this.lines.length > 0) {
      const lines = this.lines.splice(0, MAX_LINES);
      await appendLines(this.db, lines);
    }
  }

  async markSeen(channel: Channel, messageId: string): Promise<boolean> {
    if (this.deduplicated) return true;
    await this.flushHeld();
    // Insert-or-ignore is atomic: of two deliveries racing, exactly one inserts.
    const result = await markSeenQuery(this.db, { channel, messageId, now: Date.now() });
    return Number(result.numAffectedRows ?? 0) > 0;
  }

  async getConversation(channel: Channel, conversationId: string): Promise<Conversation | undefined> {
    await this.flushHeld();
    // Inside a message's transaction on PostgreSQL the row is locked until commit, so a
    // counsellor's claim or close (a conditional UPDATE) waits for the engine's save instead of
    // being overwritten by it. SQLite needs nothing: its one connection runs transactions one
    // at a time.
    const query = this.db.isTransaction && this.dialect === 'postgres' ? conversationForUpdate : conversationById;
    const { rows } = await query(this.db, { id: conversationKey(channel, conversationId) });
    const row = rows[0] as (ConversationTable & { worker_user_id: string | null; worker_name: string | null; worker_consent_at: number | null }) | undefined;
    if (!row) return undefined;
    const conv = toConversation(row);
    if (row.worker_user_id !== null) storedWorker.set(conv, { displayName: row.worker_name, consented: row.worker_consent_at !== null });
    return conv;
  }

  async saveConversation(conv: Conversation): Promise<void> {
    const row = {
      id: conv.id,
      channel: conv.channel,
      userId: conv.userId,
      mode: conv.mode,
      urgent: conv.urgent ? 1 : 0,
      state: JSON.stringify(conv.state),
      queuedAt: conv.queuedAt ? conv.queuedAt.getTime() : null,
      createdAt: conv.createdAt.getTime(),
      updatedAt: conv.updatedAt.getTime(),
    };
    // The worker row records when the privacy notice was first shown; a later save keeps
    // the first time rather than moving it.
    const worker = {
      channel: conv.channel,
      userId: conv.userId,
      displayName: conv.displayName ?? null,
      consentAt: conv.state.consentShown ? row.updatedAt : null,
      createdAt: row.createdAt,
    };
    // The worker row as read with the conversation: rewritten only when this save changes it.
    const stored = storedWorker.get(conv);
    const workerChanges = !stored || (worker.consentAt !== null && !stored.consented) || (worker.displayName !== null && worker.displayName !== stored.displayName);
    if (stored && workerChanges) storedWorker.set(conv, { displayName: worker.displayName ?? stored.displayName, consented: stored.consented || worker.consentAt !== null });
    if (this.deferred) {
      this.deferred.add([upsertConversation.compile(this.db, row), ...(workerChanges ? [upsertWorker.compile(this.db, worker)] : [])]);
      return;
    }
    if (!workerChanges) {
      await upsertConversation(this.db, row);
      return;
    }
    await this.atomically(async (trx) => {
      await upsertConversation(trx, row);
      await upsertWorker(trx, worker);
    });
  }

  async appendTranscript(msg: TranscriptMessage): Promise<void> {
    const row = {
      conversation_id: msg.conversationId,
      role: msg.role,
      text: msg.text,
      outcome: msg.outcome ? JSON.stringify(msg.outcome) : null,
      choices: msg.choices?.length ? JSON.stringify(msg.choices) : null,
      attachments: msg.attachments?.length ? JSON.stringify(msg.attachments) : null,
      at: msg.at.getTime(),
    };
    if (this.deferred) this.deferred.append('transcript', row);
    else if (this.holdsLines) this.lines.push(row);
    else await appendTranscriptQuery(this.db, row);
  }

  /** Sends the writes held back (PostgreSQL's deferred writes, SQLite's transcript lines). */
  private async flushHeld(): Promise<void> {
    await this.deferred?.flush();
    await this.writeLines();
  }

  /** The last `limit` messages of a conversation, oldest first. */
  async transcript(conversationId: string, limit = 500): Promise<StoredTranscriptMessage[]> {
    await this.flushHeld();
    const rows = await this.db
      .selectFrom('transcript')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .orderBy('id', 'desc')
      .limit(Math.max(1, Math.floor(limit)))
      .execute();
    return rows.reverse().map((r) => ({
      id: Number(r.id),
      conversationId: r.conversation_id,
      role: r.role as TranscriptRole,
      text: r.text,
      outcome: r.outcome ? (JSON.parse(r.outcome) as Outcome) : undefined,
      ...(r.choices ? { choices: JSON.parse(r.choices) as Choice[] } : {}),
      ...(r.attachments ? { attachments: JSON.parse(r.attachments) as Attachment[] } : {}),
      at: new Date(Number(r.at)),
    }));
  }

  async recordUnanswered(q: UnansweredQuestion): Promise<void> {
    const row = { conversation_id: q.conversationId, channel: q.channel, text: q.text, confidence: q.confidence ?? null, at: q.at.getTime() };
    if (this.deferred) this.deferred.append('unanswered', row);
    else await this.db.insertInto('unanswered').values(row).execute();
  }

  /**
   * Removes every conversation of the worker on that channel with its transcript and
   * unanswered questions, and the worker row, all or nothing. Deliberately leaves no audit
   * trace of what was deleted. Seen message ids stay: they identify no one.
   *
   * The delivery tables go too: the replies already sent or given up (their text, their
   * platform ids), and what the worker's processed messages still held (a failed one keeps its
   * text for operators, as did a done one before ERASED_ACTIVITY). Rows still to handle stay:
   * a message written after this one, or a reply on its way (the deletion's own confirmation).
   */
  async deleteUserData(channel: Channel, userId: string): Promise<void> {
    await this.flushHeld();
    await this.atomically(async (trx) => {
      const ids = new Set((await trx.selectFrom('conversation').select('id').where('channel', '=', channel).where('user_id', '=', userId).execute()).map((r) => r.id));
      // The one-to-one conversation too, in case rows were written before it was saved.
      ids.add(conversationKey(channel, userId));
      const list = [...ids];
      await trx.deleteFrom('transcript').where('conversation_id', 'in', list).execute();
      await trx.deleteFrom('unanswered').where('conversation_id', 'in', list).execute();
      // What the handoff kept: call-back tickets (with a phone), ratings and queue waits.
      await trx.deleteFrom('handoff_ticket').where((eb) => eb.or([eb('conversation_id', 'in', list), eb.and([eb('channel', '=', channel), eb('user_id', '=', userId)])])).execute();
      await trx.deleteFrom('satisfaction_rating').where((eb) => eb.or([eb('conversation_id', 'in', list), eb.and([eb('channel', '=', channel), eb('user_id', '=', userId)])])).execute();
      await trx.deleteFrom('handoff_wait').where('conversation_id', 'in', list).execute();
      // What counsellors wrote about or to the worker goes too; audit rows keep only the bare id.
      for (const table of ['console_note', 'console_message', 'console_closure', 'console_assignment'] as const) {
        await trx.deleteFrom(table).where('conversation_id', 'in', list).execute();
      }
      await trx.updateTable('kb_draft').set({ conversation_id: null }).where('conversation_id', 'in', list).execute();
      await trx.deleteFrom('outbox').where('conversation_id', 'in', list).where('status', 'in', ['sent', 'failed']).execute();
      await trx.updateTable('inbox').set({ activity: ERASED_ACTIVITY }).where('conversation_id', 'in', list).where('status', 'in', ['done', 'failed']).execute();
      await trx.deleteFrom('conversation').where('id', 'in', list).execute();
      await trx.deleteFrom('worker').where('channel', '=', channel).where('user_id', '=', userId).execute();
    });
  }

  async queue(): Promise<Conversation[]> {
    await this.flushHeld();
    const rows = await this.db
      .selectFrom('conversation')
      .selectAll()
      .where('mode', '=', 'queued')
      .orderBy('urgent', 'desc')
      // SQLite and PostgreSQL sort NULLs differently; a queued row without queued_at falls
      // back to its creation time so both agree.
      .orderBy((eb) => eb.fn.coalesce('queued_at', 'created_at'), 'asc')
      .orderBy('id', 'asc')
      .execute();
    return rows.map(toConversation);
  }

  async transaction<T>(fn: (tx: TransactionStore) => Promise<T>, options: UnitOptions = {}): Promise<T> {
    if (this.db.isTransaction) {
      if (!options.deduplicated || this.deduplicated) return fn(this);
      const tx = new SqlStore(this.db, this.dialect, this.deferred, true);
      const result = await fn(tx);
      await tx.writeLines();
      return result;
    }
    const deduplicated = options.deduplicated ?? false;
    if (this.dialect !== 'postgres') {
      return this.db.transaction().execute(async (trx) => {
        const tx = new SqlStore(trx, this.dialect, undefined, deduplicated);
        const result = await fn(tx);
        await tx.writeLines();
        return result;
      });
    }
    return this.db.transaction().execute(async (trx) => {
      const tx = new SqlStore(trx, this.dialect, new DeferredWrites(trx), deduplicated);
      const result = await fn(tx);
      await tx.deferred!.flush();
      return result;
    });
  }

  async writeLast(first: CompiledQuery[], last: CompiledQuery, options: { commit?: boolean } = {}): Promise<LastWrites> {
    if (this.deferred) return this.deferred.flushWith(first, last, options.commit);
    await this.writeLines();
    const results: QueryResult<unknown>[] = [];
    for (const q of first) results.push(await this.db.executeQuery(q));
    return { last: await this.db.executeQuery(last), first: results };
  }

  /** As transaction(), over a transaction the caller commits: nothing held back is left unsent. */
  async within<T>(trx: Kysely<DatabaseSchema>, fn: (tx: TransactionStore) => Promise<T>, options: UnitOptions = {}): Promise<T> {
    if (!trx.isTransaction) throw new Error('within() takes an open transaction');
    const tx = new SqlStore(trx, this.dialect, undefined, options.deduplicated ?? false);
    const result = await fn(tx);
    await tx.writeLines();
    return result;
  }

  /** Several statements as one: a transaction of their own, or part of the one this store is in. */
  private atomically<T>(fn: (trx: Kysely<DatabaseSchema>) => Promise<T>): Promise<T> {
    return this.db.isTransaction ? fn(this.db) : this.db.transaction().execute(fn);
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      const row = await this.db.selectNoFrom((eb) => eb.lit(1).as('one')).executeTakeFirst();
      return Number(row?.one) === 1;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.destroy();
  }
}

// The statements of every message, compiled once (see fixed-query.ts).
const markSeenQuery = fixedQuery(['channel', 'messageId', 'now'], (db, p) =>
  db.insertInto('seen_message').values({ channel: p.channel, message_id: p.messageId, seen_at: p.now }).onConflict((oc) => oc.columns(['channel', 'message_id']).doNothing()),
);
/**
 * The worker row of a conversation read through getConversation, as it was read: saveConversation
 * leaves the row alone when it would write the same. Kept on the object the engine saves back
 * (on PostgreSQL the conversation's row lock is held from the read to the save; a worker row
 * changed meanwhile through another of the worker's conversations only loses a name race).
 */
const storedWorker = new WeakMap<Conversation, { displayName: string | null; consented: boolean }>();

/** The conversation with its worker row (whose columns are null when there is none). */
const conversationWithWorker = (db: Kysely<DatabaseSchema>, id: never) =>
  db
    .selectFrom('conversation')
    .leftJoin('worker', (join) => join.onRef('worker.channel', '=', 'conversation.channel').onRef('worker.user_id', '=', 'conversation.user_id'))
    .selectAll('conversation')
    .select(['worker.user_id as worker_user_id', 'worker.display_name as worker_name', 'worker.consent_at as worker_consent_at'])
    .where('conversation.id', '=', id);
const conversationById = fixedQuery(['id'], (db, p) => conversationWithWorker(db, p.id));
const conversationForUpdate = fixedQuery(['id'], (db, p) => conversationWithWorker(db, p.id).forUpdate(['conversation']));
const upsertConversation = fixedQuery(['id', 'channel', 'userId', 'mode', 'urgent', 'state', 'queuedAt', 'createdAt', 'updatedAt'], (db, p) =>
  db
    .insertInto('conversation')
    .values({ id: p.id, channel: p.channel, user_id: p.userId, mode: p.mode, urgent: p.urgent, state: p.state, queued_at: p.queuedAt, created_at: p.createdAt, updated_at: p.updatedAt })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        mode: eb.ref('excluded.mode'),
        urgent: eb.ref('excluded.urgent'),
        state: eb.ref('excluded.state'),
        queued_at: eb.ref('excluded.queued_at'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    ),
);
const upsertWorker = fixedQuery(['channel', 'userId', 'displayName', 'consentAt', 'createdAt'], (db, p) =>
  db
    .insertInto('worker')
    .values({ channel: p.channel, user_id: p.userId, display_name: p.displayName, consent_at: p.consentAt, created_at: p.createdAt })
    .onConflict((oc) =>
      oc.columns(['channel', 'user_id']).doUpdateSet((eb) => ({
        consent_at: eb.fn.coalesce('worker.consent_at', eb.ref('excluded.consent_at')),
        // A worker who renames themselves shows under the new name; a message that came
        // without a name (a postback, a platform that sends none) keeps the old one.
        display_name: eb.fn.coalesce(eb.ref('excluded.display_name'), 'worker.display_name'),
      })),
    ),
);
const LINE = ['conversation_id', 'role', 'text', 'outcome', 'choices', 'attachments', 'at'] as const;
/** Most lines one insert takes. */
const MAX_LINES = 8;
const appendTranscriptQuery = fixedQuery(LINE, (db, p) => db.insertInto('transcript').values(p));
/** Transcript lines in one insert; the rows take their ids in order. */
const appendLines = fixedRows(LINE, (db, rows) => db.insertInto('transcript').values(rows));

export function conversationKey(channel: Channel, conversationId: string): string {
  return `${channel}:${conversationId}`;
}

function toConversation(row: ConversationTable): Conversation {
  return {
    id: row.id,
    channel: row.channel as Channel,
    userId: row.user_id,
    mode: row.mode as ConversationMode,
    urgent: Boolean(row.urgent),
    state: JSON.parse(row.state) as ConversationState,
    queuedAt: row.queued_at === null ? null : new Date(Number(row.queued_at)),
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}

export interface StoreOptions {
  /** A file path, or ':memory:' for a throw-away database (Config has it). */
  databasePath: string;
  /** PostgreSQL instead, when its kind is 'postgres' (Config has it). */
  database?: DatabaseTarget;
  DATABASE_POOL_MAX?: number;
  /** Told when an idle PostgreSQL connection breaks; the pool replaces it. */
  onConnectionError?: (err: Error) => void;
  /** Skip migrating (`npm run db -- status` looks without changing anything). */
  migrate?: boolean;
}

/** Opens the database (SQLite or PostgreSQL) and its Kysely handle, without migrating. */
export function openStoreDatabase(options: StoreOptions): { db: Kysely<DatabaseSchema>; dialect: SqlDialectName } {
  if (options.database?.kind === 'postgres') {
    return { db: openPostgres(options.database.url, { max: options.DATABASE_POOL_MAX, onError: options.onConnectionError }), dialect: 'postgres' };
  }
  return { db: openDatabase(options.databasePath), dialect: 'sqlite' };
}

/** Opens the database and brings its schema up to date. Pass the Config, or just a path. */
export async function createStore(options: StoreOptions): Promise<SqlStore> {
  const { db, dialect } = openStoreDatabase(options);
  try {
    if (options.migrate !== false) await migrateToLatest(db, dialect);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return new SqlStore(db, dialect);
}

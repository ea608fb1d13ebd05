/**
 * What the engine and the channels need from durable storage. One implementation over
 * Kysely serves SQLite (embedded default, also `:memory:` for the CLI and tests) and,
 * later, PostgreSQL.
 */
import type { CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Attachment, Channel, Choice, ConversationMode, HandoffState, Outcome } from '../flows/activity.js';
import type { DatabaseSchema } from './db.js';
import type { Concern } from '../flows/handoff/concern.js';

/** Per-conversation state the engine keeps between messages. Serialised as JSON. */
export interface ConversationState {
  /** Topic of the last answered entry, to read follow-ups against. */
  topic?: string;
  /** Id of the last answered FAQ entry. */
  lastFaqId?: string;
  /** An active calculator flow and the values gathered so far. */
  flow?: { name: string; values: Record<string, unknown>; asked?: string; turns: number };
  /** Consecutive misses (fallbacks/clarifications not resolved), for offering a counsellor. */
  misses: number;
  /** Whether a counsellor offer is pending a yes/no. */
  handoff: HandoffState;
  /** A pending confirmation, e.g. of data deletion. */
  confirm?: 'delete-data';
  /** The worker has seen the consent notice. */
  consentShown: boolean;
  /** Last clarification choices (faq ids), so "cái thứ 2" or a number can pick one. */
  lastChoices?: string[];
  /** A counsellor closed the chat and the 1–5 rating is still to come. */
  survey?: 'pending';
  /** Why the chat waits for a counsellor (shown in the console's queue); cleared when it is back with the bot. */
  concern?: Concern;
  /** Leaving a message outside office hours: what is asked next, and the message so far. */
  ticket?: { step: 'message' | 'consent' | 'phone'; message?: string; tries?: number };
}

export interface Conversation {
  /** Internal key: `${channel}:${platform conversation id}`, unique across channels. */
  id: string;
  channel: Channel;
  userId: string;
  mode: ConversationMode;
  urgent: boolean;
  state: ConversationState;
  createdAt: Date;
  updatedAt: Date;
  /** When the conversation entered the queue, if queued. */
  queuedAt?: Date | null;
  /**
   * The worker's name as the platform gave it with the latest message (Telegram's first and
   * last name, Zalo's profile name), for the counsellor's queue. Not part of the state: it is
   * kept on the worker row, and a message without one leaves the stored name as it was.
   */
  displayName?: string;
}

export type TranscriptRole = 'worker' | 'bot' | 'counsellor' | 'system';

export interface TranscriptMessage {
  conversationId: string;
  role: TranscriptRole;
  /** Text as stored: personal data in worker text is kept (the counsellor needs it) but never logged. */
  text: string;
  /** The engine's outcome for bot messages: what it understood. */
  outcome?: Outcome;
  /** The buttons the message was sent with (the satisfaction question's 1–5, for one). */
  choices?: Choice[];
  /**
   * What a worker's message carried (pictures, files…), structured: `text` describes them too,
   * for search and exports; these say how to fetch them. Lines from before they were kept have none.
   */
  attachments?: Attachment[];
  at: Date;
}

/** A transcript line as read back: with its row id, which names it (the console fetches its attachments by it). */
export interface StoredTranscriptMessage extends TranscriptMessage {
  id: number;
}

export interface UnansweredQuestion {
  conversationId: string;
  channel: Channel;
  /** Redacted text: no phone or id numbers reach analytics. */
  text: string;
  confidence?: number;
  at: Date;
}

/** What the store of one unit of work (transaction, within) may take as given. */
export interface UnitOptions {
  /**
   * The message was de-duplicated before it came here, and is processed once: the delivery
   * inbox stores a (channel, message id) only once (a unique key, checked before the webhook is
   * acknowledged) and finishes its row only from the attempt that holds it, in the same
   * transaction. markSeen then writes nothing and answers true: the inbox row is the mark.
   */
  deduplicated?: boolean;
}

export interface Store {
  /** Records an inbound message id; false when it was seen before (redelivery). */
  markSeen(channel: Channel, messageId: string): Promise<boolean>;
  getConversation(channel: Channel, conversationId: string): Promise<Conversation | undefined>;
  /** Creates or updates a conversation (mode, urgency, state). */
  saveConversation(conv: Conversation): Promise<void>;
  appendTranscript(msg: TranscriptMessage): Promise<void>;
  transcript(conversationId: string, limit?: number): Promise<StoredTranscriptMessage[]>;
  recordUnanswered(q: UnansweredQuestion): Promise<void>;
  /** Deletes everything stored about a worker on a channel (xóa dữ liệu). */
  deleteUserData(channel: Channel, userId: string): Promise<void>;
  /** Conversations waiting for a counsellor: urgent first, then oldest. */
  queue(): Promise<Conversation[]>;
  /**
   * Runs fn in one database transaction: everything written through the store it is given
   * commits together or not at all. Called on a store that is already in a transaction, fn
   * joins that transaction. Inside fn, use only the given store (on SQLite, the outer one
   * waits for the transaction's connection and would deadlock).
   */
  transaction<T>(fn: (tx: TransactionStore) => Promise<T>, options?: UnitOptions): Promise<T>;
  /**
   * Runs fn over this store joined to a transaction someone else opened and commits (the
   * delivery pipeline's group commit), so that what fn writes joins that transaction. The
   * writes the store holds back (transcript lines) are sent by writeLast, or when fn ends.
   */
  within?<T>(trx: Kysely<DatabaseSchema>, fn: (tx: TransactionStore) => Promise<T>, options?: UnitOptions): Promise<T>;
  /** True when the database answers; for /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * A store bound to one open transaction. `db` is that transaction's query builder, so other
 * modules (the delivery inbox and outbox) write their own tables in the same transaction.
 */
export interface TransactionStore extends Store {
  readonly db: Kysely<DatabaseSchema>;
  /**
   * Runs the writes `first`, then `last`, in this transaction, together with the writes the
   * store holds back, one after the other (in one round trip on PostgreSQL). Only for writes to
   * tables that no held-back write touches, and `first` must not touch `last`'s rows.
   *
   * With `options.commit`, this is the transaction's last statement: on PostgreSQL it commits
   * the transaction in the same round trip when `last` (an insert, update or delete) writes
   * exactly one row, and commits nothing when it writes none (then the caller must throw, to
   * roll back). Nothing may run in the transaction afterwards, and the unit's function must
   * return without throwing once it succeeded. Elsewhere the transaction commits as usual.
   */
  writeLast(first: CompiledQuery[], last: CompiledQuery, options?: { commit?: boolean }): Promise<LastWrites>;
}

export interface LastWrites {
  last: QueryResult<unknown>;
  /**
   * `first`'s results (their rows, when they have a RETURNING). On PostgreSQL, where one
   * statement runs them all, only when `last` wrote a row (it carries the others' rows back);
   * undefined otherwise.
   */
  first?: QueryResult<unknown>[];
}

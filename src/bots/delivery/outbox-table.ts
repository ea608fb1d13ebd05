/**
 * The outbox table: one row per Reply to send, sent in id order per conversation.
 * pending → sending → sent, or back to pending with a later next_attempt_at after a retryable
 * failure, or failed with the platform's code and a reason for counsellors. Like the inbox,
 * `attempts` fences a sender that lost its lease. Portable SQL (SQLite and PostgreSQL).
 */
import type { CompiledQuery, Kysely } from 'kysely';
import type { Channel, Reply } from '../../flows/activity.js';
import type { DatabaseSchema, OutboxTable } from '../../store/db.js';

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';

export interface NewOutboxRow {
  conversationId: string;
  channel: Channel;
  userId: string;
  platformConversationId: string;
  reply: Reply;
  fromHuman: boolean;
  inboxId?: number;
}

export interface OutboxRow extends NewOutboxRow {
  id: number;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: number;
  leaseUntil: number | null;
  lastCode: string | null;
  lastReason: string | null;
  platformMessageIds: string[];
  createdAt: number;
  updatedAt: number;
}

type Db = Kysely<DatabaseSchema>;

/** The outbox row to insert for a reply. */
function newRow(r: NewOutboxRow, now: number) {
  return {
    conversation_id: r.conversationId,
    channel: r.channel,
    user_id: r.userId,
    platform_conversation_id: r.platformConversationId,
    reply: JSON.stringify(r.reply),
    from_human: r.fromHuman ? 1 : 0,
    inbox_id: r.inboxId ?? null,
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    lease_until: null,
    last_code: null,
    last_reason: null,
    platform_message_ids: null,
    created_at: now,
    updated_at: now,
  };
}

/** Writes the rows (in the caller's transaction when db is one); their ids in order. */
export async function insertOutbox(db: Db, rows: NewOutboxRow[], now: number): Promise<number[]> {
  const ids: number[] = [];
  // One statement per row: ids come back in insertion order on every dialect.
  for (const r of rows) {
    const inserted = await db.insertInto('outbox').values(newRow(r, now)).returning('id').executeTakeFirstOrThrow();
    ids.push(Number(inserted.id));
  }
  return ids;
}

/**
 * The rows as one multi-row insert, for a caller that needs no ids back (TransactionStore.writeLast):
 * the rows take their ids in the order given, so they are sent in that order.
 */
export function insertOutboxQuery(db: Db, rows: NewOutboxRow[], now: number): CompiledQuery {
  return db.insertInto('outbox').values(rows.map((r) => newRow(r, now))).compile();
}

function toRow(r: OutboxTable & { id: number }): OutboxRow {
  return {
    id: Number(r.id),
    conversationId: r.conversation_id,
    channel: r.channel as Channel,
    userId: r.user_id,
    platformConversationId: r.platform_conversation_id,
    reply: JSON.parse(r.reply) as Reply,
    fromHuman: Number(r.from_human) === 1,
    ...(r.inbox_id === null ? {} : { inboxId: Number(r.inbox_id) }),
    status: r.status as OutboxStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    leaseUntil: r.lease_until === null ? null : Number(r.lease_until),
    lastCode: r.last_code,
    lastReason: r.last_reason,
    platformMessageIds: r.platform_message_ids ? (JSON.parse(r.platform_message_ids) as string[]) : [],
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** The conversation's oldest unsent rows, in order: nothing after them goes out first. */
export async function nextOutbox(db: Db, conversationId: string, limit: number): Promise<OutboxRow[]> {
  const rows = await db
    .selectFrom('outbox')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('status', 'in', ['pending', 'sending'])
    .orderBy('id', 'asc')
    .limit(limit)
    .execute();
  return rows.map((r) => toRow(r as OutboxTable & { id: number }));
}

/**
 * Set on a row taken over while 'sending': the attempt before was cut short (its process died,
 * or lost its lease) after it may have reached the platform, which has no idempotency key. The
 * row is sent again (a repeated message is better than a lost one) and keeps this mark once sent,
 * so its delivery status can say the worker may have got it twice. (A retryable failure of the
 * new attempt replaces the mark with its own code.)
 */
export const INTERRUPTED = {
  code: 'interrupted',
  reason: 'Lần gửi trước bị gián đoạn giữa chừng nên tin được gửi lại; người lao động có thể nhận tin này hai lần.',
} as const;

export async function claimOutbox(db: Db, row: OutboxRow, now: number, leaseMs: number): Promise<boolean> {
  const interrupted = row.status === 'sending' ? { last_code: INTERRUPTED.code, last_reason: INTERRUPTED.reason } : {};
  const r = await db
    .updateTable('outbox')
    .set({ status: 'sending', attempts: row.attempts + 1, lease_until: now + leaseMs, updated_at: now, ...interrupted })
    .where('id', '=', row.id)
    .where('attempts', '=', row.attempts)
    .where('status', 'in', ['pending', 'sending'])
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export type OutboxOutcome =
  | { status: 'sent'; platformMessageIds: string[] }
  | { status: 'pending'; retryAt: number; code: string; reason: string }
  | { status: 'failed'; code: string; reason: string };

/** Records what the attempt came to; false when a newer attempt owns the row. */
export async function settleOutbox(db: Db, id: number, attempt: number, outcome: OutboxOutcome, now: number): Promise<boolean> {
  const set =
    outcome.status === 'sent'
      ? { status: 'sent', lease_until: null, platform_message_ids: JSON.stringify(outcome.platformMessageIds), updated_at: now }
      : outcome.status === 'pending'
        ? { status: 'pending', lease_until: null, next_attempt_at: outcome.retryAt, last_code: outcome.code, last_reason: outcome.reason, updated_at: now }
        : { status: 'failed', lease_until: null, last_code: outcome.code, last_reason: outcome.reason, updated_at: now };
  const r = await db.updateTable('outbox').set(set).where('id', '=', id).where('attempts', '=', attempt).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function outboxRows(db: Db, ids: number[]): Promise<OutboxRow[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('outbox').selectAll().where('id', 'in', ids).orderBy('id', 'asc').execute();
  return rows.map((r) => toRow(r as OutboxTable & { id: number }));
}

export async function outboxOfConversation(db: Db, conversationId: string, limit: number): Promise<OutboxRow[]> {
  const rows = await db.selectFrom('outbox').selectAll().where('conversation_id', '=', conversationId).orderBy('id', 'desc').limit(limit).execute();
  return rows.reverse().map((r) => toRow(r as OutboxTable & { id: number }));
}

/** The conversation's rows taken over mid-send (see INTERRUPTED), oldest first: for the console's chat view. */
export async function interruptedOfConversation(db: Db, conversationId: string, limit: number): Promise<OutboxRow[]> {
  const rows = await db
    .selectFrom('outbox')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('last_code', '=', INTERRUPTED.code)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.reverse().map((r) => toRow(r as OutboxTable & { id: number }));
}

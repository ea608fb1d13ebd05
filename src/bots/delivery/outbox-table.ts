/**
 * The outbox table: one row per Reply to send, sent in id order per conversation.
 * pending → sending → sent, or back to pending with a later next_attempt_at after a retryable
 * failure, or failed with the platform's code and a reason for counsellors. Like the inbox,
 * `attempts` fences a sender that lost its lease. Portable SQL (SQLite and PostgreSQL).
 */
import type { CompiledQuery, Kysely } from 'kysely';
import type { Channel, Reply } from '../../flows/activity.js';
import type { DatabaseSchema, OutboxTable } from '../../store/db.js';
import { UNFINISHED_OUTBOX as UNFINISHED } from './due.js';
import { fixedQuery, fixedRows } from '../../store/fixed-query.js';

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

/** A reply's values as stored. */
function encode(r: NewOutboxRow, now: number) {
  return {
    conversationId: r.conversationId,
    channel: r.channel,
    userId: r.userId,
    platformConversationId: r.platformConversationId,
    reply: JSON.stringify(r.reply),
    fromHuman: r.fromHuman ? 1 : 0,
    inboxId: r.inboxId ?? null,
    now,
  };
}

/** The outbox row to insert, from a reply's stored values (or placeholders for them). */
function newRow(v: ReturnType<typeof encode>) {
  return {
    conversation_id: v.conversationId,
    channel: v.channel,
    user_id: v.userId,
    platform_conversation_id: v.platformConversationId,
    reply: v.reply,
    from_human: v.fromHuman,
    inbox_id: v.inboxId,
    status: 'pending',
    attempts: 0,
    next_attempt_at: v.now,
    lease_until: null,
    last_code: null,
    last_reason: null,
    platform_message_ids: null,
    created_at: v.now,
    updated_at: v.now,
  };
}

const COLUMNS = ['conversationId', 'channel', 'userId', 'platformConversationId', 'reply', 'fromHuman', 'inboxId', 'now'] as const;
const insertRow = fixedQuery(COLUMNS, (db, p) => db.insertInto('outbox').values(newRow(p)).returning('id'));
const insertRows = fixedRows(COLUMNS, (db, rows) => db.insertInto('outbox').values(rows.map(newRow)).returning('id'));

/** Writes the rows (in the caller's transaction when db is one); their ids in order. */
export async function insertOutbox(db: Db, rows: NewOutboxRow[], now: number): Promise<number[]> {
  const ids: number[] = [];
  // One statement per row: ids come back in insertion order on every dialect.
  for (const r of rows) {
    const { rows: inserted } = await insertRow(db, encode(r, now));
    if (!inserted[0]) throw new Error('outbox insert returned no id');
    ids.push(Number(inserted[0].id));
  }
  return ids;
}

/**
 * The rows as one multi-row insert, for TransactionStore.writeLast, returning their ids: the rows
 * take their ids in the order given, so they are sent in that order (RETURNING lists them in no
 * defined order: sort them).
 */
export function insertOutboxQuery(db: Db, rows: NewOutboxRow[], now: number): CompiledQuery {
  return insertRows.compile(db, rows.map((r) => encode(r, now)));
}

/** The rows just inserted, as nextOutbox would read them back: handed to the dispatcher in process. */
export function insertedRows(rows: NewOutboxRow[], ids: number[], now: number): OutboxRow[] {
  // Properties named, not spread: spreading rows with and without inboxId took ~15 µs a
  // message in the profile (V8's generic clone path), more than the insert's own SQL.
  return rows.map((r, i) => {
    const row: OutboxRow = {
      conversationId: r.conversationId,
      channel: r.channel,
      userId: r.userId,
      platformConversationId: r.platformConversationId,
      reply: r.reply,
      fromHuman: r.fromHuman,
      id: ids[i]!,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      leaseUntil: null,
      lastCode: null,
      lastReason: null,
      platformMessageIds: [],
      createdAt: now,
      updatedAt: now,
    };
    if (r.inboxId !== undefined) row.inboxId = r.inboxId;
    return row;
  });
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

const unsent = fixedQuery(['conversationId', 'limit'], (db, p) =>
  db.selectFrom('outbox').selectAll().where('conversation_id', '=', p.conversationId).where('status', 'in', UNFINISHED).orderBy('id', 'asc').limit(p.limit),
);

/** The conversation's oldest unsent rows, in order: nothing after them goes out first. */
export async function nextOutbox(db: Db, conversationId: string, limit: number): Promise<OutboxRow[]> {
  const { rows } = await unsent(db, { conversationId, limit });
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

const claimFresh = fixedQuery(['id', 'attempts', 'next', 'leaseUntil', 'now'], (db, p) =>
  db
    .updateTable('outbox')
    .set({ status: 'sending', attempts: p.next, lease_until: p.leaseUntil, updated_at: p.now })
    .where('id', '=', p.id)
    .where('attempts', '=', p.attempts)
    .where('status', 'in', UNFINISHED),
);
const claimInterrupted = fixedQuery(['id', 'attempts', 'next', 'leaseUntil', 'now'], (db, p) =>
  db
    .updateTable('outbox')
    .set({ status: 'sending', attempts: p.next, lease_until: p.leaseUntil, updated_at: p.now, last_code: INTERRUPTED.code, last_reason: INTERRUPTED.reason })
    .where('id', '=', p.id)
    .where('attempts', '=', p.attempts)
    .where('status', 'in', UNFINISHED),
);

const claimIfFirst = fixedQuery(['id', 'conversationId', 'leaseUntil', 'now'], (db, p) =>
  db
    .updateTable('outbox')
    .set({ status: 'sending', attempts: 1, lease_until: p.leaseUntil, updated_at: p.now })
    .where('id', '=', p.id)
    .where('attempts', '=', 0)
    .where('status', '=', 'pending')
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('outbox as earlier').select('earlier.id').where('earlier.conversation_id', '=', p.conversationId).where('earlier.status', 'in', UNFINISHED).where('earlier.id', '<', p.id))),
    ),
);

/**
 * Claims a row never tried, without having read it back, but only when no unsent row of its
 * conversation comes before it (a retry waiting, another writer's row): false otherwise, and
 * the caller reads the conversation's rows in order instead.
 */
export async function claimOutboxIfFirst(db: Db, row: OutboxRow, now: number, leaseMs: number): Promise<boolean> {
  const r = await claimIfFirst(db, { id: row.id, conversationId: row.conversationId, leaseUntil: now + leaseMs, now });
  return Number(r.numAffectedRows) === 1;
}

export async function claimOutbox(db: Db, row: OutboxRow, now: number, leaseMs: number): Promise<boolean> {
  const claim = row.status === 'sending' ? claimInterrupted : claimFresh;
  const r = await claim(db, { id: row.id, attempts: row.attempts, next: row.attempts + 1, leaseUntil: now + leaseMs, now });
  return Number(r.numAffectedRows) === 1;
}

export type OutboxOutcome =
  | { status: 'sent'; platformMessageIds: string[] }
  | { status: 'pending'; retryAt: number; code: string; reason: string }
  | { status: 'failed'; code: string; reason: string };

const settleSent = fixedQuery(['id', 'attempt', 'ids', 'now'], (db, p) =>
  db.updateTable('outbox').set({ status: 'sent', lease_until: null, platform_message_ids: p.ids, updated_at: p.now }).where('id', '=', p.id).where('attempts', '=', p.attempt),
);
const settleRetry = fixedQuery(['id', 'attempt', 'retryAt', 'code', 'reason', 'now'], (db, p) =>
  db
    .updateTable('outbox')
    .set({ status: 'pending', lease_until: null, next_attempt_at: p.retryAt, last_code: p.code, last_reason: p.reason, updated_at: p.now })
    .where('id', '=', p.id)
    .where('attempts', '=', p.attempt),
);
const settleFailed = fixedQuery(['id', 'attempt', 'code', 'reason', 'now'], (db, p) =>
  db.updateTable('outbox').set({ status: 'failed', lease_until: null, last_code: p.code, last_reason: p.reason, updated_at: p.now }).where('id', '=', p.id).where('attempts', '=', p.attempt),
);

/** Records what the attempt came to; false when a newer attempt owns the row. */
export async function settleOutbox(db: Db, id: number, attempt: number, outcome: OutboxOutcome, now: number): Promise<boolean> {
  const r =
    outcome.status === 'sent'
      ? await settleSent(db, { id, attempt, ids: JSON.stringify(outcome.platformMessageIds), now })
      : outcome.status === 'pending'
        ? await settleRetry(db, { id, attempt, retryAt: outcome.retryAt, code: outcome.code, reason: outcome.reason, now })
        : await settleFailed(db, { id, attempt, code: outcome.code, reason: outcome.reason, now });
  return Number(r.numAffectedRows) === 1;
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

/**
 * The inbox table: inbound Activities stored before the webhook is acknowledged, unique on
 * (channel, platform message id). Portable SQL through Kysely (SQLite and PostgreSQL): epoch-ms
 * times read back with Number(), JSON as text.
 *
 * A row goes pending → processing → done; processing that throws puts it back to pending with a
 * later next_attempt_at, and after too many attempts it ends failed with the error kept.
 * `attempts` doubles as a fencing token: a row is finished only by the attempt that claimed it
 * last, so a processor that lost its lease cannot commit over a newer one.
 */
import { sql, type CompiledQuery, type Kysely } from 'kysely';
import type { Activity } from '../../flows/activity.js';
import { ERASED_ACTIVITY, type DatabaseSchema } from '../../store/db.js';
import { UNFINISHED_INBOX as UNFINISHED } from './due.js';
import { fixedQuery } from '../../store/fixed-query.js';

export type InboxStatus = 'pending' | 'processing' | 'done' | 'failed';

export interface InboxRow {
  id: number;
  channel: string;
  messageId: string;
  conversationId: string;
  activity: Activity;
  status: InboxStatus;
  attempts: number;
  nextAttemptAt: number;
  leaseUntil: number | null;
  lastError: string | null;
  receivedAt: number;
}

type Db = Kysely<DatabaseSchema>;

/** The inbox's key for a conversation; the same string as Conversation.id. */
export const conversationIdOf = (a: Pick<Activity, 'channel' | 'conversationId'>): string => `${a.channel}:${a.conversationId}`;

export function encodeActivity(a: Activity): string {
  return JSON.stringify(a);
}

export function decodeActivity(json: string): Activity {
  const a = JSON.parse(json) as Activity & { timestamp: string };
  return { ...a, timestamp: new Date(a.timestamp) };
}

const insertRow = fixedQuery(['channel', 'messageId', 'conversationId', 'activity', 'now'], (db, p) =>
  db
    .insertInto('inbox')
    .values({
      channel: p.channel,
      message_id: p.messageId,
      conversation_id: p.conversationId,
      activity: p.activity,
      status: 'pending',
      attempts: 0,
      next_attempt_at: p.now,
      lease_until: null,
      last_error: null,
      received_at: p.now,
      finished_at: null,
    })
    // Atomic: of three deliveries racing, exactly one inserts.
    .onConflict((oc) => oc.columns(['channel', 'message_id']).doNothing())
    .returning('id'),
);

/** Stores the activity; its row id, or undefined when (channel, messageId) was already there. */
export async function insertInbox(db: Db, activity: Activity, now: number): Promise<number | undefined> {
  const { rows } = await insertRow(db, { channel: activity.channel, messageId: activity.messageId, conversationId: conversationIdOf(activity), activity: encodeActivity(activity), now });
  return rows[0] ? Number(rows[0].id) : undefined;
}

const insertClaimedRow = fixedQuery(['channel', 'messageId', 'conversationId', 'activity', 'now', 'leaseUntil'], (db, p) =>
  db
    .insertInto('inbox')
    .values((eb) => {
      // Whether an unfinished row of the conversation comes before this one (every row there is
      // has a smaller id): then this one waits its turn, stored pending as by insertInbox.
      const waits = eb.exists(eb.selectFrom('inbox as earlier').select('earlier.id').where('earlier.conversation_id', '=', p.conversationId).where('earlier.status', 'in', UNFINISHED));
      return {
        channel: p.channel,
        message_id: p.messageId,
        conversation_id: p.conversationId,
        activity: p.activity,
        status: eb.case().when(waits).then('pending').else('processing').end(),
        attempts: eb.case().when(waits).then(eb.lit(0)).else(eb.lit(1)).end(),
        next_attempt_at: p.now,
        lease_until: eb.case().when(waits).then(eb.lit(null)).else(eb.cast<number>(eb.val(p.leaseUntil), 'bigint')).end(),
        last_error: null,
        received_at: p.now,
        finished_at: null,
      };
    })
    .onConflict((oc) => oc.columns(['channel', 'message_id']).doNothing())
    .returning(['id', 'attempts']),
);

/**
 * Stores the activity as insertInbox does, and in the same statement claims it for its first
 * attempt (status processing, attempts 1, leased until leaseUntil) when no unfinished row of its
 * conversation comes before it: the row this process handles at once needs no claim of its own.
 * undefined for a redelivery; claimed false when the row waits its turn, stored pending.
 */
export async function insertInboxClaimed(db: Db, activity: Activity, now: number, leaseMs: number): Promise<{ id: number; claimed: boolean } | undefined> {
  const { rows } = await insertClaimedRow(db, { channel: activity.channel, messageId: activity.messageId, conversationId: conversationIdOf(activity), activity: encodeActivity(activity), now, leaseUntil: now + leaseMs });
  return rows[0] ? { id: Number(rows[0].id), claimed: Number(rows[0].attempts) === 1 } : undefined;
}

const unfinished = fixedQuery(['conversationId', 'limit'], (db, p) =>
  db.selectFrom('inbox').selectAll().where('conversation_id', '=', p.conversationId).where('status', 'in', UNFINISHED).orderBy('id', 'asc').limit(p.limit),
);

/** The conversation's oldest unfinished rows, in order: what must be handled before anything after them. */
export async function nextInbox(db: Db, conversationId: string, limit: number): Promise<InboxRow[]> {
  const { rows } = await unfinished(db, { conversationId, limit });
  return rows.map((r) => ({
    id: Number(r.id),
    channel: r.channel,
    messageId: r.message_id,
    conversationId: r.conversation_id,
    activity: decodeActivity(r.activity),
    status: r.status as InboxStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    leaseUntil: r.lease_until === null ? null : Number(r.lease_until),
    lastError: r.last_error,
    receivedAt: Number(r.received_at),
  }));
}

const claim = fixedQuery(['id', 'attempts', 'next', 'leaseUntil'], (db, p) =>
  db
    .updateTable('inbox')
    .set({ status: 'processing', attempts: p.next, lease_until: p.leaseUntil })
    .where('id', '=', p.id)
    .where('attempts', '=', p.attempts)
    .where('status', 'in', UNFINISHED),
);

/** Marks the row as being processed by a new attempt; false when someone else got there first. */
export async function claimInbox(db: Db, row: InboxRow, now: number, leaseMs: number): Promise<boolean> {
  const r = await claim(db, { id: row.id, attempts: row.attempts, next: row.attempts + 1, leaseUntil: now + leaseMs });
  return Number(r.numAffectedRows) === 1;
}

const finish = fixedQuery(['id', 'attempt', 'now'], (db, p) =>
  db
    .updateTable('inbox')
    .set({ status: 'done', activity: ERASED_ACTIVITY, lease_until: null, last_error: null, finished_at: p.now })
    .where('id', '=', p.id)
    .where('attempts', '=', p.attempt)
    .where('status', '=', 'processing'),
);

/**
 * Finishes the row, inside the processing transaction (through TransactionStore.writeLast): it
 * updates one row, or none when a newer attempt claimed it.
 */
export function finishInboxQuery(db: Db, id: number, attempt: number, now: number): CompiledQuery {
  return finish.compile(db, { id, attempt, now });
}

const claimIfFirst = fixedQuery(['id', 'conversationId', 'leaseUntil'], (db, p) =>
  db
    .updateTable('inbox')
    .set({ status: 'processing', attempts: 1, lease_until: p.leaseUntil })
    .where('id', '=', p.id)
    .where('attempts', '=', 0)
    .where('status', '=', 'pending')
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('inbox as earlier').select('earlier.id').where('earlier.conversation_id', '=', p.conversationId).where('earlier.status', 'in', UNFINISHED).where('earlier.id', '<', p.id))),
    ),
);

/**
 * Claims a row just stored, without having read it back, but only when no unfinished row of
 * its conversation comes before it: false otherwise, and the caller reads in order instead.
 */
export async function claimInboxIfFirst(db: Db, row: InboxRow, now: number, leaseMs: number): Promise<boolean> {
  const r = await claimIfFirst(db, { id: row.id, conversationId: row.conversationId, leaseUntil: now + leaseMs });
  return Number(r.numAffectedRows) === 1;
}

/** The row just stored, as nextInbox would read it back: handed to the processor in process. */
export function storedRow(id: number, activity: Activity, now: number, claimedUntil?: number): InboxRow {
  // Field by field, one object shape (a spread of the claim's fields took V8's slow copy).
  const claimed = claimedUntil !== undefined;
  return {
    id,
    channel: activity.channel,
    messageId: activity.messageId,
    conversationId: conversationIdOf(activity),
    activity,
    status: claimed ? 'processing' : 'pending',
    attempts: claimed ? 1 : 0,
    leaseUntil: claimed ? claimedUntil : null,
    nextAttemptAt: now,
    lastError: null,
    receivedAt: now,
  };
}

/** After a failed attempt: back to pending until retryAt, or failed for good when retryAt is undefined. */
export async function failInbox(db: Db, id: number, attempt: number, error: string, now: number, retryAt: number | undefined): Promise<void> {
  await db
    .updateTable('inbox')
    .set(
      retryAt === undefined
        ? { status: 'failed', lease_until: null, last_error: error, finished_at: now }
        : { status: 'pending', lease_until: null, last_error: error, next_attempt_at: retryAt },
    )
    .where('id', '=', id)
    .where('attempts', '=', attempt)
    .execute();
}

/** When the worker last wrote in this conversation, by our clock (for platform messaging windows). */
export async function lastInboundAt(db: Db, conversationId: string): Promise<Date | undefined> {
  const r = await db
    .selectFrom('inbox')
    .select((eb) => eb.fn.max('received_at').as('last'))
    .where('conversation_id', '=', conversationId)
    .executeTakeFirst();
  return r?.last === null || r?.last === undefined ? undefined : new Date(Number(r.last));
}

export interface FailedInbound {
  id: number;
  channel: string;
  conversationId: string;
  attempts: number;
  error: string | null;
  receivedAt: Date;
}

/** Messages that could not be processed, newest first: for operators and the console. */
export async function failedInbox(db: Db, limit = 100): Promise<FailedInbound[]> {
  const rows = await db
    .selectFrom('inbox')
    .select(['id', 'channel', 'conversation_id', 'attempts', 'last_error', 'received_at'])
    .where('status', '=', sql.lit('failed'))
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    channel: r.channel,
    conversationId: r.conversation_id,
    attempts: Number(r.attempts),
    error: r.last_error,
    receivedAt: new Date(Number(r.received_at)),
  }));
}

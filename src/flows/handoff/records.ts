/**
 * What the handoff keeps beside the Store: call-back tickets left outside office hours,
 * satisfaction ratings, and how long queued workers waited for a counsellor. Over the same
 * Kysely database as the Store; queries stay portable (epoch ms read back with Number()).
 * Deleting a worker's data (SqlStore.deleteUserData) removes their rows here too.
 */
import type { Kysely } from 'kysely';
import type { Channel } from '../activity.js';
import type { DatabaseSchema, HandoffTicketTable } from '../../store/db.js';

export type TicketStatus = 'open' | 'done';

export interface Ticket {
  id: number;
  conversationId: string;
  channel: Channel;
  userId: string;
  /** The worker's message, as written. */
  message: string;
  /** Present only when the worker agreed to be called back. */
  phone: string | null;
  createdAt: Date;
  status: TicketStatus;
  doneAt: Date | null;
  doneBy: string | null;
  /** The counsellor who took the call-back, while it is open. */
  takenBy: string | null;
  takenAt: Date | null;
}

export interface NewTicket {
  conversationId: string;
  channel: Channel;
  userId: string;
  message: string;
  phone: string | null;
  at: Date;
}

export interface Rating {
  conversationId: string;
  rating: number;
  at: Date;
}

export interface Wait {
  conversationId: string;
  queuedAt: Date;
  claimedAt: Date;
  urgent: boolean;
}

export class HandoffRecords {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async createTicket(t: NewTicket): Promise<Ticket> {
    const row = await this.db
      .insertInto('handoff_ticket')
      .values({ conversation_id: t.conversationId, channel: t.channel, user_id: t.userId, message: t.message, phone: t.phone, created_at: t.at.getTime(), status: 'open', done_at: null, done_by: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toTicket(row);
  }

  /** Open tickets, oldest first: the console's list of call-backs to make. */
  async openTickets(limit = 200): Promise<Ticket[]> {
    const rows = await this.db.selectFrom('handoff_ticket').selectAll().where('status', '=', 'open').orderBy('created_at', 'asc').orderBy('id', 'asc').limit(limit).execute();
    return rows.map(toTicket);
  }

  async ticket(id: number): Promise<Ticket | undefined> {
    const row = await this.db.selectFrom('handoff_ticket').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toTicket(row) : undefined;
  }

  /**
   * Takes an open ticket for `by` to call back; false when it is done or someone else has it
   * (two counsellors clicking at once: exactly one gets true). Taking it again is a no-op.
   */
  async takeTicket(id: number, by: string, at: Date = new Date()): Promise<boolean> {
    const result = await this.db
      .updateTable('handoff_ticket')
      .set({ taken_by: by, taken_at: at.getTime() })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .where((eb) => eb.or([eb('taken_by', 'is', null), eb('taken_by', '=', by)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Gives an open ticket back to everyone: by its taker, or by anyone when `anyTaker` (an admin). */
  async releaseTicket(id: number, by: string, anyTaker = false): Promise<boolean> {
    let q = this.db.updateTable('handoff_ticket').set({ taken_by: null, taken_at: null }).where('id', '=', id).where('status', '=', 'open').where('taken_by', 'is not', null);
    if (!anyTaker) q = q.where('taken_by', '=', by);
    return Number((await q.executeTakeFirst()).numUpdatedRows) > 0;
  }

  /**
   * Marks an open ticket done; false when there is no such ticket, it was already done (two
   * counsellors clicking at once: exactly one gets true), or another counsellor has taken it
   * (unless `anyTaker`: an admin).
   */
  async markTicketDone(id: number, by: string, at: Date = new Date(), anyTaker = false): Promise<boolean> {
    let q = this.db.updateTable('handoff_ticket').set({ status: 'done', done_at: at.getTime(), done_by: by }).where('id', '=', id).where('status', '=', 'open');
    if (!anyTaker) q = q.where((eb) => eb.or([eb('taken_by', 'is', null), eb('taken_by', '=', by)]));
    return Number((await q.executeTakeFirst()).numUpdatedRows) > 0;
  }

  async recordRating(r: Rating & { channel: Channel; userId: string }): Promise<void> {
    await this.db.insertInto('satisfaction_rating').values({ conversation_id: r.conversationId, channel: r.channel, user_id: r.userId, rating: r.rating, at: r.at.getTime() }).execute();
  }

  async ratings(conversationId: string): Promise<Rating[]> {
    const rows = await this.db.selectFrom('satisfaction_rating').selectAll().where('conversation_id', '=', conversationId).orderBy('id', 'asc').execute();
    return rows.map((r) => ({ conversationId: r.conversation_id, rating: Number(r.rating), at: new Date(Number(r.at)) }));
  }

  /**
   * Records that a queued conversation was claimed (the console calls this on claim).
   * Idempotent: a second report of the same stay in the queue is ignored.
   */
  async recordWait(w: Wait): Promise<void> {
    await this.db
      .insertInto('handoff_wait')
      .values({ conversation_id: w.conversationId, queued_at: w.queuedAt.getTime(), claimed_at: w.claimedAt.getTime(), urgent: w.urgent ? 1 : 0 })
      .onConflict((oc) => oc.columns(['conversation_id', 'queued_at']).doNothing())
      .execute();
  }

  /** Minutes waited by non-urgent conversations claimed since `since`, newest first. */
  async recentWaitMinutes(since: Date, limit = 50): Promise<number[]> {
    const rows = await this.db
      .selectFrom('handoff_wait')
      .select(['queued_at', 'claimed_at'])
      .where('claimed_at', '>=', since.getTime())
      .where('urgent', '=', 0)
      .orderBy('claimed_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => Math.max(0, (Number(r.claimed_at) - Number(r.queued_at)) / 60_000));
  }
}

function toTicket(row: { [K in keyof HandoffTicketTable]: K extends 'id' ? number : HandoffTicketTable[K] }): Ticket {
  return {
    id: Number(row.id),
    conversationId: row.conversation_id,
    channel: row.channel as Channel,
    userId: row.user_id,
    message: row.message,
    phone: row.phone,
    createdAt: new Date(Number(row.created_at)),
    status: row.status === 'done' ? 'done' : 'open',
    doneAt: row.done_at === null ? null : new Date(Number(row.done_at)),
    doneBy: row.done_by,
    takenBy: row.taken_by,
    takenAt: row.taken_at === null ? null : new Date(Number(row.taken_at)),
  };
}

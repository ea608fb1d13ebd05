/**
 * The counsellor's desk: the queue, claiming, the chat record, replies, notes, transfer and
 * close. Over Kysely so the same queries run on SQLite and PostgreSQL.
 *
 * Who has a chat is the console_assignment row (one per conversation, primary key); the
 * conversation's mode says what the engine should do (stay quiet while 'queued'/'human').
 * Claiming is one conditional UPDATE: of two counsellors clicking at once, the database lets
 * exactly one change the row, and the other sees zero rows affected.
 */
import type { Kysely } from 'kysely';
import type { Attachment, Channel, ConversationMode, Outcome, Reply } from '../flows/activity.js';
import { attachmentViews, openable, type AttachmentView } from './attachments.js';
import type { KnowledgeBase } from '../knowledge/kb/knowledge-base.js';
import type { DatabaseSchema } from '../store/db.js';
import { interruptedOfConversation } from '../bots/delivery/outbox-table.js';
import type { ConversationState, Store, TranscriptRole } from '../store/types.js';
import type { CounsellorDelivery, DeliveryStatus } from './delivery.js';
import { concernTitle } from '../flows/handoff/concern.js';

/** Modes in which a person, not the bot, is expected to answer. */
const WITH_PERSON: ConversationMode[] = ['queued', 'human'];

export interface QueueItem {
  conversationId: string;
  channel: Channel;
  displayName: string | null;
  urgent: boolean;
  topic: string | null;
  topicTitle: string | null;
  /** Why the chat waits (urgent reason, sensitive matter, asked for a person), as counsellors read it. */
  concern: string | null;
  queuedAt: string;
  waitingMs: number;
  /** The worker's last words, so a counsellor can judge before claiming. */
  preview: string | null;
}

export interface MineItem extends QueueItem {
  claimedAt: string;
  /** Worker messages after the counsellor's last reply. */
  lastRole: TranscriptRole | null;
}

export interface ChatLine {
  /** The transcript row: names the line when its attachments are fetched. */
  id: number;
  role: TranscriptRole;
  text: string;
  at: string;
  outcome?: Outcome;
  /** The worker's pictures and files that can be opened (the text describes every attachment). */
  attachments?: AttachmentView[];
}

export interface CounsellorMessage {
  id: number;
  counsellorId: string;
  counsellorName: string | null;
  text: string;
  status: DeliveryStatus;
  reason: string | null;
  at: string;
}

/**
 * A reply (the bot's or a counsellor's) whose sending was cut short after it may have reached
 * the platform, and was sent again: the worker may have it twice (no platform lets us know).
 */
export interface InterruptedReply {
  text: string;
  fromHuman: boolean;
  /** When it was queued: the transcript line it belongs to was written then. */
  at: string;
  /** Vietnamese, for the counsellor. */
  reason: string;
}

export interface Note {
  id: number;
  counsellorName: string | null;
  text: string;
  at: string;
}

export interface ChatRecord {
  conversationId: string;
  channel: Channel;
  displayName: string | null;
  mode: ConversationMode;
  urgent: boolean;
  topic: string | null;
  topicTitle: string | null;
  concern: string | null;
  queuedAt: string | null;
  assignee: { id: string; name: string } | null;
  transcript: ChatLine[];
  messages: CounsellorMessage[];
  /** Replies of this chat that may have reached the worker twice, oldest first. */
  interrupted: InterruptedReply[];
  notes: Note[];
  closures: Array<{ outcome: string; tags: string[]; at: string; counsellorName: string | null }>;
}

export type ClaimResult = { ok: true; queuedAt: Date; urgent: boolean } | { ok: false; reason: 'taken'; holder: string | null } | { ok: false; reason: 'not-waiting' };

export class DeskError extends Error {
  override name = 'DeskError';
  constructor(
    readonly status: 403 | 404 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const CLOSE_OUTCOMES = ['resolved', 'referred', 'no-response', 'not-in-scope', 'other'] as const;
export type CloseOutcome = (typeof CLOSE_OUTCOMES)[number];

export interface DeskOptions {
  db: Kysely<DatabaseSchema>;
  store: Store;
  kb?: KnowledgeBase;
  delivery: CounsellorDelivery;
  now?: () => number;
}

const TRANSCRIPT_LIMIT = 1000;
const PREVIEW_CHARS = 160;

export class Desk {
  private readonly db: Kysely<DatabaseSchema>;
  private readonly now: () => number;

  constructor(private readonly opts: DeskOptions) {
    this.db = opts.db;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Waiting chats, urgent first then oldest (Store.queue's order). A chat with a person's mode
   * but nobody assigned (a counsellor's account was disabled mid-chat) is listed too, so it
   * is never stranded.
   */
  async queue(): Promise<QueueItem[]> {
    const rows = await this.db
      .selectFrom('conversation')
      .leftJoin('console_assignment', 'console_assignment.conversation_id', 'conversation.id')
      .leftJoin('worker', (j) => j.onRef('worker.channel', '=', 'conversation.channel').onRef('worker.user_id', '=', 'conversation.user_id'))
      .select(['conversation.id', 'conversation.channel', 'conversation.urgent', 'conversation.state', 'conversation.queued_at', 'conversation.created_at', 'worker.display_name'])
      .where('conversation.mode', 'in', WITH_PERSON)
      .where('console_assignment.conversation_id', 'is', null)
      .orderBy('conversation.urgent', 'desc')
      .orderBy((eb) => eb.fn.coalesce('conversation.queued_at', 'conversation.created_at'), 'asc')
      .orderBy('conversation.id', 'asc')
      .execute();
    return Promise.all(rows.map((r) => this.item(r)));
  }

  /** The chats a counsellor has now, oldest claim first. */
  async mine(counsellorId: string): Promise<MineItem[]> {
    const rows = await this.db
      .selectFrom('console_assignment')
      .innerJoin('conversation', 'conversation.id', 'console_assignment.conversation_id')
      .leftJoin('worker', (j) => j.onRef('worker.channel', '=', 'conversation.channel').onRef('worker.user_id', '=', 'conversation.user_id'))
      .select(['conversation.id', 'conversation.channel', 'conversation.urgent', 'conversation.state', 'conversation.queued_at', 'conversation.created_at', 'worker.display_name', 'console_assignment.claimed_at'])
      .where('console_assignment.counsellor_id', '=', counsellorId)
      .orderBy('console_assignment.claimed_at', 'asc')
      .execute();
    return Promise.all(
      rows.map(async (r) => {
        const last = await this.db.selectFrom('transcript').select('role').where('conversation_id', '=', r.id).where('role', 'in', ['worker', 'counsellor']).orderBy('id', 'desc').limit(1).executeTakeFirst();
        return { ...(await this.item(r)), claimedAt: new Date(Number(r.claimed_at)).toISOString(), lastRole: (last?.role as TranscriptRole | undefined) ?? null };
      }),
    );
  }

  private async item(r: { id: string; channel: string; urgent: number; state: string; queued_at: number | null; created_at: number; display_name: string | null }): Promise<QueueItem> {
    const queuedAt = Number(r.queued_at ?? r.created_at);
    const state = JSON.parse(r.state) as ConversationState;
    const topic = state.topic ?? null;
    const last = await this.db.selectFrom('transcript').select('text').where('conversation_id', '=', r.id).where('role', '=', 'worker').orderBy('id', 'desc').limit(1).executeTakeFirst();
    return {
      conversationId: r.id,
      channel: r.channel as Channel,
      displayName: r.display_name,
      urgent: Boolean(r.urgent),
      topic,
      topicTitle: topic ? (this.opts.kb?.topicTitle(topic) ?? null) : null,
      concern: concernTitle(state.concern),
      queuedAt: new Date(queuedAt).toISOString(),
      waitingMs: Math.max(0, this.now() - queuedAt),
      preview: last ? last.text.slice(0, PREVIEW_CHARS) : null,
    };
  }

  /**
   * Takes a waiting chat. The UPDATE's conditions (still with a person, nobody assigned) and
   * the assignment's primary key make it atomic on SQLite and PostgreSQL alike: under
   * PostgreSQL's read-committed isolation the second UPDATE waits for the first, re-checks its
   * WHERE on the new row and affects nothing.
   */
  async claim(conversationId: string, counsellorId: string): Promise<ClaimResult> {
    const now = this.now();
    const won = await this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('conversation')
        .set({ mode: 'human', updated_at: now })
        .where('id', '=', conversationId)
        .where('mode', 'in', WITH_PERSON)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('console_assignment').select('console_assignment.conversation_id').where('console_assignment.conversation_id', '=', conversationId))))
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      await trx.insertInto('console_assignment').values({ conversation_id: conversationId, counsellor_id: counsellorId, claimed_at: now }).execute();
      return true;
    }).catch((err: unknown) => {
      // The primary key refused a second assignment that slipped past the UPDATE: a loss.
      if (isUniqueViolation(err)) return false;
      throw err;
    });
    if (won) {
      const row = await this.db.selectFrom('conversation').select(['queued_at', 'created_at', 'urgent']).where('id', '=', conversationId).executeTakeFirstOrThrow();
      return { ok: true, queuedAt: new Date(Number(row.queued_at ?? row.created_at)), urgent: Boolean(row.urgent) };
    }
    const holder = await this.assignee(conversationId);
    if (holder) return { ok: false, reason: 'taken', holder: holder.name };
    return { ok: false, reason: 'not-waiting' };
  }

  async assignee(conversationId: string): Promise<{ id: string; name: string } | null> {
    const row = await this.db
      .selectFrom('console_assignment')
      .innerJoin('counsellor', 'counsellor.id', 'console_assignment.counsellor_id')
      .select(['counsellor.id', 'counsellor.name'])
      .where('console_assignment.conversation_id', '=', conversationId)
      .executeTakeFirst();
    return row ?? null;
  }

  /** The whole record of a chat for the chat view. */
  async record(conversationId: string): Promise<ChatRecord> {
    const conv = await this.db
      .selectFrom('conversation')
      .leftJoin('worker', (j) => j.onRef('worker.channel', '=', 'conversation.channel').onRef('worker.user_id', '=', 'conversation.user_id'))
      .select(['conversation.id', 'conversation.channel', 'conversation.mode', 'conversation.urgent', 'conversation.state', 'conversation.queued_at', 'worker.display_name'])
      .where('conversation.id', '=', conversationId)
      .executeTakeFirst();
    if (!conv) throw new DeskError(404, 'NOT_FOUND', 'Không tìm thấy cuộc trò chuyện.');
    const [transcript, messages, interrupted, notes, closures, assignee] = await Promise.all([
      this.opts.store.transcript(conversationId, TRANSCRIPT_LIMIT),
      this.db
        .selectFrom('console_message')
        .leftJoin('counsellor', 'counsellor.id', 'console_message.counsellor_id')
        .select(['console_message.id', 'console_message.counsellor_id', 'counsellor.name', 'console_message.text', 'console_message.status', 'console_message.reason', 'console_message.at'])
        .where('console_message.conversation_id', '=', conversationId)
        .orderBy('console_message.id', 'asc')
        .execute(),
      interruptedOfConversation(this.db, conversationId, TRANSCRIPT_LIMIT),
      this.db
        .selectFrom('console_note')
        .leftJoin('counsellor', 'counsellor.id', 'console_note.counsellor_id')
        .select(['console_note.id', 'counsellor.name', 'console_note.text', 'console_note.at'])
        .where('console_note.conversation_id', '=', conversationId)
        .orderBy('console_note.id', 'asc')
        .execute(),
      this.db
        .selectFrom('console_closure')
        .leftJoin('counsellor', 'counsellor.id', 'console_closure.counsellor_id')
        .select(['console_closure.outcome', 'console_closure.tags', 'console_closure.at', 'counsellor.name'])
        .where('console_closure.conversation_id', '=', conversationId)
        .orderBy('console_closure.id', 'asc')
        .execute(),
      this.assignee(conversationId),
    ]);
    const state = JSON.parse(conv.state) as ConversationState;
    const topic = state.topic ?? null;
    return {
      conversationId: conv.id,
      channel: conv.channel as Channel,
      displayName: conv.display_name,
      mode: conv.mode as ConversationMode,
      urgent: Boolean(conv.urgent),
      topic,
      topicTitle: topic ? (this.opts.kb?.topicTitle(topic) ?? null) : null,
      concern: concernTitle(state.concern),
      queuedAt: conv.queued_at === null ? null : new Date(Number(conv.queued_at)).toISOString(),
      assignee,
      transcript: transcript.map((m) => {
        const attachments = attachmentViews(conv.id, conv.channel as Channel, m.id, m.attachments);
        return { id: m.id, role: m.role, text: m.text, at: m.at.toISOString(), ...(m.outcome ? { outcome: m.outcome } : {}), ...(attachments.length ? { attachments } : {}) };
      }),
      messages: messages.map((m) => ({
        id: Number(m.id),
        counsellorId: m.counsellor_id,
        counsellorName: m.name,
        text: m.text,
        status: m.status as DeliveryStatus,
        reason: m.reason,
        at: new Date(Number(m.at)).toISOString(),
      })),
      interrupted: interrupted.map((r) => ({ text: r.reply.text, fromHuman: r.fromHuman, at: new Date(r.createdAt).toISOString(), reason: r.lastReason ?? '' })),
      notes: notes.map((n) => ({ id: Number(n.id), counsellorName: n.name, text: n.text, at: new Date(Number(n.at)).toISOString() })),
      closures: closures.map((c) => ({ outcome: c.outcome, tags: JSON.parse(c.tags) as string[], at: new Date(Number(c.at)).toISOString(), counsellorName: c.name })),
    };
  }

  /**
   * Attachment `n` of a worker's line `line` in this conversation, with the conversation's
   * channel; undefined when there is no such chat, line (in this chat) or attachment, or it is
   * one with nothing to open (a sticker, a location: the chat view offers no link to them).
   */
  async attachment(conversationId: string, line: number, n: number): Promise<{ channel: Channel; attachment: Attachment } | undefined> {
    const row = await this.db
      .selectFrom('transcript')
      .innerJoin('conversation', 'conversation.id', 'transcript.conversation_id')
      .select(['conversation.channel', 'transcript.attachments'])
      .where('transcript.id', '=', line)
      .where('transcript.conversation_id', '=', conversationId)
      .where('transcript.role', '=', 'worker')
      .executeTakeFirst();
    const attachment = row?.attachments ? (JSON.parse(row.attachments) as Attachment[])[n] : undefined;
    return row && attachment && openable(row.channel as Channel, attachment) ? { channel: row.channel as Channel, attachment } : undefined;
  }

  /** Only the counsellor who has the chat may write in it. */
  async requireHolder(conversationId: string, counsellorId: string): Promise<{ channel: Channel; userId: string }> {
    const row = await this.db
      .selectFrom('conversation')
      .leftJoin('console_assignment', 'console_assignment.conversation_id', 'conversation.id')
      .select(['conversation.channel', 'conversation.user_id', 'console_assignment.counsellor_id'])
      .where('conversation.id', '=', conversationId)
      .executeTakeFirst();
    if (!row) throw new DeskError(404, 'NOT_FOUND', 'Không tìm thấy cuộc trò chuyện.');
    if (row.counsellor_id !== counsellorId) throw new DeskError(409, 'NOT_YOURS', 'Bạn chưa nhận cuộc trò chuyện này, hoặc nó đã được chuyển cho người khác.');
    return { channel: row.channel as Channel, userId: row.user_id };
  }

  /**
   * Sends a counsellor's message: recorded first (console_message, status pending), then
   * handed to delivery, which writes the transcript and whose receipt sets the status. A
   * delivery that throws is recorded as failed: the counsellor always sees what became of it.
   */
  async reply(conversationId: string, counsellorId: string, text: string): Promise<CounsellorMessage> {
    const target = await this.requireHolder(conversationId, counsellorId);
    const at = this.now();
    const inserted = await this.db
      .insertInto('console_message')
      .values({ conversation_id: conversationId, counsellor_id: counsellorId, text, outbox_id: null, status: 'pending', reason: null, at, updated_at: at })
      .returning('id')
      .executeTakeFirstOrThrow();
    const id = Number(inserted.id);
    let status: DeliveryStatus = 'failed';
    let reason: string | null = null;
    let outboxId: string | null = null;
    try {
      const [receipt] = await this.opts.delivery.send({ conversationId, ...target }, [{ text }], { fromHuman: true });
      if (receipt) {
        status = receipt.status;
        reason = receipt.reason ?? null;
        outboxId = receipt.outboxId;
      } else {
        reason = 'Chưa gửi được: không có kết quả gửi.';
      }
    } catch {
      reason = 'Chưa gửi được: lỗi hệ thống khi gửi, bạn thử gửi lại.';
    }
    await this.setStatus(id, outboxId, status, reason);
    const name = await this.db.selectFrom('counsellor').select('name').where('id', '=', counsellorId).executeTakeFirst();
    return { id, counsellorId, counsellorName: name?.name ?? null, text, status, reason, at: new Date(at).toISOString() };
  }

  private async setStatus(id: number, outboxId: string | null, status: DeliveryStatus, reason: string | null): Promise<void> {
    await this.db.updateTable('console_message').set({ outbox_id: outboxId, status, reason, updated_at: this.now() }).where('id', '=', id).execute();
  }

  /**
   * A later report from delivery (retry succeeded, or gave up). A late 'sent' never hides an
   * earlier failure's reason unless it really went. Returns the conversation it belongs to.
   */
  async deliveryUpdate(outboxId: string, status: DeliveryStatus, reason?: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('console_message').select(['id', 'conversation_id', 'status']).where('outbox_id', '=', outboxId).executeTakeFirst();
    if (!row || row.status === 'sent') return undefined;
    await this.db
      .updateTable('console_message')
      .set({ status, reason: status === 'sent' ? null : (reason ?? null), updated_at: this.now() })
      .where('id', '=', row.id)
      .execute();
    return row.conversation_id;
  }

  async addNote(conversationId: string, counsellorId: string, text: string): Promise<void> {
    const exists = await this.db.selectFrom('conversation').select('id').where('id', '=', conversationId).executeTakeFirst();
    if (!exists) throw new DeskError(404, 'NOT_FOUND', 'Không tìm thấy cuộc trò chuyện.');
    await this.db.insertInto('console_note').values({ conversation_id: conversationId, counsellor_id: counsellorId, text, at: this.now() }).execute();
  }

  /**
   * Hands a chat to another active counsellor. Conditional on the current holder, so two
   * transfers racing cannot both apply. An admin may move anyone's chat.
   */
  async transfer(conversationId: string, from: { id: string; admin: boolean }, toId: string): Promise<{ name: string }> {
    const to = await this.db.selectFrom('counsellor').select(['id', 'name', 'disabled']).where('id', '=', toId).executeTakeFirst();
    if (!to || to.disabled) throw new DeskError(404, 'NO_SUCH_COUNSELLOR', 'Không tìm thấy tư vấn viên nhận chuyển.');
    let q = this.db.updateTable('console_assignment').set({ counsellor_id: toId, claimed_at: this.now() }).where('conversation_id', '=', conversationId);
    if (!from.admin) q = q.where('counsellor_id', '=', from.id);
    const r = await q.executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new DeskError(409, 'NOT_YOURS', 'Bạn không giữ cuộc trò chuyện này nên không chuyển được.');
    return { name: to.name };
  }

  /**
   * Ends the counsellor's part: the assignment goes, the conversation returns to the bot
   * ('closed', which the engine treats as 'bot' on the next message), the outcome and tags are
   * kept, and the worker is asked for a 1–5 rating. Returns the survey's delivery status.
   */
  async close(conversationId: string, by: { id: string; admin: boolean }, outcome: CloseOutcome, tags: string[], survey: Reply): Promise<{ surveyStatus: DeliveryStatus; surveyReason: string | null }> {
    const now = this.now();
    const target = await this.db.transaction().execute(async (trx) => {
      let del = trx.deleteFrom('console_assignment').where('conversation_id', '=', conversationId);
      if (!by.admin) del = del.where('counsellor_id', '=', by.id);
      const removed = await del.executeTakeFirst();
      if (Number(removed.numDeletedRows) !== 1) throw new DeskError(409, 'NOT_YOURS', 'Bạn không giữ cuộc trò chuyện này nên không đóng được.');
      const conv = await trx.selectFrom('conversation').select(['channel', 'user_id', 'state']).where('id', '=', conversationId).executeTakeFirstOrThrow();
      const state = JSON.parse(conv.state) as ConversationState;
      state.handoff = 'none';
      state.concern = undefined;
      state.misses = 0;
      await trx.updateTable('conversation').set({ mode: 'closed', urgent: 0, queued_at: null, state: JSON.stringify(state), updated_at: now }).where('id', '=', conversationId).execute();
      await trx.insertInto('console_closure').values({ conversation_id: conversationId, counsellor_id: by.id, outcome, tags: JSON.stringify(tags), at: now }).execute();
      return { channel: conv.channel as Channel, userId: conv.user_id };
    });
    try {
      const [receipt] = await this.opts.delivery.send({ conversationId, ...target }, [survey], { fromHuman: false });
      return { surveyStatus: receipt?.status ?? 'failed', surveyReason: receipt?.reason ?? null };
    } catch {
      return { surveyStatus: 'failed', surveyReason: 'Chưa gửi được câu hỏi đánh giá.' };
    }
  }

  /** The worker a conversation belongs to. */
  async owner(conversationId: string): Promise<{ channel: Channel; userId: string } | undefined> {
    return (await this.owners([conversationId])).get(conversationId);
  }

  /** The workers of these conversations, by conversation id (those that exist). */
  async owners(conversationIds: readonly string[]): Promise<Map<string, { channel: Channel; userId: string }>> {
    if (conversationIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('conversation').select(['id', 'channel', 'user_id']).where('id', 'in', [...conversationIds]).execute();
    return new Map(rows.map((r) => [r.id, { channel: r.channel as Channel, userId: r.user_id }]));
  }

  /** Display names of workers, keyed `${channel}:${userId}`. */
  async displayNames(workers: Array<{ channel: string; userId: string }>): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (workers.length === 0) return out;
    const rows = await this.db
      .selectFrom('worker')
      .select(['channel', 'user_id', 'display_name'])
      .where('user_id', 'in', [...new Set(workers.map((w) => w.userId))])
      .execute();
    for (const r of rows) if (r.display_name) out.set(`${r.channel}:${r.user_id}`, r.display_name);
    return out;
  }

  /** Counsellors who can take a transfer. */
  async colleagues(): Promise<Array<{ id: string; name: string; role: string }>> {
    return this.db.selectFrom('counsellor').select(['id', 'name', 'role']).where('disabled', '=', 0).orderBy('name', 'asc').execute();
  }
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint/i.test(e?.message ?? '');
}

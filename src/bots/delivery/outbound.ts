/**
 * Outbound: how anything other than the engine (the counsellor console) sends a message to a
 * worker on whatever platform they use, and reads what became of it.
 *
 *   const [id] = await outbound.enqueue(conversationId, [{ text: 'Chào bạn, mình là tư vấn viên…' }], { fromHuman: true });
 *   const [status] = await outbound.status([id]);   // { status: 'pending' | 'sending' | 'sent' | 'failed', reason?, … }
 *
 * - `conversationId` is `Conversation.id` (`<channel>:<platform conversation id>`, e.g.
 *   `zalo:8412345`, `web:<session uuid>`), as the store and the console events use it.
 * - `enqueue` writes, in one transaction, the transcript line (role 'counsellor' when
 *   fromHuman, else 'bot') and one outbox row per reply; do not append the transcript yourself.
 *   It returns once the rows are durable; sending happens in the background, in order after
 *   anything already queued for that conversation, with retries.
 * - On the web chat the transcript IS the delivery: the page polls it, and the row is marked
 *   sent at once. On Zalo, Messenger and Telegram it is sent through the platform; Messenger
 *   uses the HUMAN_AGENT tag for fromHuman messages after 24 h.
 * - Every change of status is also published live as a `delivery` ConsoleEvent (topic
 *   'console') carrying the outbox id; a failure carries the reason in Vietnamese.
 * - Throws UnknownConversationError when the conversation does not exist.
 */
import type { Kysely } from 'kysely';
import type { Channel, Reply } from '../../flows/activity.js';
import type { DatabaseSchema } from '../../store/db.js';
import type { Store } from '../../store/types.js';
import { INTERRUPTED, insertOutbox, outboxOfConversation, outboxRows, type OutboxRow, type OutboxStatus } from './outbox-table.js';
import type { ChannelSender } from './types.js';

export interface EnqueueOptions {
  /** A counsellor's message rather than the bot's. */
  fromHuman?: boolean;
}

/** What became of one outbound message. */
export interface DeliveryStatus {
  id: string;
  conversationId: string;
  channel: Channel;
  status: OutboxStatus;
  attempts: number;
  /** The platform's error class of the last failed attempt ('rate_limited', 'outside_window', 'blocked', …). */
  code?: string;
  /** Why the last attempt failed, in Vietnamese, for the counsellor. */
  reason?: string;
  platformMessageIds: string[];
  fromHuman: boolean;
  text: string;
  createdAt: string;
  updatedAt: string;
}

export interface Outbound {
  /** Queues the replies for the worker of that conversation; their outbox ids, in order. */
  enqueue(conversationId: string, replies: Reply[], options?: EnqueueOptions): Promise<string[]>;
  /** The status of the given outbox ids (unknown ids are left out). */
  status(ids: string[]): Promise<DeliveryStatus[]>;
  /** The conversation's last outbound messages, oldest first. */
  recent(conversationId: string, limit?: number): Promise<DeliveryStatus[]>;
}

export class UnknownConversationError extends Error {
  override name = 'UnknownConversationError';
}

/** The web chat's sender: the page reads the transcript, which enqueue already wrote. */
export const transcriptSender: ChannelSender = {
  channel: 'web',
  send: async () => ({ ok: true, platformMessageIds: [] }),
};

export class SqlOutbound implements Outbound {
  constructor(
    private readonly deps: {
      db: Kysely<DatabaseSchema>;
      store: Store;
      /** Wakes the dispatcher for the conversation once the rows are committed. */
      onOutbox(conversationId: string): void;
      now?: () => number;
    },
  ) {}

  async enqueue(conversationId: string, replies: Reply[], options: EnqueueOptions = {}): Promise<string[]> {
    if (replies.length === 0) return [];
    const sep = conversationId.indexOf(':');
    const channel = conversationId.slice(0, sep) as Channel;
    const platformConversationId = conversationId.slice(sep + 1);
    const now = this.deps.now?.() ?? Date.now();
    const fromHuman = options.fromHuman === true;
    const ids = await this.deps.store.transaction(async (tx) => {
      const conv = sep > 0 ? await tx.getConversation(channel, platformConversationId) : undefined;
      if (!conv) throw new UnknownConversationError(`no conversation ${conversationId}`);
      for (const reply of replies) {
        await tx.appendTranscript({ conversationId, role: fromHuman ? 'counsellor' : 'bot', text: reply.text, ...(reply.choices ? { choices: reply.choices } : {}), at: new Date(now) });
      }
      const rows = replies.map((reply) => ({ conversationId, channel, userId: conv.userId, platformConversationId, reply, fromHuman }));
      return insertOutbox(tx.db, rows, now);
    });
    this.deps.onOutbox(conversationId);
    return ids.map(String);
  }

  async status(ids: string[]): Promise<DeliveryStatus[]> {
    const numeric = ids.map(Number).filter((n) => Number.isSafeInteger(n) && n > 0);
    return (await outboxRows(this.deps.db, numeric)).map(toStatus);
  }

  async recent(conversationId: string, limit = 50): Promise<DeliveryStatus[]> {
    return (await outboxOfConversation(this.deps.db, conversationId, Math.max(1, Math.min(500, limit)))).map(toStatus);
  }
}

function toStatus(r: OutboxRow): DeliveryStatus {
  return {
    id: String(r.id),
    conversationId: r.conversationId,
    channel: r.channel,
    status: r.status,
    attempts: r.attempts,
    // A sent row keeps only the mark that it may have reached the worker twice.
    ...(r.lastCode && (r.status !== 'sent' || r.lastCode === INTERRUPTED.code) ? { code: r.lastCode } : {}),
    ...(r.lastReason && (r.status !== 'sent' || r.lastCode === INTERRUPTED.code) ? { reason: r.lastReason } : {}),
    platformMessageIds: r.platformMessageIds,
    fromHuman: r.fromHuman,
    text: r.reply.text,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

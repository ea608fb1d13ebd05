/**
 * How the console sends a counsellor's words to the worker, on the worker's own platform.
 *
 * A narrow seam of our own: the durable outbox (src/bots/delivery, being built) is adapted to
 * it, and tests can fake it. The contract that matters to counsellors: a message is never
 * dropped silently. `send` reports, per reply, either that it went, that it is queued for
 * retry, or that it failed with a reason a counsellor understands; later changes arrive as
 * 'delivery' events on the console topic.
 */
import { randomUUID } from 'node:crypto';
import type { Channel, Reply } from '../flows/activity.js';
import type { Store } from '../store/types.js';

export type DeliveryStatus = 'pending' | 'sent' | 'retrying' | 'failed';

export interface DeliveryTarget {
  conversationId: string;
  channel: Channel;
  userId: string;
}

export interface DeliveryReceipt {
  /** The delivery's own id, to match later 'delivery' events. */
  outboxId: string;
  status: DeliveryStatus;
  /** Vietnamese, for the counsellor, when failed or retrying. */
  reason?: string;
}

export interface CounsellorDelivery {
  /**
   * Writes the replies to the transcript (role 'counsellor' when fromHuman, else 'bot') and
   * sends them. One receipt per reply, in order. Resolves even when the platform refuses:
   * that is a 'failed' receipt.
   */
  send(target: DeliveryTarget, replies: Reply[], options: { fromHuman: boolean }): Promise<DeliveryReceipt[]>;
}

const CHANNEL_NAMES: Record<Channel, string> = { web: 'Web chat', telegram: 'Telegram', zalo: 'Zalo', messenger: 'Messenger', cli: 'dòng lệnh' };
export const channelName = (c: Channel) => CHANNEL_NAMES[c] ?? c;

/**
 * What works without the outbox: the web chat (and the CLI) read counsellor messages from the
 * transcript, which the console writes itself, so they are delivered once written. Platforms
 * whose sender is not wired report failure plainly instead of pretending.
 */
export class TranscriptDelivery implements CounsellorDelivery {
  constructor(private readonly store: Pick<Store, 'appendTranscript'>) {}

  async send(target: DeliveryTarget, replies: Reply[], options: { fromHuman: boolean }): Promise<DeliveryReceipt[]> {
    const at = new Date();
    for (const r of replies) {
      await this.store.appendTranscript({ conversationId: target.conversationId, role: options.fromHuman ? 'counsellor' : 'bot', text: r.text, ...(r.choices ? { choices: r.choices } : {}), at });
    }
    const readsTranscript = target.channel === 'web' || target.channel === 'cli';
    return replies.map(() =>
      readsTranscript
        ? { outboxId: randomUUID(), status: 'sent' as const }
        : { outboxId: randomUUID(), status: 'failed' as const, reason: `Chưa gửi được: kênh ${channelName(target.channel)} chưa được kết nối để gửi tin của tư vấn viên.` },
    );
  }
}

/** The part of the durable outbox (src/bots/delivery/outbound.ts) the console uses. */
export interface OutboundLike {
  enqueue(conversationId: string, replies: Reply[], options?: { fromHuman?: boolean }): Promise<string[]>;
  status(ids: string[]): Promise<Array<{ id: string; status: string; attempts: number; reason?: string }>>;
}

/**
 * Delivery through the durable outbox: it writes the transcript and the outbox rows in one
 * transaction and sends in the background with retries; its later 'delivery' events update
 * what the counsellor sees.
 */
export class OutboxDelivery implements CounsellorDelivery {
  constructor(private readonly outbound: OutboundLike) {}

  async send(target: DeliveryTarget, replies: Reply[], options: { fromHuman: boolean }): Promise<DeliveryReceipt[]> {
    const ids = await this.outbound.enqueue(target.conversationId, replies, { fromHuman: options.fromHuman });
    const now = new Map((await this.outbound.status(ids)).map((s) => [s.id, s]));
    return ids.map((outboxId): DeliveryReceipt => {
      const s = now.get(outboxId);
      if (s?.status === 'sent') return { outboxId, status: 'sent' };
      if (s?.status === 'failed') return { outboxId, status: 'failed', reason: s.reason ?? 'Chưa gửi được.' };
      if (s && s.attempts > 0) return { outboxId, status: 'retrying', ...(s.reason ? { reason: s.reason } : {}) };
      return { outboxId, status: 'pending' };
    });
  }
}

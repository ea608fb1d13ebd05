/**
 * Sends outbox rows through each channel's ChannelSender, in order per conversation.
 *
 * - Retryable failures (429, 5xx, timeouts) are tried again after an exponential back-off with
 *   jitter, or after the platform's own retryAfterMs (Telegram's retry_after) when it gives one,
 *   up to a bounded number of attempts; a row waiting to be retried holds back the rows after
 *   it in the same conversation, so replies never arrive out of order.
 * - Permanent failures (blocked, outside the messaging window, bad request) are recorded with the
 *   platform's code and a reason in Vietnamese, and the conversation moves on.
 * - Rate limits per chat and per platform (Coordinator.hit, shared by every instance) delay a
 *   send without counting it as an attempt.
 * - Every outcome is published as a `delivery` ConsoleEvent, so the console shows it live.
 *
 * Delivery is exactly once except in one window no platform lets us close: a process that dies
 * (or stalls past its lease) after the platform accepted a message but before the row is marked
 * 'sent' leaves the row 'sending', and the next holder of the conversation sends it again — none
 * of Telegram, Messenger or Zalo takes an idempotency key, and losing an answer is worse than
 * repeating it. Such a row is marked 'interrupted' (console and tlcd_outbox_interrupted_total)
 * so nobody has to guess. tests/multi-instance.test.ts measures how often it happens.
 */
import type { Kysely } from 'kysely';
import type { Channel } from '../../flows/activity.js';
import { CONSOLE_TOPIC, type ConsoleEvent } from '../../flows/handoff/events.js';
import type { Coordinator, Lease } from '../../coordination/types.js';
import type { Logger } from '../../log.js';
import type { DatabaseSchema } from '../../store/db.js';
import { directWrites, type Writes } from '../../store/group-commit.js';
import { lastInboundAt } from './inbox-table.js';
import { dueConversations } from './due.js';
import { DEFAULT_LOCK_TTL_MS, HandedRows, KeyedPump, RowCursor } from './keyed-pump.js';
import { deliveryMetrics } from './metrics.js';
import { claimOutbox, claimOutboxIfFirst, nextOutbox, settleOutbox, type OutboxOutcome, type OutboxRow } from './outbox-table.js';
import type { ChannelSender, SendResult } from './types.js';

export interface RateLimit {
  limit: number;
  windowMs: number;
}

export interface ChannelLimits {
  /** Sends to one conversation. */
  perChat: RateLimit;
  /** Sends on the platform as a whole, across instances. */
  global: RateLimit;
}

/**
 * Defaults from the platforms' published guidance (PLATFORMS.md): Telegram about 1 message/s
 * per chat with short bursts and 30/s overall; Meta and Zalo publish no hard per-second figure,
 * so theirs are kept generous and adjustable.
 */
export const DEFAULT_LIMITS: Partial<Record<Channel, ChannelLimits>> = {
  telegram: { perChat: { limit: 5, windowMs: 5000 }, global: { limit: 30, windowMs: 1000 } },
  messenger: { perChat: { limit: 10, windowMs: 5000 }, global: { limit: 250, windowMs: 1000 } },
  zalo: { perChat: { limit: 10, windowMs: 5000 }, global: { limit: 100, windowMs: 1000 } },
};

export interface DispatcherOptions {
  db: Kysely<DatabaseSchema>;
  /** How claims and outcomes are committed; group commit on SQLite (see Delivery). */
  writes?: Writes;
  coordinator: Coordinator;
  logger?: Pick<Logger, 'warn' | 'error' | 'info'>;
  limits?: Partial<Record<Channel, ChannelLimits>>;
  /** Attempts before a retryable failure is given up (default 8). */
  maxAttempts?: number;
  /** First back-off and its ceiling (defaults 1 s and 5 min). */
  backoff?: { baseMs?: number; maxMs?: number };
  now?: () => number;
  random?: () => number;
}

/** The conversation's lease (kept alive by the pump's heartbeat) and a claimed row's. */
const LEASE_MS = DEFAULT_LOCK_TTL_MS;
const BATCH = 16;

export class OutboxDispatcher {
  private readonly senders = new Map<Channel, ChannelSender>();
  private readonly pump: KeyedPump;
  private readonly limits: Partial<Record<Channel, ChannelLimits>>;
  private readonly maxAttempts: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly writes: Writes;
  private readonly handed = new HandedRows<OutboxRow>();

  constructor(private readonly opts: DispatcherOptions) {
    this.writes = opts.writes ?? directWrites(opts.db);
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.baseMs = opts.backoff?.baseMs ?? 1000;
    this.maxMs = opts.backoff?.maxMs ?? 300_000;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.pump = new KeyedPump({
      name: 'out',
      coordinator: opts.coordinator,
      lockTtlMs: LEASE_MS,
      drain: (key, lease) => this.drain(key, lease),
      onError: (err, key) => opts.logger?.error({ err, conversation: key }, 'outbox dispatch stalled'),
    });
  }

  /** The channel's sender; rows of a channel without one wait until it is registered. */
  register(sender: ChannelSender): void {
    this.senders.set(sender.channel, sender);
  }

  has(channel: Channel): boolean {
    return this.senders.has(channel);
  }

  /**
   * Sends the conversation's due rows. `inserted`: rows this process has just committed (the
   * inbox's replies), which the run then claims and sends without reading them back, as long
   * as nothing unsent comes before them (see drain).
   */
  kick(conversationId: string, inserted?: OutboxRow[]): Promise<void> {
    this.handed.add(conversationId, inserted);
    return this.pump.kick(conversationId);
  }

  async recover(all = false): Promise<number> {
    const keys = await dueConversations(this.opts.db, 'outbox', 'sending', this.now(), 1000, all);
    for (const key of keys) void this.pump.kick(key);
    return keys.length;
  }

  idle(): Promise<void> {
    return this.pump.idle();
  }

  stop(): Promise<void> {
    return this.pump.stop();
  }

  private async drain(key: string, lease: Lease): Promise<number | undefined> {
    const { db } = this.opts;
    // Rows handed over by the inbox, just committed, are sent without a read, each claimed only
    // if nothing unsent precedes it; the first that is not goes back to reading in order. A few
    // rows a read: one read for a reply's several messages.
    const rows = new RowCursor(this.handed.take(key), (limit) => nextOutbox(db, key, limit), BATCH);
    for (;;) {
      const row = await rows.next();
      if (!row) return undefined;
      const now = this.now();
      if (row.status === 'pending' && row.nextAttemptAt > now) return row.nextAttemptAt - now;
      const sender = this.senders.get(row.channel);
      // A channel switched off since the row was written: keep the row for when it is back.
      if (!sender) return undefined;
      const wait = await this.rateWait(row);
      if (wait !== undefined) return wait;
      if (rows.fresh) {
        if (!(await this.writes.run((tx) => claimOutboxIfFirst(tx, row, now, LEASE_MS)))) {
          rows.readInOrder();
          continue;
        }
      } else if (!(await this.writes.run((tx) => claimOutbox(tx, row, now, LEASE_MS)))) return 0;
      if (row.status === 'sending') deliveryMetrics.interrupted.inc({ channel: row.channel });
      const attempt = row.attempts + 1;
      // The platform's answer is recorded as soon as it arrives (no other await in between;
      // on SQLite it joins the group commit of this turn of the event loop): a crash after the
      // platform took the message but before this mark is what makes a repeated message
      // possible, so that window is kept as short as the database allows.
      const outcome = this.outcome(await this.send(sender, row), attempt);
      if (!(await this.writes.run((tx) => settleOutbox(tx, row.id, attempt, outcome, this.now())))) return 0;
      await this.announce(row, outcome);
      if (outcome.status === 'pending') return outcome.retryAt - this.now();
      // Still ours before the next row? After the last one the run ends and releases it: no check.
      if (rows.mayHaveMore && !(await lease.extend())) return 0;
    }
  }

  /** ms to wait when a rate limit is reached, else undefined. */
  private async rateWait(row: OutboxRow): Promise<number | undefined> {
    const limits = this.limits[row.channel];
    if (!limits) return undefined;
    const { coordinator } = this.opts;
    const { perChat, global } = limits;
    // Both counters in one call (one Redis round trip); the platform's is not counted when the chat's is full.
    const over = await coordinator.hitAll([
      { key: `rate:${row.channel}:chat:${row.conversationId}`, ...perChat },
      { key: `rate:${row.channel}`, ...global },
    ]);
    if (over === 0) return perChat.windowMs / perChat.limit;
    if (over === 1) return Math.max(10, global.windowMs / global.limit);
    return undefined;
  }

  private async send(sender: ChannelSender, row: OutboxRow): Promise<SendResult> {
    try {
      // A bot reply was written as its worker's message was processed: that is recent enough
      // for any messaging window, and saves a read per send.
      const last = row.channel === 'web' ? undefined : row.inboxId !== undefined ? new Date(row.createdAt) : await lastInboundAt(this.opts.db, row.conversationId);
      return await sender.send(
        { userId: row.userId, conversationId: row.platformConversationId },
        row.reply,
        { fromHuman: row.fromHuman, ...(last ? { lastInboundAt: last } : {}) },
      );
    } catch (err) {
      // Senders classify platform errors themselves; anything thrown is our own fault or the
      // network's, worth another try.
      this.opts.logger?.warn({ err, outboxId: row.id, channel: row.channel }, 'sender threw');
      return { ok: false, retryable: true, code: 'internal', reason: 'Lỗi nội bộ khi gửi tin nhắn; hệ thống sẽ thử lại.' };
    }
  }

  private outcome(result: SendResult, attempt: number): OutboxOutcome {
    if (result.ok) return { status: 'sent', platformMessageIds: result.platformMessageIds };
    if (!result.retryable) return { status: 'failed', code: result.code, reason: result.reason };
    if (attempt >= this.maxAttempts) {
      return { status: 'failed', code: result.code, reason: `${result.reason} (Đã thử ${attempt} lần, không gửi được.)` };
    }
    return { status: 'pending', retryAt: this.now() + this.delay(attempt, result.retryAfterMs), code: result.code, reason: result.reason };
  }

  /** Exponential back-off with jitter; the platform's own wait when it names one (plus a little, so instances spread out). */
  private delay(attempt: number, retryAfterMs: number | undefined): number {
    if (retryAfterMs !== undefined && retryAfterMs > 0) return Math.round(retryAfterMs * (1 + 0.1 * this.random()));
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }

  private async announce(row: OutboxRow, outcome: OutboxOutcome): Promise<void> {
    const status = outcome.status === 'pending' ? 'retrying' : outcome.status;
    if (outcome.status === 'sent') deliveryMetrics.sent.inc({ channel: row.channel });
    else (outcome.status === 'pending' ? deliveryMetrics.retried : deliveryMetrics.failed).inc({ channel: row.channel, code: outcome.code });
    const event: ConsoleEvent = {
      type: 'delivery',
      conversationId: row.conversationId,
      outboxId: String(row.id),
      status,
      ...(outcome.status === 'sent' ? {} : { reason: outcome.reason }),
      at: new Date(this.now()).toISOString(),
    };
    if (outcome.status === 'failed') this.opts.logger?.warn({ outboxId: row.id, channel: row.channel, code: outcome.code }, 'outbound message failed');
    // The row is the record; a lost event only means a console refreshes later.
    await this.opts.coordinator.publish(CONSOLE_TOPIC, event).catch(() => undefined);
  }
}

/**
 * The seam between platform adapters and the durable delivery pipeline.
 *
 * Inbound: a webhook route verifies the signature, parses the payload into Activities and
 * hands each to `Inbox.accept`, which stores it durably (deduplicated on the platform's
 * message id) BEFORE the route acknowledges; processing happens afterwards, in order per
 * conversation, and is resumed after a crash.
 *
 * Outbound: replies are stored in an outbox and sent through the channel's `ChannelSender`,
 * with bounded retries and back-off for retryable failures; permanent failures are recorded.
 */
import type { Activity, Channel, Reply } from '../../flows/activity.js';

export type AcceptResult = 'accepted' | 'duplicate';

export interface Inbox {
  accept(activity: Activity): Promise<AcceptResult>;
}

/** Who a message goes to on its platform. */
export interface SendTarget {
  userId: string;
  conversationId: string;
}

export interface SendOptions {
  /** The message is a counsellor's, not the bot's (Messenger uses the HUMAN_AGENT tag outside 24 h). */
  fromHuman?: boolean;
  /** When the worker last wrote to us, so windows can be checked before calling the platform. */
  lastInboundAt?: Date;
}

export type SendResult =
  | { ok: true; platformMessageIds: string[] }
  | {
      ok: false;
      /** True for 429, 5xx and timeouts: try again later. */
      retryable: boolean;
      /** Platform-suggested wait (Telegram retry_after, for example). */
      retryAfterMs?: number;
      /** Stable machine code: 'rate_limited', 'outside_window', 'blocked', 'invalid_token', 'quota', 'server_error', 'timeout', 'bad_request'. */
      code: string;
      /** Human-readable reason in Vietnamese, shown to counsellors when a reply fails. */
      reason: string;
    };

export interface ChannelSender {
  readonly channel: Channel;
  /** Renders one Reply to the platform's form and limits and sends it (possibly as several messages). */
  send(target: SendTarget, reply: Reply, options?: SendOptions): Promise<SendResult>;
  /**
   * Shows (or, where the platform can, hides) a typing indicator; best-effort, never retried:
   * a late indicator is worse than none. Absent where the platform has none (Zalo).
   */
  typing?(target: SendTarget, state?: 'on' | 'off'): Promise<void>;
  /** Marks the worker's messages as seen, where the platform has it (Messenger); best-effort. */
  markSeen?(target: SendTarget): Promise<void>;
}

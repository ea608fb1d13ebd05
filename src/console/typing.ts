/**
 * "Typing…" for the worker while a counsellor writes a reply in the console.
 *
 * Deliberately not through the durable outbox: a lost indicator costs nothing, a late one is
 * wrong (it would show "typing" after the answer arrived), so there are no retries, short
 * timeouts, and nothing is stored. Where each platform stands (sources in docs/platforms/):
 * - Telegram: sendChatAction `typing`, shown about 5 s or until our next message: re-sent
 *   while the counsellor keeps typing.
 * - Messenger: sender_action `typing_on` (Messenger hides it after about 20 s or when our
 *   message arrives), `typing_off` when the counsellor empties the box, `mark_seen` on claim.
 * - Zalo OA: the Open API has no typing indicator, so nothing is sent.
 * - Web chat: the page polls its history; a `counsellor-typing` event on the Coordinator lets
 *   the instance that serves the poll know (WebTypingBoard).
 *
 * Throttled per conversation on the Coordinator (a lock that expires by itself), so several
 * consoles or instances together send at most one indicator per chat per THROTTLE_MS.
 */
import type { Channel } from '../flows/activity.js';
import type { Coordinator } from '../coordination/types.js';
import type { ChannelSender, SendTarget } from '../bots/delivery/types.js';
import { CONSOLE_TOPIC, type ConsoleEvent } from '../flows/handoff/events.js';
import type { DeliveryTarget } from './delivery.js';

/** At most one indicator per chat in this time. Telegram's lasts about 5 s. */
export const TYPING_THROTTLE_MS = 4000;
/** How long the web chat shows "typing" after the last signal (a poll comes every 5 s). */
export const WEB_TYPING_SHOWN_MS = 7000;

export type TypingState = 'on' | 'off';

export interface TypingLogger {
  warn(obj: object, msg?: string): void;
}

export interface CounsellorSignalsOptions {
  coordinator: Coordinator;
  /** The platform senders (those with a typing indicator are used). */
  senders: Iterable<Pick<ChannelSender, 'channel' | 'typing' | 'markSeen'>>;
  throttleMs?: number;
  logger?: TypingLogger;
}

export class CounsellorSignals {
  private readonly senders = new Map<Channel, Pick<ChannelSender, 'channel' | 'typing' | 'markSeen'>>();
  private readonly throttleMs: number;

  constructor(private readonly opts: CounsellorSignalsOptions) {
    for (const s of opts.senders) this.senders.set(s.channel, s);
    this.throttleMs = opts.throttleMs ?? TYPING_THROTTLE_MS;
  }

  /** True when the channel shows the worker a typing indicator at all. */
  supports(channel: Channel): boolean {
    return channel === 'web' || typeof this.senders.get(channel)?.typing === 'function';
  }

  /**
   * Signals that the counsellor is typing ('on') or stopped without sending ('off'). Returns
   * whether anything went out: false when throttled or the platform has no indicator. Never
   * throws and never waits for the platform: the console must not feel it.
   */
  async typing(target: DeliveryTarget, state: TypingState): Promise<boolean> {
    if (!this.supports(target.channel)) return false;
    // 'off' has its own, shorter gate: it must not be swallowed by a recent 'on'.
    const gate = state === 'on' ? this.throttleMs : Math.min(1000, this.throttleMs);
    const lease = await this.opts.coordinator.tryLock(`console-typing:${state}:${target.conversationId}`, gate).catch(() => undefined);
    if (!lease) return false;
    if (target.channel === 'web') {
      const event: ConsoleEvent = { type: 'counsellor-typing', conversationId: target.conversationId, channel: target.channel, state, at: new Date().toISOString() };
      await this.opts.coordinator.publish(CONSOLE_TOPIC, event).catch((err: unknown) => this.opts.logger?.warn({ err }, 'typing event not published'));
      return true;
    }
    const sender = this.senders.get(target.channel);
    void sender?.typing?.(platformTarget(target), state).catch((err: unknown) => this.opts.logger?.warn({ err, channel: target.channel }, 'typing indicator failed'));
    return true;
  }

  /** The counsellor has read the chat (claimed it): Messenger shows "seen". Best-effort. */
  seen(target: DeliveryTarget): void {
    void this.senders.get(target.channel)?.markSeen?.(platformTarget(target))?.catch(() => undefined);
  }
}

/** Our conversation ids are `<channel>:<platform chat id>`; senders want the platform's. */
function platformTarget(target: DeliveryTarget): SendTarget {
  const prefix = `${target.channel}:`;
  const chat = target.conversationId.startsWith(prefix) ? target.conversationId.slice(prefix.length) : target.conversationId;
  return { userId: target.userId, conversationId: chat };
}

/**
 * Which web chats have a counsellor typing right now, as heard on the Coordinator: the web
 * chat's history answers with it, whichever instance the page polls.
 */
export class WebTypingBoard {
  private readonly until = new Map<string, number>();
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly coordinator: Coordinator,
    private readonly shownMs = WEB_TYPING_SHOWN_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.coordinator.subscribe(CONSOLE_TOPIC, (e) => {
      const event = e as ConsoleEvent;
      if (event.type === 'counsellor-typing' && event.channel === 'web') {
        if (event.state === 'on') this.until.set(event.conversationId, this.now() + this.shownMs);
        else this.until.delete(event.conversationId);
      } else if ((event.type === 'message' && event.role === 'counsellor') || event.type === 'closed' || event.type === 'left') {
        // The message itself (or the end of the chat) replaces the indicator.
        this.until.delete(event.conversationId);
      }
      this.prune();
    });
  }

  /** Is a counsellor typing in this conversation (our id, `web:<session>`)? */
  typing(conversationId: string): boolean {
    const t = this.until.get(conversationId);
    return t !== undefined && t > this.now();
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private prune(): void {
    if (this.until.size < 1000) return;
    const now = this.now();
    for (const [k, t] of this.until) if (t <= now) this.until.delete(k);
  }
}

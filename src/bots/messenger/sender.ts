/**
 * Sends Replies to Messenger, honouring the messaging windows before calling Meta:
 * - within 24 h of the worker's last message: `messaging_type: RESPONSE` (bot or counsellor);
 * - a counsellor's reply between 24 h and 7 days: `MESSAGE_TAG` + `tag: HUMAN_AGENT`
 *   (needs the Human Agent permission on the app);
 * - anything else: no call at all, and a visible 'outside_window' failure with a Vietnamese
 *   reason, so a late counsellor reply never vanishes silently.
 * Sources: docs/platforms/messenger.md.
 */
import type { Reply } from '../../flows/activity.js';
import type { ChannelSender, SendOptions, SendResult, SendTarget } from '../delivery/types.js';
import { type MessengerClient, type MessengerFailure, type SendApiBody } from './client.js';
import { renderMessengerReply } from './render.js';

/** A typing indicator later than this is not worth showing. */
const TYPING_TIMEOUT_MS = 2_000;

export const RESPONSE_WINDOW_MS = 24 * 60 * 60 * 1000;
export const HUMAN_AGENT_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

export type MessagingDecision =
  | { kind: 'send'; messaging_type: 'RESPONSE' }
  | { kind: 'send'; messaging_type: 'MESSAGE_TAG'; tag: 'HUMAN_AGENT' }
  | { kind: 'outside_window'; reason: string };

export const OUTSIDE_WINDOW_REASONS = {
  bot: 'Đã quá 24 giờ kể từ tin nhắn cuối của người lao động nên Messenger không cho Trợ lý gửi tin. Tin nhắn chưa được gửi.',
  human:
    'Đã quá 7 ngày kể từ tin nhắn cuối của người lao động nên Messenger không cho gửi tin, kể cả tin của tư vấn viên. Tin nhắn chưa được gửi; hãy chờ người lao động nhắn lại.',
  humanNoTag:
    'Đã quá 24 giờ kể từ tin nhắn cuối của người lao động và ứng dụng chưa bật quyền Human Agent nên không gửi được tin của tư vấn viên. Tin nhắn chưa được gửi.',
} as const;

/**
 * Which kind of message Meta will accept now. An unknown `lastInboundAt` is sent as RESPONSE and
 * left to Meta to judge (a counsellor's reply then falls back to HUMAN_AGENT once, see send()).
 */
export function chooseMessagingType(options: SendOptions | undefined, now: Date, humanAgentEnabled = true): MessagingDecision {
  const last = options?.lastInboundAt;
  if (!last) return { kind: 'send', messaging_type: 'RESPONSE' };
  const age = now.getTime() - last.getTime();
  if (age <= RESPONSE_WINDOW_MS) return { kind: 'send', messaging_type: 'RESPONSE' };
  if (!options?.fromHuman) return { kind: 'outside_window', reason: OUTSIDE_WINDOW_REASONS.bot };
  if (!humanAgentEnabled) return { kind: 'outside_window', reason: OUTSIDE_WINDOW_REASONS.humanNoTag };
  if (age <= HUMAN_AGENT_WINDOW_MS) return { kind: 'send', messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' };
  return { kind: 'outside_window', reason: OUTSIDE_WINDOW_REASONS.human };
}

export interface MessengerSenderOptions {
  client: MessengerClient;
  now?: () => Date;
  /** Whether the app has Meta's Human Agent permission (HUMAN_AGENT tag). Default true. */
  humanAgent?: boolean;
  /**
   * Retries of a later part of a multi-part reply, inline: the earlier parts already reached the
   * worker, so a retry of the whole reply by the outbox would repeat them. Default 2 attempts.
   */
  partRetries?: number;
  /** Upper bound for one inline wait. */
  maxInlineWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** A failure that also says how much of a multi-part reply already went out. */
export type MessengerSendFailure = MessengerFailure & { partsSent?: number; sentMessageIds?: string[] };

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class MessengerSender implements ChannelSender {
  readonly channel = 'messenger' as const;
  private readonly client: MessengerClient;
  private readonly now: () => Date;
  private readonly humanAgent: boolean;
  private readonly partRetries: number;
  private readonly maxInlineWaitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: MessengerSenderOptions) {
    this.client = opts.client;
    this.now = opts.now ?? (() => new Date());
    this.humanAgent = opts.humanAgent ?? true;
    this.partRetries = opts.partRetries ?? 2;
    this.maxInlineWaitMs = opts.maxInlineWaitMs ?? 3000;
    this.sleep = opts.sleep ?? defaultSleep;
  }

  async send(target: SendTarget, reply: Reply, options?: SendOptions): Promise<SendResult> {
    const decision = chooseMessagingType(options, this.now(), this.humanAgent);
    if (decision.kind === 'outside_window') {
      return { ok: false, retryable: false, code: 'outside_window', reason: decision.reason };
    }
    let mode: { messaging_type: 'RESPONSE' } | { messaging_type: 'MESSAGE_TAG'; tag: 'HUMAN_AGENT' } =
      decision.messaging_type === 'RESPONSE' ? { messaging_type: 'RESPONSE' } : { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' };
    const messages = renderMessengerReply(reply);
    const ids: string[] = [];

    for (let i = 0; i < messages.length; i++) {
      const message = messages[i];
      if (!message) continue;
      let result = await this.sendPart({ recipient: { id: target.userId }, ...mode, message }, i > 0);
      if (
        !result.ok &&
        result.code === 'outside_window' &&
        i === 0 &&
        options?.fromHuman &&
        !options.lastInboundAt &&
        this.humanAgent &&
        mode.messaging_type === 'RESPONSE'
      ) {
        // We did not know when the worker last wrote; Meta says it was over 24 h ago. A
        // counsellor may still answer within 7 days with the HUMAN_AGENT tag.
        mode = { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' };
        result = await this.sendPart({ recipient: { id: target.userId }, ...mode, message }, false);
      }
      if (!result.ok) {
        const f: MessengerSendFailure = { ...result };
        if (i > 0) {
          f.partsSent = i;
          f.sentMessageIds = [...ids];
          f.reason = `${result.reason} Đã gửi ${i}/${messages.length} phần của tin nhắn.`;
        }
        return f;
      }
      if (result.data.message_id) ids.push(result.data.message_id);
    }
    return { ok: true, platformMessageIds: ids };
  }

  private async sendPart(body: SendApiBody, retryInline: boolean) {
    let result = await this.client.sendMessage(body);
    for (let attempt = 0; retryInline && !result.ok && result.retryable && attempt < this.partRetries; attempt++) {
      await this.sleep(Math.min(result.retryAfterMs ?? 500 * 2 ** attempt, this.maxInlineWaitMs));
      result = await this.client.sendMessage(body);
    }
    return result;
  }

  /** Best-effort: a typing indicator that fails (closed window, blocked) is not worth reporting. */
  async typing(target: SendTarget, state: 'on' | 'off' = 'on'): Promise<void> {
    await this.client.senderAction(target.userId, state === 'on' ? 'typing_on' : 'typing_off', TYPING_TIMEOUT_MS).catch(() => undefined);
  }

  /** mark_seen: the worker sees that their messages were read (a counsellor took the chat). */
  async markSeen(target: SendTarget): Promise<void> {
    await this.client.senderAction(target.userId, 'mark_seen').catch(() => undefined);
  }
}

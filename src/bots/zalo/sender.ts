/**
 * The Zalo side of the outbox: renders a Reply and sends its messages in order.
 *
 * Zalo accepts consultation messages only for a while after the worker's last interaction
 * (free for 48 hours, refused after 7 days: docs/platforms/zalo.md). The window is checked
 * before calling when the pipeline knows when the worker last wrote, so a counsellor's late
 * reply fails visibly with a reason instead of vanishing; Zalo's own verdict is classified too.
 */
import { createHash } from 'node:crypto';
import type { Reply } from '../../flows/activity.js';
import type { ChannelSender, SendOptions, SendResult, SendTarget } from '../delivery/types.js';
import type { ZaloClient, ZaloFailure } from './client.js';
import { renderReply, type RenderOptions, type ZaloOutboundMessage } from './render.js';

export const DEFAULT_WINDOW_MS = 7 * 24 * 3600 * 1000;

export interface ZaloSenderOptions {
  client: Pick<ZaloClient, 'sendText' | 'sendButtons'>;
  /** How long after the worker's last message we may still write; Zalo refuses after 7 days. */
  windowMs?: number;
  render?: RenderOptions;
  now?: () => Date;
  /** How long a partly sent reply remembers its progress, so a retry does not repeat the parts already delivered. */
  progressTtlMs?: number;
}

function windowText(ms: number): string {
  const hours = ms / 3600_000;
  return hours >= 72 && hours % 24 === 0 ? `${hours / 24} ngày` : `${Math.round(hours)} giờ`;
}

export class ZaloSender implements ChannelSender {
  readonly channel = 'zalo' as const;
  private readonly client: ZaloSenderOptions['client'];
  private readonly windowMs: number;
  private readonly renderOpts: RenderOptions;
  private readonly now: () => Date;
  private readonly progressTtlMs: number;
  /** key → parts already delivered and their ids, only for replies that failed part-way. */
  private readonly progress = new Map<string, { sent: number; ids: string[]; at: number }>();

  constructor(opts: ZaloSenderOptions) {
    this.client = opts.client;
    this.windowMs = opts.windowMs ?? DEFAULT_WINDOW_MS;
    this.renderOpts = opts.render ?? {};
    this.now = opts.now ?? (() => new Date());
    this.progressTtlMs = opts.progressTtlMs ?? 6 * 3600 * 1000;
  }

  async send(target: SendTarget, reply: Reply, options: SendOptions = {}): Promise<SendResult> {
    const now = this.now().getTime();
    if (options.lastInboundAt && now - options.lastInboundAt.getTime() > this.windowMs) {
      return {
        ok: false,
        retryable: false,
        code: 'outside_window',
        reason: `Đã quá ${windowText(this.windowMs)} kể từ lần cuối người lao động nhắn tới OA trên Zalo, nên Zalo không cho gửi tin tư vấn. Tin nhắn chưa được gửi; khi họ nhắn lại, bạn hãy trả lời ngay.`,
      };
    }

    const messages = renderReply(reply, this.renderOpts);
    if (messages.length === 0) return { ok: true, platformMessageIds: [] };

    this.prune(now);
    const key = progressKey(target, messages);
    const done = this.progress.get(key);
    const ids = done ? [...done.ids] : [];
    for (let i = done?.sent ?? 0; i < messages.length; i++) {
      const m = messages[i] as ZaloOutboundMessage;
      const r = m.kind === 'text' ? await this.client.sendText(target.userId, m.text) : await this.client.sendButtons(target.userId, m.text, m.buttons);
      if (!r.ok) {
        if (i > 0) this.progress.set(key, { sent: i, ids, at: now });
        return partial(r, i, messages.length);
      }
      ids.push(r.messageId);
    }
    this.progress.delete(key);
    return { ok: true, platformMessageIds: ids };
  }

  private prune(now: number): void {
    for (const [k, v] of this.progress) if (now - v.at > this.progressTtlMs) this.progress.delete(k);
  }
}

function progressKey(target: SendTarget, messages: ZaloOutboundMessage[]): string {
  return createHash('sha256').update(`${target.userId}\u0000${JSON.stringify(messages)}`).digest('hex');
}

function partial(r: ZaloFailure, sent: number, total: number): SendResult {
  const { zaloError: _z, httpStatus: _h, ...failure } = r;
  if (sent === 0) return failure;
  const next = failure.retryable ? '; lần thử lại sẽ gửi tiếp phần còn lại' : '';
  return { ...failure, reason: `${failure.reason} (Đã gửi ${sent}/${total} phần của tin nhắn${next}.)` };
}

/**
 * Sends Replies through the Telegram Bot API with telegraf's `Telegram` client, whose apiRoot
 * is configurable (TELEGRAM_API_ROOT) so tests point at a fake or at telegram-test-api.
 *
 * Failures are classified into the delivery pipeline's stable codes: 429 is retryable after
 * `parameters.retry_after`; 403 (blocked, deactivated, kicked) is permanent; 5xx, network
 * errors and timeouts are retryable. Telegram has no messaging window. Sources:
 * docs/platforms/telegram.md.
 */
import { Telegram, TelegramError } from 'telegraf';
import { TelegramClient } from './client.js';
import type { Reply } from '../../flows/activity.js';
import type { ChannelSender, SendOptions, SendResult, SendTarget } from '../delivery/types.js';
import { type CallbackDataRegistry, MemoryCallbackRegistry } from './callback-data.js';
import { htmlToPlain, renderTelegramReply, type TelegramOutgoing } from './render.js';

export const DEFAULT_TELEGRAM_API_ROOT = 'https://api.telegram.org';
export const DEFAULT_TIMEOUT_MS = 10_000;
/** A typing indicator later than this is not worth showing. */
const TYPING_TIMEOUT_MS = 2_000;

export type TelegramFailure = Extract<SendResult, { ok: false }> & {
  telegramCode?: number;
  partsSent?: number;
  sentMessageIds?: string[];
};

export const REASONS = {
  rate_limited: 'Telegram đang giới hạn tần suất gửi tin. Hệ thống sẽ tự gửi lại sau.',
  blocked: 'Người dùng đã chặn bot hoặc không còn nhận được tin từ bot trên Telegram.',
  invalid_token: 'Mã bot Telegram (bot token) không hợp lệ. Cần quản trị viên cấu hình lại.',
  server_error: 'Máy chủ Telegram đang lỗi tạm thời. Hệ thống sẽ tự gửi lại sau.',
  timeout: 'Không kết nối được tới Telegram (quá thời gian chờ). Hệ thống sẽ tự gửi lại sau.',
  bad_request: 'Telegram từ chối tin nhắn này.',
} as const;

function failure(code: keyof typeof REASONS, retryable: boolean, extra: Partial<TelegramFailure> = {}, detail?: string): TelegramFailure {
  return { ok: false, retryable, code, reason: detail ? `${REASONS[code]} (${detail})` : REASONS[code], ...extra };
}

/** Classifies anything telegraf's callApi throws. */
export function classifyTelegramError(err: unknown): TelegramFailure {
  if (err instanceof TelegramError) {
    const code = err.code;
    const description = err.description ?? '';
    const extra: Partial<TelegramFailure> = { telegramCode: code };
    if (code === 429) {
      const after = err.parameters?.retry_after;
      if (typeof after === 'number' && after >= 0) extra.retryAfterMs = after * 1000;
      return failure('rate_limited', true, extra, typeof after === 'number' ? `chờ ${after} giây` : undefined);
    }
    // "bot was blocked by the user", "user is deactivated", "bot was kicked from the group chat"…
    if (code === 403) return failure('blocked', false, extra, description.replace(/^Forbidden:\s*/i, '').slice(0, 120));
    if (code === 401 || code === 404) return failure('invalid_token', false, extra);
    if (code >= 500) return failure('server_error', true, extra);
    if (code === 400 && /chat not found/i.test(description)) return failure('blocked', false, extra, 'không tìm thấy cuộc trò chuyện');
    return failure('bad_request', false, extra, description.slice(0, 200));
  }
  const name = (err as { name?: string } | null)?.name;
  if (name === 'AbortError' || name === 'TimeoutError') return failure('timeout', true);
  // Network errors (connection refused or reset, DNS) and an unreadable body (FetchError).
  return failure('server_error', true, {}, 'lỗi mạng');
}

export interface TelegramSenderOptions {
  /** Either a ready client, or token (+ apiRoot) to build one. */
  telegram?: Telegram;
  token?: string;
  apiRoot?: string;
  /** Shared with the webhook/polling side, which resolves the tokens this side issues. */
  registry?: CallbackDataRegistry;
  timeoutMs?: number;
  /** Inline retries for a later part of a multi-part reply (earlier parts already went out). */
  partRetries?: number;
  maxInlineWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** telegraf's client with the keep-alive JSON transport of ./client.ts. */
export function createTelegramClient(token: string, apiRoot: string = DEFAULT_TELEGRAM_API_ROOT): TelegramClient {
  return new TelegramClient(token, { apiRoot });
}

type CallApiSignal = NonNullable<Parameters<Telegram['callApi']>[2]>['signal'];
const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class TelegramSender implements ChannelSender {
  readonly channel = 'telegram' as const;
  readonly telegram: Telegram;
  readonly registry: CallbackDataRegistry;
  private readonly timeoutMs: number;
  private readonly partRetries: number;
  private readonly maxInlineWaitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: TelegramSenderOptions) {
    if (opts.telegram) this.telegram = opts.telegram;
    else if (opts.token) this.telegram = createTelegramClient(opts.token, opts.apiRoot);
    else throw new Error('TelegramSender needs a telegram client or a token');
    this.registry = opts.registry ?? new MemoryCallbackRegistry();
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.partRetries = opts.partRetries ?? 2;
    this.maxInlineWaitMs = opts.maxInlineWaitMs ?? 3000;
    this.sleep = opts.sleep ?? defaultSleep;
  }

  /**
   * One Bot API call ending after timeoutMs: by a timer on our client (./client.ts); with an
   * AbortSignal.timeout on a plain telegraf client someone handed in.
   */
  private call(method: string, payload: object, timeoutMs = this.timeoutMs): Promise<unknown> {
    // `as never`: telegraf's per-method payload typings are stricter than the JSON we build.
    if (this.telegram instanceof TelegramClient) return this.telegram.callApi(method as never, payload as never, { timeoutMs });
    // node-fetch (inside telegraf) accepts the standard AbortSignal; only the typings differ.
    return this.telegram.callApi(method as never, payload as never, { signal: AbortSignal.timeout(timeoutMs) as unknown as CallApiSignal });
  }

  private async sendOne(chatId: string, part: TelegramOutgoing): Promise<{ ok: true; id: string } | TelegramFailure> {
    try {
      const msg = (await this.call('sendMessage', { chat_id: chatId, ...part })) as { message_id?: number };
      return { ok: true, id: `${chatId}:${msg.message_id ?? ''}` };
    } catch (err) {
      if (err instanceof TelegramError && err.code === 400 && /can't parse entities/i.test(err.description ?? '')) {
        // Our escaping should make this impossible; if it happens, the worker still gets the words.
        const { parse_mode: _drop, ...plain } = part;
        try {
          const msg = (await this.call('sendMessage', { chat_id: chatId, ...plain, text: htmlToPlain(part.text) })) as { message_id?: number };
          return { ok: true, id: `${chatId}:${msg.message_id ?? ''}` };
        } catch (err2) {
          return classifyTelegramError(err2);
        }
      }
      return classifyTelegramError(err);
    }
  }

  async send(target: SendTarget, reply: Reply, _options?: SendOptions): Promise<SendResult> {
    const parts = renderTelegramReply(reply, this.registry);
    // A shared registry must hold the buttons' tokens before a tap can reach another instance.
    if (this.registry.flush) {
      try {
        await this.registry.flush();
      } catch {
        return { ok: false, retryable: true, code: 'server_error', reason: 'Chưa lưu được dữ liệu nút bấm. Hệ thống sẽ tự gửi lại sau.' };
      }
    }
    const ids: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (!part) continue;
      let result = await this.sendOne(target.conversationId, part);
      for (let attempt = 0; i > 0 && !result.ok && result.retryable && attempt < this.partRetries; attempt++) {
        const wait = result.retryAfterMs ?? 500 * 2 ** attempt;
        if (wait > this.maxInlineWaitMs) break;
        await this.sleep(wait);
        result = await this.sendOne(target.conversationId, part);
      }
      if (!result.ok) {
        if (i > 0) {
          result.partsSent = i;
          result.sentMessageIds = [...ids];
          result.reason = `${result.reason} Đã gửi ${i}/${parts.length} phần của tin nhắn.`;
        }
        return result;
      }
      ids.push(result.id);
    }
    return { ok: true, platformMessageIds: ids };
  }

  /**
   * sendChatAction `typing`: Telegram shows it about 5 s or until our next message, so the
   * caller re-sends it while the counsellor keeps typing. There is no "stop": 'off' sends
   * nothing. A short timeout, because an indicator that arrives late is wrong.
   */
  async typing(target: SendTarget, state: 'on' | 'off' = 'on'): Promise<void> {
    if (state === 'off') return;
    await this.call('sendChatAction', { chat_id: target.conversationId, action: 'typing' }, Math.min(this.timeoutMs, TYPING_TIMEOUT_MS)).catch(() => undefined);
  }

  /** Stops the button's spinner; `text` shows as a short notice. Best-effort: false on failure. */
  async answerCallbackQuery(callbackQueryId: string, text?: string): Promise<boolean> {
    try {
      await this.call('answerCallbackQuery', { callback_query_id: callbackQueryId, ...(text ? { text } : {}) });
      return true;
    } catch {
      return false;
    }
  }
}

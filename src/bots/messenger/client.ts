/**
 * A small typed client for the parts of the Graph API the Messenger adapter uses: the Send API
 * (`POST /{version}/me/messages`) and the Messenger Profile API (`POST /{version}/me/messenger_profile`).
 * The API root and version are configurable so tests point at a local fake.
 *
 * Graph reports failures as `{"error":{"message","type","code","error_subcode","fbtrace_id"}}`;
 * they are classified into the stable SendResult codes of the delivery pipeline, with a
 * Vietnamese reason a counsellor can read. Codes and sources: docs/platforms/messenger.md.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { SendResult } from '../delivery/types.js';
import type { MessengerMessage } from './render.js';

export const DEFAULT_GRAPH_API_ROOT = 'https://graph.facebook.com';
/** The newest Graph API version at the time of writing (v26.0, released 2026-07-29); configurable. */
export const DEFAULT_GRAPH_API_VERSION = 'v26.0';
export const DEFAULT_TIMEOUT_MS = 10_000;

export type MessengerFailure = Extract<SendResult, { ok: false }> & {
  graphCode?: number;
  graphSubcode?: number;
  httpStatus?: number;
};
export type GraphResult<T> = { ok: true; data: T } | MessengerFailure;

export type SenderAction = 'typing_on' | 'typing_off' | 'mark_seen';

/** A Send API request body. */
export type SendApiBody =
  | {
      recipient: { id: string };
      messaging_type: 'RESPONSE' | 'UPDATE' | 'MESSAGE_TAG';
      tag?: 'HUMAN_AGENT' | 'ACCOUNT_UPDATE' | 'CONFIRMED_EVENT_UPDATE' | 'POST_PURCHASE_UPDATE';
      message: MessengerMessage;
    }
  | { recipient: { id: string }; sender_action: SenderAction };

export interface MessengerClientOptions {
  pageAccessToken: string;
  /** When set, every call carries `appsecret_proof` (required if the app enables "Require App Secret"). */
  appSecret?: string;
  apiRoot?: string;
  apiVersion?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const graphErrorSchema = z.looseObject({
  error: z.looseObject({
    message: z.string().optional(),
    type: z.string().optional(),
    code: z.number().optional(),
    error_subcode: z.number().optional(),
    fbtrace_id: z.string().optional(),
  }),
});

const sendResponseSchema = z.looseObject({ recipient_id: z.string().optional(), message_id: z.string().optional() });
export type SendResponse = z.infer<typeof sendResponseSchema>;
const profileResponseSchema = z.looseObject({ result: z.string().optional() });
/** The User Profile API's answer for a PSID (the fields asked for). */
const userProfileSchema = z.looseObject({ name: z.string().optional(), first_name: z.string().optional(), last_name: z.string().optional() });
/** GET messenger_profile answers `{"data":[{…fields that are set…}]}`; an unset profile gives `[]`. */
const profileReadSchema = z.looseObject({ data: z.array(z.record(z.string(), z.unknown())).default([]) });

/** Graph codes that mean "slow down": app (4), user (17), page (32) and API-specific (613) throttling. */
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613]);
/** Outside the messaging window: Messenger's subcode, and Instagram's for the same rule. */
const WINDOW_SUBCODES = new Set([2018278, 2534022]);

export const REASONS = {
  outside_window:
    'Đã quá thời hạn nhắn tin của Messenger: người lao động chưa nhắn lại trong 24 giờ qua (tin của tư vấn viên chỉ gửi được trong 7 ngày). Tin nhắn chưa được gửi; hãy chờ người lao động nhắn lại.',
  rate_limited: 'Messenger đang giới hạn tần suất gửi tin. Hệ thống sẽ tự gửi lại sau.',
  blocked: 'Người dùng hiện không nhận được tin nhắn (có thể đã chặn Trang, tắt tin nhắn hoặc khóa tài khoản).',
  invalid_token: 'Mã truy cập Trang (page access token) không hợp lệ hoặc đã hết hạn. Cần quản trị viên cấu hình lại.',
  permission_denied: 'Trang chưa có quyền gửi loại tin nhắn này (ví dụ quyền Human Agent). Cần quản trị viên kiểm tra cấu hình ứng dụng.',
  server_error: 'Máy chủ Messenger đang lỗi tạm thời. Hệ thống sẽ tự gửi lại sau.',
  timeout: 'Không kết nối được tới Messenger (quá thời gian chờ). Hệ thống sẽ tự gửi lại sau.',
  bad_request: 'Messenger từ chối tin nhắn này.',
} as const;

function failure(code: keyof typeof REASONS, retryable: boolean, extra: Partial<MessengerFailure> = {}, detail?: string): MessengerFailure {
  const reason = detail ? `${REASONS[code]} (${detail})` : REASONS[code];
  return { ok: false, retryable, code, reason, ...extra };
}

/** Classifies a Graph API error response. */
export function classifyGraphError(httpStatus: number, body: unknown): MessengerFailure {
  const parsed = graphErrorSchema.safeParse(body);
  const err = parsed.success ? parsed.data.error : undefined;
  const code = err?.code;
  const subcode = err?.error_subcode;
  const extra: Partial<MessengerFailure> = { httpStatus };
  if (code !== undefined) extra.graphCode = code;
  if (subcode !== undefined) extra.graphSubcode = subcode;
  const msg = err?.message ?? '';

  if (code === 10 && ((subcode !== undefined && WINDOW_SUBCODES.has(subcode)) || /outside (of )?(the )?allowed window/i.test(msg))) {
    return failure('outside_window', false, extra);
  }
  if (code !== undefined && RATE_LIMIT_CODES.has(code)) return failure('rate_limited', true, extra);
  // Older pages report the same condition under code 200 with the same message.
  if (code === 551 || subcode === 1545041 || /(isn't|is not) available right now/i.test(msg)) return failure('blocked', false, extra);
  if (code === 100 && subcode === 2018001) return failure('blocked', false, extra, 'không tìm thấy người dùng');
  if (code === 190) return failure('invalid_token', false, extra);
  if (code === 10 || code === 200 || code === 230) return failure('permission_denied', false, extra);
  // 1: unknown, 2: temporary service error, 1200: temporary send failure — all "try again later".
  if (code === 1 || code === 2 || code === 1200) return failure('server_error', true, extra);
  if (httpStatus === 429) return failure('rate_limited', true, extra);
  if (httpStatus >= 500) return failure('server_error', true, extra);
  return failure('bad_request', false, extra, msg ? msg.slice(0, 200) : `HTTP ${httpStatus}`);
}

export class MessengerClient {
  private readonly token: string;
  private readonly proof: string | undefined;
  readonly apiRoot: string;
  readonly apiVersion: string;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(opts: MessengerClientOptions) {
    this.token = opts.pageAccessToken;
    this.proof = opts.appSecret ? createHmac('sha256', opts.appSecret).update(opts.pageAccessToken).digest('hex') : undefined;
    this.apiRoot = (opts.apiRoot ?? DEFAULT_GRAPH_API_ROOT).replace(/\/+$/, '');
    this.apiVersion = opts.apiVersion ?? DEFAULT_GRAPH_API_VERSION;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchFn = opts.fetch ?? fetch;
  }

  /** POST /{version}/me/messages. */
  async sendMessage(body: SendApiBody): Promise<GraphResult<SendResponse>> {
    return this.post('me/messages', body, sendResponseSchema);
  }

  /** `timeoutMs` shorter than the client's: a typing indicator that arrives late is wrong. */
  async senderAction(psid: string, action: SenderAction, timeoutMs?: number): Promise<GraphResult<SendResponse>> {
    return this.call('POST', 'me/messages', { recipient: { id: psid }, sender_action: action }, sendResponseSchema, {}, timeoutMs);
  }

  /** POST /{version}/me/messenger_profile. */
  async setMessengerProfile(body: Record<string, unknown>): Promise<GraphResult<z.infer<typeof profileResponseSchema>>> {
    return this.post('me/messenger_profile', body, profileResponseSchema);
  }

  /** GET /{version}/me/messenger_profile?fields=…: what the Page has now (for `setup --check`). */
  async getMessengerProfile(fields: readonly string[]): Promise<GraphResult<z.infer<typeof profileReadSchema>>> {
    return this.call('GET', 'me/messenger_profile', undefined, profileReadSchema, { fields: fields.join(',') });
  }

  /**
   * The worker's name from the User Profile API (GET /{version}/{PSID}?fields=name,first_name,last_name),
   * as Facebook shows it. Allowed once the person has written to the Page; a business app also
   * needs Meta's "Business Asset User Profile Access" feature, without which this fails and the
   * console shows no name. Sources: docs/platforms/messenger.md.
   */
  async getUserName(psid: string): Promise<GraphResult<{ name?: string }>> {
    if (!/^\d{1,32}$/.test(psid)) return failure('bad_request', false, {}, 'PSID không hợp lệ');
    const r = await this.call('GET', psid, undefined, userProfileSchema, { fields: 'name,first_name,last_name' });
    if (!r.ok) return r;
    const name = r.data.name?.trim() || [r.data.first_name, r.data.last_name].filter(Boolean).join(' ').trim();
    return { ok: true, data: name ? { name } : {} };
  }

  private post<T>(path: string, body: unknown, schema: z.ZodType<T>): Promise<GraphResult<T>> {
    return this.call('POST', path, body, schema);
  }

  private async call<T>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    schema: z.ZodType<T>,
    query: Record<string, string> = {},
    timeoutMs = this.timeoutMs,
  ): Promise<GraphResult<T>> {
    const url = new URL(`${this.apiRoot}/${this.apiVersion}/${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    // The documented way to pass the page token; the URL is never logged.
    url.searchParams.set('access_token', this.token);
    if (this.proof) url.searchParams.set('appsecret_proof', this.proof);
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method,
        ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(Math.min(timeoutMs, this.timeoutMs)),
      });
    } catch (err) {
      const name = (err as Error).name;
      return name === 'TimeoutError' || name === 'AbortError' ? failure('timeout', true) : failure('server_error', true, {}, 'lỗi mạng');
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      json = undefined;
    }
    if (!res.ok || (json && typeof json === 'object' && 'error' in json)) return classifyGraphError(res.status, json);
    const parsed = schema.safeParse(json ?? {});
    if (!parsed.success) return failure('server_error', true, { httpStatus: res.status }, 'phản hồi không đúng định dạng');
    return { ok: true, data: parsed.data };
  }
}

/**
 * A small typed client of our own for the Zalo Official Account Open API (v3) and the OA
 * token endpoint (OAuth v4). Every base URL is configurable so tests point at a local fake.
 *
 * Zalo reports most failures with HTTP 200 and a non-zero `error` field, so every call checks
 * the body, and failures are classified into the stable SendResult codes of the delivery
 * pipeline. Codes and sources: docs/platforms/zalo.md.
 */
import { z } from 'zod';
import type { SendResult } from '../delivery/types.js';

export const DEFAULT_API_ROOT = 'https://openapi.zalo.me';
export const DEFAULT_OAUTH_ROOT = 'https://oauth.zaloapp.com';
export const DEFAULT_TIMEOUT_MS = 10_000;

export type ZaloFailure = Extract<SendResult, { ok: false }> & {
  /** Zalo's own `error` code, when the API answered. */
  zaloError?: number;
  httpStatus?: number;
};
export type ZaloResult<T> = ({ ok: true } & T) | ZaloFailure;

/** An OA access/refresh token pair. The refresh token is single-use: every refresh returns a new one. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: Date;
  /** About three months after issue, per Zalo; informational. */
  refreshExpiresAt?: Date;
  /** When this pair was obtained (or seeded). */
  obtainedAt: Date;
}

/** Where the client gets its access token, and how it asks for a new one after a rejection. */
export interface AccessTokenProvider {
  getAccessToken(): Promise<string>;
  /**
   * Called at most once per request when Zalo rejects `rejected` as invalid or expired. Returns a
   * usable token: one someone else already obtained, or a freshly refreshed one.
   */
  refreshAfterInvalid?(rejected: string): Promise<string>;
}

/** A button in a consultation message. `oa.query.*` taps come back as user_send_text carrying `payload`. */
export type ZaloButton =
  | { type: 'oa.query.hide' | 'oa.query.show'; title: string; payload: string }
  | { type: 'oa.open.url'; title: string; payload: { url: string } };

export interface ZaloProfile {
  userId: string;
  displayName?: string;
  isFollower?: boolean;
}

/** Errors thrown by token providers may say whether trying again later can help. */
export interface TransientAware {
  transient?: boolean;
}

export class TokenRefreshError extends Error implements TransientAware {
  readonly transient: boolean;
  readonly zaloError?: number;
  constructor(message: string, opts: { transient: boolean; zaloError?: number; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TokenRefreshError';
    this.transient = opts.transient;
    if (opts.zaloError !== undefined) this.zaloError = opts.zaloError;
  }
}

export interface ZaloClientOptions {
  tokens: AccessTokenProvider;
  apiRoot?: string;
  oauthRoot?: string;
  /** Needed only for refreshTokens(). */
  appId?: string;
  /** The app's secret key (header `secret_key` on token requests); needed only for refreshTokens(). */
  appSecret?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const envelopeSchema = z.looseObject({
  error: z.coerce.number(),
  message: z.string().optional(),
  data: z.unknown().optional(),
});

const sendDataSchema = z.looseObject({ message_id: z.union([z.string(), z.number()]).transform(String).optional() });
const profileDataSchema = z.looseObject({
  user_id: z.union([z.string(), z.number()]).transform(String).optional(),
  display_name: z.string().optional(),
  user_is_follower: z.boolean().optional(),
});
const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  // Documented as a string of seconds ("90000"); accept a number too.
  expires_in: z.coerce.number().positive(),
});
const tokenErrorSchema = z.looseObject({
  error: z.coerce.number().optional(),
  error_name: z.string().optional(),
  error_description: z.string().optional(),
  message: z.string().optional(),
});

const REFRESH_TOKEN_LIFETIME_MS = 90 * 24 * 3600 * 1000;

function fail(code: string, retryable: boolean, reason: string, extra: Partial<ZaloFailure> = {}): ZaloFailure {
  return { ok: false, code, retryable, reason, ...extra };
}

/**
 * Maps Zalo's `error` code to a delivery failure. The reason is Vietnamese: counsellors read it
 * when a reply does not go out. Unknown codes are permanent: bounded retries would only delay
 * the moment a person sees the failure.
 */
export function classifyZaloError(error: number, message = ''): ZaloFailure {
  const tag = `(mã lỗi Zalo ${error}${message ? `: ${message}` : ''})`;
  const extra = { zaloError: error };
  if (error === -216 || error === -220 || error === -124 || (error === -201 && /access[_ ]?token/i.test(message))) {
    return fail('invalid_token', false, `Mã truy cập Zalo OA không hợp lệ hoặc đã hết hạn ${tag}.`, extra);
  }
  switch (error) {
    case -230:
      return fail('outside_window', false, `Người lao động không tương tác với OA trong 7 ngày qua nên Zalo không cho gửi tin tư vấn. Tin chỉ gửi được khi họ nhắn lại ${tag}.`, extra);
    case -232:
      return fail('outside_window', false, `Người lao động chưa tương tác với OA hoặc lần tương tác gần nhất đã hết hạn, Zalo không cho gửi tin tư vấn ${tag}.`, extra);
    case -213:
      return fail('blocked', false, `Người lao động chưa quan tâm hoặc đã bỏ quan tâm OA nên không nhận được tin ${tag}.`, extra);
    case -217:
      return fail('blocked', false, `Người lao động đã chặn tin từ OA ${tag}.`, extra);
    case -227:
      return fail('blocked', false, `Tài khoản Zalo của người lao động bị khóa hoặc không hoạt động quá 45 ngày ${tag}.`, extra);
    case -244:
      return fail('blocked', false, `Người lao động đã từ chối nhận loại tin này từ OA ${tag}.`, extra);
    case -211:
      return fail('quota', false, `OA đã hết hạn mức gửi tin của Zalo ${tag}.`, extra);
    case -218:
      return fail('quota', false, `Người lao động đã nhận đủ số tin Zalo cho phép từ OA ${tag}.`, extra);
    case -224:
      return fail('quota', false, `Gói dịch vụ hiện tại của OA không cho gửi tin này, cần nâng cấp gói ${tag}.`, extra);
    case -320:
    case -321:
      return fail('quota', false, `Tài khoản Zalo Cloud của OA chưa liên kết hoặc không trả phí được ${tag}.`, extra);
    case -32:
      return fail('rate_limited', true, `Vượt giới hạn số lần gọi Zalo trong một phút, sẽ thử lại ${tag}.`, { ...extra, retryAfterMs: 60_000 });
    case -200:
      return fail('server_error', true, `Zalo báo gửi tin thất bại, sẽ thử lại ${tag}.`, extra);
    default:
      return fail('bad_request', false, `Zalo từ chối yêu cầu ${tag}.`, extra);
  }
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const s = Number(header);
  if (Number.isFinite(s) && s >= 0) return Math.round(s * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

export class ZaloClient {
  readonly apiRoot: string;
  readonly oauthRoot: string;
  private readonly tokens: AccessTokenProvider;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly appId?: string;
  private readonly appSecret?: string;

  constructor(opts: ZaloClientOptions) {
    this.tokens = opts.tokens;
    this.apiRoot = (opts.apiRoot ?? DEFAULT_API_ROOT).replace(/\/+$/, '');
    this.oauthRoot = (opts.oauthRoot ?? DEFAULT_OAUTH_ROOT).replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchFn = opts.fetch ?? fetch;
    if (opts.appId !== undefined) this.appId = opts.appId;
    if (opts.appSecret !== undefined) this.appSecret = opts.appSecret;
  }

  /** A consultation (customer-service) text message; Zalo caps the text at 2,000 characters. */
  async sendText(userId: string, text: string): Promise<ZaloResult<{ messageId: string }>> {
    return this.send({ recipient: { user_id: userId }, message: { text } });
  }

  /** A consultation message with buttons under the text (attachment of type "template"). */
  async sendButtons(userId: string, text: string, buttons: ZaloButton[]): Promise<ZaloResult<{ messageId: string }>> {
    return this.send({
      recipient: { user_id: userId },
      message: { text, attachment: { type: 'template', payload: { buttons } } },
    });
  }

  async getUserProfile(userId: string): Promise<ZaloResult<{ profile: ZaloProfile }>> {
    const data = encodeURIComponent(JSON.stringify({ user_id: userId }));
    const r = await this.call('GET', `/v3.0/oa/user/detail?data=${data}`);
    if (!r.ok) return r;
    const d = profileDataSchema.safeParse(r.data ?? {});
    if (!d.success) return fail('server_error', true, 'Zalo trả về hồ sơ người dùng không đúng định dạng.');
    const profile: ZaloProfile = { userId: d.data.user_id ?? userId };
    if (d.data.display_name) profile.displayName = d.data.display_name;
    if (d.data.user_is_follower !== undefined) profile.isFollower = d.data.user_is_follower;
    return { ok: true, profile };
  }

  /**
   * Exchanges a refresh token for a new pair (POST /v4/oa/access_token on the OAuth host).
   * The old refresh token is dead once this succeeds: the caller must store the result durably
   * before anything else. Throws TokenRefreshError; its message never contains a token.
   */
  async refreshTokens(refreshToken: string, now: () => Date = () => new Date()): Promise<TokenPair> {
    if (!this.appId || !this.appSecret) throw new TokenRefreshError('refreshTokens needs appId and appSecret', { transient: false });
    return requestTokenRefresh({
      oauthRoot: this.oauthRoot,
      appId: this.appId,
      appSecret: this.appSecret,
      refreshToken,
      timeoutMs: this.timeoutMs,
      fetch: this.fetchFn,
      now,
    });
  }

  private async send(body: unknown): Promise<ZaloResult<{ messageId: string }>> {
    const r = await this.call('POST', '/v3.0/oa/message/cs', body);
    if (!r.ok) return r;
    const d = sendDataSchema.safeParse(r.data ?? {});
    // Zalo said error 0: the message went out even if the id is missing or odd.
    return { ok: true, messageId: d.success && d.data.message_id ? d.data.message_id : '' };
  }

  /** One API call with the token; on an invalid-token answer, one refresh and one retry. */
  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ZaloResult<{ data: unknown }>> {
    let token: string;
    try {
      token = await this.tokens.getAccessToken();
    } catch (err) {
      return tokenUnavailable(err);
    }
    const first = await this.once(method, path, token, body);
    if (first.ok || first.code !== 'invalid_token' || !this.tokens.refreshAfterInvalid) return first;
    let fresh: string;
    try {
      fresh = await this.tokens.refreshAfterInvalid(token);
    } catch (err) {
      return tokenUnavailable(err, first.zaloError);
    }
    const second = await this.once(method, path, fresh, body);
    if (!second.ok && second.code === 'invalid_token') {
      return { ...second, reason: `${second.reason} Đã làm mới mã truy cập nhưng Zalo vẫn từ chối: quản trị viên cần cấp quyền lại cho ứng dụng.` };
    }
    return second;
  }

  private async once(method: 'GET' | 'POST', path: string, token: string, body?: unknown): Promise<ZaloResult<{ data: unknown }>> {
    let res: Response;
    try {
      const headers: Record<string, string> = { access_token: token, accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      res = await this.fetchFn(`${this.apiRoot}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      if (isTimeout(err)) return fail('timeout', true, `Zalo không phản hồi trong ${Math.round(this.timeoutMs / 1000)} giây, sẽ thử lại.`);
      return fail('server_error', true, 'Không kết nối được tới máy chủ Zalo, sẽ thử lại.');
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      if (isTimeout(err)) return fail('timeout', true, `Zalo không phản hồi trong ${Math.round(this.timeoutMs / 1000)} giây, sẽ thử lại.`);
      return fail('server_error', true, 'Mất kết nối khi đọc phản hồi của Zalo, sẽ thử lại.');
    }
    const http = { httpStatus: res.status };
    if (res.status === 429) {
      const after = retryAfterMs(res.headers.get('retry-after'));
      return fail('rate_limited', true, 'Zalo yêu cầu gửi chậm lại (HTTP 429), sẽ thử lại.', after === undefined ? http : { ...http, retryAfterMs: after });
    }
    if (res.status >= 500) return fail('server_error', true, `Máy chủ Zalo đang lỗi (HTTP ${res.status}), sẽ thử lại.`, http);
    if (res.status >= 400) return fail('bad_request', false, `Zalo từ chối yêu cầu (HTTP ${res.status}).`, http);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return fail('server_error', true, 'Zalo trả về phản hồi không đọc được, sẽ thử lại.', http);
    }
    const env = envelopeSchema.safeParse(json);
    if (!env.success) return fail('server_error', true, 'Zalo trả về phản hồi không đúng định dạng, sẽ thử lại.', http);
    if (env.data.error !== 0) return classifyZaloError(env.data.error, env.data.message ?? '');
    return { ok: true, data: env.data.data };
  }
}

function tokenUnavailable(err: unknown, zaloError?: number): ZaloFailure {
  const transient = (err as TransientAware | undefined)?.transient ?? true;
  const reason = transient
    ? 'Chưa lấy được mã truy cập Zalo OA (làm mới thất bại tạm thời), sẽ thử lại.'
    : 'Không có mã truy cập Zalo OA hợp lệ: quản trị viên cần kết nối lại Zalo OA.';
  return fail('invalid_token', transient, reason, zaloError === undefined ? {} : { zaloError });
}

export interface TokenRefreshRequest {
  oauthRoot?: string;
  appId: string;
  appSecret: string;
  refreshToken: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => Date;
}

/** POST {oauthRoot}/v4/oa/access_token with grant_type=refresh_token. See ZaloClient.refreshTokens. */
export async function requestTokenRefresh(req: TokenRefreshRequest): Promise<TokenPair> {
  const root = (req.oauthRoot ?? DEFAULT_OAUTH_ROOT).replace(/\/+$/, '');
  const fetchFn = req.fetch ?? fetch;
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let res: Response;
  let text: string;
  try {
    res = await fetchFn(`${root}/v4/oa/access_token`, {
      method: 'POST',
      headers: { secret_key: req.appSecret, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ app_id: req.appId, grant_type: 'refresh_token', refresh_token: req.refreshToken }).toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    // The request may have reached Zalo and rotated the token even though we saw no answer.
    const what = isTimeout(err) ? `timed out after ${timeoutMs} ms` : 'network error';
    throw new TokenRefreshError(`token refresh ${what}; the outcome at Zalo is unknown`, { transient: true, cause: err });
  }
  if (res.status === 429 || res.status >= 500) throw new TokenRefreshError(`token refresh failed with HTTP ${res.status}`, { transient: true });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TokenRefreshError(`token refresh returned unreadable body (HTTP ${res.status})`, { transient: true });
  }
  const ok = tokenResponseSchema.safeParse(json);
  if (ok.success) {
    const now = (req.now ?? (() => new Date()))();
    return {
      accessToken: ok.data.access_token,
      refreshToken: ok.data.refresh_token,
      accessExpiresAt: new Date(now.getTime() + ok.data.expires_in * 1000),
      refreshExpiresAt: new Date(now.getTime() + REFRESH_TOKEN_LIFETIME_MS),
      obtainedAt: now,
    };
  }
  const e = tokenErrorSchema.safeParse(json);
  const code = e.success ? e.data.error : undefined;
  const name = e.success ? (e.data.error_name ?? e.data.error_description ?? e.data.message ?? '') : '';
  // Zalo answered and refused: the refresh token (or app secret) is not accepted.
  throw new TokenRefreshError(`token refresh refused by Zalo${code !== undefined ? ` (error ${code})` : ''}${name ? `: ${name}` : ''}`, {
    transient: false,
    ...(code !== undefined ? { zaloError: code } : {}),
  });
}

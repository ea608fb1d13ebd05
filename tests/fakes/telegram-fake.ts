/**
 * A fake Telegram Bot API: a real HTTP server on 127.0.0.1 speaking /bot<token>/<method> for
 * the methods the adapter uses (getMe, sendMessage, answerCallbackQuery, sendChatAction,
 * setWebhook, deleteWebhook, getWebhookInfo, getUpdates with offset semantics, getFile) and the
 * file download path /file/bot<token>/<file_path>. It records every request,
 * enforces the limits the renderer promises (4,096 characters, 64-byte callback_data, parseable
 * HTML), and can be scripted to fail: 429 with retry_after, 403 blocked, 5xx, delays.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TgRecordedRequest {
  method: string;
  token: string;
  body: any;
  at: Date;
}

export interface TgScripted {
  /** Only calls to this method consume the script (any method when omitted). */
  method?: string;
  status: number;
  body: unknown;
  delayMs?: number;
}

export interface TelegramFake {
  /** The apiRoot to give telegraf. */
  url: string;
  token: string;
  requests: TgRecordedRequest[];
  calls(method: string): TgRecordedRequest[];
  /** sendMessage calls the fake accepted (answered 200): what a worker would actually see. */
  delivered(): TgRecordedRequest[];
  /**
   * Until cleared (undefined), every call of the script's method gets the script: an outage
   * (429s, 5xx, a hang of delayMs; with status 0 the connection is dropped after the delay).
   */
  outage(script: TgScripted | undefined): void;
  enqueue(...scripts: TgScripted[]): void;
  /** Queue an update for getUpdates; update_id is assigned when omitted. */
  pushUpdate(update: Record<string, unknown>): number;
  /** Updates confirmed by a later offset (what the real API forgets). */
  confirmedUpdateIds(): number[];
  /**
   * A file a user sent, for getFile and the download path (recorded as method "file"); its
   * file_id is returned. Without contentType the download answers application/octet-stream.
   */
  addFile(bytes: Buffer, opts?: { contentType?: string; path?: string }): string;
  /** The registered webhook as getWebhookInfo reports it; set lastError to play a failing delivery. */
  webhook: { url: string; allowedUpdates?: string[] | undefined; lastError?: string };
  reset(): void;
  close(): Promise<void>;
}

export const TG = {
  tooManyRequests: (retryAfter: number, method = 'sendMessage'): TgScripted => ({
    method,
    status: 429,
    body: { ok: false, error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } },
  }),
  blocked: (method = 'sendMessage'): TgScripted => ({
    method,
    status: 403,
    body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
  }),
  serverError: (method = 'sendMessage'): TgScripted => ({ method, status: 502, body: 'Bad Gateway' }),
  badRequest: (description: string, method = 'sendMessage'): TgScripted => ({
    method,
    status: 400,
    body: { ok: false, error_code: 400, description: `Bad Request: ${description}` },
  }),
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const ALLOWED_TAGS = /<\/?(b|strong|i|em|u|ins|s|strike|del|code|pre|blockquote|tg-spoiler)>|<a href="[^"]*">|<\/a>/g;

/** Visible text after HTML entity parsing, or undefined when the HTML is not parseable. */
function parseHtml(text: string): string | undefined {
  const stripped = text.replace(ALLOWED_TAGS, '');
  if (/[<>]/.test(stripped)) return undefined;
  if (/&(?!(lt|gt|amp|quot);)/.test(stripped)) return undefined;
  return stripped.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

function sendMessageViolation(body: any): string | undefined {
  const raw = typeof body?.text === 'string' ? body.text : '';
  const visible = body?.parse_mode === 'HTML' ? parseHtml(raw) : raw;
  if (visible === undefined) return "can't parse entities: unsupported start tag";
  if (visible.trim() === '') return 'message text is empty';
  if (visible.length > 4096) return 'message is too long';
  let markup = body?.reply_markup;
  if (typeof markup === 'string') markup = JSON.parse(markup);
  for (const row of markup?.inline_keyboard ?? []) {
    for (const b of row) {
      if (typeof b.callback_data === 'string' && (Buffer.byteLength(b.callback_data) > 64 || b.callback_data.length === 0)) return 'BUTTON_DATA_INVALID';
      if (!b.text) return 'BUTTON_TEXT_INVALID';
    }
  }
  return undefined;
}

export async function startTelegramFake(opts: { token?: string; username?: string; botId?: number } = {}): Promise<TelegramFake> {
  const token = opts.token ?? '123456:TEST-token';
  const requests: TgRecordedRequest[] = [];
  const scripts: TgScripted[] = [];
  const delivered: TgRecordedRequest[] = [];
  let outage: TgScripted | undefined;
  const pending: Record<string, unknown>[] = [];
  const confirmed: number[] = [];
  let nextUpdateId = 1000;
  let nextMessageId = 1;
  /** What setWebhook last registered, for getWebhookInfo. */
  const webhook: TelegramFake['webhook'] = { url: '' };

  const files = new Map<string, { bytes: Buffer; contentType?: string; path: string }>();

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (download?.[1] && download[2]) {
      requests.push({ method: 'file', token: download[1], body: { path: download[2] }, at: new Date() });
      const file = [...files.values()].find((f) => f.path === download[2]);
      if (download[1] !== token || !file) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
      }
      res.writeHead(200, { 'content-type': file.contentType ?? 'application/octet-stream', 'content-length': file.bytes.length });
      return void res.end(file.bytes);
    }
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    const raw = await readBody(req);
    let body: any = Object.fromEntries(url.searchParams);
    if (raw) {
      const ct = String(req.headers['content-type'] ?? '');
      body = ct.includes('application/json') ? JSON.parse(raw) : Object.fromEntries(new URLSearchParams(raw));
    }
    const reply = (status: number, payload: unknown) => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': typeof payload === 'string' ? 'text/plain' : 'application/json' });
      res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
    };
    if (!m?.[1] || !m[2]) return reply(404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, reqToken, method] = m;
    const recorded: TgRecordedRequest = { method, token: reqToken, body, at: new Date() };
    requests.push(recorded);
    if (reqToken !== token) return reply(401, { ok: false, error_code: 401, description: 'Unauthorized' });

    if (outage && (!outage.method || outage.method === method)) {
      const s = outage;
      if (s.delayMs) await new Promise((r) => setTimeout(r, s.delayMs));
      if (s.status === 0) return void res.destroy();
      return reply(s.status, s.body);
    }
    const idx = scripts.findIndex((s) => !s.method || s.method === method);
    if (idx >= 0) {
      const [s] = scripts.splice(idx, 1);
      if (s) {
        if (s.delayMs) await new Promise((r) => setTimeout(r, s.delayMs));
        return reply(s.status, s.body);
      }
    }
    const ok = (result: unknown) => reply(200, { ok: true, result });
    const bad = (description: string) => reply(400, { ok: false, error_code: 400, description: `Bad Request: ${description}` });

    switch (method) {
      case 'getMe':
        return ok({ id: opts.botId ?? 777, is_bot: true, first_name: 'Trợ lý Công đoàn', username: opts.username ?? 'TroLyCongDoanBot' });
      case 'sendMessage': {
        const violation = sendMessageViolation(body);
        if (violation) return bad(violation);
        delivered.push(recorded);
        return ok({ message_id: nextMessageId++, date: Math.floor(Date.now() / 1000), chat: { id: Number(body.chat_id), type: 'private' }, text: body.text });
      }
      case 'answerCallbackQuery':
        if (!body.callback_query_id) return bad('query is too old and response timeout expired or query ID is invalid');
        return ok(true);
      case 'sendChatAction':
        return ok(true);
      case 'setWebhook':
        if (body.secret_token !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(String(body.secret_token))) return bad('secret token contains unallowed characters');
        webhook.url = String(body.url ?? '');
        webhook.allowedUpdates = Array.isArray(body.allowed_updates) ? body.allowed_updates.map(String) : undefined;
        return ok(true);
      case 'deleteWebhook':
        webhook.url = '';
        webhook.allowedUpdates = undefined;
        return ok(true);
      case 'getWebhookInfo':
        // Like the real API: allowed_updates only when set, last_error_* only after a failure.
        return ok({
          url: webhook.url,
          has_custom_certificate: false,
          pending_update_count: pending.length,
          ...(webhook.allowedUpdates ? { allowed_updates: webhook.allowedUpdates } : {}),
          ...(webhook.lastError ? { last_error_date: Math.floor(Date.now() / 1000) - 60, last_error_message: webhook.lastError } : {}),
        });
      case 'getFile': {
        const file = files.get(String(body.file_id ?? ''));
        if (!file) return bad('invalid file_id');
        return ok({ file_id: body.file_id, file_unique_id: `u-${body.file_id}`, file_size: file.bytes.length, file_path: file.path });
      }
      case 'getUpdates': {
        const offset = Number(body.offset ?? 0);
        // Like the real API: a later offset confirms (forgets) everything before it.
        while (pending.length && Number(pending[0]?.update_id) < offset) confirmed.push(Number(pending.shift()?.update_id));
        if (!pending.length) await new Promise((r) => setTimeout(r, Math.min(Number(body.timeout ?? 0) * 1000, 100)));
        return ok(pending.slice(0, Number(body.limit ?? 100)));
      }
      default:
        return reply(404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    requests,
    calls: (method) => requests.filter((r) => r.method === method),
    delivered: () => [...delivered],
    outage: (script) => void (outage = script),
    enqueue: (...s) => scripts.push(...s),
    pushUpdate: (update) => {
      const id = typeof update.update_id === 'number' ? update.update_id : nextUpdateId++;
      pending.push({ ...update, update_id: id });
      return id;
    },
    confirmedUpdateIds: () => [...confirmed],
    addFile: (bytes, fileOpts = {}) => {
      const fileId = `AgACAgIAAxkBAAI${files.size + 1}`;
      files.set(fileId, { bytes, path: fileOpts.path ?? `photos/file_${files.size}.jpg`, ...(fileOpts.contentType ? { contentType: fileOpts.contentType } : {}) });
      return fileId;
    },
    webhook,
    reset: () => {
      requests.length = 0;
      delivered.length = 0;
      outage = undefined;
      scripts.length = 0;
      pending.length = 0;
      confirmed.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

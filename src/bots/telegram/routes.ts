/**
 * Telegram inbound: the webhook at POST /webhooks/telegram, and a long-polling loop for
 * development and for end-to-end tests against telegram-test-api.
 *
 * Both hand every Activity to the durable inbox before acknowledging the update (a 200 for the
 * webhook, the next getUpdates offset for polling); the inbox de-duplicates on messageId, so a
 * redelivered update is harmless. Callback queries are answered after the inbox took them, and
 * a tapped button whose token expired is answered with a polite notice and nothing stored.
 */
import type { FastifyPluginAsync } from 'fastify';
import { Telegram, TelegramError } from 'telegraf';
import type { Inbox } from '../delivery/types.js';
import { secretMatcher } from '../shared-secret.js';
import type { CallbackDataRegistry } from './callback-data.js';
import { type TelegramEventOptions, updateToActivities } from './events.js';
import { createTelegramClient, DEFAULT_TELEGRAM_API_ROOT } from './sender.js';

export const TELEGRAM_WEBHOOK_PATH = '/webhooks/telegram';
export const TELEGRAM_SECRET_HEADER = 'x-telegram-bot-api-secret-token';
export const WEBHOOK_BODY_LIMIT = 64 * 1024;

export type AnswerCallback = (callbackQueryId: string, text?: string) => Promise<unknown>;

export interface UpdateHandlerOptions {
  inbox: Inbox;
  registry: CallbackDataRegistry;
  botUsername?: string;
  botId?: number;
  /** Usually TelegramSender.answerCallbackQuery bound to the sender. */
  answerCallback?: AnswerCallback;
  now?: () => Date;
}

/**
 * Accepts one update's Activities into the inbox, then answers its callback query (best-effort).
 * Throws only when the inbox does: the update must then not be acknowledged.
 */
export async function handleTelegramUpdate(update: unknown, opts: UpdateHandlerOptions): Promise<{ accepted: number; ignored?: string }> {
  const eventOpts: TelegramEventOptions = { registry: opts.registry, botUsername: opts.botUsername, botId: opts.botId, now: opts.now };
  // A button issued by another instance: load its token first (a failure is not acknowledged).
  const data = (update as { callback_query?: { data?: unknown } } | null)?.callback_query?.data;
  if (opts.registry.prefetch && typeof data === 'string') await opts.registry.prefetch(data);
  const result = updateToActivities(update, eventOpts);
  for (const activity of result.activities) await opts.inbox.accept(activity);
  if (result.callbackQuery && opts.answerCallback) {
    await opts.answerCallback(result.callbackQuery.id, result.callbackQuery.text).catch(() => undefined);
  }
  return result.ignored ? { accepted: result.activities.length, ignored: result.ignored } : { accepted: result.activities.length };
}

export interface TelegramWebhookOptions extends UpdateHandlerOptions {
  /** The secret_token given to setWebhook; Telegram echoes it in X-Telegram-Bot-Api-Secret-Token. */
  secret: string;
}

export const telegramWebhook: FastifyPluginAsync<TelegramWebhookOptions> = async (app, opts) => {
  if (!opts.secret) throw new Error('telegram webhook needs a secret token');
  const isSecret = secretMatcher(opts.secret);
  // Scoped to this plugin: JSON is parsed by hand so that a bad body is a clean 400.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));

  app.post(TELEGRAM_WEBHOOK_PATH, { bodyLimit: WEBHOOK_BODY_LIMIT }, async (req, reply) => {
    const header = req.headers[TELEGRAM_SECRET_HEADER];
    if (!isSecret(Array.isArray(header) ? header[0] : header)) {
      req.log.warn('telegram webhook refused: bad secret token');
      return reply.code(401).send({ error: { code: 'BAD_SECRET', message: 'Không được phép.' } });
    }
    let update: unknown;
    try {
      update = JSON.parse(typeof req.body === 'string' ? req.body : '');
    } catch {
      return reply.code(400).send({ error: { code: 'BAD_JSON', message: 'Yêu cầu không hợp lệ.' } });
    }
    if (!update || typeof update !== 'object' || typeof (update as { update_id?: unknown }).update_id !== 'number') {
      return reply.code(400).send({ error: { code: 'NOT_AN_UPDATE', message: 'Yêu cầu không hợp lệ.' } });
    }
    const r = await handleTelegramUpdate(update, opts);
    if (r.ignored) req.log.debug({ reason: r.ignored }, 'telegram update ignored');
    return reply.code(200).send({ ok: true });
  });
};

export interface PollingLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface PollingOptions extends Omit<UpdateHandlerOptions, 'answerCallback'> {
  /** Either a ready client, or token (+ apiRoot) to build one. */
  telegram?: Telegram;
  token?: string;
  apiRoot?: string;
  /** Defaults to answerCallbackQuery on the same client. */
  answerCallback?: AnswerCallback;
  /** Long-poll timeout in seconds. */
  timeoutSeconds?: number;
  limit?: number;
  /** Pause after an empty batch that came back at once (emulators and proxies that do not long-poll). */
  idleDelayMs?: number;
  maxBackoffMs?: number;
  logger?: PollingLogger;
}

export interface PollingHandle {
  /** Stops after the update in hand; resolves when the loop has ended. */
  stop(): Promise<void>;
  /** Ends when the loop stops: on stop(), or on a fatal error (bad token, webhook still set). */
  readonly done: Promise<void>;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

interface RawUpdate {
  update_id: number;
}

/**
 * Long polling with getUpdates through telegraf's client. An update is acknowledged (by moving
 * the offset past it) only after inbox.accept succeeded; if the inbox fails, the same updates are
 * fetched again after a back-off, in order.
 */
export function startPolling(opts: PollingOptions): PollingHandle {
  const telegram = opts.telegram ?? (opts.token ? createTelegramClient(opts.token, opts.apiRoot ?? DEFAULT_TELEGRAM_API_ROOT) : undefined);
  if (!telegram) throw new Error('startPolling needs a telegram client or a token');
  const controller = new AbortController();
  const signal = controller.signal;
  const apiSignal = signal as unknown as NonNullable<Parameters<Telegram['callApi']>[2]>['signal'];
  const timeout = opts.timeoutSeconds ?? 25;
  const limit = opts.limit ?? 100;
  const idleDelayMs = opts.idleDelayMs ?? 300;
  const maxBackoffMs = opts.maxBackoffMs ?? 30_000;
  const log = opts.logger;
  const answerCallback: AnswerCallback =
    opts.answerCallback ??
    ((id, text) => telegram.callApi('answerCallbackQuery', { callback_query_id: id, ...(text ? { text } : {}) } as never));

  const run = async () => {
    const handlerOpts: UpdateHandlerOptions = { ...opts, answerCallback };
    if (!handlerOpts.botUsername) {
      // Needed to notice mentions in groups; without it group messages are ignored.
      try {
        const me = (await telegram.callApi('getMe', {} as never, { signal: apiSignal })) as { username?: string; id?: number };
        if (me.username) handlerOpts.botUsername = me.username;
        if (me.id !== undefined && handlerOpts.botId === undefined) handlerOpts.botId = me.id;
      } catch (err) {
        if (signal.aborted) return;
        log?.warn({ err: (err as Error).message }, 'telegram getMe failed; group mentions will be ignored');
      }
    }
    const firstBackoff = Math.min(1000, maxBackoffMs);
    let offset = 0;
    let backoff = firstBackoff;
    while (!signal.aborted) {
      const started = Date.now();
      let updates: RawUpdate[];
      try {
        updates = (await telegram.callApi(
          'getUpdates',
          { offset, timeout, limit, allowed_updates: ['message', 'callback_query'] } as never,
          { signal: apiSignal },
        )) as unknown as RawUpdate[];
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof TelegramError && (err.code === 401 || err.code === 404 || err.code === 409)) {
          // 401/404: bad token; 409: a webhook is set or another poller runs. Retrying cannot help.
          log?.error({ code: err.code, description: err.description }, 'telegram polling stopped');
          return;
        }
        const retryAfter = err instanceof TelegramError ? err.parameters?.retry_after : undefined;
        const wait = typeof retryAfter === 'number' ? retryAfter * 1000 : backoff;
        log?.warn({ err: (err as Error).message, waitMs: wait }, 'telegram getUpdates failed');
        await abortableSleep(wait, signal);
        backoff = Math.min(backoff * 2, maxBackoffMs);
        continue;
      }
      const sorted = [...(Array.isArray(updates) ? updates : [])].sort((a, b) => a.update_id - b.update_id);
      let failed = false;
      for (const update of sorted) {
        if (update.update_id < offset) continue;
        try {
          await handleTelegramUpdate(update, handlerOpts);
        } catch (err) {
          log?.error({ err: (err as Error).message, updateId: update.update_id }, 'inbox refused a telegram update; will fetch it again');
          failed = true;
          break;
        }
        offset = update.update_id + 1;
      }
      if (failed) {
        await abortableSleep(backoff, signal);
        backoff = Math.min(backoff * 2, maxBackoffMs);
        continue;
      }
      backoff = firstBackoff;
      if (sorted.length === 0 && Date.now() - started < 1000) {
        await abortableSleep(idleDelayMs, signal);
      }
    }
  };

  const done = run().catch((err) => {
    log?.error({ err: (err as Error).message }, 'telegram polling crashed');
  });
  return {
    done,
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}

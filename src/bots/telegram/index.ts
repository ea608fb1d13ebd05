/**
 * The Telegram channel, assembled: configuration from the environment (the channel is on when
 * TELEGRAM_BOT_TOKEN is set), telegraf's client, the sender, the callback-data registry shared
 * by both directions, and either the webhook options or a polling starter.
 * See docs/platforms/telegram.md.
 */
import { optionalText as optional, parseChannelEnv } from '../channel-env.js';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DatabaseSchema } from '../../store/db.js';
import type { Inbox } from '../delivery/types.js';
import { type CallbackDataRegistry, MemoryCallbackRegistry } from './callback-data.js';
import { type PollingHandle, type PollingLogger, startPolling, type TelegramWebhookOptions } from './routes.js';
import { createTelegramClient, DEFAULT_TELEGRAM_API_ROOT, DEFAULT_TIMEOUT_MS, TelegramSender } from './sender.js';
import { SECRET_TOKEN_PATTERN } from './setup.js';
import { SqlCallbackRegistry } from './sql-callback-data.js';
import type { TelegramClient } from './client.js';

export { telegramWebhook, startPolling, TELEGRAM_WEBHOOK_PATH } from './routes.js';
export { TelegramSender, classifyTelegramError } from './sender.js';
export { registerTelegramWebhook } from './setup.js';
export { MemoryCallbackRegistry } from './callback-data.js';
export { SqlCallbackRegistry } from './sql-callback-data.js';
export type { CallbackDataRegistry } from './callback-data.js';

const envSchema = z
  .object({
    TELEGRAM_BOT_TOKEN: z.string().trim().regex(/^\d+:[\w-]+$/, 'like 123456:ABC-DEF…'),
    /** webhook in production; polling for development (no public URL needed). */
    TELEGRAM_MODE: z.enum(['webhook', 'polling']).default('webhook'),
    TELEGRAM_WEBHOOK_SECRET: optional.refine((v) => v === undefined || SECRET_TOKEN_PATTERN.test(v), '1-256 characters of A-Z a-z 0-9 _ -'),
    /** Public HTTPS URL of /webhooks/telegram, for registerTelegramWebhook at deploy time. */
    TELEGRAM_WEBHOOK_URL: optional,
    TELEGRAM_API_ROOT: z.url().default(DEFAULT_TELEGRAM_API_ROOT),
    /** The bot's @username; learned with getMe when polling, needed for group mentions with webhooks. */
    TELEGRAM_BOT_USERNAME: optional,
    TELEGRAM_TIMEOUT_MS: z.coerce.number().int().min(1000).max(60_000).default(DEFAULT_TIMEOUT_MS),
  })
  .refine((c) => c.TELEGRAM_MODE !== 'webhook' || c.TELEGRAM_WEBHOOK_SECRET, {
    path: ['TELEGRAM_WEBHOOK_SECRET'],
    message: 'required in webhook mode',
  });

export type TelegramConfig = z.infer<typeof envSchema>;

/** Every variable the loader reads (the docs are tested against it). */
export const TELEGRAM_ENV_KEYS = Object.keys(envSchema.shape);

/** undefined when the channel is off; throws naming the variable when it is half-configured. */
export function loadTelegramConfig(env: NodeJS.ProcessEnv = process.env): TelegramConfig | undefined {
  if (!env.TELEGRAM_BOT_TOKEN?.trim()) return undefined;
  const config = parseChannelEnv(envSchema, env, 'Telegram');
  return config;
}

export interface TelegramChannel {
  sender: TelegramSender;
  registry: CallbackDataRegistry;
  /** Register with `app.register(telegramWebhook, webhookOptions)` in webhook mode. */
  webhookOptions: TelegramWebhookOptions | undefined;
  /** In polling mode: starts the loop (call once). */
  startPolling(logger?: PollingLogger): PollingHandle;
  /** The files workers sent, by file_id (for the console). */
  files: Pick<TelegramClient, 'downloadFile'>;
}

export interface TelegramChannelDeps {
  config: TelegramConfig;
  inbox: Inbox;
  /** With a database, button tokens are shared by every instance (SqlCallbackRegistry). */
  db?: Kysely<DatabaseSchema>;
  registry?: CallbackDataRegistry;
}

export function createTelegramChannel(deps: TelegramChannelDeps): TelegramChannel {
  const c = deps.config;
  const telegram = createTelegramClient(c.TELEGRAM_BOT_TOKEN, c.TELEGRAM_API_ROOT);
  const registry = deps.registry ?? (deps.db ? new SqlCallbackRegistry(deps.db) : new MemoryCallbackRegistry());
  const sender = new TelegramSender({ telegram, registry, timeoutMs: c.TELEGRAM_TIMEOUT_MS });
  const answerCallback = (id: string, text?: string) => sender.answerCallbackQuery(id, text);
  const base = { inbox: deps.inbox, registry, answerCallback, ...(c.TELEGRAM_BOT_USERNAME ? { botUsername: c.TELEGRAM_BOT_USERNAME } : {}) };
  return {
    sender,
    registry,
    webhookOptions: c.TELEGRAM_MODE === 'webhook' && c.TELEGRAM_WEBHOOK_SECRET ? { ...base, secret: c.TELEGRAM_WEBHOOK_SECRET } : undefined,
    startPolling: (logger) => startPolling({ ...base, telegram, ...(logger ? { logger } : {}) }),
    files: telegram,
  };
}

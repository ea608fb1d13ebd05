/**
 * One-off webhook registration: setWebhook with a secret_token (echoed by Telegram in
 * X-Telegram-Bot-Api-Secret-Token on every update) and only the update kinds we handle.
 * Sources: docs/platforms/telegram.md.
 */
import type { Telegram } from 'telegraf';
import { createTelegramClient } from './sender.js';

/** Telegram accepts 1–256 characters from A–Z, a–z, 0–9, _ and - for secret_token. */
export const SECRET_TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;
export const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

export interface RegisterWebhookOptions {
  /** The public HTTPS URL of /webhooks/telegram. */
  url: string;
  secret: string;
  telegram?: Telegram;
  token?: string;
  apiRoot?: string;
  /** Drop updates that queued up while no webhook was set. Default false. */
  dropPendingUpdates?: boolean;
}

export async function registerTelegramWebhook(opts: RegisterWebhookOptions): Promise<true> {
  if (!SECRET_TOKEN_PATTERN.test(opts.secret)) throw new Error('TELEGRAM webhook secret must be 1-256 characters of A-Z, a-z, 0-9, _ or -');
  const url = new URL(opts.url);
  // Telegram only delivers to HTTPS; plain http is allowed for a local emulator only.
  if (url.protocol !== 'https:' && !['127.0.0.1', 'localhost', '::1'].includes(url.hostname)) {
    throw new Error('Telegram webhooks must use https');
  }
  const telegram = opts.telegram ?? (opts.token ? createTelegramClient(opts.token, opts.apiRoot) : undefined);
  if (!telegram) throw new Error('registerTelegramWebhook needs a telegram client or a token');
  return telegram.setWebhook(opts.url, {
    secret_token: opts.secret,
    allowed_updates: [...ALLOWED_UPDATES],
    drop_pending_updates: opts.dropPendingUpdates ?? false,
  });
}

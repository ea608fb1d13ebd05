/**
 * `npm run setup -- telegram [--check] [--drop-pending-updates]`
 *
 * Registers the webhook (setWebhook with TELEGRAM_WEBHOOK_SECRET as secret_token and only the
 * update kinds we handle), or removes it in polling mode, then reports what Telegram has
 * (getWebhookInfo). `--check` only reports. Reads the same variables as the channel; never
 * prints the token or the secret.
 */
import { Telegram, TelegramError } from 'telegraf';
import { loadTelegramConfig, type TelegramConfig } from '../bots/telegram/index.js';
import { TELEGRAM_WEBHOOK_PATH } from '../bots/telegram/routes.js';
import { ALLOWED_UPDATES, registerTelegramWebhook } from '../bots/telegram/setup.js';
import { createTelegramClient } from '../bots/telegram/sender.js';
import { EXIT, loadChannelConfig, type SetupIO } from './setup-io.js';

/** A delivery error younger than this means the webhook is failing now. */
const RECENT_ERROR_S = 15 * 60;

function describeError(err: unknown): string {
  if (err instanceof TelegramError) return `${err.code} ${err.description}`;
  return (err as Error).message ?? String(err);
}

export async function setupTelegram(args: string[], io: SetupIO): Promise<number> {
  const config = loadChannelConfig(loadTelegramConfig, io, 'TELEGRAM_BOT_TOKEN is not set: the Telegram channel is off. Set it (from @BotFather) and run again.');
  if (!config) return EXIT.config;
  const telegram = createTelegramClient(config.TELEGRAM_BOT_TOKEN, config.TELEGRAM_API_ROOT);
  const check = args.includes('--check');

  try {
    const me = await telegram.getMe();
    io.out(`Telegram bot @${me.username} (id ${me.id}), API ${config.TELEGRAM_API_ROOT}`);
  } catch (err) {
    io.out(`Telegram refused TELEGRAM_BOT_TOKEN: ${describeError(err)}`);
    return EXIT.failed;
  }

  if (!check) {
    const done = await register(telegram, config, args.includes('--drop-pending-updates'), io);
    if (done !== EXIT.ok) return done;
  }
  return report(telegram, config, io);
}

async function register(telegram: Telegram, config: TelegramConfig, dropPending: boolean, io: SetupIO): Promise<number> {
  try {
    if (config.TELEGRAM_MODE === 'polling') {
      // A registered webhook makes getUpdates fail with 409.
      await telegram.deleteWebhook({ drop_pending_updates: dropPending });
      io.out('TELEGRAM_MODE=polling: webhook removed; the server fetches updates with getUpdates.');
      return EXIT.ok;
    }
    const url = config.TELEGRAM_WEBHOOK_URL;
    if (!url) {
      io.out(`TELEGRAM_WEBHOOK_URL is not set: give the public https URL of ${TELEGRAM_WEBHOOK_PATH}.`);
      return EXIT.config;
    }
    // The loader requires the secret in webhook mode.
    await registerTelegramWebhook({ url, secret: config.TELEGRAM_WEBHOOK_SECRET ?? '', telegram, dropPendingUpdates: dropPending });
    io.out(`Webhook registered: ${url} (secret token set, updates: ${ALLOWED_UPDATES.join(', ')})`);
    return EXIT.ok;
  } catch (err) {
    io.out(`Webhook registration failed: ${describeError(err)}`);
    return EXIT.failed;
  }
}

async function report(telegram: Telegram, config: TelegramConfig, io: SetupIO): Promise<number> {
  let info: Awaited<ReturnType<Telegram['getWebhookInfo']>>;
  try {
    info = await telegram.getWebhookInfo();
  } catch (err) {
    io.out(`getWebhookInfo failed: ${describeError(err)}`);
    return EXIT.failed;
  }
  const problems: string[] = [];
  io.out(`  mode             ${config.TELEGRAM_MODE}`);
  io.out(`  webhook url      ${info.url || '(none)'}`);
  io.out(`  allowed updates  ${info.allowed_updates?.join(', ') ?? '(Telegram default)'}`);
  io.out(`  pending updates  ${info.pending_update_count}`);
  if (info.last_error_date) {
    const when = new Date(info.last_error_date * 1000).toISOString();
    io.out(`  last error       ${when} ${info.last_error_message ?? ''}`.trimEnd());
    if (Date.now() / 1000 - info.last_error_date < RECENT_ERROR_S) problems.push('Telegram failed to deliver to the webhook in the last 15 minutes (see last error)');
  } else {
    io.out('  last error       none');
  }

  if (config.TELEGRAM_MODE === 'polling') {
    if (info.url) problems.push('a webhook is registered, so polling will get 409: run `npm run setup -- telegram` to remove it');
  } else {
    const expected = config.TELEGRAM_WEBHOOK_URL;
    if (!info.url) problems.push('no webhook is registered: run `npm run setup -- telegram`');
    else if (expected && info.url !== expected) problems.push(`the webhook points at ${info.url}, not TELEGRAM_WEBHOOK_URL (${expected})`);
    const missing = info.allowed_updates ? ALLOWED_UPDATES.filter((u) => !info.allowed_updates?.includes(u)) : [];
    if (missing.length) problems.push(`Telegram will not send: ${missing.join(', ')}`);
    if (info.url) io.out('  (the secret token cannot be read back: if in doubt, run the setup again)');
  }
  for (const p of problems) io.out(`PROBLEM: ${p}`);
  io.out(problems.length ? 'Telegram: NOT ready' : 'Telegram: OK');
  return problems.length ? EXIT.failed : EXIT.ok;
}

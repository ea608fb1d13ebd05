/**
 * The server as src/main.ts wires it, for the console's browser tests: engine, durable
 * delivery, the Telegram channel in webhook mode against the Telegram fake, the web chat, and
 * the console (counsellor replies through the outbox, typing straight to the platform). SQLite
 * in memory, one counsellor account. The worker on Telegram is played over real HTTP.
 */
import { expect } from 'vitest';
import { loadChannelConfigs } from '../../src/bots/channels.js';
import { LocalCoordinator } from '../../src/coordination/local.js';
import { Accounts } from '../../src/console/accounts.js';
import { scryptParams } from '../../src/console/passwords.js';
import { createEngine } from '../../src/flows/engine.js';
import { createLogger } from '../../src/log.js';
import { assembleServer } from '../../src/server/assemble.js';
import { createStore, type SqlStore } from '../../src/store/sql-store.js';
import { startTelegramFake, type TelegramFake } from '../fakes/telegram-fake.js';

/**
 * Where the browser tests put their screenshots: the git-ignored screenshots/ on a plain
 * `npm test` (so a test run leaves no changed binaries in anyone's work tree), docs/console/
 * with `npm run screenshots`, which refreshes the ones the README shows.
 */
export const SHOTS = process.env.CONSOLE_SCREENSHOTS || 'screenshots';

export const COUNSELLOR = { email: 'lan@congdoan.vn', name: 'Nguyễn Thị Lan', password: 'mật khẩu tư vấn viên 2026' };
const TG_SECRET = 'e2e-secret_1';

export interface TgButton {
  text: string;
  callback_data: string;
}

/** A worker on Telegram: writes and taps through the webhook, reads what the fake received. */
export interface TelegramWorker {
  chatId: number;
  conversationId: string;
  writes(text: string): Promise<void>;
  /** Sends a photo (the fake keeps the bytes for getFile), in the sizes Telegram makes, with a caption. */
  sendsPhoto(bytes: Buffer, caption?: string): Promise<void>;
  taps(callbackData: string): Promise<void>;
  /** Every message the bot sent to this chat, in order, with its inline buttons. */
  received(): Array<{ text: string; buttons: TgButton[] }>;
  lastReceived(): string;
}

export interface ConsoleServer {
  base: string;
  store: SqlStore;
  telegram: TelegramFake;
  worker(chatId: number, firstName: string): TelegramWorker;
  close(): Promise<void>;
}

let updateId = 5000;

export async function startConsoleServer(): Promise<ConsoleServer> {
  // Hashing at full cost is slow on a busy machine; the browser tests log in a few times.
  scryptParams.N = 2 ** 12;
  const telegram = await startTelegramFake({ username: 'TroLyCongDoanBot' });
  const store = await createStore({ databasePath: ':memory:' });
  const coordinator = new LocalCoordinator();
  const logger = createLogger('silent');
  const engine = createEngine({ store, coordinator });
  await new Accounts(store.db).create({ email: COUNSELLOR.email, name: COUNSELLOR.name, role: 'counsellor' }, COUNSELLOR.password);
  const server = await assembleServer({
    store,
    coordinator,
    engine,
    logger,
    channelConfigs: loadChannelConfigs({ TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_WEBHOOK_SECRET: TG_SECRET, TELEGRAM_API_ROOT: telegram.url, TELEGRAM_BOT_USERNAME: 'TroLyCongDoanBot' }),
    delivery: { outbox: { backoff: { baseMs: 50, maxMs: 200 } } },
    app: { config: { MAX_MESSAGE_CHARS: 2000, TRUST_PROXY: false } },
    console: { kb: engine.kb },
  });
  const { app } = server;
  await server.start({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

  const webhook = async (update: Record<string, unknown>) => {
    const res = await fetch(`${base}/webhooks/telegram`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TG_SECRET },
      body: JSON.stringify({ update_id: ++updateId, ...update }),
    });
    expect(res.status).toBe(200);
  };

  return {
    base,
    store,
    telegram,
    worker(chatId, firstName) {
      const from = { id: chatId, is_bot: false, first_name: firstName, language_code: 'vi' };
      const chat = { id: chatId, type: 'private', first_name: firstName };
      const received = () =>
        telegram
          .calls('sendMessage')
          .filter((r) => String(r.body.chat_id) === String(chatId))
          .map((r) => {
            const markup = typeof r.body.reply_markup === 'string' ? JSON.parse(r.body.reply_markup) : r.body.reply_markup;
            return { text: String(r.body.text), buttons: ((markup?.inline_keyboard ?? []) as TgButton[][]).flat() };
          });
      return {
        chatId,
        conversationId: `telegram:${chatId}`,
        writes: (text) => webhook({ message: { message_id: ++updateId, date: Math.floor(Date.now() / 1000), chat, from, text } }),
        sendsPhoto: (bytes, caption) => {
          const fileId = telegram.addFile(bytes);
          const photo = [
            { file_id: `${fileId}-small`, file_unique_id: `s-${fileId}`, width: 90, height: 68 },
            { file_id: fileId, file_unique_id: `u-${fileId}`, width: 320, height: 240, file_size: bytes.length },
          ];
          return webhook({ message: { message_id: ++updateId, date: Math.floor(Date.now() / 1000), chat, from, photo, ...(caption ? { caption } : {}) } });
        },
        taps: (data) => webhook({ callback_query: { id: `cq-${++updateId}`, from, chat_instance: 'ci-1', message: { message_id: 1, date: Math.floor(Date.now() / 1000), chat }, data } }),
        received,
        lastReceived: () => received().at(-1)?.text ?? '',
      };
    },
    async close() {
      await server.stop();
      await coordinator.close();
      await store.close();
      await telegram.close();
    },
  };
}

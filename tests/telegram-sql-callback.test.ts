/**
 * Telegram button tokens shared through the database: a button sent by one instance works when
 * the tap reaches another, until the token expires.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AcceptResult, Inbox } from '../src/bots/delivery/types.js';
import { TOKEN_PREFIX } from '../src/bots/telegram/callback-data.js';
import { createTelegramChannel, loadTelegramConfig, telegramWebhook } from '../src/bots/telegram/index.js';
import { SqlCallbackRegistry } from '../src/bots/telegram/sql-callback-data.js';
import type { Activity } from '../src/flows/activity.js';
import { openDatabase, type DatabaseSchema } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrations.js';
import { startTelegramFake, type TelegramFake } from './fakes/telegram-fake.js';
import { describeEachDialect } from './helpers/dialects.js';

const SECRET = 'shared-secret_1';
const LONG = 'FAQ:bhtn-dieu-kien-huong-tro-cap-that-nghiep-khi-nghi-viec-dung-luat-va-da-dong-du-12-thang';

class ListInbox implements Inbox {
  accepted: Activity[] = [];
  async accept(a: Activity): Promise<AcceptResult> {
    this.accepted.push(a);
    return 'accepted';
  }
}

let dir: string;
let fake: TelegramFake;
const closers: (() => Promise<void>)[] = [];
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tlcd-tg-cb-'));
  fake = await startTelegramFake();
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

async function connect(): Promise<Kysely<DatabaseSchema>> {
  const db = openDatabase(join(dir, 'bot.db'));
  await migrateToLatest(db);
  closers.push(() => db.destroy());
  return db;
}

/** One instance: its own database connection, channel and webhook. */
async function instance(registry?: SqlCallbackRegistry) {
  const config = loadTelegramConfig({ TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_API_ROOT: fake.url });
  if (!config) throw new Error('channel should be on');
  const inbox = new ListInbox();
  const channel = createTelegramChannel({ config, inbox, ...(registry ? { registry } : { db: await connect() }) });
  const app: FastifyInstance = Fastify();
  await app.register(telegramWebhook, channel.webhookOptions!);
  closers.push(() => app.close());
  const tap = (updateId: number, data: string) =>
    app.inject({
      method: 'POST',
      url: '/webhooks/telegram',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
      payload: JSON.stringify({
        update_id: updateId,
        callback_query: { id: `q-${updateId}`, from: { id: 42, is_bot: false, first_name: 'Lan' }, message: { message_id: 1, date: 1791000000, chat: { id: 42, type: 'private' } }, chat_instance: '1', data },
      }),
    });
  return { channel, inbox, tap };
}

function sentButtons(): string[] {
  return fake.calls('sendMessage').flatMap((r) => {
    const markup = typeof r.body.reply_markup === 'string' ? JSON.parse(r.body.reply_markup) : r.body.reply_markup;
    return (markup?.inline_keyboard ?? []).flat().map((b: { callback_data?: string }) => b.callback_data ?? '');
  });
}

describe('SqlCallbackRegistry', () => {
  it('a button sent by one instance resolves on another', async () => {
    const a = await instance();
    const b = await instance();
    const sent = await a.channel.sender.send({ userId: '42', conversationId: '42' }, { text: 'Bạn muốn xem mục nào?', choices: [{ label: 'Điều kiện hưởng', payload: LONG }] });
    expect(sent.ok).toBe(true);
    const [data] = sentButtons();
    expect(data?.startsWith(TOKEN_PREFIX)).toBe(true);

    expect((await b.tap(9001, data!)).statusCode).toBe(200);
    expect(b.inbox.accepted.map((x) => x.postback)).toEqual([LONG]);
    // The spinner was stopped without the "expired" notice.
    expect(fake.calls('answerCallbackQuery').map((r) => r.body.text)).toEqual([undefined]);
  });

  it('an expired token is refused politely on every instance, and old rows are swept', async () => {
    let now = Date.UTC(2026, 10, 29);
    const ttlMs = 24 * 3600_000;
    const db = await connect();
    const issuer = new SqlCallbackRegistry(db, { ttlMs, now: () => now });
    const token = issuer.encode(LONG);
    await issuer.flush();
    now += ttlMs + 1;

    const other = await instance(new SqlCallbackRegistry(await connect(), { ttlMs, now: () => now }));
    expect((await other.tap(9002, token)).statusCode).toBe(200);
    expect(other.inbox.accepted).toEqual([]);
    expect(fake.calls('answerCallbackQuery')[0]?.body.text).toMatch(/hết hạn/);

    // The next flush (first of the hour) deletes expired rows.
    issuer.encode(`${LONG}-2`);
    await issuer.flush();
    const rows = await db.selectFrom('telegram_callback').select('payload').execute();
    expect(rows.map((r) => r.payload)).toEqual([`${LONG}-2`]);
  });

  it('short payloads travel verbatim and need no row', async () => {
    const db = await connect();
    const r = new SqlCallbackRegistry(db);
    expect(r.encode('HANDOFF')).toBe('HANDOFF');
    await r.flush();
    expect(await db.selectFrom('telegram_callback').selectAll().execute()).toEqual([]);
  });

  it('does not send buttons whose tokens could not be stored: the outbox retries', async () => {
    const db = await connect();
    const a = await instance(new SqlCallbackRegistry(db));
    await db.schema.dropTable('telegram_callback').execute();
    const sent = await a.channel.sender.send({ userId: '42', conversationId: '42' }, { text: 'Chọn một mục', choices: [{ label: 'Xem', payload: LONG }] });
    expect(sent).toMatchObject({ ok: false, retryable: true, code: 'server_error' });
    expect(fake.calls('sendMessage')).toEqual([]);
  });
});

describeEachDialect('SqlCallbackRegistry', ({ openDb }) => {
  it('a token stored by one registry resolves on another until it expires', async () => {
    let now = Date.UTC(2026, 10, 29);
    const db = await openDb();
    const a = new SqlCallbackRegistry(db, { ttlMs: 1000, now: () => now });
    const token = a.encode(LONG);
    a.encode(LONG); // issued twice: one row, expiry pushed out
    await a.flush();
    const b = new SqlCallbackRegistry(db, { now: () => now });
    expect(b.decode(token)).toEqual({ ok: false, reason: 'expired' });
    await b.prefetch(token);
    expect(b.decode(token)).toEqual({ ok: true, payload: LONG });
    now += 1001;
    const c = new SqlCallbackRegistry(db, { now: () => now });
    await c.prefetch(token);
    expect(c.decode(token)).toEqual({ ok: false, reason: 'expired' });
    expect(b.decode(token)).toEqual({ ok: false, reason: 'expired' });
  });
});

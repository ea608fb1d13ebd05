/**
 * The server as main.ts wires it — engine, delivery pipeline, the three platform channels
 * configured from the environment — listening on 127.0.0.1, with each platform a fake HTTP
 * server on loopback. Webhooks are posted over real HTTP as the platforms shape them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChannelConfigError, loadChannelConfigs } from '../src/bots/channels.js';
import { Desk } from '../src/console/desk.js';
import { signMessengerBody } from '../src/bots/messenger/verify.js';
import { computeZaloMac } from '../src/bots/zalo/verify.js';
import { LocalCoordinator } from '../src/coordination/local.js';
import { createEngine, type Engine } from '../src/flows/engine.js';
import { createLogger } from '../src/log.js';
import { assembleServer, type AssembledServer } from '../src/server/assemble.js';
import { createStore, type SqlStore } from '../src/store/sql-store.js';
import { openTestStore } from './helpers/test-store.js';
import { startMessengerFake, type MessengerFake } from './fakes/messenger-fake.js';
import { startTelegramFake, TG, type TelegramFake } from './fakes/telegram-fake.js';
import { ZaloFake } from './fakes/zalo-fake.js';
import { wiredChannelEnv } from './helpers/wired-env.js';

const tmp = mkdtempSync(join(tmpdir(), 'tlcd-wired-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TG_SECRET = 'tg-secret_123';
const ZALO = { appId: 'app-77', appSecret: 'app-secret-77', oaSecret: 'oa-secret-77' };
const FB = { token: 'EAAB-page-token', secret: 'fb-app-secret', verify: 'verify-token-1', page: '1122334455' };

let telegram: TelegramFake;
let zalo: ZaloFake;
let messenger: MessengerFake;
let engine: Engine;
let n = 0;

beforeAll(async () => {
  telegram = await startTelegramFake({ username: 'TroLyCongDoanBot' });
  messenger = await startMessengerFake({ token: FB.token });
  const scratch = await createStore({ databasePath: ':memory:' });
  engine = createEngine({ store: scratch });
});
afterAll(async () => {
  await telegram.close();
  await messenger.close();
});

interface Server extends AssembledServer {
  url: string;
  store: SqlStore;
}
let server: Server;

async function start(overrides: Record<string, string | undefined> = {}): Promise<Server> {
  const env = {
    ...wiredChannelEnv({
      telegram: { token: telegram.token, url: telegram.url, secret: TG_SECRET, username: 'TroLyCongDoanBot' },
      zalo: { url: zalo.url, ...ZALO },
      messenger: { url: messenger.url, token: FB.token, secret: FB.secret, verify: FB.verify },
    }),
    ...overrides,
  };
  const logger = createLogger('silent');
  const store = await openTestStore(`wired-${++n}`);
  const coordinator = new LocalCoordinator();
  const server = await assembleServer({
    store,
    coordinator,
    engine,
    logger,
    channelConfigs: loadChannelConfigs(env),
    delivery: { outbox: { backoff: { baseMs: 20, maxMs: 100 } } },
    app: { config: { MAX_MESSAGE_CHARS: 2000, TRUST_PROXY: false } },
  });
  await server.start({ port: 0, host: '127.0.0.1' });
  const address = server.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { ...server, url: `http://127.0.0.1:${port}`, store };
}

beforeEach(async () => {
  zalo = await ZaloFake.start({ appId: ZALO.appId, appSecret: ZALO.appSecret, accessToken: 'at-0', refreshToken: 'rt-0' });
  telegram.reset();
  messenger.reset();
  server = await start();
});
afterEach(async () => {
  await server.stop();
  await server.store.close();
  await zalo.close();
});

const post = (path: string, body: string, headers: Record<string, string>) =>
  fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

let seq = 1000;
function telegramUpdate(chatId: number, text: string, messageId = ++seq) {
  const chat = { id: chatId, first_name: 'Lan', type: 'private' };
  return JSON.stringify({ update_id: ++seq, message: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat, from: { id: chatId, is_bot: false, first_name: 'Lan' }, text } });
}
const postTelegram = (raw: string, secret = TG_SECRET) => post('/webhooks/telegram', raw, { 'x-telegram-bot-api-secret-token': secret });

function zaloEvent(user: string, text: string, msgId = `zm-${++seq}`) {
  return JSON.stringify({ app_id: ZALO.appId, event_name: 'user_send_text', timestamp: String(Date.now()), sender: { id: user }, recipient: { id: 'oa-1' }, message: { text, msg_id: msgId } });
}
const postZalo = (raw: string, secret = ZALO.oaSecret) =>
  post('/webhooks/zalo', raw, { 'x-zevent-signature': `mac=${computeZaloMac(ZALO.appId, raw, (JSON.parse(raw) as { timestamp: string }).timestamp, secret)}` });

function messengerEvent(psid: string, text: string, mid = `m_${++seq}`) {
  return JSON.stringify({
    object: 'page',
    entry: [{ id: FB.page, time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: FB.page }, timestamp: Date.now(), message: { mid, text } }] }],
  });
}
const postMessenger = (raw: string, secret = FB.secret) => post('/webhooks/messenger', raw, { 'x-hub-signature-256': signMessengerBody(raw, secret) });

async function until(cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function settled(): Promise<void> {
  await until(async () => {
    // Inbox first: a message's outbox rows commit with its inbox row, so once the inbox is
    // finished its replies are visible. (The other order can look between the two commits on
    // a database with several connections, such as PostgreSQL.)
    const inbox = await server.store.db.selectFrom('inbox').select('id').where('status', 'in', ['pending', 'processing']).execute();
    if (inbox.length > 0) return false;
    const open = await server.store.db.selectFrom('outbox').select('id').where('status', 'in', ['pending', 'sending']).execute();
    return open.length === 0;
  });
  await server.delivery.idle();
}

const telegramTexts = (chatId: number) => telegram.calls('sendMessage').filter((c) => String(c.body.chat_id) === String(chatId)).map((c) => String(c.body.text));
const zaloTexts = (user: string) => zalo.sentMessages.filter((m) => m.body?.recipient?.user_id === user).map((m) => String(m.body?.message?.text ?? ''));
const messengerTexts = (psid: string) =>
  messenger
    .messages()
    .filter((r) => r.body?.recipient?.id === psid)
    .map((r) => String(r.body?.message?.text ?? r.body?.message?.attachment?.payload?.text ?? ''));

/** Visible words only: platforms differ in markup, the answer must not. */
const plain = (s: string) =>
  s
    .replace(/<[^>]+>/g, '')
    .replace(/&amp;/g, '&')
    .replace(/[*_`]/g, '')
    .replace(/\s+/g, ' ')
    .trim();

const QUESTION = 'Điều kiện để được hưởng trợ cấp thất nghiệp là gì?';

describe('the wired server', () => {
  it('gives a worker on each platform the same answer as on the web chat', async () => {
    const web = (await (await post('/api/chat', JSON.stringify({ text: QUESTION, clientMessageId: 'same-answer-1' }), {})).json()) as { replies: { text: string }[] };
    // The answer's first sentence, after the consent notice.
    const answer = plain(web.replies.at(-1)!.text).slice(0, 80);
    expect(answer.length).toBeGreaterThan(40);

    expect((await postTelegram(telegramUpdate(91001, QUESTION))).status).toBe(200);
    expect((await postZalo(zaloEvent('zu-1', QUESTION))).status).toBe(200);
    expect((await postMessenger(messengerEvent('psid-1', QUESTION))).status).toBe(200);
    await settled();
    for (const texts of [telegramTexts(91001), zaloTexts('zu-1'), messengerTexts('psid-1')]) {
      expect(texts.map(plain).join(' ')).toContain(answer);
    }
  });

  it("shows a Messenger worker's name in the console's queue, from the User Profile API asked once; without the permission, none, and not asked on every message", async () => {
    messenger.users.set('7300000001', { name: 'Nguyễn Văn Hùng', first_name: 'Hùng', last_name: 'Nguyễn' });
    expect((await postMessenger(messengerEvent('7300000001', 'cho tôi gặp tư vấn viên'))).status).toBe(200);
    expect((await postMessenger(messengerEvent('7300000002', 'cho tôi gặp tư vấn viên'))).status).toBe(200);
    await settled();
    const desk = new Desk({ db: server.store.db, store: server.store, delivery: { enqueue: async () => [] } as never });
    const names = async () => Object.fromEntries((await desk.queue()).map((x) => [x.conversationId, x.displayName]));
    await until(async () => (await names())['messenger:7300000001'] === 'Nguyễn Văn Hùng');
    expect(await names()).toEqual({ 'messenger:7300000001': 'Nguyễn Văn Hùng', 'messenger:7300000002': null });
    await postMessenger(messengerEvent('7300000001', 'em vẫn đang chờ'));
    await postMessenger(messengerEvent('7300000002', 'em vẫn đang chờ'));
    await settled();
    const lookUps = messenger.requests.filter((r) => r.endpoint === 'user');
    expect(lookUps.map((r) => r.path).sort()).toEqual([`/${lookUps[0]!.version}/7300000001`, `/${lookUps[0]!.version}/7300000002`]);
    expect(lookUps[0]!.query.access_token).toBe(FB.token);
  });

  it("forgets a Messenger worker's name with their data on 'xóa dữ liệu': a later chat asks the User Profile API again", async () => {
    const psid = '7300000009';
    messenger.users.set(psid, { name: 'Phạm Thị Thu', first_name: 'Thu', last_name: 'Phạm' });
    const desk = new Desk({ db: server.store.db, store: server.store, delivery: { enqueue: async () => [] } as never });
    const names = async () => Object.fromEntries((await desk.queue()).map((x) => [x.conversationId, x.displayName]));
    const lookUps = () => messenger.requests.filter((r) => r.endpoint === 'user' && r.path.endsWith(`/${psid}`)).length;
    await postMessenger(messengerEvent(psid, 'cho tôi gặp tư vấn viên'));
    await settled();
    await until(async () => (await names())[`messenger:${psid}`] === 'Phạm Thị Thu');
    expect(lookUps()).toBe(1);

    await postMessenger(messengerEvent(psid, 'xóa dữ liệu'));
    await settled();
    const confirm = JSON.stringify({
      object: 'page',
      entry: [{ id: FB.page, time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: FB.page }, timestamp: Date.now(), postback: { mid: `m_${++seq}`, title: 'Xóa', payload: 'DELETE_YES' } }] }],
    });
    expect((await postMessenger(confirm)).status).toBe(200);
    await settled();
    expect(messengerTexts(psid).at(-1)).toMatch(/đã xóa toàn bộ dữ liệu/);
    expect(await server.store.db.selectFrom('worker').selectAll().where('channel', '=', 'messenger').where('user_id', '=', psid).execute()).toEqual([]);

    // Writing again, the worker is someone new: the name is not in memory any more.
    await postMessenger(messengerEvent(psid, 'cho tôi gặp tư vấn viên'));
    await settled();
    await until(async () => (await names())[`messenger:${psid}`] === 'Phạm Thị Thu');
    expect(lookUps()).toBe(2);
  });

  it("shows the name a web chat worker gives in the console's queue, and 'xóa dữ liệu' takes it away with the rest", async () => {
    const webSays = async (body: object) => (await (await post('/api/chat', JSON.stringify(body), {})).json()) as { session: string; mode: string; replies: { text: string }[] };
    const first = await webSays({ text: 'cho mình gặp tư vấn viên', clientMessageId: 'named-web-1' });
    expect(first.mode).toBe('queued');
    const { session } = first;
    const named = await post('/api/chat/name', JSON.stringify({ session, name: 'Lan' }), {});
    expect(named.status).toBe(200);
    const desk = new Desk({ db: server.store.db, store: server.store, delivery: { enqueue: async () => [] } as never });
    const names = async () => Object.fromEntries((await desk.queue()).map((x) => [x.conversationId, x.displayName]));
    expect(await names()).toEqual({ [`web:${session}`]: 'Lan' });
    // The worker writes again while waiting: the name stays.
    await webSays({ session, text: 'em vẫn đang chờ ạ', clientMessageId: 'named-web-2' });
    expect(await names()).toEqual({ [`web:${session}`]: 'Lan' });

    await webSays({ session, text: 'xóa dữ liệu', clientMessageId: 'named-web-3' });
    const done = await webSays({ session, postback: 'DELETE_YES', clientMessageId: 'named-web-4' });
    expect(done.replies.at(-1)!.text).toMatch(/đã xóa toàn bộ dữ liệu/);
    await settled();
    expect(await names()).toEqual({});
    expect(await server.store.db.selectFrom('worker').selectAll().where('channel', '=', 'web').execute()).toEqual([]);
    // The page goes on under a new session, and the new chat starts anonymous.
    expect(done.session).toMatch(/^[0-9a-f-]{36}$/);
    expect(done.session).not.toBe(session);
    await webSays({ session: done.session, text: 'cho mình gặp tư vấn viên', clientMessageId: 'named-web-5' });
    expect(await names()).toEqual({ [`web:${done.session}`]: null });
  });

  it('answers an event delivered three times once, on every platform', async () => {
    const tg = telegramUpdate(91002, 'xin chào');
    const za = zaloEvent('zu-2', 'xin chào');
    const fb = messengerEvent('psid-2', 'xin chào');
    for (let i = 0; i < 3; i++) {
      const statuses = await Promise.all([postTelegram(tg), postZalo(za), postMessenger(fb)]);
      expect(statuses.map((r) => r.status)).toEqual([200, 200, 200]);
    }
    await settled();
    const inbox = await server.store.db.selectFrom('inbox').select(['channel', 'status']).execute();
    expect(inbox.map((r) => r.channel).sort()).toEqual(['messenger', 'telegram', 'zalo']);
    // Consent notice + greeting: the same count everywhere, each sent once.
    const counts = [telegramTexts(91002).length, zaloTexts('zu-2').length, messengerTexts('psid-2').length];
    const bot = (await server.store.transcript('telegram:91002')).filter((m) => m.role === 'bot').length;
    expect(bot).toBeGreaterThan(0);
    expect(counts).toEqual([bot, bot, bot]);
  });

  it('refuses forged signatures, oversize and invalid bodies with 4xx and stores nothing', async () => {
    const refused = [
      await postTelegram(telegramUpdate(91003, 'x'), 'wrong-secret'),
      await postZalo(zaloEvent('zu-3', 'x'), 'not-the-oa-secret'),
      await postMessenger(messengerEvent('psid-3', 'x'), 'not-the-app-secret'),
      await postTelegram('{"update_id":'),
      await post('/webhooks/zalo', '{"app_id":', { 'x-zevent-signature': 'mac=00' }),
      await postMessenger('{"object":"page",'),
      await postTelegram(telegramUpdate(91003, 'x'.repeat(70 * 1024))),
      await postZalo(zaloEvent('zu-3', 'x'.repeat(70 * 1024))),
      await postMessenger(messengerEvent('psid-3', 'x'.repeat(70 * 1024))),
    ];
    for (const r of refused) {
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
    expect(await server.store.db.selectFrom('inbox').select('id').execute()).toEqual([]);
    expect(await server.store.db.selectFrom('seen_message').select('message_id').execute()).toEqual([]);
  });

  it('retries a 429 and a 502 from Telegram and delivers each reply once', async () => {
    telegram.enqueue(TG.tooManyRequests(1), TG.serverError());
    expect((await postTelegram(telegramUpdate(91004, 'xin chào'))).status).toBe(200);
    await settled();
    const bot = (await server.store.transcript('telegram:91004')).filter((m) => m.role === 'bot').map((m) => plain(m.text));
    const texts = telegramTexts(91004).map(plain);
    // Two refused attempts of the first reply, then every reply once and in order.
    expect(texts).toHaveLength(bot.length + 2);
    expect(texts.slice(2)).toEqual([...new Set(texts)]);
    const rows = await server.store.db.selectFrom('outbox').select(['status', 'attempts']).orderBy('id').execute();
    expect(rows.map((r) => r.status)).toEqual(bot.map(() => 'sent'));
    expect(rows[0]!.attempts).toBe(3);
  });

  it('takes a counsellor message to a web worker and to a Zalo worker', async () => {
    const first = (await (await post('/api/chat', JSON.stringify({ text: 'cho mình gặp tư vấn viên', clientMessageId: 'to-human-1' }), {})).json()) as { session: string; mode: string };
    expect(first.mode).toBe('queued');
    await postZalo(zaloEvent('zu-5', 'cho mình gặp tư vấn viên'));
    await settled();
    const [webId] = await server.delivery.outbound.enqueue(`web:${first.session}`, [{ text: 'Chào bạn, mình là tư vấn viên Hoa.' }], { fromHuman: true });
    const [zaloId] = await server.delivery.outbound.enqueue('zalo:zu-5', [{ text: 'Chào bạn, mình là tư vấn viên Hoa.' }], { fromHuman: true });
    await settled();
    const history = (await (await fetch(`${server.url}/api/chat/history?session=${first.session}`)).json()) as { messages: { role: string; text: string }[] };
    expect(history.messages.at(-1)).toMatchObject({ role: 'counsellor', text: 'Chào bạn, mình là tư vấn viên Hoa.' });
    expect(zaloTexts('zu-5').at(-1)).toBe('Chào bạn, mình là tư vấn viên Hoa.');
    expect((await server.delivery.outbound.status([webId!, zaloId!])).map((s) => s.status)).toEqual(['sent', 'sent']);
  });

  it('answers a retried web chat message once', async () => {
    const body = JSON.stringify({ text: 'xin chào', clientMessageId: 'web-retry-1' });
    const a = (await (await post('/api/chat', body, {})).json()) as { session: string; replies: unknown[] };
    const again = JSON.stringify({ session: a.session, text: 'xin chào', clientMessageId: 'web-retry-2' });
    const [b, c] = await Promise.all([post('/api/chat', again, {}), post('/api/chat', again, {})]);
    const replies = [(await b.json()) as { replies: unknown[] }, (await c.json()) as { replies: unknown[] }].map((r) => r.replies);
    // Either both get the replies (remembered) or one does and the other is told to reload.
    expect(replies.some((r) => r.length > 0)).toBe(true);
    const workerLines = (await server.store.transcript(`web:${a.session}`)).filter((m) => m.role === 'worker');
    expect(workerLines).toHaveLength(2);
  });
});

describe('channel configuration', () => {
  it('turns on only the channels whose credentials are set', () => {
    expect(loadChannelConfigs({})).toEqual({});
    const on = loadChannelConfigs({ MESSENGER_PAGE_ACCESS_TOKEN: 'tok', MESSENGER_APP_SECRET: 's', MESSENGER_VERIFY_TOKEN: 'verify-123' });
    expect(Object.keys(on)).toEqual(['messenger']);
  });

  it('stops on a missing or malformed credential, naming the variable and never its value', () => {
    const attempt = () => loadChannelConfigs({ TELEGRAM_BOT_TOKEN: 'not-a-token-SECRETVALUE', ZALO_APP_ID: '1', MESSENGER_PAGE_ACCESS_TOKEN: 'x' });
    expect(attempt).toThrow(ChannelConfigError);
    let message = '';
    try {
      attempt();
    } catch (err) {
      message = (err as Error).message;
    }
    for (const name of ['TELEGRAM_BOT_TOKEN', 'TELEGRAM_WEBHOOK_SECRET', 'ZALO_APP_SECRET', 'ZALO_OA_SECRET_KEY', 'MESSENGER_APP_SECRET', 'MESSENGER_VERIFY_TOKEN']) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain('SECRETVALUE');
  });
});

describe('telegram in polling mode', () => {
  it('takes updates with getUpdates and answers through the outbox', async () => {
    // The webhook server of beforeEach is replaced by one that polls.
    await server.channels.stop();
    await server.app.close();
    await server.delivery.stop();
    await server.store.close();
    server = await start({ TELEGRAM_MODE: 'polling', TELEGRAM_WEBHOOK_SECRET: undefined });
    expect(server.channels.on.telegram).toBe('polling');
    telegram.pushUpdate(JSON.parse(telegramUpdate(91010, 'xin chào')) as Record<string, unknown>);
    await until(() => telegramTexts(91010).length > 0);
    await settled();
    const bot = (await server.store.transcript('telegram:91010')).filter((m) => m.role === 'bot');
    expect(telegramTexts(91010)).toHaveLength(bot.length);
    const webhook = await postTelegram(telegramUpdate(91010, 'x'));
    expect(webhook.status).toBe(404);
  });
});

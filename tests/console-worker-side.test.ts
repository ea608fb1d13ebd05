/**
 * "Typing…" for the worker while a counsellor writes in the console, checked at the platform
 * fakes over real HTTP: Telegram gets sendChatAction `typing`, Messenger sender_action
 * typing_on / typing_off (and mark_seen when the chat is claimed), Zalo (no typing API) gets
 * nothing, the web chat's history says so. At most one indicator per chat per throttle window,
 * and a slow platform never holds up the console. Also what the web chat shows of a close: the
 * satisfaction question with its buttons, read from the transcript.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { LocalCoordinator } from '../src/coordination/local.js';
import { Accounts } from '../src/console/accounts.js';
import { TranscriptDelivery } from '../src/console/delivery.js';
import { scryptParams } from '../src/console/passwords.js';
import { CounsellorSignals } from '../src/console/typing.js';
import { MessengerClient } from '../src/bots/messenger/client.js';
import { MessengerSender } from '../src/bots/messenger/sender.js';
import { TelegramSender } from '../src/bots/telegram/sender.js';
import { ZaloClient } from '../src/bots/zalo/client.js';
import { ZaloSender } from '../src/bots/zalo/sender.js';
import { InProcessLock, MemoryTokenStore, TokenManager } from '../src/bots/zalo/tokens.js';
import type { Channel, ConversationEngine } from '../src/flows/activity.js';
import { createLogger } from '../src/log.js';
import { buildApp } from '../src/server/app.js';
import { createStore, type SqlStore } from '../src/store/sql-store.js';
import { startMessengerFake, type MessengerFake } from './fakes/messenger-fake.js';
import { startTelegramFake, type TelegramFake } from './fakes/telegram-fake.js';
import { ZaloFake } from './fakes/zalo-fake.js';

scryptParams.N = 2 ** 10;
const PASSWORD = 'mật khẩu đủ dài 123';
const THROTTLE_MS = 400;
const PSID = '2400000000000001';
const WEB_SESSION = '0b7a4f5e-8c1d-4e2a-9f3b-5d6c7e8f9a0b';
const quiet: ConversationEngine = { handle: async () => ({ replies: [], outcome: { kind: 'smalltalk', handoff: 'none', urgent: false }, mode: 'bot' }) };

let store: SqlStore;
let coordinator: LocalCoordinator;
let app: FastifyInstance;
let telegram: TelegramFake;
let messenger: MessengerFake;
let zalo: ZaloFake;
let tokens: TokenManager;
let agent: { cookie: string; csrf: string };

beforeEach(async () => {
  store = await createStore({ databasePath: ':memory:' });
  coordinator = new LocalCoordinator();
  telegram = await startTelegramFake();
  messenger = await startMessengerFake({ token: 'EAAG-page-token' });
  zalo = await ZaloFake.start({ appId: 'app-1', appSecret: 'app-secret-1', accessToken: 'at-0', refreshToken: 'rt-0' });
  tokens = new TokenManager({
    tokenStore: new MemoryTokenStore({ accessToken: 'at-0', refreshToken: 'rt-0', accessExpiresAt: new Date(Date.now() + 20 * 3600_000), obtainedAt: new Date() }),
    lock: new InProcessLock(),
    appId: 'app-1',
    appSecret: 'app-secret-1',
    oauthRoot: zalo.url,
  });
  const senders = [
    new TelegramSender({ token: telegram.token, apiRoot: telegram.url, timeoutMs: 5000 }),
    new MessengerSender({ client: new MessengerClient({ pageAccessToken: 'EAAG-page-token', apiRoot: messenger.url, timeoutMs: 2000 }) }),
    new ZaloSender({ client: new ZaloClient({ tokens, apiRoot: zalo.url, timeoutMs: 2000 }) }),
  ];
  await new Accounts(store.db).create({ email: 'lan@congdoan.vn', name: 'Nguyễn Thị Lan', role: 'counsellor' }, PASSWORD);
  await new Accounts(store.db).create({ email: 'minh@congdoan.vn', name: 'Lê Văn Minh', role: 'counsellor' }, PASSWORD);
  app = await buildApp({
    config: { MAX_MESSAGE_CHARS: 2000, TRUST_PROXY: false },
    engine: quiet,
    store,
    logger: createLogger('silent'),
    console: {
      db: store.db,
      coordinator,
      delivery: new TranscriptDelivery(store),
      signals: new CounsellorSignals({ coordinator, senders, throttleMs: THROTTLE_MS }),
    },
  });
  agent = await login('lan');
});
afterEach(async () => {
  await app.close();
  tokens.stop();
  await Promise.all([telegram.close(), messenger.close(), zalo.close()]);
  await coordinator.close();
  await store.close();
});

async function login(who: string) {
  const session = await app.inject({ method: 'GET', url: '/console/api/session' });
  const loginCookie = String(([] as string[]).concat(session.headers['set-cookie'] ?? []).find((c) => c.startsWith('tlcd_console_login='))).split(';')[0]!;
  const res = await app.inject({
    method: 'POST',
    url: '/console/api/login',
    headers: { cookie: loginCookie, 'x-csrf-token': session.json().loginToken },
    payload: { email: `${who}@congdoan.vn`, password: PASSWORD },
  });
  const cookie = String(([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('tlcd_console='))).split(';')[0]!;
  return { cookie, csrf: res.json().csrfToken as string };
}

const post = (url: string, payload: object = {}, who = agent) =>
  app.inject({ method: 'POST', url: `/console/api${url}`, headers: { cookie: who.cookie, 'x-csrf-token': who.csrf }, payload });
const typing = (id: string, state?: 'on' | 'off', who = agent) => post(`/conversations/${encodeURIComponent(id)}/typing`, state ? { state } : {}, who);

/** A worker waiting for a counsellor, claimed by Lan. */
async function claimed(channel: Channel, user: string): Promise<string> {
  const id = `${channel}:${user}`;
  const at = new Date();
  await store.saveConversation({ id, channel, userId: user, mode: 'queued', urgent: false, state: { misses: 0, handoff: 'queued', consentShown: true }, createdAt: at, updatedAt: at, queuedAt: at });
  await store.appendTranscript({ conversationId: id, role: 'worker', text: 'cho em gặp tư vấn viên', at });
  expect((await post(`/conversations/${encodeURIComponent(id)}/claim`)).statusCode).toBe(200);
  return id;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chatActions = () => telegram.calls('sendChatAction').map((r) => r.body);
const senderActions = () => messenger.requests.filter((r) => (r.body as { sender_action?: string } | undefined)?.sender_action).map((r) => (r.body as { sender_action: string }).sender_action);

describe('typing indicators at the platforms', () => {
  it('Telegram: sendChatAction typing, at most once per chat per throttle window, re-sent while typing goes on', async () => {
    const id = await claimed('telegram', '5550001');
    const first = await typing(id);
    expect(first.json()).toEqual({ ok: true, sent: true, supported: true });
    await expect.poll(chatActions).toEqual([{ chat_id: '5550001', action: 'typing' }]);
    // Keystrokes right after: throttled on the server, nothing more reaches Telegram.
    for (let i = 0; i < 5; i++) expect((await typing(id)).json()).toMatchObject({ sent: false });
    await sleep(100);
    expect(chatActions()).toHaveLength(1);
    // Still typing after the window: sent again (Telegram's indicator fades after ~5 s).
    await sleep(THROTTLE_MS);
    expect((await typing(id)).json()).toMatchObject({ sent: true });
    await expect.poll(() => chatActions().length).toBe(2);
    // Telegram has no "stop typing": nothing is sent for it.
    await typing(id, 'off');
    await sleep(100);
    expect(chatActions()).toHaveLength(2);
  });

  it('Messenger: mark_seen on claim, typing_on while typing, typing_off when the box is emptied', async () => {
    const id = await claimed('messenger', PSID);
    await expect.poll(senderActions).toEqual(['mark_seen']);
    await typing(id, 'on');
    await typing(id, 'on');
    await expect.poll(senderActions).toEqual(['mark_seen', 'typing_on']);
    await typing(id, 'off');
    await expect.poll(senderActions).toEqual(['mark_seen', 'typing_on', 'typing_off']);
    expect(messenger.requests.every((r) => (r.body as { recipient?: { id: string } }).recipient?.id === PSID)).toBe(true);
    // Only actions: no message reached the worker.
    expect(messenger.messages()).toEqual([]);
  });

  it('Zalo: the OA API has no typing indicator, so nothing is sent', async () => {
    const id = await claimed('zalo', '2468458835296117922');
    const before = zalo.requests.length;
    expect((await typing(id)).json()).toEqual({ ok: true, sent: false, supported: false });
    await sleep(100);
    expect(zalo.requests.length).toBe(before);
  });

  it('web chat: the history the page polls says a counsellor is typing, until they stop or send', async () => {
    const id = await claimed('web', WEB_SESSION);
    const history = async () => (await app.inject({ method: 'GET', url: `/api/chat/history?session=${WEB_SESSION}` })).json().counsellorTyping;
    expect(await history()).toBe(false);
    expect((await typing(id)).json()).toMatchObject({ sent: true, supported: true });
    expect(await history()).toBe(true);
    await typing(id, 'off');
    expect(await history()).toBe(false);
    await sleep(THROTTLE_MS);
    await typing(id);
    expect(await history()).toBe(true);
    // The message itself replaces the indicator.
    await post(`/conversations/${encodeURIComponent(id)}/reply`, { text: 'Chào bạn, mình là Lan.' });
    expect(await history()).toBe(false);
  });

  it('only the counsellor who holds the chat signals typing', async () => {
    const id = await claimed('telegram', '5550002');
    const minh = await login('minh');
    const res = await typing(id, 'on', minh);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('NOT_YOURS');
    expect((await typing(id, 'sideways' as 'on')).statusCode).toBe(400);
    await sleep(100);
    expect(chatActions()).toEqual([]);
  });

  it('a slow platform never holds up the console, and a late indicator is dropped, not retried', async () => {
    const id = await claimed('telegram', '5550003');
    telegram.enqueue({ method: 'sendChatAction', status: 200, body: { ok: true, result: true }, delayMs: 3000 });
    const started = Date.now();
    expect((await typing(id)).json()).toMatchObject({ sent: true });
    expect(Date.now() - started).toBeLessThan(1000);
    // The sender gives up after 2 s; nothing is queued to try again.
    await sleep(2500);
    expect(chatActions()).toHaveLength(1);
    expect(await store.db.selectFrom('outbox').select('id').execute()).toEqual([]);
  }, 10_000);
});

describe('the satisfaction question in the web chat', () => {
  it('comes back from the history with its five buttons, stored with the transcript line', async () => {
    const id = await claimed('web', WEB_SESSION);
    await post(`/conversations/${encodeURIComponent(id)}/reply`, { text: 'Mình đã trả lời xong.' });
    expect((await post(`/conversations/${encodeURIComponent(id)}/close`, { outcome: 'resolved' })).json()).toMatchObject({ surveyStatus: 'sent' });
    const messages = (await app.inject({ method: 'GET', url: `/api/chat/history?session=${WEB_SESSION}` })).json().messages as Array<{ role: string; text: string; choices?: Array<{ payload: string }> }>;
    const last = messages.at(-1)!;
    expect(last.text).toMatch(/từ 1 \(chưa hài lòng\) đến 5/);
    expect(last.choices?.map((c) => c.payload)).toEqual(['SURVEY:1', 'SURVEY:2', 'SURVEY:3', 'SURVEY:4', 'SURVEY:5']);
    // Lines sent without buttons carry none (a counsellor's text here).
    expect(messages.find((m) => m.role === 'counsellor')).not.toHaveProperty('choices');
    expect((await store.transcript(id)).at(-1)?.choices).toHaveLength(5);
  });
});

describe('a console without platform senders', () => {
  it('refuses nothing and sends nothing for platform chats', async () => {
    const bare = await buildApp({
      config: { MAX_MESSAGE_CHARS: 2000, TRUST_PROXY: false },
      engine: quiet,
      store,
      logger: createLogger('silent'),
      console: { db: store.db, coordinator, delivery: new TranscriptDelivery(store) },
    });
    try {
      const id = await claimed('telegram', '5550004');
      const res = await bare.inject({ method: 'POST', url: `/console/api/conversations/${encodeURIComponent(id)}/typing`, headers: { cookie: agent.cookie, 'x-csrf-token': agent.csrf }, payload: {} });
      expect(res.json()).toEqual({ ok: true, sent: false, supported: false });
    } finally {
      await bare.close();
    }
  });
});

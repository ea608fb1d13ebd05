/**
 * The counsellor console's API over HTTP (app.inject): login and sessions, CSRF, roles, the
 * queue and claiming, replies and what became of them, close, and the audit log.
 * Conversations are put in the queue directly through the store, as the engine would.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { LocalCoordinator } from '../src/coordination/local.js';
import { Accounts, type Role } from '../src/console/accounts.js';
import { hashPassword, scryptParams, verifyPassword } from '../src/console/passwords.js';
import type { CounsellorDelivery, DeliveryReceipt, DeliveryTarget } from '../src/console/delivery.js';
import { TranscriptDelivery } from '../src/console/delivery.js';
import type { Channel, ConversationEngine, Reply } from '../src/flows/activity.js';
import { CONSOLE_TOPIC, type ConsoleEvent } from '../src/flows/handoff/events.js';
import { createLogger } from '../src/log.js';
import { onErasure } from '../src/privacy/erasure.js';
import { buildApp } from '../src/server/app.js';
import { createStore, type SqlStore } from '../src/store/sql-store.js';
import { searchPastChats } from '../src/console/past-chats.js';
import { HandoffRecords } from '../src/flows/handoff/records.js';
import { claimOutbox, insertOutbox, outboxRows, settleOutbox } from '../src/bots/delivery/outbox-table.js';

const PASSWORD = 'mật khẩu đủ dài 123';
const quiet: ConversationEngine = { handle: async () => ({ replies: [], outcome: { kind: 'smalltalk', handoff: 'none', urgent: false }, mode: 'bot' }) };

/** Delivery that works on the web and fails elsewhere the way a platform outside its window does. */
class FakeDelivery implements CounsellorDelivery {
  readonly sent: Array<{ target: DeliveryTarget; replies: Reply[]; fromHuman: boolean }> = [];
  private n = 0;
  async send(target: DeliveryTarget, replies: Reply[], { fromHuman }: { fromHuman: boolean }): Promise<DeliveryReceipt[]> {
    this.sent.push({ target, replies, fromHuman });
    for (const r of replies) await store.appendTranscript({ conversationId: target.conversationId, role: fromHuman ? 'counsellor' : 'bot', text: r.text, at: new Date() });
    return replies.map(() => {
      const outboxId = `ob-${++this.n}`;
      if (target.channel === 'messenger') return { outboxId, status: 'failed', reason: 'Messenger: đã quá 7 ngày kể từ tin nhắn cuối của người lao động, không gửi được.' };
      if (target.channel === 'zalo') return { outboxId, status: 'retrying', reason: 'Zalo đang bận, đang thử lại.' };
      return { outboxId, status: 'sent' };
    });
  }
}

const PRODUCTION_N = scryptParams.N;
// Hashing at full cost takes most of a second on a busy machine; the API tests do dozens.
scryptParams.N = 2 ** 10;

let store: SqlStore;
let coordinator: LocalCoordinator;
let delivery: FakeDelivery;
let app: FastifyInstance;
let accounts: Accounts;
const ids = {} as Record<'admin' | 'lan' | 'minh', string>;

async function makeApp(trustProxy: boolean | string = false) {
  return buildApp({
    config: { MAX_MESSAGE_CHARS: 2000, TRUST_PROXY: trustProxy },
    engine: quiet,
    store,
    logger: createLogger('silent'),
    console: { db: store.db, coordinator, delivery, loginLimits: { perAccount: 5, perAddress: 50 } },
  });
}

beforeEach(async () => {
  store = await createStore({ databasePath: ':memory:' });
  coordinator = new LocalCoordinator();
  delivery = new FakeDelivery();
  accounts = new Accounts(store.db);
  for (const [key, role, name] of [['admin', 'admin', 'Trần Quản Trị'], ['lan', 'counsellor', 'Nguyễn Thị Lan'], ['minh', 'counsellor', 'Lê Văn Minh']] as const) {
    ids[key] = (await accounts.create({ email: `${key}@congdoan.vn`, name, role: role as Role }, PASSWORD)).id;
  }
  app = await makeApp();
});
afterEach(async () => {
  await app.close();
  await coordinator.close();
  await store.close();
});

interface Agent {
  cookie: string;
  csrf: string;
}

function cookieOf(setCookie: string | string[] | undefined, name: string): string | undefined {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return list.find((c) => c.startsWith(`${name}=`));
}

async function loginToken(on = app): Promise<{ token: string; cookie: string }> {
  const res = await on.inject({ method: 'GET', url: '/console/api/session' });
  expect(res.statusCode).toBe(401);
  const cookie = cookieOf(res.headers['set-cookie'], 'tlcd_console_login')!;
  return { token: res.json().loginToken, cookie: cookie.split(';')[0]! };
}

async function tryLogin(email: string, password: string, on = app, headers: Record<string, string> = {}) {
  const { token, cookie } = await loginToken(on);
  return on.inject({ method: 'POST', url: '/console/api/login', headers: { cookie, 'x-csrf-token': token, ...headers }, payload: { email, password } });
}

async function login(who: string): Promise<Agent> {
  const res = await tryLogin(`${who}@congdoan.vn`, PASSWORD);
  expect(res.statusCode).toBe(200);
  return { cookie: cookieOf(res.headers['set-cookie'], 'tlcd_console')!.split(';')[0]!, csrf: res.json().csrfToken };
}

const get = (a: Agent, url: string) => app.inject({ method: 'GET', url: `/console/api${url}`, headers: { cookie: a.cookie } });
const post = (a: Agent, url: string, payload: object = {}) => app.inject({ method: 'POST', url: `/console/api${url}`, headers: { cookie: a.cookie, 'x-csrf-token': a.csrf }, payload });
const enc = encodeURIComponent;

async function queued(channel: Channel, user: string, opts: { urgent?: boolean; text?: string; at?: number } = {}): Promise<string> {
  const at = new Date(opts.at ?? Date.now());
  const id = `${channel}:${user}`;
  await store.saveConversation({ id, channel, userId: user, mode: 'queued', urgent: opts.urgent ?? false, state: { misses: 0, handoff: 'queued', consentShown: true, topic: 'bhtn' }, createdAt: at, updatedAt: at, queuedAt: at });
  await store.appendTranscript({ conversationId: id, role: 'worker', text: opts.text ?? 'cho em gặp tư vấn viên', at });
  await store.appendTranscript({ conversationId: id, role: 'bot', text: 'Mình đã chuyển bạn tới tư vấn viên.', at, outcome: { kind: 'handoff', handoff: 'queued', urgent: false } });
  return id;
}

async function auditActions(): Promise<string[]> {
  return (await store.db.selectFrom('console_audit').select('action').orderBy('id').execute()).map((r) => r.action);
}

describe('a logged-out request gets nothing', () => {
  it('every console API route answers 401 without data', async () => {
    const id = enc(await queued('web', 'u1'));
    const routes: Array<[string, string]> = [
      ['GET', '/queue'], ['GET', '/mine'], ['GET', '/counsellors'], ['GET', `/conversations/${id}`], ['POST', `/conversations/${id}/claim`],
      ['POST', `/conversations/${id}/reply`], ['POST', `/conversations/${id}/notes`], ['POST', `/conversations/${id}/transfer`], ['POST', `/conversations/${id}/close`],
      ['POST', `/conversations/${id}/draft`], ['GET', `/conversations/${id}/draft-suggestion`], ['GET', '/kb/search?q=tro%20cap'], ['GET', '/drafts'], ['GET', '/unanswered'],
      ['GET', '/accounts'], ['POST', '/accounts'], ['POST', `/accounts/${ids.lan}/disable`], ['POST', `/accounts/${ids.lan}/enable`], ['GET', '/audit'], ['GET', '/events'], ['POST', '/logout'],
      ['GET', '/tickets'], ['POST', '/tickets/1/done'], ['POST', '/tickets/1/phone'], ['POST', '/tickets/1/take'], ['POST', '/tickets/1/release'],
      ['GET', '/snippets'], ['POST', '/snippets'], ['POST', '/snippets/1/delete'], ['GET', '/chats/search?q=no%20luong'], ['POST', `/conversations/${id}/delete`], ['POST', `/conversations/${id}/typing`],
      ['GET', `/conversations/${id}/attachments/1/0`],
    ];
    // Every route the plugin registered is in the list above.
    const registered = app.printRoutes({ commonPrefix: false });
    for (const path of ['queue', 'mine', 'counsellors', 'claim', 'reply', 'notes', 'transfer', 'close', 'draft', 'search', 'drafts', 'unanswered', 'accounts', 'disable', 'enable', 'audit', 'events', 'logout', 'tickets', 'phone', 'take', 'release', 'snippets', 'chats/search', 'typing', 'attachments']) {
      expect(registered).toContain(path);
    }
    for (const [method, url] of routes) {
      const res = await app.inject({ method: method as 'GET', url: `/console/api${url}`, payload: method === 'POST' ? {} : undefined });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(Object.keys(res.json())).toEqual(['error']);
    }
    // A forged or expired cookie is no better.
    const forged = await app.inject({ method: 'GET', url: '/console/api/queue', headers: { cookie: 'tlcd_console=abc' } });
    expect(forged.statusCode).toBe(401);
    expect(await store.db.selectFrom('console_assignment').selectAll().execute()).toEqual([]);
  });

  it('the page itself is served, with no data and no inline script', async () => {
    const page = await app.inject({ method: 'GET', url: '/console/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('lang="vi"');
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=")[^>]*>/);
    expect(page.body).not.toMatch(/style="/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await app.inject({ method: 'GET', url: '/console' })).headers.location).toBe('/console/');
  });
});

describe('passwords', () => {
  it('are hashed with memory-hard scrypt (N=2^15, r=8: 32 MiB) and verified from the stored parameters', async () => {
    scryptParams.N = PRODUCTION_N;
    try {
      const hash = await hashPassword('mật khẩu rất dài');
      expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
      expect(await verifyPassword('mật khẩu rất dài', hash)).toBe(true);
      expect(await verifyPassword('mật khẩu rất dài!', hash)).toBe(false);
    } finally {
      scryptParams.N = 2 ** 10;
    }
    expect(await verifyPassword('x', 'scrypt$1099511627776$8$1$AAAA$AAAA')).toBe(false);
  });
});

describe('login', () => {
  it('opens a session with an HttpOnly, SameSite=Strict cookie and records it', async () => {
    const res = await tryLogin('LAN@congdoan.vn ', PASSWORD);
    expect(res.statusCode).toBe(200);
    expect(res.json().account).toMatchObject({ name: 'Nguyễn Thị Lan', role: 'counsellor' });
    expect(res.json().account.password_hash).toBeUndefined();
    const cookie = cookieOf(res.headers['set-cookie'], 'tlcd_console')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/console/);
    expect(cookie).not.toMatch(/Secure/);
    // Only a hash of the token is stored.
    const token = cookie.split(';')[0]!.split('=')[1]!;
    const rows = await store.db.selectFrom('console_session').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).not.toContain(token);
    expect(await auditActions()).toEqual(['login']);
    const me = await app.inject({ method: 'GET', url: '/console/api/session', headers: { cookie: cookie.split(';')[0]! } });
    expect(me.json().account.email).toBe('lan@congdoan.vn');
  });

  it('marks the cookie Secure behind an HTTPS proxy that is trusted', async () => {
    await app.close();
    app = await makeApp(true);
    const res = await tryLogin('lan@congdoan.vn', PASSWORD, app, { 'x-forwarded-proto': 'https' });
    expect(res.statusCode).toBe(200);
    expect(cookieOf(res.headers['set-cookie'], 'tlcd_console')).toMatch(/; Secure/);
  });

  it('refuses a wrong password or unknown email alike, and a disabled account', async () => {
    const wrong = await tryLogin('lan@congdoan.vn', 'không phải mật khẩu');
    const unknown = await tryLogin('ai@congdoan.vn', PASSWORD);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(cookieOf(wrong.headers['set-cookie'], 'tlcd_console')).toBeUndefined();
    await accounts.setDisabled('lan@congdoan.vn', true);
    expect((await tryLogin('lan@congdoan.vn', PASSWORD)).statusCode).toBe(401);
    expect(await auditActions()).toEqual(['login-failed', 'login-failed', 'login-failed']);
  });

  it('refuses a login without the login form token (CSRF)', async () => {
    const res = await app.inject({ method: 'POST', url: '/console/api/login', payload: { email: 'lan@congdoan.vn', password: PASSWORD } });
    expect(res.statusCode).toBe(403);
    const { cookie } = await loginToken();
    const forged = await app.inject({ method: 'POST', url: '/console/api/login', headers: { cookie, 'x-csrf-token': 'guess' }, payload: { email: 'lan@congdoan.vn', password: PASSWORD } });
    expect(forged.statusCode).toBe(403);
    expect(await store.db.selectFrom('console_session').selectAll().execute()).toEqual([]);
  });

  it('rate-limits attempts per account: after five, even the right password waits', async () => {
    for (let i = 0; i < 5; i++) expect((await tryLogin('lan@congdoan.vn', `sai ${i} sai sai sai`)).statusCode).toBe(401);
    const blocked = await tryLogin('lan@congdoan.vn', PASSWORD);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.message).toMatch(/15 phút/);
    // Another account from the same address is not locked out by it.
    expect((await tryLogin('minh@congdoan.vn', PASSWORD)).statusCode).toBe(200);
  });

  it('logout ends the session', async () => {
    const lan = await login('lan');
    expect((await post(lan, '/logout')).statusCode).toBe(200);
    expect((await get(lan, '/queue')).statusCode).toBe(401);
  });

  it('disabling an account ends its sessions at once', async () => {
    const lan = await login('lan');
    const admin = await login('admin');
    expect((await post(admin, `/accounts/${ids.lan}/disable`)).statusCode).toBe(200);
    expect((await get(lan, '/queue')).statusCode).toBe(401);
  });
});

describe('CSRF on state-changing requests', () => {
  it('refuses a claim without the session token and changes nothing', async () => {
    const id = await queued('web', 'u1');
    const lan = await login('lan');
    const none = await app.inject({ method: 'POST', url: `/console/api/conversations/${enc(id)}/claim`, headers: { cookie: lan.cookie }, payload: {} });
    const wrong = await app.inject({ method: 'POST', url: `/console/api/conversations/${enc(id)}/claim`, headers: { cookie: lan.cookie, 'x-csrf-token': 'x'.repeat(43) }, payload: {} });
    expect(none.statusCode).toBe(403);
    expect(wrong.statusCode).toBe(403);
    expect((await store.getConversation('web', 'u1'))!.mode).toBe('queued');
    expect((await get(lan, '/queue')).json().queue).toHaveLength(1);
    // Another session's token does not fit this one.
    const minh = await login('minh');
    const crossed = await app.inject({ method: 'POST', url: `/console/api/conversations/${enc(id)}/claim`, headers: { cookie: lan.cookie, 'x-csrf-token': minh.csrf }, payload: {} });
    expect(crossed.statusCode).toBe(403);
  });
});

describe('roles', () => {
  it('a counsellor cannot see or manage accounts, nor read the audit log', async () => {
    const lan = await login('lan');
    expect((await get(lan, '/accounts')).statusCode).toBe(403);
    expect((await post(lan, '/accounts', { email: 'x@congdoan.vn', name: 'X', role: 'admin', password: PASSWORD })).statusCode).toBe(403);
    expect((await post(lan, `/accounts/${ids.minh}/disable`)).statusCode).toBe(403);
    expect((await get(lan, '/audit')).statusCode).toBe(403);
    expect((await accounts.list()).map((a) => a.email)).not.toContain('x@congdoan.vn');
    expect((await accounts.get(ids.minh))!.disabled).toBe(false);
  });

  it('an admin creates a counsellor who can then log in; weak passwords and duplicates are refused', async () => {
    const admin = await login('admin');
    const weak = await post(admin, '/accounts', { email: 'hoa@congdoan.vn', name: 'Phạm Hoa', role: 'counsellor', password: 'ngắn' });
    expect(weak.statusCode).toBe(409);
    expect(weak.json().error.message).toMatch(/ít nhất 10 ký tự/);
    const created = await post(admin, '/accounts', { email: 'hoa@congdoan.vn', name: 'Phạm Hoa', role: 'counsellor', password: PASSWORD });
    expect(created.statusCode).toBe(200);
    expect((await post(admin, '/accounts', { email: 'HOA@congdoan.vn', name: 'Khác', role: 'counsellor', password: PASSWORD })).statusCode).toBe(409);
    expect((await tryLogin('hoa@congdoan.vn', PASSWORD)).statusCode).toBe(200);
    const list = (await get(admin, '/accounts')).json().accounts;
    expect(list.map((a: { email: string }) => a.email)).toContain('hoa@congdoan.vn');
    expect(JSON.stringify(list)).not.toMatch(/scrypt/);
    // The last active admin cannot lock themselves out.
    expect((await post(admin, `/accounts/${ids.admin}/disable`)).statusCode).toBe(409);
  });
});

describe('the queue and claiming', () => {
  it('lists urgent chats first, then by waiting time, with platform, topic and waiting time', async () => {
    const t = Date.now();
    await queued('telegram', 'old', { at: t - 20 * 60_000, text: 'công ty nợ lương 3 tháng' });
    await queued('zalo', 'urgent', { at: t - 60_000, urgent: true, text: 'cứu em với' });
    await queued('web', 'new', { at: t - 5_000 });
    await store.db.insertInto('worker').values({ channel: 'telegram', user_id: 'old2', display_name: null, consent_at: null, created_at: t }).execute();
    await store.db.updateTable('worker').set({ display_name: 'Chị Hoa' }).where('user_id', '=', 'old').execute();
    const lan = await login('lan');
    const q = (await get(lan, '/queue')).json().queue;
    expect(q.map((x: { conversationId: string }) => x.conversationId)).toEqual(['zalo:urgent', 'telegram:old', 'web:new']);
    expect(q[1]).toMatchObject({ channel: 'telegram', displayName: 'Chị Hoa', topic: 'bhtn', preview: 'công ty nợ lương 3 tháng', urgent: false });
    expect(q[1].waitingMs).toBeGreaterThanOrEqual(20 * 60_000);
  });

  it('a web chat worker who says what to call them shows under that name in the queue, the chat and the counsellor’s list', async () => {
    const session = '31111111-2222-4333-8444-555555555555';
    const id = await queued('web', session);
    const lan = await login('lan');
    expect((await get(lan, '/queue')).json().queue[0]).toMatchObject({ conversationId: id, displayName: null });
    const named = await app.inject({ method: 'POST', url: '/api/chat/name', payload: { session, name: 'Chị Lan' } });
    expect(named.statusCode).toBe(200);
    // No live event for a name: the console's next look (any event, its 30 s refresh) shows it.
    expect((await get(lan, '/queue')).json().queue[0]).toMatchObject({ conversationId: id, channel: 'web', displayName: 'Chị Lan' });
    expect((await get(lan, `/conversations/${enc(id)}`)).json()).toMatchObject({ displayName: 'Chị Lan' });
    await post(lan, `/conversations/${enc(id)}/claim`);
    expect((await get(lan, '/mine')).json().mine[0]).toMatchObject({ conversationId: id, displayName: 'Chị Lan' });
    // Taken back: the chat is anonymous again.
    await app.inject({ method: 'POST', url: '/api/chat/name', payload: { session, name: '' } });
    expect((await get(lan, `/conversations/${enc(id)}`)).json()).toMatchObject({ displayName: null });
  });

  it('two counsellors clicking at once: exactly one gets the chat, the other is told who did', async () => {
    const id = await queued('web', 'race');
    const [lan, minh] = await Promise.all([login('lan'), login('minh')]);
    for (let round = 0; round < 5; round++) {
      const rid = round === 0 ? id : await queued('web', `race${round}`);
      const [a, b] = await Promise.all([post(lan, `/conversations/${enc(rid)}/claim`), post(minh, `/conversations/${enc(rid)}/claim`)]);
      const codes = [a.statusCode, b.statusCode].sort();
      expect(codes).toEqual([200, 409]);
      const loser = a.statusCode === 409 ? a : b;
      const winner = a.statusCode === 200 ? 'Nguyễn Thị Lan' : 'Lê Văn Minh';
      expect(loser.json().error).toEqual({ code: 'TAKEN', message: `${winner} đã nhận cuộc trò chuyện này trước bạn.` });
      const rows = await store.db.selectFrom('console_assignment').selectAll().where('conversation_id', '=', rid).execute();
      expect(rows).toHaveLength(1);
    }
    expect((await get(lan, '/queue')).json().queue).toEqual([]);
    const mine = [...(await get(lan, '/mine')).json().mine, ...(await get(minh, '/mine')).json().mine];
    expect(mine).toHaveLength(5);
    expect((await store.getConversation('web', 'race'))!.mode).toBe('human');
  });

  it('a chat that left the queue cannot be claimed', async () => {
    const id = await queued('web', 'gone');
    const conv = (await store.getConversation('web', 'gone'))!;
    await store.saveConversation({ ...conv, mode: 'bot', queuedAt: null });
    const lan = await login('lan');
    const res = await post(lan, `/conversations/${enc(id)}/claim`);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('NOT_WAITING');
  });
});

describe('talking with the worker', () => {
  it('shows the whole transcript with what the bot understood', async () => {
    const id = await queued('web', 'w1');
    await store.appendTranscript({ conversationId: id, role: 'bot', text: 'Điều kiện hưởng…', at: new Date(), outcome: { kind: 'answer', handoff: 'none', urgent: false, faqId: 'bhtn.dieu-kien', confidence: 0.82, topic: 'bhtn' } });
    const lan = await login('lan');
    const rec = (await get(lan, `/conversations/${enc(id)}`)).json();
    expect(rec.transcript.map((l: { role: string }) => l.role)).toEqual(['worker', 'bot', 'bot']);
    expect(rec.transcript[2].outcome).toMatchObject({ kind: 'answer', faqId: 'bhtn.dieu-kien', confidence: 0.82 });
    expect(rec.assignee).toBeNull();
  });

  it('only the counsellor who claimed may reply; the reply reaches the web chat and the transcript', async () => {
    const id = await queued('web', '11111111-2222-4333-8444-555555555555');
    const [lan, minh] = await Promise.all([login('lan'), login('minh')]);
    expect((await post(lan, `/conversations/${enc(id)}/reply`, { text: 'Chào bạn' })).statusCode).toBe(409);
    expect((await post(lan, `/conversations/${enc(id)}/claim`)).statusCode).toBe(200);
    expect((await post(minh, `/conversations/${enc(id)}/reply`, { text: 'Chen ngang' })).statusCode).toBe(409);
    const events: ConsoleEvent[] = [];
    await coordinator.subscribe(CONSOLE_TOPIC, (e) => void events.push(e as ConsoleEvent));
    const res = await post(lan, `/conversations/${enc(id)}/reply`, { text: '  Chào bạn, mình là Lan, tư vấn viên Công đoàn.  ' });
    expect(res.statusCode).toBe(200);
    expect(res.json().message).toMatchObject({ status: 'sent', text: 'Chào bạn, mình là Lan, tư vấn viên Công đoàn.' });
    expect(events.map((e) => e.type)).toEqual(['message']);
    const hist = await app.inject({ method: 'GET', url: '/api/chat/history?session=11111111-2222-4333-8444-555555555555' });
    expect(hist.json().messages.at(-1)).toMatchObject({ role: 'counsellor', text: 'Chào bạn, mình là Lan, tư vấn viên Công đoàn.' });
    expect((await post(lan, `/conversations/${enc(id)}/reply`, { text: '   ' })).statusCode).toBe(400);
    expect((await post(lan, `/conversations/${enc(id)}/reply`, { text: 'x'.repeat(4001) })).statusCode).toBe(400);
  });

  it('a reply the platform refuses is shown as failed with the reason, and kept', async () => {
    const id = await queued('messenger', 'psid-1');
    const lan = await login('lan');
    await post(lan, `/conversations/${enc(id)}/claim`);
    const res = await post(lan, `/conversations/${enc(id)}/reply`, { text: 'Bạn gửi giúp mình hợp đồng nhé.' });
    expect(res.statusCode).toBe(200);
    expect(res.json().message.status).toBe('failed');
    const rec = (await get(lan, `/conversations/${enc(id)}`)).json();
    expect(rec.messages).toHaveLength(1);
    expect(rec.messages[0]).toMatchObject({ status: 'failed', reason: expect.stringMatching(/quá 7 ngày/), text: 'Bạn gửi giúp mình hợp đồng nhé.' });
    expect(rec.transcript.at(-1)).toMatchObject({ role: 'counsellor', text: 'Bạn gửi giúp mình hợp đồng nhé.' });
  });

  it('a reply that may have reached the worker twice (its send was cut short and done again) is marked, with the reason in Vietnamese', async () => {
    const id = await queued('telegram', '700');
    const target = { conversationId: id, channel: 'telegram' as const, userId: '700', platformConversationId: '700', fromHuman: false };
    const twice = 'Bạn được hưởng trợ cấp thất nghiệp 3 tháng.';
    const once = 'Bạn cần thêm gì nữa không?';
    for (const text of [twice, once]) await store.appendTranscript({ conversationId: id, role: 'bot', text, at: new Date() });
    const [first, second] = await insertOutbox(store.db, [{ ...target, reply: { text: twice } }, { ...target, reply: { text: once } }], Date.now());
    // The first send: claimed by an instance that dies mid-send, then taken over and sent.
    const [claimed] = await outboxRows(store.db, [first!]);
    expect(await claimOutbox(store.db, claimed!, Date.now(), 8_000)).toBe(true);
    const [left] = await outboxRows(store.db, [first!]);
    expect(await claimOutbox(store.db, left!, Date.now(), 8_000)).toBe(true);
    expect(await settleOutbox(store.db, first!, 2, { status: 'sent', platformMessageIds: ['7'] }, Date.now())).toBe(true);
    // The second: sent at the first try.
    const [fresh] = await outboxRows(store.db, [second!]);
    expect(await claimOutbox(store.db, fresh!, Date.now(), 8_000)).toBe(true);
    expect(await settleOutbox(store.db, second!, 1, { status: 'sent', platformMessageIds: ['8'] }, Date.now())).toBe(true);

    const lan = await login('lan');
    const rec = (await get(lan, `/conversations/${enc(id)}`)).json();
    expect(rec.interrupted).toEqual([{ text: twice, fromHuman: false, at: expect.any(String), reason: expect.stringMatching(/có thể nhận tin này hai lần/) }]);
    expect(rec.transcript.slice(-2).map((l: { text: string }) => l.text)).toEqual([twice, once]);
  });

  it('a retrying reply turns failed (or sent) when delivery reports it later', async () => {
    const id = await queued('zalo', 'z1');
    const lan = await login('lan');
    await post(lan, `/conversations/${enc(id)}/claim`);
    const first = (await post(lan, `/conversations/${enc(id)}/reply`, { text: 'Tin một' })).json().message;
    const second = (await post(lan, `/conversations/${enc(id)}/reply`, { text: 'Tin hai' })).json().message;
    expect([first.status, second.status]).toEqual(['retrying', 'retrying']);
    const at = new Date().toISOString();
    await coordinator.publish(CONSOLE_TOPIC, { type: 'delivery', conversationId: id, outboxId: 'ob-1', status: 'failed', reason: 'Zalo: người dùng đã chặn OA.', at });
    await coordinator.publish(CONSOLE_TOPIC, { type: 'delivery', conversationId: id, outboxId: 'ob-2', status: 'sent', at });
    await new Promise((r) => setTimeout(r, 20));
    const rec = (await get(lan, `/conversations/${enc(id)}`)).json();
    expect(rec.messages.map((m: { status: string; reason: string | null }) => [m.status, m.reason])).toEqual([['failed', 'Zalo: người dùng đã chặn OA.'], ['sent', null]]);
  });

  it('a delivery that throws is recorded as failed, never lost', async () => {
    await app.close();
    app = await buildApp({
      config: { MAX_MESSAGE_CHARS: 2000, TRUST_PROXY: false },
      engine: quiet,
      store,
      logger: createLogger('silent'),
      console: { db: store.db, coordinator, delivery: { send: async () => { throw new Error('socket hang up'); } } },
    });
    const id = await queued('telegram', 't1');
    const lan = await login('lan');
    await post(lan, `/conversations/${enc(id)}/claim`);
    const res = await post(lan, `/conversations/${enc(id)}/reply`, { text: 'Xin chào' });
    expect(res.json().message).toMatchObject({ status: 'failed', reason: expect.stringMatching(/gửi lại/) });
  });

  it('without a platform sender, a platform reply fails plainly instead of pretending', async () => {
    const [r] = await new TranscriptDelivery(store).send({ conversationId: 'zalo:1', channel: 'zalo', userId: '1' }, [{ text: 'x' }], { fromHuman: true });
    expect(r).toMatchObject({ status: 'failed', reason: expect.stringMatching(/Zalo/) });
  });

  it('notes, transfer and close: the worker is asked for a rating and the chat returns to the bot', async () => {
    const id = await queued('web', '21111111-2222-4333-8444-555555555555');
    const [lan, minh] = await Promise.all([login('lan'), login('minh')]);
    await post(lan, `/conversations/${enc(id)}/claim`);
    expect((await post(lan, `/conversations/${enc(id)}/notes`, { text: 'Chị ấy làm ở KCN Tân Bình, cần hợp đồng.' })).statusCode).toBe(200);
    expect((await post(minh, `/conversations/${enc(id)}/transfer`, { to: ids.minh })).statusCode).toBe(409);
    const moved = await post(lan, `/conversations/${enc(id)}/transfer`, { to: ids.minh });
    expect(moved.json()).toMatchObject({ ok: true, to: { name: 'Lê Văn Minh' } });
    expect((await post(lan, `/conversations/${enc(id)}/reply`, { text: 'vẫn còn đây' })).statusCode).toBe(409);
    expect((await post(minh, `/conversations/${enc(id)}/close`, { outcome: 'khác lạ' })).statusCode).toBe(400);
    const closed = await post(minh, `/conversations/${enc(id)}/close`, { outcome: 'resolved', tags: ['bhtn', 'hợp đồng'] });
    expect(closed.json()).toMatchObject({ ok: true, surveyStatus: 'sent' });
    const survey = delivery.sent.at(-1)!.replies[0]!;
    expect(delivery.sent.at(-1)!.fromHuman).toBe(false);
    expect(survey.choices?.map((c) => c.payload)).toEqual(['SURVEY:1', 'SURVEY:2', 'SURVEY:3', 'SURVEY:4', 'SURVEY:5']);
    const conv = (await store.getConversation('web', '21111111-2222-4333-8444-555555555555'))!;
    expect(conv.mode).toBe('closed');
    expect(conv.state.handoff).toBe('none');
    const rec = (await get(minh, `/conversations/${enc(id)}`)).json();
    expect(rec.assignee).toBeNull();
    expect(rec.notes.map((n: { text: string }) => n.text)).toEqual(['Chị ấy làm ở KCN Tân Bình, cần hợp đồng.']);
    expect(rec.closures[0]).toMatchObject({ outcome: 'resolved', tags: ['bhtn', 'hợp đồng'], counsellorName: 'Lê Văn Minh' });
    // Closed twice: refused.
    expect((await post(minh, `/conversations/${enc(id)}/close`, { outcome: 'resolved' })).statusCode).toBe(409);
  });
});

describe("erasing a worker's data on request", () => {
  it('is for admins only, removes the chat with its notes, is audited, and tells every instance to forget the worker', async () => {
    const heard: [Channel, string][] = [];
    await onErasure(coordinator, (channel, userId) => void heard.push([channel, userId]));
    const id = await queued('zalo', 'erase');
    const lan = await login('lan');
    await post(lan, `/conversations/${enc(id)}/claim`);
    await post(lan, `/conversations/${enc(id)}/notes`, { text: 'số điện thoại của chị ấy' });
    expect((await post(lan, `/conversations/${enc(id)}/delete`)).statusCode).toBe(403);
    const admin = await login('admin');
    expect((await post(admin, `/conversations/${enc(id)}/delete`)).statusCode).toBe(200);
    expect((await get(admin, `/conversations/${enc(id)}`)).statusCode).toBe(404);
    expect(await store.db.selectFrom('console_note').selectAll().execute()).toEqual([]);
    expect(await store.db.selectFrom('console_assignment').selectAll().execute()).toEqual([]);
    expect((await auditActions()).at(-1)).toBe('delete');
    expect(heard).toEqual([['zalo', 'erase']]);
  });
});

describe('the outbox as delivery', () => {
  it('maps what the outbox knows right after queueing to what the counsellor sees', async () => {
    const { OutboxDelivery } = await import('../src/console/delivery.js');
    const states: Record<string, { status: string; attempts: number; reason?: string }> = {
      '1': { status: 'sent', attempts: 1 },
      '2': { status: 'pending', attempts: 0 },
      '3': { status: 'pending', attempts: 2, reason: 'Zalo đang bận.' },
      '4': { status: 'failed', attempts: 1, reason: 'Người dùng đã chặn.' },
    };
    const calls: unknown[] = [];
    const d = new OutboxDelivery({
      enqueue: async (conversationId, replies, options) => {
        calls.push({ conversationId, n: replies.length, options });
        return ['1', '2', '3', '4'];
      },
      status: async (ids) => ids.map((id) => ({ id, ...states[id]! })),
    });
    const receipts = await d.send({ conversationId: 'zalo:1', channel: 'zalo', userId: '1' }, [{ text: 'a' }, { text: 'b' }, { text: 'c' }, { text: 'd' }], { fromHuman: true });
    expect(calls).toEqual([{ conversationId: 'zalo:1', n: 4, options: { fromHuman: true } }]);
    expect(receipts.map((r) => [r.status, r.reason])).toEqual([['sent', undefined], ['pending', undefined], ['retrying', 'Zalo đang bận.'], ['failed', 'Người dùng đã chặn.']]);
  });
});

describe('finding earlier chats', () => {
  it('finds chats by what the worker or counsellor wrote, with or without diacritics, newest first, and audits the search but not its words', async () => {
    const a = await queued('zalo', 'z-old', { text: 'Công ty Minh Phát nợ lương em 2 tháng', at: Date.now() - 5 * 86_400_000 });
    const b = await queued('telegram', 't-new', { text: 'cty minh phat no luong ca xuong', at: Date.now() - 3_600_000 });
    await queued('web', 'w-other', { text: 'hỏi về thai sản' });
    await store.saveConversation({ ...(await store.getConversation('telegram', 't-new'))!, displayName: 'Trần Văn Tú' });
    // The bot's answers are the knowledge base's words: never a reason to list a chat.
    await store.appendTranscript({ conversationId: a, role: 'bot', text: 'Công ty nợ lương thì bạn làm đơn khiếu nại.', at: new Date() });
    const lan = await login('lan');
    const res = await get(lan, `/chats/search?q=${encodeURIComponent('nợ lương Minh Phát')}`);
    expect(res.statusCode).toBe(200);
    const { hits, truncated } = res.json();
    expect(hits.map((h: { conversationId: string }) => h.conversationId)).toEqual([b, a]);
    expect(hits[0]).toMatchObject({ channel: 'telegram', displayName: 'Trần Văn Tú', role: 'worker', line: 'cty minh phat no luong ca xuong' });
    expect(truncated).toBe(false);
    expect((await get(lan, `/chats/search?q=${encodeURIComponent('thai sản')}`)).json().hits).toHaveLength(1);
    expect((await get(lan, '/chats/search?q=x')).statusCode).toBe(400);
    expect((await get(lan, `/chats/search?q=${encodeURIComponent('không ai viết câu này')}`)).json().hits).toEqual([]);
    const rows = await store.db.selectFrom('console_audit').selectAll().where('action', '=', 'search-chats').execute();
    expect(rows.map((r) => r.detail)).toEqual([JSON.stringify({ results: 2 }), JSON.stringify({ results: 1 })]);
    expect(JSON.stringify(rows)).not.toContain('Minh');
  });

  it('stops at its line budget and says how far back it looked', async () => {
    const id = await queued('web', 'busy', { text: 'tìm tôi' });
    for (let i = 0; i < 30; i++) await store.appendTranscript({ conversationId: id, role: 'worker', text: `tin số ${i}`, at: new Date() });
    const found = await searchPastChats(store.db, 'tìm tôi', { maxLines: 20, pageSize: 7 });
    expect(found).toMatchObject({ hits: [], truncated: true });
    expect(found.searchedBack).not.toBeNull();
    const all = await searchPastChats(store.db, 'tim toi', { pageSize: 7 });
    expect(all.hits.map((h) => h.conversationId)).toEqual([id]);
    expect(all.truncated).toBe(false);
  });
});

describe("the office's canned replies", () => {
  it('are written and removed by admins only, read by every counsellor, and audited', async () => {
    const [lan, admin] = [await login('lan'), await login('admin')];
    const greeting = { title: 'Chào hỏi', text: 'Chào bạn, mình là tư vấn viên Công đoàn. Mình đã đọc tin nhắn của bạn.' };
    expect((await post(lan, '/snippets', greeting)).statusCode).toBe(403);
    const made = await post(admin, '/snippets', greeting);
    expect(made.statusCode).toBe(200);
    await post(admin, '/snippets', { title: 'Giấy tờ hưởng BHTN', text: 'Bạn mang theo sổ BHXH và quyết định nghỉ việc nhé.' });
    const listed = (await get(lan, '/snippets')).json().snippets;
    expect(listed.map((x: { title: string }) => x.title)).toEqual(['Chào hỏi', 'Giấy tờ hưởng BHTN']);
    expect(listed[0]).toEqual({ id: made.json().snippet.id, ...greeting });
    // Refused with a message the admin can act on, and nothing stored.
    for (const bad of [{ title: '', text: 'x' }, { title: 'Dài', text: 'x'.repeat(2001) }, { title: 'Thừa', text: 'x', extra: 1 }]) {
      const r = await post(admin, '/snippets', bad);
      expect(r.statusCode).toBe(400);
      expect(r.json().error.message).toContain('2.000 ký tự');
    }
    expect((await post(lan, `/snippets/${made.json().snippet.id}/delete`)).statusCode).toBe(403);
    expect((await post(admin, `/snippets/${made.json().snippet.id}/delete`)).statusCode).toBe(200);
    expect((await post(admin, `/snippets/${made.json().snippet.id}/delete`)).statusCode).toBe(404);
    expect((await get(lan, '/snippets')).json().snippets.map((x: { title: string }) => x.title)).toEqual(['Giấy tờ hưởng BHTN']);
    expect(await auditActions()).toEqual(expect.arrayContaining(['snippet-create', 'snippet-delete']));
  });
});

describe('out-of-hours tickets', () => {
  it('are listed oldest first with the call-back number, and done exactly once', async () => {
    const records = new HandoffRecords(store.db);
    const t = Date.now();
    const a = await records.createTicket({ conversationId: 'zalo:z1', channel: 'zalo', userId: 'z1', message: 'Em bị nợ lương, gọi lại giúp em', phone: '0912345678', at: new Date(t - 60_000) });
    await records.createTicket({ conversationId: 'web:w1', channel: 'web', userId: 'w1', message: 'Hỏi về thai sản', phone: null, at: new Date(t) });
    const lan = await login('lan');
    const listed = await get(lan, '/tickets');
    const list = listed.json().tickets;
    expect(list.map((x: { message: string; phoneMasked: string | null }) => [x.message, x.phoneMasked])).toEqual([['Em bị nợ lương, gọi lại giúp em', '•••••••678'], ['Hỏi về thai sản', null]]);
    // The list never carries the full number.
    expect(listed.body).not.toContain('0912345678');
    const minh = await login('minh');
    const [one, two] = await Promise.all([post(lan, `/tickets/${a.id}/done`), post(minh, `/tickets/${a.id}/done`)]);
    expect([one.statusCode, two.statusCode].sort()).toEqual([200, 409]);
    expect((await get(lan, '/tickets')).json().tickets).toHaveLength(1);
    expect((await post(lan, '/tickets/999/done')).statusCode).toBe(404);
  });

  it('show the full phone number only on an explicit, audited request; after the call-back, only to admins', async () => {
    const records = new HandoffRecords(store.db);
    const a = await records.createTicket({ conversationId: 'zalo:z2', channel: 'zalo', userId: 'z2', message: 'Gọi lại giúp em', phone: '+84 912 345 678', at: new Date() });
    const b = await records.createTicket({ conversationId: 'web:w2', channel: 'web', userId: 'w2', message: 'Không để số', phone: null, at: new Date() });
    const lan = await login('lan');
    expect((await get(lan, '/tickets')).json().tickets[0].phoneMasked).toBe('+•• ••• ••• 678');
    expect(await auditActions()).toEqual(['login']);
    // Taking the call-back comes first, so that two counsellors do not call the same worker.
    const early = await post(lan, `/tickets/${a.id}/phone`);
    expect([early.statusCode, early.json().error.code]).toEqual([409, 'TAKE_FIRST']);
    expect(early.body).not.toContain('912');
    expect((await post(lan, `/tickets/${a.id}/take`)).statusCode).toBe(200);
    const shown = await post(lan, `/tickets/${a.id}/phone`);
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toEqual({ phone: '+84 912 345 678' });
    const rows = await store.db.selectFrom('console_audit').selectAll().where('action', '=', 'ticket-phone').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ counsellor_id: ids.lan, conversation_id: 'zalo:z2', detail: JSON.stringify({ ticket: a.id }) });
    // Nobody else sees it while Lan has the call-back.
    const minh = await login('minh');
    const other = await post(minh, `/tickets/${a.id}/phone`);
    expect([other.statusCode, other.json().error.code]).toEqual([409, 'TAKEN']);
    expect(other.body).not.toContain('912');
    // The log says who looked, never the number (in any spacing: a bare "912" also turns up in
    // timestamps and ids, as a CI run found).
    const audit = JSON.stringify(await store.db.selectFrom('console_audit').selectAll().execute());
    expect(audit.replace(/[\s.-]/g, '')).not.toContain('912345678');
    expect((await post(lan, `/tickets/${b.id}/phone`)).statusCode).toBe(404);
    // A state-changing request: without the CSRF token it is refused.
    expect((await app.inject({ method: 'POST', url: `/console/api/tickets/${a.id}/phone`, headers: { cookie: lan.cookie } })).statusCode).toBe(403);
    await post(lan, `/tickets/${a.id}/done`);
    const after = await post(lan, `/tickets/${a.id}/phone`);
    expect(after.statusCode).toBe(403);
    expect(after.body).not.toContain('912');
    const admin = await login('admin');
    expect((await post(admin, `/tickets/${a.id}/phone`)).json()).toEqual({ phone: '+84 912 345 678' });
    expect((await store.db.selectFrom('console_audit').select('counsellor_id').where('action', '=', 'ticket-phone').execute()).map((r) => r.counsellor_id)).toEqual([ids.lan, ids.admin]);
  });

  it('are taken by one counsellor at a time: the others see who calls, cannot take it or mark it done, until it is given back', async () => {
    const records = new HandoffRecords(store.db);
    const a = await records.createTicket({ conversationId: 'zalo:z3', channel: 'zalo', userId: 'z3', message: 'Gọi lại giúp em', phone: '0987654321', at: new Date() });
    const [lan, minh, admin] = [await login('lan'), await login('minh'), await login('admin')];
    const published: ConsoleEvent[] = [];
    await coordinator.subscribe(CONSOLE_TOPIC, (e) => void published.push(e as ConsoleEvent));
    const events = () => published;
    const [one, two] = await Promise.all([post(lan, `/tickets/${a.id}/take`), post(minh, `/tickets/${a.id}/take`)]);
    expect([one.statusCode, two.statusCode].sort()).toEqual([200, 409]);
    const [taker, other] = one.statusCode === 200 ? [lan, minh] : [minh, lan];
    const takerId = one.statusCode === 200 ? ids.lan : ids.minh;
    const refused = one.statusCode === 200 ? two : one;
    const takerName = one.statusCode === 200 ? 'Nguyễn Thị Lan' : 'Lê Văn Minh';
    expect(refused.json().error).toEqual({ code: 'TAKEN', message: `${takerName} đã nhận gọi lại phiếu này.` });
    // Everyone's list says who is calling; the number stays masked in it.
    const listed = (await get(other, '/tickets')).json().tickets[0];
    expect(listed.takenBy).toEqual({ id: takerId, name: takerName });
    expect(listed.phoneMasked).toBe('•••••••321');
    expect((await post(taker, `/tickets/${a.id}/take`)).statusCode).toBe(200);
    expect((await post(other, `/tickets/${a.id}/done`)).json().error.code).toBe('TAKEN');
    expect((await post(other, `/tickets/${a.id}/release`)).json().error.code).toBe('NOT_YOURS');
    // Given back, the other can take it; an admin may give anyone's back and close it.
    expect((await post(taker, `/tickets/${a.id}/release`)).statusCode).toBe(200);
    expect((await get(other, '/tickets')).json().tickets[0].takenBy).toBeNull();
    expect((await post(other, `/tickets/${a.id}/take`)).statusCode).toBe(200);
    expect((await post(admin, `/tickets/${a.id}/release`)).statusCode).toBe(200);
    expect((await post(taker, `/tickets/${a.id}/take`)).statusCode).toBe(200);
    expect((await post(admin, `/tickets/${a.id}/done`)).statusCode).toBe(200);
    expect((await post(taker, `/tickets/${a.id}/take`)).json().error.code).toBe('ALREADY_DONE');
    expect((await get(lan, '/tickets')).json().tickets).toEqual([]);
    expect(await auditActions()).toEqual(expect.arrayContaining(['ticket-take', 'ticket-release', 'ticket-done']));
    // Open consoles are told to refresh (no number or message in the event).
    const updates = events().filter((e) => e.type === 'ticket-updated');
    expect(updates.length).toBeGreaterThanOrEqual(6);
    expect(updates[0]).toMatchObject({ conversationId: 'zalo:z3', ticketId: a.id });
    expect(JSON.stringify(updates)).not.toContain('0987654321');
  });

  it('a claim records the wait that the next workers are told about', async () => {
    const id = await queued('web', 'waited', { at: Date.now() - 12 * 60_000 });
    const lan = await login('lan');
    await post(lan, `/conversations/${enc(id)}/claim`);
    const minutes = await new HandoffRecords(store.db).recentWaitMinutes(new Date(Date.now() - 3600_000));
    expect(minutes).toHaveLength(1);
    expect(minutes[0]).toBeGreaterThanOrEqual(12);
  });
});

describe('the audit log', () => {
  it('records login, view, claim, reply, note, close with who and which chat, and no message text', async () => {
    const id = await queued('web', 'a1');
    const lan = await login('lan');
    await get(lan, `/conversations/${enc(id)}`);
    await get(lan, `/conversations/${enc(id)}`); // a live refresh is not a second view
    await post(lan, `/conversations/${enc(id)}/claim`);
    await post(lan, `/conversations/${enc(id)}/reply`, { text: 'bí mật của người lao động' });
    await post(lan, `/conversations/${enc(id)}/notes`, { text: 'ghi chú riêng' });
    await post(lan, `/conversations/${enc(id)}/close`, { outcome: 'resolved' });
    const rows = await store.db.selectFrom('console_audit').selectAll().orderBy('id').execute();
    expect(rows.map((r) => r.action)).toEqual(['login', 'view', 'claim', 'reply', 'note', 'close']);
    expect(rows.slice(1).every((r) => r.counsellor_id === ids.lan && r.conversation_id === id)).toBe(true);
    expect(JSON.stringify(rows)).not.toMatch(/bí mật|ghi chú riêng/);
    const admin = await login('admin');
    const entries = (await get(admin, '/audit')).json().entries;
    expect(entries[1]).toMatchObject({ action: 'close', counsellorName: 'Nguyễn Thị Lan' });
  });
});

describe('live events', () => {
  it('streams console events to a logged-in console over SSE', async () => {
    const lan = await login('lan');
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address() as { port: number };
    const refused = await fetch(`http://127.0.0.1:${address.port}/console/api/events`);
    expect(refused.status).toBe(401);
    await refused.text();
    const res = await fetch(`http://127.0.0.1:${address.port}/console/api/events`, { headers: { cookie: lan.cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const until = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) return false;
        text += decoder.decode(value);
      }
      return true;
    };
    await until('event: hello');
    await coordinator.publish(CONSOLE_TOPIC, { type: 'queued', conversationId: 'zalo:9', channel: 'zalo', urgent: true, at: new Date().toISOString() });
    await until('event: queued');
    expect(text).toMatch(/"urgent":true/);
    // Shutting down ends open streams instead of waiting on them.
    await app.close();
    expect(await until('never')).toBe(false);
  });
});

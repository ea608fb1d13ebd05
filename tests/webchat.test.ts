/**
 * The web chat channel over HTTP (app.inject), with a small fake engine that echoes and a
 * real in-memory store. The fake does what the contract asks of any engine: it calls
 * store.markSeen and reports a redelivery as a duplicate.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Activity, ConversationEngine, EngineResult, Outcome, Reply } from '../src/flows/activity.js';
import { createLogger } from '../src/log.js';
import { buildApp } from '../src/server/app.js';
import { createStore, type SqlStore } from '../src/store/sql-store.js';
import { workerNames } from '../src/bots/worker-names.js';
import type { Conversation } from '../src/store/types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OUTCOME: Outcome = { kind: 'smalltalk', handoff: 'none', urgent: false };

class EchoEngine implements ConversationEngine {
  /** Every activity the channel passed in, duplicates included. */
  readonly calls: Activity[] = [];
  /** Activities that got past de-duplication. */
  readonly handled: Activity[] = [];
  duplicates = 0;

  constructor(private readonly store: SqlStore) {}

  async handle(a: Activity): Promise<EngineResult> {
    this.calls.push(a);
    const existing = await this.store.getConversation(a.channel, a.conversationId);
    if (!(await this.store.markSeen(a.channel, a.messageId))) {
      this.duplicates++;
      return { replies: [], outcome: OUTCOME, mode: existing?.mode ?? 'bot', duplicate: true };
    }
    this.handled.push(a);
    const now = new Date();
    const conv: Conversation = existing ?? {
      id: `${a.channel}:${a.conversationId}`,
      channel: a.channel,
      userId: a.userId,
      mode: 'bot',
      urgent: false,
      state: { misses: 0, handoff: 'none', consentShown: false },
      createdAt: now,
      updatedAt: now,
      queuedAt: null,
    };
    if (a.text) await this.store.appendTranscript({ conversationId: conv.id, role: 'worker', text: a.text, at: now });
    let replies: Reply[];
    if (a.postback === 'START') {
      replies = [
        { text: 'Xin chào bạn! Mình là Trợ lý Công đoàn.\n\nMình có thể:\n- giải đáp về BHTN\n- tính trợ cấp' },
        { text: 'Bạn muốn hỏi gì?', choices: [{ label: 'Điều kiện hưởng BHTN', payload: 'TOPIC:bhtn' }, { label: 'Gặp tư vấn viên', payload: 'HANDOFF' }] },
      ];
      conv.state.consentShown = true;
      await this.store.appendTranscript({ conversationId: conv.id, role: 'system', text: 'consent shown', at: now });
    } else if (a.postback === 'HANDOFF') {
      conv.mode = 'queued';
      conv.queuedAt = now;
      replies = [{ text: 'Mình đã chuyển bạn tới tư vấn viên.' }];
    } else if (a.postback) {
      replies = [{ text: `Bạn chọn ${a.postback}` }];
    } else if (a.text === 'căn cứ') {
      replies = [
        {
          text: 'Mức hưởng bằng 60% bình quân tiền lương.',
          citations: ['Điều 39 khoản 1 Luật Việc làm 2025'],
          links: [{ label: 'Cổng Dịch vụ công', url: 'https://dichvucong.gov.vn/' }],
          choices: [{ label: 'Tính trợ cấp', payload: 'CALC:unemployment' }],
        },
      ];
    } else if (a.text === 'cứu tôi') {
      conv.urgent = true;
      replies = [{ text: 'Gọi ngay 113.', urgent: true }];
    } else {
      replies = [{ text: `Bạn nói: ${a.text}` }];
    }
    for (const r of replies) await this.store.appendTranscript({ conversationId: conv.id, role: 'bot', text: r.text, at: now, outcome: OUTCOME });
    conv.updatedAt = now;
    await this.store.saveConversation(conv);
    return { replies, outcome: OUTCOME, mode: conv.mode };
  }
}

let store: SqlStore;
let engine: EchoEngine;
let app: FastifyInstance;

async function makeApp(s: SqlStore, e: ConversationEngine, maxMessageChars = 2000) {
  return buildApp({ config: { MAX_MESSAGE_CHARS: maxMessageChars, TRUST_PROXY: false }, engine: e, store: s, logger: createLogger('silent') });
}

beforeEach(async () => {
  store = await createStore({ databasePath: ':memory:' });
  engine = new EchoEngine(store);
  app = await makeApp(store, engine);
});
afterEach(async () => {
  await app.close();
  await store.close();
});

const chat = (body: unknown, on: FastifyInstance = app) => on.inject({ method: 'POST', url: '/api/chat', payload: body as object });
const history = (query: string, on: FastifyInstance = app) => on.inject({ method: 'GET', url: `/api/chat/history?${query}` });
async function start(): Promise<string> {
  const res = await chat({ postback: 'START' });
  expect(res.statusCode).toBe(200);
  return res.json().session as string;
}

describe('the page', () => {
  it('serves the chat page, its script and styles, with no inline script and no third party', async () => {
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('<h1>Trợ lý Công đoàn</h1>');
    expect(page.body).toContain('lang="vi"');
    expect(page.body).toMatch(/<label for="input"/);
    expect(page.body).toMatch(/aria-live="polite"/);
    // Every script is a file of ours; nothing is fetched from elsewhere.
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=")[^>]*>/);
    expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");

    const js = await app.inject({ method: 'GET', url: '/chat.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.body).not.toMatch(/innerHTML|https?:\/\/(?!\/)/);
    const css = await app.inject({ method: 'GET', url: '/chat.css' });
    expect(css.statusCode).toBe(200);
    expect(css.body).not.toMatch(/@import|url\(\s*['"]?https?:/);
  });
});

describe('POST /api/chat', () => {
  it('issues a session for a first message and keeps it for the next', async () => {
    const first = await chat({ postback: 'START' });
    expect(first.statusCode).toBe(200);
    expect(first.headers['cache-control']).toBe('no-store');
    const body = first.json();
    expect(body.session).toMatch(UUID);
    expect(body.mode).toBe('bot');
    expect(body.replies).toHaveLength(2);
    expect(body.replies[1].choices).toEqual([
      { label: 'Điều kiện hưởng BHTN', payload: 'TOPIC:bhtn' },
      { label: 'Gặp tư vấn viên', payload: 'HANDOFF' },
    ]);

    const second = await chat({ session: body.session, text: 'xin chào' });
    expect(second.json()).toMatchObject({ session: body.session, replies: [{ text: 'Bạn nói: xin chào' }], mode: 'bot' });

    const [a1, a2] = engine.calls;
    expect(a1).toMatchObject({ channel: 'web', userId: body.session, conversationId: body.session, postback: 'START' });
    expect(a1?.text).toBeUndefined();
    expect(a2).toMatchObject({ channel: 'web', userId: body.session, conversationId: body.session, text: 'xin chào' });
    expect(a2?.timestamp).toBeInstanceOf(Date);

    // Another browser gets another session.
    expect((await chat({ postback: 'START' })).json().session).not.toBe(body.session);
  });

  it('passes choices, citations, links, urgency and the mode through unchanged', async () => {
    const session = await start();
    const answer = (await chat({ session, text: 'căn cứ' })).json();
    expect(answer.replies).toEqual([
      {
        text: 'Mức hưởng bằng 60% bình quân tiền lương.',
        citations: ['Điều 39 khoản 1 Luật Việc làm 2025'],
        links: [{ label: 'Cổng Dịch vụ công', url: 'https://dichvucong.gov.vn/' }],
        choices: [{ label: 'Tính trợ cấp', payload: 'CALC:unemployment' }],
      },
    ]);
    expect((await chat({ session, text: 'cứu tôi' })).json().replies).toEqual([{ text: 'Gọi ngay 113.', urgent: true }]);
    const queued = (await chat({ session, postback: 'HANDOFF' })).json();
    expect(queued.mode).toBe('queued');
  });

  it('trims and NFC-normalises text before the engine sees it', async () => {
    const session = await start();
    const decomposed = '  Bảo hiểm thất nghiệp  '.normalize('NFD');
    await chat({ session, text: decomposed });
    expect(engine.calls.at(-1)?.text).toBe('Bảo hiểm thất nghiệp');
  });

  it('refuses a message over MAX_MESSAGE_CHARS with 413 in Vietnamese, handling nothing', async () => {
    const session = await start();
    const callsBefore = engine.calls.length;
    const stored = (await store.transcript(`web:${session}`)).length;
    const res = await chat({ session, text: 'a'.repeat(2001), clientMessageId: 'too-long-0001' });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: { code: 'TOO_LONG', message: expect.stringContaining('2000 ký tự') } });
    expect(engine.calls.length).toBe(callsBefore);
    expect((await store.transcript(`web:${session}`)).length).toBe(stored);
    // Exactly at the limit is fine.
    expect((await chat({ session, text: 'a'.repeat(2000) })).statusCode).toBe(200);
  });

  it('follows the configured limit', async () => {
    const small = await makeApp(store, engine, 100);
    expect((await chat({ text: 'b'.repeat(101) }, small)).statusCode).toBe(413);
    expect((await chat({ text: 'b'.repeat(100) }, small)).statusCode).toBe(200);
    await small.close();
  });

  it('refuses a body over 64 KB before parsing it', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/chat', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ text: 'x'.repeat(70_000) }) });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('TOO_LARGE');
    expect(engine.calls).toHaveLength(0);
  });

  it('refuses malformed, empty and unknown input with 400 and the error shape', async () => {
    const bad = [
      await app.inject({ method: 'POST', url: '/api/chat', headers: { 'content-type': 'application/json' }, payload: '{"text":' }),
      await app.inject({ method: 'POST', url: '/api/chat', headers: { 'content-type': 'application/json' }, payload: '' }),
      await app.inject({ method: 'POST', url: '/api/chat', headers: { 'content-type': 'text/plain' }, payload: 'xin chào' }),
      await chat([{ text: 'xin chào' }]),
      await chat({ text: 'xin chào', extra: 1 }),
      await chat({ text: '   ' }),
      await chat({}),
      await chat({ postback: '' }),
      await chat({ text: 42 }),
      await chat({ session: 'not-a-uuid', text: 'xin chào' }),
      await chat({ text: 'xin chào', clientMessageId: 'bad id with spaces' }),
      await chat({ postback: 'X'.repeat(201) }),
    ];
    for (const res of bad) {
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    }
    expect(bad[5]?.json().error.message).toBe('Bạn chưa nhập nội dung.');
    expect(engine.calls).toHaveLength(0);
  });

  it('answers a retried message (same clientMessageId) once, and gives the retry the same replies', async () => {
    const session = await start();
    const a = await chat({ session, text: 'thời gian hưởng', clientMessageId: 'retry-0001' });
    const b = await chat({ session, text: 'thời gian hưởng', clientMessageId: 'retry-0001' });
    expect(a.statusCode).toBe(200);
    expect(b.json()).toEqual(a.json());
    expect(a.json()).toMatchObject({ replies: [{ text: 'Bạn nói: thời gian hưởng' }], duplicate: false });
    const handledTexts = engine.handled.map((x) => x.text).filter(Boolean);
    expect(handledTexts).toEqual(['thời gian hưởng']);
    const workerLines = (await store.transcript(`web:${session}`)).filter((m) => m.role === 'worker');
    expect(workerLines).toHaveLength(1);
  });

  it('answers concurrent retries once', async () => {
    const session = await start();
    const results = await Promise.all([1, 2, 3].map(() => chat({ session, text: 'song song', clientMessageId: 'concurrent-01' })));
    expect(new Set(results.map((r) => r.body)).size).toBe(1);
    expect(engine.handled.filter((x) => x.text === 'song song')).toHaveLength(1);
  });

  it('retries of a first message get the same new session', async () => {
    const a = (await chat({ postback: 'START', clientMessageId: 'first-msg-01' })).json();
    const b = (await chat({ postback: 'START', clientMessageId: 'first-msg-01' })).json();
    expect(b.session).toBe(a.session);
    expect(engine.handled).toHaveLength(1);
  });

  it('reaches the engine’s duplicate handling when the route has no memory of the first attempt', async () => {
    // A second instance (or a restart) over the same database: the engine recognises the id.
    const session = await start();
    await chat({ session, text: 'câu hỏi', clientMessageId: 'other-inst-1' });
    const elsewhere = await makeApp(store, engine);
    const res = await chat({ session, text: 'câu hỏi', clientMessageId: 'other-inst-1' }, elsewhere);
    await elsewhere.close();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ session, replies: [], mode: 'bot', duplicate: true });
    expect(engine.duplicates).toBe(1);
    expect(engine.handled.filter((x) => x.text === 'câu hỏi')).toHaveLength(1);
    // The message id the engine sees is scoped to the session.
    expect(engine.calls.at(-1)?.messageId).toBe(`${session}:other-inst-1`);
  });

  it('does not confuse the same clientMessageId in two sessions', async () => {
    const s1 = await start();
    const s2 = await start();
    await chat({ session: s1, text: 'một', clientMessageId: 'shared-id-01' });
    const r2 = await chat({ session: s2, text: 'hai', clientMessageId: 'shared-id-01' });
    expect(r2.json().replies).toEqual([{ text: 'Bạn nói: hai' }]);
    expect(engine.duplicates).toBe(0);
  });

  it('does not remember a failed attempt: the retry reaches the engine', async () => {
    let fail = true;
    const flaky: ConversationEngine = {
      handle: async (a) => {
        if (fail) {
          fail = false;
          throw new Error('database is locked');
        }
        return engine.handle(a);
      },
    };
    const flakyApp = await makeApp(store, flaky);
    const first = await chat({ text: 'thử lại', clientMessageId: 'flaky-00001' }, flakyApp);
    expect(first.statusCode).toBe(500);
    expect(first.json()).toEqual({ error: { code: 'INTERNAL', message: expect.any(String) } });
    const second = await chat({ text: 'thử lại', clientMessageId: 'flaky-00001' }, flakyApp);
    expect(second.statusCode).toBe(200);
    expect(second.json().replies).toEqual([{ text: 'Bạn nói: thử lại' }]);
    await flakyApp.close();
  });
});

describe('GET /api/chat/history', () => {
  it('restores the worker’s and the bot’s messages after a reload, without system lines', async () => {
    const session = await start();
    await chat({ session, text: 'xin chào' });
    const res = await history(`session=${session}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body.session).toBe(session);
    expect(body.mode).toBe('bot');
    expect(body.messages.map((m: { role: string; text: string }) => [m.role, m.text])).toEqual([
      ['bot', 'Xin chào bạn! Mình là Trợ lý Công đoàn.\n\nMình có thể:\n- giải đáp về BHTN\n- tính trợ cấp'],
      ['bot', 'Bạn muốn hỏi gì?'],
      ['worker', 'xin chào'],
      ['bot', 'Bạn nói: xin chào'],
    ]);
    for (const m of body.messages) expect(new Date(m.at).toISOString()).toBe(m.at);
  });

  it('shows counsellor messages and the mode, and filters by time for polling', async () => {
    const session = await start();
    await chat({ session, postback: 'HANDOFF' });
    const later = new Date(Date.now() + 60_000);
    await store.appendTranscript({ conversationId: `web:${session}`, role: 'counsellor', text: 'Chào bạn, mình là tư vấn viên Lan.', at: later });
    const all = (await history(`session=${session}`)).json();
    expect(all.mode).toBe('queued');
    expect(all.messages.at(-1)).toEqual({ role: 'counsellor', text: 'Chào bạn, mình là tư vấn viên Lan.', at: later.toISOString() });
    const since = (await history(`session=${session}&since=${encodeURIComponent(later.toISOString())}`)).json();
    expect(since.messages).toEqual([{ role: 'counsellor', text: 'Chào bạn, mình là tư vấn viên Lan.', at: later.toISOString() }]);
  });

  it('is empty for an unknown session and refuses a malformed one', async () => {
    const unknown = await history('session=00000000-0000-4000-8000-000000000000');
    expect(unknown.statusCode).toBe(200);
    expect(unknown.json()).toMatchObject({ messages: [], mode: 'bot' });
    expect((await history('session=abc')).statusCode).toBe(400);
    expect((await history('')).statusCode).toBe(400);
    const s = await start();
    expect((await history(`session=${s}&since=yesterday`)).statusCode).toBe(400);
    expect((await history(`session=${s}&other=1`)).statusCode).toBe(400);
  });
});

describe('POST /api/chat/name', () => {
  const setName = (body: unknown, on: FastifyInstance = app) => on.inject({ method: 'POST', url: '/api/chat/name', payload: body as object });
  const storedName = (session: string) => workerNames(store.db, 'web').load(session);

  it('keeps the name on the worker’s row, trimmed and NFC-normalised, and an empty name clears it', async () => {
    const session = await start();
    // "Nguyễn Thị  Lan" typed with combining marks and a double space.
    const res = await setName({ session, name: '  Nguye\u0302\u0303n Thi\u0323  Lan ' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({ session, name: 'Nguyễn Thị Lan' });
    expect(await storedName(session)).toBe('Nguyễn Thị Lan');

    expect((await setName({ session, name: 'Lan' })).json().name).toBe('Lan');
    expect(await storedName(session)).toBe('Lan');
    // The engine's next save (a message without a name) keeps it.
    await chat({ session, text: 'còn ai ở đó không' });
    expect(await storedName(session)).toBe('Lan');

    const cleared = await setName({ session, name: '   ' });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).toEqual({ session, name: null });
    expect(await storedName(session)).toBeUndefined();
  });

  it('refuses a name over 60 characters or with control characters with a 400 saying why, and keeps the old one', async () => {
    const session = await start();
    await setName({ session, name: 'Lan' });
    // 60 letters with diacritics count as 60, however they were typed.
    const sixty = 'ệ'.repeat(60);
    expect((await setName({ session, name: sixty.normalize('NFD') })).statusCode).toBe(200);
    await setName({ session, name: 'Lan' });

    const long = await setName({ session, name: 'ệ'.repeat(61) });
    expect(long.statusCode).toBe(400);
    expect(long.json()).toEqual({ error: { code: 'NAME_TOO_LONG', message: 'Tên dài quá 60 ký tự. Bạn viết ngắn hơn giúp mình nhé.' } });
    for (const name of ['Lan\u0000', 'Lan\nAnh', 'Lan\tAnh', '\u202eLan', 'Lan\u2028Anh', '\ud800Lan']) {
      const res = await setName({ session, name });
      expect(res.statusCode, JSON.stringify(name)).toBe(400);
      expect(res.json().error.code).toBe('NAME_INVALID');
      expect(res.json().error.message).toMatch(/ký tự/);
    }
    expect(await storedName(session)).toBe('Lan');
  });

  it('refuses an unknown session with 404 without creating a worker, and malformed requests with 400', async () => {
    const forged = '00000000-0000-4000-8000-000000000000';
    const unknown = await setName({ session: forged, name: 'Lan' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('NOT_FOUND');
    expect(await store.db.selectFrom('worker').selectAll().execute()).toEqual([]);

    const session = await start();
    for (const body of [{ session: 'abc', name: 'Lan' }, { name: 'Lan' }, { session }, { session, name: 5 }, { session, name: 'Lan', extra: 1 }, { session, name: 'x'.repeat(1001) }]) {
      const res = await setName(body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.json().error.code).toBe('BAD_REQUEST');
    }
    expect(await storedName(session)).toBeUndefined();
  });

  it('never writes the name to the logs or the transcript', async () => {
    const lines: string[] = [];
    const logged = await buildApp({ config: { MAX_MESSAGE_CHARS: 2000, TRUST_PROXY: false }, engine, store, logger: createLogger('debug', { write: (l: string) => void lines.push(l) }) });
    const session = (await chat({ postback: 'START' }, logged)).json().session as string;
    expect((await setName({ session, name: 'Phạm Thị Khánh Vy' }, logged)).statusCode).toBe(200);
    expect((await setName({ session, name: `Phạm Thị Khánh Vy${'x'.repeat(60)}` }, logged)).statusCode).toBe(400);
    await logged.close();
    expect(lines.some((l) => l.includes('/api/chat/name'))).toBe(true);
    expect(lines.filter((l) => /Khánh|Khanh/.test(l))).toEqual([]);
    expect((await store.transcript(`web:${session}`)).filter((m) => m.text.includes('Khánh'))).toEqual([]);
  });
});

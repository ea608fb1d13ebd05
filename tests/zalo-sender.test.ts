/**
 * ZaloSender + ZaloClient against the fake Zalo API over real HTTP.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZaloClient, classifyZaloError } from '../src/bots/zalo/client.js';
import { ProfileCache } from '../src/bots/profile-cache.js';
import { zaloDisplayName } from '../src/bots/zalo/index.js';
import { ZaloSender } from '../src/bots/zalo/sender.js';
import { InProcessLock, MemoryTokenStore, TokenManager } from '../src/bots/zalo/tokens.js';
import type { Reply } from '../src/flows/activity.js';
import { ZaloFake } from './fakes/zalo-fake.js';

const USER = '2468458835296117922';
const target = { userId: USER, conversationId: USER };
const NOW = new Date('2026-11-20T08:00:00Z');

let fake: ZaloFake;
let store: MemoryTokenStore;
let tokens: TokenManager;
let client: ZaloClient;
let sender: ZaloSender;

beforeEach(async () => {
  fake = await ZaloFake.start({ appId: 'app-1', appSecret: 'app-secret-1', accessToken: 'at-0', refreshToken: 'rt-0' });
  store = new MemoryTokenStore({ accessToken: 'at-0', refreshToken: 'rt-0', accessExpiresAt: new Date(Date.now() + 20 * 3600_000), obtainedAt: new Date() });
  tokens = new TokenManager({ tokenStore: store, lock: new InProcessLock(), appId: 'app-1', appSecret: 'app-secret-1', oauthRoot: fake.url, retryBaseMs: 1 });
  client = new ZaloClient({ tokens, apiRoot: fake.url, timeoutMs: 2000 }); // generous: a first request on a loaded machine has taken over 300 ms
  sender = new ZaloSender({ client, now: () => NOW });
});
afterEach(async () => {
  tokens.stop();
  await fake.close();
});

const menu: Reply = {
  text: 'Bạn muốn hỏi về điều gì?',
  choices: [
    { label: 'Điều kiện hưởng BHTN', payload: 'TOPIC:bhtn' },
    { label: 'Gặp tư vấn viên', payload: 'HANDOFF' },
  ],
};

describe('ZaloSender', () => {
  it('sends text and buttons as consultation messages with the access token header', async () => {
    const r1 = await sender.send(target, { text: 'Chào bạn, mình là Trợ lý Công đoàn.' });
    const r2 = await sender.send(target, menu, { lastInboundAt: new Date(NOW.getTime() - 3600_000) });
    expect(r1).toEqual({ ok: true, platformMessageIds: ['mid-1'] });
    expect(r2).toEqual({ ok: true, platformMessageIds: ['mid-2'] });
    const [a, b] = fake.sentMessages;
    expect(a).toEqual({ accessToken: 'at-0', body: { recipient: { user_id: USER }, message: { text: 'Chào bạn, mình là Trợ lý Công đoàn.' } } });
    expect(b?.body).toEqual({
      recipient: { user_id: USER },
      message: {
        text: 'Bạn muốn hỏi về điều gì?',
        attachment: {
          type: 'template',
          payload: {
            buttons: [
              { type: 'oa.query.hide', title: 'Điều kiện hưởng BHTN', payload: '#tlcd:TOPIC:bhtn' },
              { type: 'oa.query.hide', title: 'Gặp tư vấn viên', payload: '#tlcd:HANDOFF' },
            ],
          },
        },
      },
    });
    expect(fake.requestsTo('/v3.0/oa/message/cs')[0]?.headers['content-type']).toBe('application/json');
  });

  it('sends a long reply as several messages, in order', async () => {
    const para = 'Người lao động được hưởng trợ cấp thất nghiệp khi đủ điều kiện theo luật. '.repeat(20).trim();
    const r = await sender.send(target, { text: [para, para, para].join('\n\n') });
    // Each paragraph is ~1,500 characters: two do not fit in one 2,000-character message.
    expect(r.ok && r.platformMessageIds).toEqual(['mid-1', 'mid-2', 'mid-3']);
    const texts = fake.sentMessages.map((m) => m.body.message.text as string);
    expect(texts.join('\n\n')).toBe([para, para, para].join('\n\n'));
  });

  it('on an invalid token, refreshes once and retries once', async () => {
    fake.revokeAccessToken('at-0');
    const r = await sender.send(target, { text: 'Xin chào' });
    expect(r).toEqual({ ok: true, platformMessageIds: ['mid-1'] });
    const calls = fake.requests.map((q) => `${q.path} ${q.headers['access_token'] ?? q.form?.refresh_token}`);
    expect(calls).toEqual(['/v3.0/oa/message/cs at-0', '/v4/oa/access_token rt-0', '/v3.0/oa/message/cs at-1']);
    expect(await store.load()).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' });
  });

  it('gives up after one retry when Zalo still refuses the new token', async () => {
    fake.revokeAccessToken('at-0');
    fake.script('message', { kind: 'delay', ms: 0 }, { kind: 'error', error: -216, message: 'Access token is invalid' });
    const r = await sender.send(target, { text: 'Xin chào' });
    expect(r).toMatchObject({ ok: false, code: 'invalid_token', retryable: false });
    expect(fake.requestsTo('/v3.0/oa/message/cs')).toHaveLength(2);
    expect(fake.requestsTo('/v4/oa/access_token')).toHaveLength(1);
  });

  it('fails visibly, without calling Zalo, outside the interaction window', async () => {
    const r = await sender.send(target, menu, { fromHuman: true, lastInboundAt: new Date(NOW.getTime() - 8 * 24 * 3600_000) });
    expect(r).toMatchObject({ ok: false, code: 'outside_window', retryable: false });
    if (!r.ok) expect(r.reason).toContain('7 ngày');
    expect(fake.requests).toHaveLength(0);
    // The window is configurable (for an OA that only wants free replies, 48 hours).
    const strict = new ZaloSender({ client, now: () => NOW, windowMs: 48 * 3600_000 });
    const s = await strict.send(target, menu, { lastInboundAt: new Date(NOW.getTime() - 50 * 3600_000) });
    expect(!s.ok && s.reason).toContain('48 giờ');
  });

  it('classifies Zalo refusals: window, blocked, quota, rate limit', async () => {
    fake.script(
      'message',
      { kind: 'error', error: -230, message: 'User has not interacted with the OA in the past 7 days' },
      { kind: 'error', error: -213, message: 'User has not followed OA' },
      { kind: 'error', error: -211, message: 'Out of quota' },
      { kind: 'error', error: -32, message: 'Your application reached limit call api' },
      { kind: 'error', error: -201, message: 'recipient is invalid!' },
    );
    const codes = [];
    for (let i = 0; i < 5; i++) {
      const r = await sender.send(target, { text: `tin ${i}` });
      codes.push(r.ok ? 'ok' : `${r.code}:${r.retryable}`);
    }
    expect(codes).toEqual(['outside_window:false', 'blocked:false', 'quota:false', 'rate_limited:true', 'bad_request:false']);
  });

  it('treats HTTP 5xx, 429, dropped connections and timeouts as retryable', async () => {
    fake.script('message', { kind: 'http', status: 502, body: 'Bad Gateway' });
    expect(await sender.send(target, { text: 'a' })).toMatchObject({ ok: false, code: 'server_error', retryable: true });
    fake.script('message', { kind: 'http', status: 429, headers: { 'retry-after': '7' } });
    expect(await sender.send(target, { text: 'b' })).toMatchObject({ ok: false, code: 'rate_limited', retryable: true, retryAfterMs: 7000 });
    fake.script('message', { kind: 'drop' });
    expect(await sender.send(target, { text: 'c' })).toMatchObject({ ok: false, code: 'server_error', retryable: true });
    fake.script('message', { kind: 'delay', ms: 3000 });
    expect(await sender.send(target, { text: 'd' })).toMatchObject({ ok: false, code: 'timeout', retryable: true });
    fake.script('message', { kind: 'http', status: 200, body: '<html>oops</html>' });
    expect(await sender.send(target, { text: 'e' })).toMatchObject({ ok: false, code: 'server_error', retryable: true });
  });

  it('after a part-way failure, the retry sends only the remaining parts', async () => {
    const para = 'Mức hưởng hằng tháng bằng sáu mươi phần trăm bình quân tiền lương đóng bảo hiểm. '.repeat(22).trim();
    const reply: Reply = { text: [para, para].join('\n\n') };
    fake.script('message', { kind: 'delay', ms: 0 }, { kind: 'http', status: 503 });
    const first = await sender.send(target, reply);
    expect(first).toMatchObject({ ok: false, code: 'server_error', retryable: true });
    if (!first.ok) expect(first.reason).toContain('1/2');
    const second = await sender.send(target, reply);
    expect(second).toEqual({ ok: true, platformMessageIds: ['mid-1', 'mid-2'] });
    expect(fake.sentMessages.map((m) => m.body.message.text)).toEqual([para, para]);
  });

  it('never reports success for an empty reply without saying so', async () => {
    expect(await sender.send(target, { text: '  ' })).toEqual({ ok: true, platformMessageIds: [] });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('ZaloClient profile and ProfileCache', () => {
  it('fetches a display name once and caches it', async () => {
    fake.profiles.set(USER, { display_name: 'Nguyễn Thị Hoa' });
    const saved: Array<[string, string]> = [];
    const cache = new ProfileCache({ lookUp: zaloDisplayName(client), persistence: { save: async (id, name) => void saved.push([id, name]) } });
    const [a, b] = await Promise.all([cache.getDisplayName(USER), cache.getDisplayName(USER)]);
    expect(a).toBe('Nguyễn Thị Hoa');
    expect(b).toBe('Nguyễn Thị Hoa');
    expect(await cache.getDisplayName(USER)).toBe('Nguyễn Thị Hoa');
    expect(cache.peek(USER)).toBe('Nguyễn Thị Hoa');
    const calls = fake.requestsTo('/v3.0/oa/user/detail');
    expect(calls).toHaveLength(1);
    expect(JSON.parse(calls[0]?.query.data ?? '')).toEqual({ user_id: USER });
    expect(saved).toEqual([[USER, 'Nguyễn Thị Hoa']]);
  });

  it('remembers a failed look-up for a while and expires entries', async () => {
    let t = 0;
    const cache = new ProfileCache({ lookUp: zaloDisplayName(client), now: () => t, failureTtlMs: 1000, ttlMs: 5000, maxEntries: 2 });
    expect(await cache.getDisplayName('unknown')).toBeUndefined();
    expect(await cache.getDisplayName('unknown')).toBeUndefined();
    expect(fake.requestsTo('/v3.0/oa/user/detail')).toHaveLength(1);
    t = 1500;
    fake.profiles.set('unknown', { display_name: 'Lê Văn Nam' });
    expect(await cache.getDisplayName('unknown')).toBe('Lê Văn Nam');
    expect(fake.requestsTo('/v3.0/oa/user/detail')).toHaveLength(2);
  });

  it('maps the documented error codes', () => {
    expect(classifyZaloError(-216)).toMatchObject({ code: 'invalid_token' });
    expect(classifyZaloError(-220)).toMatchObject({ code: 'invalid_token' });
    expect(classifyZaloError(-232)).toMatchObject({ code: 'outside_window' });
    expect(classifyZaloError(-227)).toMatchObject({ code: 'blocked' });
    expect(classifyZaloError(-218)).toMatchObject({ code: 'quota' });
    expect(classifyZaloError(-224)).toMatchObject({ code: 'quota' });
    expect(classifyZaloError(-200)).toMatchObject({ code: 'server_error', retryable: true });
    expect(classifyZaloError(-999)).toMatchObject({ code: 'bad_request', retryable: false, zaloError: -999 });
  });
});

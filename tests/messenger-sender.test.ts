import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { classifyGraphError, MessengerClient } from '../src/bots/messenger/client.js';
import { setupMessengerProfile } from '../src/bots/messenger/profile.js';
import { chooseMessagingType, MessengerSender, OUTSIDE_WINDOW_REASONS } from '../src/bots/messenger/sender.js';
import { SCRIPTS, startMessengerFake, type MessengerFake } from './fakes/messenger-fake.js';

const TOKEN = 'EAAG-page-token-for-tests';
const NOW = new Date('2026-10-15T08:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3600_000);
const target = { userId: '2400000000000001', conversationId: '2400000000000001' };

let fake: MessengerFake;
let client: MessengerClient;
let sender: MessengerSender;

beforeAll(async () => {
  fake = await startMessengerFake({ token: TOKEN });
  client = new MessengerClient({ pageAccessToken: TOKEN, apiRoot: fake.url, apiVersion: 'v26.0', timeoutMs: 2000 }); // generous for a loaded machine; the timeout case waits longer still
  sender = new MessengerSender({ client, now: () => NOW, sleep: async () => undefined });
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

describe('window logic (fixed clock)', () => {
  it('RESPONSE within 24 h for bot and counsellor; HUMAN_AGENT for a counsellor up to 7 days; nothing else', () => {
    expect(chooseMessagingType({ lastInboundAt: hoursAgo(23.9) }, NOW)).toEqual({ kind: 'send', messaging_type: 'RESPONSE' });
    expect(chooseMessagingType({ lastInboundAt: hoursAgo(23.9), fromHuman: true }, NOW)).toEqual({ kind: 'send', messaging_type: 'RESPONSE' });
    expect(chooseMessagingType({ lastInboundAt: hoursAgo(24.1), fromHuman: true }, NOW)).toEqual({
      kind: 'send',
      messaging_type: 'MESSAGE_TAG',
      tag: 'HUMAN_AGENT',
    });
    expect(chooseMessagingType({ lastInboundAt: hoursAgo(24 * 7 - 0.1), fromHuman: true }, NOW)).toMatchObject({ tag: 'HUMAN_AGENT' });
    expect(chooseMessagingType({ lastInboundAt: hoursAgo(24.1) }, NOW)).toEqual({ kind: 'outside_window', reason: OUTSIDE_WINDOW_REASONS.bot });
    expect(chooseMessagingType({ lastInboundAt: hoursAgo(24 * 7 + 0.1), fromHuman: true }, NOW)).toEqual({
      kind: 'outside_window',
      reason: OUTSIDE_WINDOW_REASONS.human,
    });
    expect(chooseMessagingType({ lastInboundAt: hoursAgo(30), fromHuman: true }, NOW, false)).toMatchObject({ kind: 'outside_window' });
  });
});

describe('MessengerSender against the fake Graph API', () => {
  it('sends a RESPONSE with quick replies, to the configured version, with the page token', async () => {
    const r = await sender.send(
      target,
      { text: 'Bạn muốn hỏi gì?', choices: Array.from({ length: 5 }, (_, i) => ({ label: `Chủ đề ${i + 1}`, payload: `TOPIC:${i}` })) },
      { lastInboundAt: hoursAgo(1) },
    );
    expect(r).toEqual({ ok: true, platformMessageIds: ['m_fake_1'] });
    const [req] = fake.messages();
    expect(req?.path).toBe('/v26.0/me/messages');
    expect(req?.query.access_token).toBe(TOKEN);
    expect(req?.body).toEqual({
      recipient: { id: target.userId },
      messaging_type: 'RESPONSE',
      message: {
        text: 'Bạn muốn hỏi gì?',
        quick_replies: Array.from({ length: 5 }, (_, i) => ({ content_type: 'text', title: `Chủ đề ${i + 1}`, payload: `TOPIC:${i}` })),
      },
    });
  });

  it('sends a long answer as several messages, buttons on the last one, every one within limits', async () => {
    const long = Array.from({ length: 60 }, () => 'Thời gian hưởng trợ cấp tính theo số tháng đã đóng bảo hiểm thất nghiệp.').join(' ');
    const r = await sender.send(target, { text: long, choices: [{ label: 'Gặp tư vấn viên', payload: 'HANDOFF' }] }, { lastInboundAt: hoursAgo(1) });
    expect(r.ok).toBe(true);
    const msgs = fake.messages();
    expect(msgs.length).toBeGreaterThan(2);
    expect(r.ok && r.platformMessageIds).toHaveLength(msgs.length);
    const last = msgs.at(-1)?.body.message;
    expect(last.attachment.payload.buttons).toEqual([{ type: 'postback', title: 'Gặp tư vấn viên', payload: 'HANDOFF' }]);
  });

  it('tags a counsellor reply after 24 h with HUMAN_AGENT', async () => {
    const r = await sender.send(target, { text: 'Chào bạn, mình là tư vấn viên Công đoàn.' }, { fromHuman: true, lastInboundAt: hoursAgo(50) });
    expect(r.ok).toBe(true);
    expect(fake.messages()[0]?.body).toMatchObject({ messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });
  });

  it('does not call Meta for a bot message after 24 h or a counsellor message after 7 days', async () => {
    const bot = await sender.send(target, { text: 'Nhắc bạn…' }, { lastInboundAt: hoursAgo(25) });
    const human = await sender.send(target, { text: 'Chào bạn' }, { fromHuman: true, lastInboundAt: hoursAgo(24 * 8) });
    expect(bot).toMatchObject({ ok: false, code: 'outside_window', retryable: false });
    expect(human).toMatchObject({ ok: false, code: 'outside_window', retryable: false });
    expect(!human.ok && human.reason).toMatch(/7 ngày/);
    expect(fake.requests).toHaveLength(0);
  });

  it('retries a counsellor reply with HUMAN_AGENT when Meta says the window closed and the last message time was unknown', async () => {
    fake.enqueue(SCRIPTS.outsideWindow());
    const r = await sender.send(target, { text: 'Tư vấn viên trả lời' }, { fromHuman: true });
    expect(r.ok).toBe(true);
    expect(fake.messages().map((m) => m.body.messaging_type)).toEqual(['RESPONSE', 'MESSAGE_TAG']);
  });

  it('classifies Graph errors from the fake: window, rate limit, blocked, token, 5xx, timeout', async () => {
    const cases: [ReturnType<typeof SCRIPTS.blocked>, object][] = [
      [SCRIPTS.outsideWindow(), { code: 'outside_window', retryable: false, graphCode: 10, graphSubcode: 2018278 }],
      [SCRIPTS.rateLimited(613), { code: 'rate_limited', retryable: true }],
      [SCRIPTS.rateLimited(4), { code: 'rate_limited', retryable: true }],
      [SCRIPTS.rateLimited(32), { code: 'rate_limited', retryable: true }],
      [SCRIPTS.blocked(), { code: 'blocked', retryable: false }],
      [SCRIPTS.invalidToken(), { code: 'invalid_token', retryable: false }],
      [SCRIPTS.serverError(), { code: 'server_error', retryable: true }],
      [SCRIPTS.badGateway(), { code: 'server_error', retryable: true }],
    ];
    for (const [script, expected] of cases) {
      fake.enqueue(script);
      const r = await sender.send(target, { text: 'Xin chào' }, { lastInboundAt: hoursAgo(1) });
      expect(r).toMatchObject({ ok: false, ...expected });
      expect(!r.ok && r.reason.length).toBeGreaterThan(10);
    }
    fake.enqueue({ status: 200, body: { recipient_id: 'x', message_id: 'late' }, delayMs: 3500 });
    const slow = await sender.send(target, { text: 'Xin chào' }, { lastInboundAt: hoursAgo(1) });
    expect(slow).toMatchObject({ ok: false, code: 'timeout', retryable: true });
  });

  it('retries a later part inline and reports how much went out when it still fails', async () => {
    const long = Array.from({ length: 60 }, () => 'Thời gian hưởng trợ cấp tính theo số tháng đã đóng bảo hiểm thất nghiệp.').join(' ');
    // First part succeeds, second part: one 5xx then success.
    fake.enqueue({ status: 200, body: { recipient_id: target.userId, message_id: 'm_p1' } }, SCRIPTS.serverError());
    const ok = await sender.send(target, { text: long }, { lastInboundAt: hoursAgo(1) });
    expect(ok.ok).toBe(true);
    fake.reset();
    fake.enqueue({ status: 200, body: { recipient_id: target.userId, message_id: 'm_p1' } }, SCRIPTS.blocked());
    const bad = await sender.send(target, { text: long }, { lastInboundAt: hoursAgo(1) });
    expect(bad).toMatchObject({ ok: false, code: 'blocked', partsSent: 1, sentMessageIds: ['m_p1'] });
  });

  it('typing indicator uses sender_action and never throws', async () => {
    await sender.typing(target);
    expect(fake.requests.at(-1)?.body).toEqual({ recipient: { id: target.userId }, sender_action: 'typing_on' });
    fake.enqueue(SCRIPTS.blocked());
    await expect(sender.typing(target)).resolves.toBeUndefined();
  });

  it('classifyGraphError handles the documented codes without a live call', () => {
    expect(classifyGraphError(400, { error: { code: 10, message: '(#10) This message is sent outside of allowed window.' } }).code).toBe('outside_window');
    expect(classifyGraphError(400, { error: { code: 10, message: '(#10) Application does not have permission for this action' } }).code).toBe('permission_denied');
    expect(classifyGraphError(400, { error: { code: 200, message: "(#200) This person isn't available right now." } }).code).toBe('blocked');
    expect(classifyGraphError(400, { error: { code: 100, error_subcode: 2018001, message: 'No matching user found' } }).code).toBe('blocked');
    expect(classifyGraphError(400, { error: { code: 1200, message: 'Temporary send message failure.' } })).toMatchObject({ code: 'server_error', retryable: true });
    expect(classifyGraphError(429, undefined)).toMatchObject({ code: 'rate_limited', retryable: true });
    expect(classifyGraphError(400, { error: { code: 100, message: 'Invalid parameter' } })).toMatchObject({ code: 'bad_request', retryable: false });
  });
});

describe('setupMessengerProfile', () => {
  it('posts get_started + greeting, then the persistent menu', async () => {
    const r = await setupMessengerProfile(client);
    expect(r.ok).toBe(true);
    const calls = fake.requests.filter((q) => q.endpoint === 'messenger_profile');
    expect(calls).toHaveLength(2);
    expect(calls[0]?.body.get_started).toEqual({ payload: 'START' });
    const greeting = calls[0]?.body.greeting[0];
    expect(greeting.locale).toBe('default');
    expect(Array.from(greeting.text as string).length).toBeLessThanOrEqual(160);
    expect(greeting.text).toMatch(/Trợ lý Công đoàn/);
    expect(calls[1]?.body.persistent_menu[0].call_to_actions).toEqual([
      { type: 'postback', title: 'Hỏi về BHTN', payload: 'TOPIC:bhtn' },
      { type: 'postback', title: 'Tính trợ cấp', payload: 'CALC:unemployment' },
      { type: 'postback', title: 'Gặp tư vấn viên', payload: 'HANDOFF' },
      { type: 'postback', title: 'Menu chính', payload: 'MENU' },
    ]);
  });

  it('stops at the first failure', async () => {
    fake.enqueue(SCRIPTS.invalidToken());
    const r = await setupMessengerProfile(client);
    expect(r.ok).toBe(false);
    expect(r.steps).toHaveLength(1);
    expect(r.steps[0]?.result).toMatchObject({ ok: false, code: 'invalid_token' });
  });
});

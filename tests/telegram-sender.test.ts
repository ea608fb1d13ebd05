import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Activity } from '../src/flows/activity.js';
import type { AcceptResult, Inbox } from '../src/bots/delivery/types.js';
import { MemoryCallbackRegistry } from '../src/bots/telegram/callback-data.js';
import { startPolling } from '../src/bots/telegram/routes.js';
import { TelegramSender } from '../src/bots/telegram/sender.js';
import { registerTelegramWebhook } from '../src/bots/telegram/setup.js';
import { startTelegramFake, TG, type TelegramFake } from './fakes/telegram-fake.js';

let fake: TelegramFake;
let sender: TelegramSender;
const target = { userId: '5123456789', conversationId: '5123456789' };

beforeAll(async () => {
  fake = await startTelegramFake();
  sender = new TelegramSender({ token: fake.token, apiRoot: fake.url, timeoutMs: 2000, sleep: async () => undefined }); // generous for a loaded machine; the timeout case waits longer still
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

describe('TelegramSender against the fake Bot API', () => {
  it('sends HTML text with an inline keyboard and returns chat:message ids', async () => {
    const r = await sender.send(target, {
      text: 'Bạn muốn hỏi gì?',
      choices: [
        { label: 'Tính trợ cấp thất nghiệp', payload: 'CALC:unemployment' },
        { label: 'Gặp tư vấn viên', payload: 'HANDOFF' },
      ],
    });
    expect(r).toEqual({ ok: true, platformMessageIds: ['5123456789:1'] });
    const [call] = fake.calls('sendMessage');
    expect(call?.body).toEqual({
      chat_id: '5123456789',
      text: 'Bạn muốn hỏi gì?',
      parse_mode: 'HTML',
      reply_markup: {
        inline_keyboard: [[{ text: 'Tính trợ cấp thất nghiệp', callback_data: 'CALC:unemployment' }], [{ text: 'Gặp tư vấn viên', callback_data: 'HANDOFF' }]],
      },
    });
  });

  it('sends a long answer as several messages the fake accepts (≤ 4,096 visible characters, parseable HTML)', async () => {
    const text = Array.from({ length: 8 }, (_, i) => `Đoạn ${i + 1}: ${'Lương <tối thiểu> vùng & phụ cấp. '.repeat(25)}`).join('\n\n');
    const r = await sender.send(target, { text, citations: ['Nghị định 293/2025/NĐ-CP'] });
    expect(r.ok).toBe(true);
    const calls = fake.calls('sendMessage');
    expect(calls.length).toBeGreaterThan(1);
    expect(String(calls.at(-1)?.body.text)).toContain('<b>Căn cứ:</b> Nghị định 293/2025/NĐ-CP');
  });

  it('classifies 429 with retry_after, 403 blocked, 5xx, timeouts and bad tokens', async () => {
    fake.enqueue(TG.tooManyRequests(7));
    expect(await sender.send(target, { text: 'a' })).toMatchObject({ ok: false, code: 'rate_limited', retryable: true, retryAfterMs: 7000 });
    fake.enqueue(TG.blocked());
    const blocked = await sender.send(target, { text: 'a' });
    expect(blocked).toMatchObject({ ok: false, code: 'blocked', retryable: false });
    expect(!blocked.ok && blocked.reason).toMatch(/chặn/);
    fake.enqueue(TG.serverError());
    expect(await sender.send(target, { text: 'a' })).toMatchObject({ ok: false, code: 'server_error', retryable: true });
    fake.enqueue({ method: 'sendMessage', status: 200, body: { ok: true, result: { message_id: 9 } }, delayMs: 3500 });
    expect(await sender.send(target, { text: 'a' })).toMatchObject({ ok: false, code: 'timeout', retryable: true });
    fake.enqueue(TG.badRequest('chat not found'));
    expect(await sender.send(target, { text: 'a' })).toMatchObject({ ok: false, code: 'blocked', retryable: false });
    const wrongToken = new TelegramSender({ token: '1:wrong', apiRoot: fake.url, timeoutMs: 2000 });
    expect(await wrongToken.send(target, { text: 'a' })).toMatchObject({ ok: false, code: 'invalid_token', retryable: false });
  });

  it('waits out a short 429 on a later part inline, and reports partial delivery otherwise', async () => {
    const text = Array.from({ length: 3 }, () => 'Nội dung dài. '.repeat(300).trim()).join('\n\n');
    fake.enqueue({ method: 'sendMessage', status: 200, body: { ok: true, result: { message_id: 50 } } }, TG.tooManyRequests(1));
    expect((await sender.send(target, { text })).ok).toBe(true);
    fake.reset();
    fake.enqueue({ method: 'sendMessage', status: 200, body: { ok: true, result: { message_id: 60 } } }, TG.blocked());
    expect(await sender.send(target, { text })).toMatchObject({ ok: false, code: 'blocked', partsSent: 1, sentMessageIds: ['5123456789:60'] });
  });

  it('typing uses sendChatAction; answerCallbackQuery passes the notice text', async () => {
    await sender.typing(target);
    expect(fake.calls('sendChatAction')[0]?.body).toEqual({ chat_id: '5123456789', action: 'typing' });
    expect(await sender.answerCallbackQuery('q-1', 'Lựa chọn này đã hết hạn.')).toBe(true);
    expect(fake.calls('answerCallbackQuery')[0]?.body).toEqual({ callback_query_id: 'q-1', text: 'Lựa chọn này đã hết hạn.' });
  });
});

describe('registerTelegramWebhook', () => {
  it('sets the webhook with secret_token and only message + callback_query', async () => {
    await registerTelegramWebhook({ token: fake.token, apiRoot: fake.url, url: 'https://bot.congdoan.vn/webhooks/telegram', secret: 'S3cret_token-value' });
    expect(fake.calls('setWebhook')[0]?.body).toEqual({
      url: 'https://bot.congdoan.vn/webhooks/telegram',
      secret_token: 'S3cret_token-value',
      allowed_updates: ['message', 'callback_query'],
      drop_pending_updates: false,
    });
    await expect(registerTelegramWebhook({ token: fake.token, apiRoot: fake.url, url: 'https://x.vn/h', secret: 'có dấu' })).rejects.toThrow(/secret/);
    await expect(registerTelegramWebhook({ token: fake.token, apiRoot: fake.url, url: 'http://x.vn/h', secret: 'ok' })).rejects.toThrow(/https/);
  });
});

class FlakyInbox implements Inbox {
  accepted: Activity[] = [];
  failuresLeft = 0;
  async accept(a: Activity): Promise<AcceptResult> {
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('store down');
    }
    if (this.accepted.some((x) => x.messageId === a.messageId)) return 'duplicate';
    this.accepted.push(a);
    return 'accepted';
  }
}

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('startPolling against the fake (offset semantics like the real API)', () => {
  it('acknowledges updates only after inbox.accept, refetching after a failure; answers callback queries', async () => {
    const inbox = new FlakyInbox();
    inbox.failuresLeft = 1;
    const registry = new MemoryCallbackRegistry();
    const chat = { id: 5123456789, type: 'private' };
    const from = { id: 5123456789, is_bot: false, first_name: 'Lan' };
    fake.pushUpdate({ update_id: 500, message: { message_id: 1, date: 1791000000, chat, from, text: 'xin chào' } });
    fake.pushUpdate({ update_id: 501, callback_query: { id: 'cbq-1', from, message: { message_id: 2, chat, date: 1791000000 }, chat_instance: '1', data: 'HANDOFF' } });
    const poll = startPolling({ token: fake.token, apiRoot: fake.url, inbox, registry, timeoutSeconds: 1, idleDelayMs: 20, maxBackoffMs: 50 });
    await until(() => inbox.accepted.length === 2 && fake.calls('answerCallbackQuery').length === 1);
    await until(() => fake.confirmedUpdateIds().includes(501));
    await poll.stop();

    expect(inbox.accepted.map((a) => [a.messageId, a.text ?? a.postback])).toEqual([
      ['5123456789:1', 'xin chào'],
      ['cb:cbq-1', 'HANDOFF'],
    ]);
    // The first fetch failed in the inbox, so the offset stayed at 0 and 500 came again.
    const offsets = fake.calls('getUpdates').map((c) => Number(c.body.offset));
    expect(offsets[0]).toBe(0);
    expect(offsets[1]).toBe(0);
    expect(offsets).toContain(502);
    expect(fake.calls('getUpdates')[0]?.body.allowed_updates).toEqual(['message', 'callback_query']);
    expect(fake.calls('answerCallbackQuery')[0]?.body.callback_query_id).toBe('cbq-1');
  });
});

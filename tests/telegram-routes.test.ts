import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Activity } from '../src/flows/activity.js';
import type { AcceptResult, Inbox } from '../src/bots/delivery/types.js';
import { MemoryCallbackRegistry } from '../src/bots/telegram/callback-data.js';
import { telegramWebhook } from '../src/bots/telegram/routes.js';

const SECRET = 'tg_webhook-secret_42';

class RecordingInbox implements Inbox {
  accepted: Activity[] = [];
  fail = false;
  private seen = new Set<string>();
  async accept(a: Activity): Promise<AcceptResult> {
    if (this.fail) throw new Error('store down');
    if (this.seen.has(a.messageId)) return 'duplicate';
    this.seen.add(a.messageId);
    this.accepted.push(a);
    return 'accepted';
  }
}

let app: FastifyInstance;
let inbox: RecordingInbox;
let answered: [string, string | undefined][];
let registry: MemoryCallbackRegistry;

beforeEach(async () => {
  inbox = new RecordingInbox();
  answered = [];
  registry = new MemoryCallbackRegistry();
  app = Fastify();
  await app.register(telegramWebhook, {
    secret: SECRET,
    inbox,
    registry,
    botUsername: 'TroLyCongDoanBot',
    answerCallback: async (id, text) => {
      answered.push([id, text]);
    },
  });
  await app.ready();
});
afterEach(async () => app.close());

const chat = { id: 5123456789, first_name: 'Lan', type: 'private' };
const from = { id: 5123456789, is_bot: false, first_name: 'Lan', language_code: 'vi' };
const textUpdate = (update_id: number, message_id: number, text: string) =>
  JSON.stringify({ update_id, message: { message_id, date: 1791000000, chat, from, text } });

const post = (payload: string, secret: string | null = SECRET) =>
  app.inject({
    method: 'POST',
    url: '/webhooks/telegram',
    payload,
    headers: { 'content-type': 'application/json', ...(secret !== null ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
  });

describe('POST /webhooks/telegram', () => {
  it('accepts an update with the right secret: 200 and the inbox got it', async () => {
    const r = await post(textUpdate(700001, 12, 'bhtn là gì'));
    expect(r.statusCode).toBe(200);
    expect(inbox.accepted.map((a) => [a.channel, a.messageId, a.text])).toEqual([['telegram', '5123456789:12', 'bhtn là gì']]);
  });

  it('refuses a wrong or missing secret with 401 and stores nothing', async () => {
    expect((await post(textUpdate(700002, 13, 'x'), 'wrong')).statusCode).toBe(401);
    expect((await post(textUpdate(700003, 14, 'x'), null)).statusCode).toBe(401);
    expect((await post(textUpdate(700004, 15, 'x'), `${SECRET}x`)).statusCode).toBe(401);
    expect(inbox.accepted).toEqual([]);
  });

  it('answers 400 to invalid JSON or a body that is not an update, 413 over 64 KB', async () => {
    expect((await post('{"update_id":')).statusCode).toBe(400);
    expect((await post('{"hello":"world"}')).statusCode).toBe(400);
    const big = JSON.stringify({ update_id: 1, message: { message_id: 1, chat, from, date: 1, text: 'x'.repeat(70 * 1024) } });
    expect((await post(big)).statusCode).toBe(413);
    expect(inbox.accepted).toEqual([]);
  });

  it('passes redeliveries on to the inbox, which recognises them by messageId', async () => {
    const u = textUpdate(700005, 16, 'nghỉ việc');
    expect((await post(u)).statusCode).toBe(200);
    expect((await post(u)).statusCode).toBe(200);
    expect(inbox.accepted).toHaveLength(1);
  });

  it('answers callback queries after accepting them; an expired token gets the notice and no activity', async () => {
    const cb = (update_id: number, id: string, data: string) =>
      JSON.stringify({ update_id, callback_query: { id, from, message: { message_id: 20, date: 1791000000, chat }, chat_instance: '7', data } });
    expect((await post(cb(700006, 'q-ok', 'HANDOFF'))).statusCode).toBe(200);
    expect((await post(cb(700007, 'q-old', '~t:gone'))).statusCode).toBe(200);
    expect(inbox.accepted.map((a) => a.postback)).toEqual(['HANDOFF']);
    expect(answered[0]).toEqual(['q-ok', undefined]);
    expect(answered[1]?.[0]).toBe('q-old');
    expect(answered[1]?.[1]).toMatch(/hết hạn/);
  });

  it('does not acknowledge when the inbox fails, so Telegram redelivers', async () => {
    inbox.fail = true;
    expect((await post(textUpdate(700008, 17, 'x'))).statusCode).toBe(500);
  });

  it('acknowledges updates it does not handle (group chatter, edits)', async () => {
    const groupChatter = JSON.stringify({
      update_id: 700009,
      message: { message_id: 3, date: 1791000000, chat: { id: -100123, type: 'supergroup', title: 'CĐ' }, from, text: 'ăn trưa chưa' },
    });
    expect((await post(groupChatter)).statusCode).toBe(200);
    expect((await post(JSON.stringify({ update_id: 700010, edited_message: { message_id: 1, chat, date: 1, text: 'x' } }))).statusCode).toBe(200);
    expect(inbox.accepted).toEqual([]);
  });
});

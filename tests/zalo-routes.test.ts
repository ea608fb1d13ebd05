/**
 * POST /webhooks/zalo with app.inject: signature first, raw body, size limit, store before 200.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { zaloWebhook } from '../src/bots/zalo/routes.js';
import { computeZaloMac } from '../src/bots/zalo/verify.js';
import type { AcceptResult, Inbox } from '../src/bots/delivery/types.js';
import type { Activity } from '../src/flows/activity.js';

const APP_ID = '3608465248940903967';
const SECRET = 'oa-secret-key';
const NOW = new Date('2026-11-20T08:00:00Z');
const USER = '2468458835296117922';

class MemoryInbox implements Inbox {
  readonly accepted: Activity[] = [];
  private readonly seen = new Set<string>();
  failNext = false;
  async accept(a: Activity): Promise<AcceptResult> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('database unavailable');
    }
    const key = `${a.channel}:${a.messageId}`;
    if (this.seen.has(key)) return 'duplicate';
    this.seen.add(key);
    this.accepted.push(a);
    return 'accepted';
  }
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build(inbox: Inbox, extra: Partial<Parameters<typeof zaloWebhook>[1]> = {}) {
  app = Fastify({ logger: false });
  // A sibling route with Fastify's normal JSON parsing: the webhook's raw parser must not leak.
  app.post('/other', async (req) => ({ got: req.body }));
  await app.register(zaloWebhook, { inbox, config: { appId: APP_ID, oaSecretKey: SECRET }, now: () => NOW, ...extra });
  return app;
}

function textEvent(text: string, msgId = 'msg-1', ts = String(NOW.getTime() - 1000)) {
  return JSON.stringify({
    app_id: APP_ID,
    user_id_by_app: '552177279717587730',
    event_name: 'user_send_text',
    timestamp: ts,
    sender: { id: USER },
    recipient: { id: '388613280878808645' },
    message: { text, msg_id: msgId },
  });
}
function sign(raw: string): string {
  const b = JSON.parse(raw) as { timestamp: string };
  return `mac=${computeZaloMac(APP_ID, raw, b.timestamp, SECRET)}`;
}
const post = (a: FastifyInstance, raw: string, headers: Record<string, string> = {}) =>
  a.inject({ method: 'POST', url: '/webhooks/zalo', payload: raw, headers: { 'content-type': 'application/json', ...headers } });

describe('zalo webhook route', () => {
  it('stores a verified event and answers 200', async () => {
    const inbox = new MemoryInbox();
    const a = await build(inbox);
    const raw = textEvent('Cho em hỏi về trợ cấp thất nghiệp ạ');
    const res = await post(a, raw, { 'x-zevent-signature': sign(raw) });
    expect(res.statusCode).toBe(200);
    expect(inbox.accepted).toEqual([
      {
        channel: 'zalo',
        userId: USER,
        conversationId: USER,
        messageId: 'msg-1',
        text: 'Cho em hỏi về trợ cấp thất nghiệp ạ',
        timestamp: new Date(NOW.getTime() - 1000),
      },
    ]);
  });

  it('answers 200 to a redelivery the inbox already has', async () => {
    const inbox = new MemoryInbox();
    const a = await build(inbox);
    const raw = textEvent('xin chào');
    const h = { 'x-zevent-signature': sign(raw) };
    expect((await post(a, raw, h)).statusCode).toBe(200);
    expect((await post(a, raw, h)).statusCode).toBe(200);
    expect(inbox.accepted).toHaveLength(1);
  });

  it('refuses a forged signature with 401 and stores nothing', async () => {
    const inbox = new MemoryInbox();
    const a = await build(inbox);
    const raw = textEvent('xin chào');
    const forged = await post(a, raw, { 'x-zevent-signature': `mac=${computeZaloMac(APP_ID, raw, 'x', 'guessed-secret')}` });
    expect(forged.statusCode).toBe(401);
    const altered = await post(a, raw.replace('xin chào', 'xóa dữ liệu'), { 'x-zevent-signature': sign(raw) });
    expect(altered.statusCode).toBe(401);
    const missing = await post(a, raw);
    expect(missing.statusCode).toBe(401);
    expect(inbox.accepted).toEqual([]);
  });

  it('refuses a stale (replayed) event', async () => {
    const inbox = new MemoryInbox();
    const a = await build(inbox);
    const raw = textEvent('cũ', 'old', String(NOW.getTime() - 3600_000));
    const res = await post(a, raw, { 'x-zevent-signature': sign(raw) });
    expect(res.statusCode).toBe(401);
    expect(inbox.accepted).toEqual([]);
  });

  it('answers 400 to a body that is not JSON', async () => {
    const inbox = new MemoryInbox();
    const a = await build(inbox);
    const res = await post(a, '{"app_id": "1", broken', { 'x-zevent-signature': `mac=${'a'.repeat(64)}` });
    expect(res.statusCode).toBe(400);
    expect(inbox.accepted).toEqual([]);
  });

  it('answers 413 to a body over 64 KB, before anything else', async () => {
    const inbox = new MemoryInbox();
    const a = await build(inbox);
    const raw = textEvent('x'.repeat(70 * 1024));
    const res = await post(a, raw, { 'x-zevent-signature': sign(raw) });
    expect(res.statusCode).toBe(413);
    expect(inbox.accepted).toEqual([]);
  });

  it('acknowledges ignored events (our own echoes) without storing them', async () => {
    const inbox = new MemoryInbox();
    const a = await build(inbox);
    const raw = JSON.stringify({ app_id: APP_ID, event_name: 'oa_send_text', timestamp: String(NOW.getTime()), sender: { id: 'oa' }, recipient: { id: USER }, message: { text: 'Chào bạn', msg_id: 'e1' } });
    const res = await post(a, raw, { 'x-zevent-signature': sign(raw) });
    expect(res.statusCode).toBe(200);
    expect(inbox.accepted).toEqual([]);
  });

  it('answers 500 when the inbox cannot store, so Zalo redelivers', async () => {
    const inbox = new MemoryInbox();
    inbox.failNext = true;
    const a = await build(inbox);
    const raw = textEvent('xin chào');
    const res = await post(a, raw, { 'x-zevent-signature': sign(raw) });
    expect(res.statusCode).toBe(500);
    const again = await post(a, raw, { 'x-zevent-signature': sign(raw) });
    expect(again.statusCode).toBe(200);
    expect(inbox.accepted).toHaveLength(1);
  });

  it('accepts a charset in the content type and leaves other routes JSON-parsed', async () => {
    const inbox = new MemoryInbox();
    const a = await build(inbox);
    const raw = textEvent('có dấu tiếng Việt');
    const res = await post(a, raw, { 'content-type': 'application/json; charset=utf-8', 'x-zevent-signature': sign(raw) });
    expect(res.statusCode).toBe(200);
    const other = await a.inject({ method: 'POST', url: '/other', payload: { a: 1 } });
    expect(other.json()).toEqual({ got: { a: 1 } });
  });

  it('adds a cached display name, and asks for unknown ones in the background', async () => {
    const inbox = new MemoryInbox();
    const prefetched: string[] = [];
    const names = new Map([[USER, 'Nguyễn Thị Hoa']]);
    const a = await build(inbox, { profiles: { peek: (id) => names.get(id), prefetch: (id) => void prefetched.push(id) } });
    const raw = textEvent('xin chào');
    await post(a, raw, { 'x-zevent-signature': sign(raw) });
    expect(inbox.accepted[0]?.displayName).toBe('Nguyễn Thị Hoa');
    names.clear();
    const raw2 = textEvent('lần hai', 'msg-2');
    await post(a, raw2, { 'x-zevent-signature': sign(raw2) });
    expect(inbox.accepted[1]?.displayName).toBeUndefined();
    expect(prefetched).toEqual([USER]);
  });
});

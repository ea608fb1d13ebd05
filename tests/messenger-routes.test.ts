import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Activity } from '../src/flows/activity.js';
import type { AcceptResult, Inbox } from '../src/bots/delivery/types.js';
import { messengerWebhook } from '../src/bots/messenger/routes.js';
import { signMessengerBody } from '../src/bots/messenger/verify.js';

const SECRET = 'messenger-app-secret';
const VERIFY = 'verify-token-123';
const PAGE = '109876543210987';

class RecordingInbox implements Inbox {
  accepted: Activity[] = [];
  private seen = new Set<string>();
  fail = false;
  async accept(a: Activity): Promise<AcceptResult> {
    if (this.fail) throw new Error('database unavailable');
    if (this.seen.has(a.messageId)) return 'duplicate';
    this.seen.add(a.messageId);
    this.accepted.push(a);
    return 'accepted';
  }
}

let app: FastifyInstance;
let inbox: RecordingInbox;

beforeEach(async () => {
  inbox = new RecordingInbox();
  app = Fastify({ bodyLimit: 64 * 1024 });
  await app.register(messengerWebhook, { appSecret: SECRET, verifyToken: VERIFY, inbox });
  await app.ready();
});
afterEach(async () => app.close());

const body = (...mids: string[]) =>
  JSON.stringify({
    object: 'page',
    entry: mids.map((mid, i) => ({
      id: PAGE,
      time: 1767225600000,
      messaging: [{ sender: { id: `24000000000000${i}` }, recipient: { id: PAGE }, timestamp: 1767225600000 + i, message: { mid, text: `tin ${mid}` } }],
    })),
  });

const post = (payload: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/webhooks/messenger', payload, headers: { 'content-type': 'application/json', ...headers } });

describe('GET /webhooks/messenger (verification handshake)', () => {
  it('echoes the challenge as text when mode and token match', async () => {
    const r = await app.inject({ method: 'GET', url: `/webhooks/messenger?hub.mode=subscribe&hub.verify_token=${VERIFY}&hub.challenge=1158201444` });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.body).toBe('1158201444');
  });

  it('answers 403 on a wrong token, a wrong mode or a missing challenge', async () => {
    for (const q of [
      `hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`,
      `hub.mode=unsubscribe&hub.verify_token=${VERIFY}&hub.challenge=1`,
      `hub.mode=subscribe&hub.verify_token=${VERIFY}`,
      `hub.mode=subscribe&hub.verify_token=${VERIFY}&hub.challenge=${encodeURIComponent('<script>')}`,
    ]) {
      const r = await app.inject({ method: 'GET', url: `/webhooks/messenger?${q}` });
      expect(r.statusCode).toBe(403);
    }
  });
});

describe('POST /webhooks/messenger', () => {
  it('accepts a signed body: 200 and the inbox got the activity', async () => {
    const raw = body('m_1');
    const r = await post(raw, { 'x-hub-signature-256': signMessengerBody(raw, SECRET) });
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe('EVENT_RECEIVED');
    expect(inbox.accepted.map((a) => [a.channel, a.messageId, a.text])).toEqual([['messenger', 'm_1', 'tin m_1']]);
  });

  it('turns batched entries into several activities, in order; a redelivery is a duplicate for the inbox', async () => {
    const raw = body('m_a', 'm_b', 'm_c');
    const headers = { 'x-hub-signature-256': signMessengerBody(raw, SECRET) };
    expect((await post(raw, headers)).statusCode).toBe(200);
    expect((await post(raw, headers)).statusCode).toBe(200);
    expect(inbox.accepted.map((a) => a.messageId)).toEqual(['m_a', 'm_b', 'm_c']);
  });

  it('refuses forged or unsigned bodies with nothing stored', async () => {
    const raw = body('m_forged');
    const forged = await post(raw, { 'x-hub-signature-256': signMessengerBody(raw, 'not-the-secret') });
    expect(forged.statusCode).toBe(403);
    const unsigned = await post(raw);
    expect(unsigned.statusCode).toBe(401);
    // Signed for one body, sent with another.
    const swapped = await post(body('m_other'), { 'x-hub-signature-256': signMessengerBody(raw, SECRET) });
    expect(swapped.statusCode).toBe(403);
    expect(inbox.accepted).toEqual([]);
  });

  it('checks the signature before the JSON: invalid JSON is 403 unsigned, 400 signed', async () => {
    const bad = '{"object":"page",';
    expect((await post(bad, { 'x-hub-signature-256': signMessengerBody('other', SECRET) })).statusCode).toBe(403);
    expect((await post(bad, { 'x-hub-signature-256': signMessengerBody(bad, SECRET) })).statusCode).toBe(400);
    const notPage = JSON.stringify({ object: 'instagram', entry: [] });
    expect((await post(notPage, { 'x-hub-signature-256': signMessengerBody(notPage, SECRET) })).statusCode).toBe(400);
    expect(inbox.accepted).toEqual([]);
  });

  it('refuses bodies over 64 KB with 413', async () => {
    const big = JSON.stringify({ object: 'page', entry: [], pad: 'x'.repeat(70 * 1024) });
    const r = await post(big, { 'x-hub-signature-256': signMessengerBody(big, SECRET) });
    expect(r.statusCode).toBe(413);
    expect(inbox.accepted).toEqual([]);
  });

  it('does not acknowledge when the inbox fails, so Meta redelivers', async () => {
    inbox.fail = true;
    const raw = body('m_retry');
    const r = await post(raw, { 'x-hub-signature-256': signMessengerBody(raw, SECRET) });
    expect(r.statusCode).toBe(500);
  });

  it('acknowledges bodies with only receipts and echoes', async () => {
    const raw = JSON.stringify({
      object: 'page',
      entry: [{ id: PAGE, time: 1, messaging: [{ sender: { id: '1' }, recipient: { id: PAGE }, timestamp: 1, read: { watermark: 1 } }] }],
    });
    const r = await post(raw, { 'x-hub-signature-256': signMessengerBody(raw, SECRET) });
    expect(r.statusCode).toBe(200);
    expect(inbox.accepted).toEqual([]);
  });
});

describe('encapsulation', () => {
  it('keeps the raw-body parser inside the plugin: other routes still get parsed JSON', async () => {
    const outer = Fastify();
    outer.post('/other', async (req) => ({ got: req.body }));
    await outer.register(messengerWebhook, { appSecret: SECRET, verifyToken: VERIFY, inbox });
    const r = await outer.inject({ method: 'POST', url: '/other', payload: { a: 1 } });
    expect(r.json()).toEqual({ got: { a: 1 } });
    await outer.close();
  });
});

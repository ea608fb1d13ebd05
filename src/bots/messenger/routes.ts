/**
 * The Messenger webhook at /webhooks/messenger.
 *
 * GET answers Meta's verification handshake. POST keeps the raw body, verifies
 * X-Hub-Signature-256 before anything else (nothing is parsed or stored for a forged call),
 * then hands every Activity to the durable inbox and only then answers 200: Meta redelivers
 * anything not acknowledged, and the inbox de-duplicates on the message id.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Inbox } from '../delivery/types.js';
import type { ProfileCache } from '../profile-cache.js';
import { toActivities } from './events.js';
import { secretMatcher } from '../shared-secret.js';
import { MESSENGER_SIGNATURE_HEADER, verifyMessengerSignature } from './verify.js';

export const MESSENGER_WEBHOOK_PATH = '/webhooks/messenger';
export const WEBHOOK_BODY_LIMIT = 64 * 1024;

export interface MessengerWebhookOptions {
  appSecret: string;
  verifyToken: string;
  inbox: Inbox;
  /** Our Page id; events for another page are ignored when set. */
  pageId?: string;
  /** Workers' names from the User Profile API (the webhook carries none). */
  profiles?: Pick<ProfileCache, 'peek' | 'prefetch'>;
  now?: () => Date;
}

/** Meta's challenge is numeric; anything outside a plain token alphabet is not echoed back. */
const CHALLENGE = /^[A-Za-z0-9._~-]{1,512}$/;

export const messengerWebhook: FastifyPluginAsync<MessengerWebhookOptions> = async (app, opts) => {
  const isVerifyToken = secretMatcher(opts.verifyToken);
  // Scoped to this plugin: the raw text is needed for the HMAC, so JSON is parsed by hand below.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));

  app.get(MESSENGER_WEBHOOK_PATH, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const mode = typeof q['hub.mode'] === 'string' ? q['hub.mode'] : undefined;
    const token = typeof q['hub.verify_token'] === 'string' ? q['hub.verify_token'] : undefined;
    const challenge = typeof q['hub.challenge'] === 'string' ? q['hub.challenge'] : undefined;
    if (mode !== 'subscribe' || !isVerifyToken(token) || !challenge || !CHALLENGE.test(challenge)) {
      return reply.code(403).type('text/plain; charset=utf-8').send('Forbidden');
    }
    return reply.code(200).type('text/plain; charset=utf-8').send(challenge);
  });

  app.post(MESSENGER_WEBHOOK_PATH, { bodyLimit: WEBHOOK_BODY_LIMIT }, async (req, reply) => {
    const raw = typeof req.body === 'string' ? req.body : '';
    const header = req.headers[MESSENGER_SIGNATURE_HEADER];
    const verdict = verifyMessengerSignature(raw, Array.isArray(header) ? header[0] : header, opts.appSecret);
    if (!verdict.ok) {
      req.log.warn({ reason: verdict.reason }, 'messenger webhook refused: bad signature');
      return reply.code(verdict.reason === 'mismatch' ? 403 : 401).send({ error: { code: 'BAD_SIGNATURE', message: 'Chữ ký không hợp lệ.' } });
    }

    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return reply.code(400).send({ error: { code: 'BAD_JSON', message: 'Yêu cầu không hợp lệ.' } });
    }
    const parsed = toActivities(body, { now: opts.now, pageId: opts.pageId });
    if (!parsed) return reply.code(400).send({ error: { code: 'NOT_A_PAGE_EVENT', message: 'Yêu cầu không hợp lệ.' } });

    for (const activity of parsed.activities) {
      // The worker's name, when already known: looked up in the background (never awaited here)
      // and carried from the next message on, for the console.
      if (opts.profiles) {
        const name = opts.profiles.peek(activity.userId);
        if (name) activity.displayName = name;
        else opts.profiles.prefetch(activity.userId);
      }
      // Sequential: the inbox keeps per-conversation order, and a batch is delivered in order.
      await opts.inbox.accept(activity);
    }
    if (parsed.ignored.length) req.log.debug({ ignored: parsed.ignored.map((i) => i.reason) }, 'messenger events ignored');
    return reply.code(200).type('text/plain; charset=utf-8').send('EVENT_RECEIVED');
  });
};

/**
 * POST /webhooks/zalo — Zalo OA events in.
 *
 * Order matters: the raw body is kept as received (the signature covers its exact bytes),
 * the signature is checked before anything is parsed beyond the two fields it needs, and each
 * Activity is stored by the Inbox BEFORE Zalo gets its 200 — so an acknowledged event is never
 * lost, and a failure to store makes Zalo redeliver (the Inbox deduplicates redeliveries).
 * Zalo expects the 200 within two seconds, so nothing slow happens here.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from '../../log.js';
import type { Inbox } from '../delivery/types.js';
import { toActivities } from './events.js';
import type { ProfileCache } from '../profile-cache.js';
import { DEFAULT_MAX_AGE_MS, ZALO_SIGNATURE_HEADER, verifyZaloSignature } from './verify.js';

export const ZALO_WEBHOOK_PATH = '/webhooks/zalo';
export const ZALO_WEBHOOK_BODY_LIMIT = 64 * 1024;

export interface ZaloWebhookConfig {
  appId: string;
  /** The OA secret key shown with the app's OA settings (the last term of the signature). */
  oaSecretKey: string;
  /** Set only if live traffic proves Zalo signs with the OA id first (see docs/platforms/zalo.md). */
  oaId?: string;
  /** Refuse events whose signed timestamp is further than this from our clock. */
  maxAgeMs?: number;
  bodyLimit?: number;
  path?: string;
}

export interface ZaloWebhookOptions {
  inbox: Inbox;
  config: ZaloWebhookConfig;
  logger?: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** When given, activities carry the worker's cached Zalo name; unknown names are fetched in the background. */
  profiles?: Pick<ProfileCache, 'peek' | 'prefetch'>;
  now?: () => Date;
}

const denied = { error: { code: 'UNAUTHORIZED', message: 'Chữ ký không hợp lệ.' } };
const badJson = { error: { code: 'BAD_REQUEST', message: 'Yêu cầu không hợp lệ.' } };

export const zaloWebhook: FastifyPluginAsync<ZaloWebhookOptions> = async (app, opts) => {
  const { inbox, config, profiles } = opts;
  const bodyLimit = config.bodyLimit ?? ZALO_WEBHOOK_BODY_LIMIT;
  const maxAgeMs = config.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const now = opts.now ?? (() => new Date());

  // This plugin's own scope: every body arrives as the raw string, whatever its content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_req, body, done) => done(null, body));

  app.post(config.path ?? ZALO_WEBHOOK_PATH, { bodyLimit }, async (req, reply) => {
    const log = opts.logger ?? req.log;
    const raw = typeof req.body === 'string' ? req.body : '';
    const header = req.headers[ZALO_SIGNATURE_HEADER];
    const signature = Array.isArray(header) ? header[0] : header;
    if (!signature) {
      log.warn({ reason: 'missing_signature' }, 'zalo webhook refused');
      return reply.status(401).send(denied);
    }

    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      // Without the JSON there is no app_id or timestamp to check the signature against.
      return reply.status(400).send(badJson);
    }

    const verdict = verifyZaloSignature({
      rawBody: raw,
      signature,
      body,
      appId: config.appId,
      oaSecretKey: config.oaSecretKey,
      ...(config.oaId ? { oaId: config.oaId } : {}),
      maxAgeMs,
      now,
    });
    if (!verdict.ok) {
      log.warn({ reason: verdict.reason }, 'zalo webhook refused');
      return reply.status(401).send(denied);
    }
    if (verdict.variant === 'oa_id') log.info({ variant: verdict.variant }, 'zalo webhook signed with the OA id');

    const result = toActivities(body, { now });
    if (!Array.isArray(result)) {
      // Acknowledged so that Zalo stops redelivering; the reason names the event, never its content.
      const level = result.ignored.startsWith('malformed') ? 'warn' : 'debug';
      log[level]({ ignored: result.ignored }, 'zalo event ignored');
      return reply.status(200).send({ ok: true });
    }

    for (const activity of result) {
      if (profiles) {
        const name = profiles.peek(activity.userId);
        if (name) activity.displayName = name;
        else profiles.prefetch(activity.userId);
      }
      // A throw here answers 500: Zalo redelivers and the Inbox recognises what it already has.
      const accepted = await inbox.accept(activity);
      log.debug({ messageId: activity.messageId, accepted }, 'zalo activity stored');
    }
    return reply.status(200).send({ ok: true });
  });
};

/**
 * The HTTP application: health and readiness, security headers, consistent JSON errors,
 * and the channels' routes. Built from its dependencies so tests can inject fakes.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { ConversationEngine } from '../flows/activity.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import { webChat } from '../bots/web/routes.js';

export interface AppDeps {
  config: Pick<Config, 'MAX_MESSAGE_CHARS' | 'TRUST_PROXY'>;
  engine: ConversationEngine;
  store: Store;
  logger: Logger;
  /** Extra readiness checks (knowledge loaded, Redis…), by name. */
  checks?: Record<string, () => Promise<boolean>>;
}

/** Webhooks and chat messages are small; anything bigger is refused before parsing. */
export const BODY_LIMIT = 64 * 1024;

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    trustProxy: deps.config.TRUST_PROXY,
    disableRequestLogging: false,
    // Request logs carry method, url and status only: never bodies.
  });

  app.addHook('onSend', async (_req, reply) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    const message =
      status === 413 ? 'Tin nhắn quá dài.' : status === 400 ? 'Yêu cầu không hợp lệ.' : status === 415 ? 'Định dạng không được hỗ trợ.' : status === 404 ? 'Không tìm thấy.' : 'Có lỗi xảy ra, bạn thử lại sau nhé.';
    void reply.status(status).send({ error: { code: err.code ?? `HTTP_${status}`, message } });
  });
  app.setNotFoundHandler((_req, reply) => {
    void reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'Không tìm thấy.' } });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const results: Record<string, boolean> = { database: await deps.store.ping().catch(() => false) };
    for (const [name, check] of Object.entries(deps.checks ?? {})) results[name] = await check().catch(() => false);
    const ready = Object.values(results).every(Boolean);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: results });
  });

  await app.register(webChat, { engine: deps.engine, store: deps.store, maxMessageChars: deps.config.MAX_MESSAGE_CHARS });
  return app;
}

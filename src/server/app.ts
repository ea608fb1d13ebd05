/**
 * The HTTP application: liveness and readiness, security headers, one JSON shape for every
 * error, request logs without bodies, and the channels' routes. Built from its dependencies
 * so tests can inject fakes.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { ConversationEngine } from '../flows/activity.js';
import type { Logger } from '../log.js';
import type { SqlStore } from '../store/sql-store.js';
import { webChat } from '../bots/web/routes.js';
import { workerNames } from '../bots/worker-names.js';
import type { Channels } from '../bots/channels.js';
import { registerOperations } from './operations.js';
import { isDatabaseUnavailable } from '../store/errors.js';
import { consoleRoutes, type ConsoleOptions } from '../console/routes.js';
import { WebTypingBoard } from '../console/typing.js';

export interface AppDeps {
  config: Pick<Config, 'MAX_MESSAGE_CHARS' | 'TRUST_PROXY'> & Partial<Pick<Config, 'METRICS_TOKEN'>>;
  engine: ConversationEngine;
  /** The store, and its database for the tables beside it (the web chat's worker names). */
  store: SqlStore;
  logger: Logger;
  /** False while the process should get no traffic (starting, draining on shutdown). */
  isReady?: () => Promise<boolean>;
  /** More readiness checks by name (Redis, a platform token…), reported under that name. */
  checks?: Record<string, () => Promise<boolean>>;
  /**
   * The delivery pipeline as the web chat's engine (same dedupe and per-conversation order as
   * the platforms); the bare engine when absent.
   */
  webEngine?: ConversationEngine;
  /** The platform channels that are on: their webhook routes. */
  channels?: Pick<Channels, 'routes'>;
  /** True once shutdown began: new requests other than probes get 503 (see operations.ts). */
  draining?: () => boolean;
  /** The counsellor console (/console); off when absent. */
  console?: Omit<ConsoleOptions, 'store'>;
}

/** The shape of every error response, for the page and for API clients. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** Webhooks and chat messages are small; anything bigger is refused before parsing. */
export const BODY_LIMIT = 64 * 1024;

/** A readiness check that hangs counts as failed, so a probe never hangs with it. */
const CHECK_TIMEOUT_MS = 2000;

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  // Self only: no inline scripts or styles, no third-party anything, no framing.
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

const MESSAGES: Record<number, [code: string, message: string]> = {
  400: ['BAD_REQUEST', 'Yêu cầu không hợp lệ.'],
  404: ['NOT_FOUND', 'Không tìm thấy.'],
  405: ['METHOD_NOT_ALLOWED', 'Phương thức không được hỗ trợ.'],
  413: ['TOO_LARGE', 'Nội dung gửi lên quá dài.'],
  415: ['UNSUPPORTED_MEDIA_TYPE', 'Định dạng không được hỗ trợ.'],
  429: ['TOO_MANY_REQUESTS', 'Bạn gửi nhanh quá, đợi một chút rồi thử lại nhé.'],
  503: ['UNAVAILABLE', 'Hệ thống đang bận, bạn thử lại sau ít phút nhé.'],
};
const INTERNAL: [string, string] = ['INTERNAL', 'Có lỗi xảy ra, bạn thử lại sau nhé.'];
const SECURITY_ENTRIES = Object.entries(SECURITY_HEADERS);

/**
 * One request log line at info, when the request completed: method, path, route, status and
 * time together (each platform message is a webhook request: its log line is one of the larger
 * per-message costs). Fastify's "incoming request" line, which said nothing the completed line
 * does not, is kept at debug; errors and the rest of Fastify's lines are as before.
 */
export class RequestLogs extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

export function errorBody(status: number, code?: string, message?: string): ErrorBody {
  const [defaultCode, defaultMessage] = MESSAGES[status] ?? (status >= 500 ? INTERNAL : ['ERROR', 'Yêu cầu không thực hiện được.']);
  return { error: { code: code ?? defaultCode, message: message ?? defaultMessage } };
}

async function runCheck(check: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then((ok) => ok === true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    trustProxy: deps.config.TRUST_PROXY,
    // Request logging stays on: method, path and status; the logger's serializers keep
    // bodies, query strings and client addresses out.
    logController: new RequestLogs(),
    return503OnClosing: true,
  });

  app.addHook('onSend', (req, reply, payload, done) => {
    for (const [k, v] of SECURITY_ENTRIES) reply.header(k, v);
    if (req.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000');
    done(null, payload);
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    // The database away for a moment (restart, failover) is not a bug: 503, try again soon.
    if (!err.statusCode && isDatabaseUnavailable(err)) {
      req.log.warn({ code: err.code }, 'database unavailable');
      void reply.header('retry-after', '5');
      return reply.status(503).send(errorBody(503));
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    else req.log.info({ code: err.code, statusCode: status }, 'request refused');
    // Internal error codes and messages stay in the log; the client gets the stable shape.
    void reply.status(status).send(errorBody(status));
  });
  app.setNotFoundHandler((_req, reply) => {
    void reply.status(404).send(errorBody(404));
  });

  registerOperations(app, { store: deps.store, draining: deps.draining, metricsToken: deps.config.METRICS_TOKEN, unavailable: () => errorBody(503) });

  // Probes are frequent: keep them out of the info-level request log.
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));
  app.get('/readyz', { logLevel: 'warn' }, async (_req, reply) => {
    const named: Record<string, () => Promise<boolean>> = { database: () => deps.store.ping(), ...deps.checks };
    if (deps.isReady) named.service = deps.isReady;
    const entries = await Promise.all(Object.entries(named).map(async ([name, check]) => [name, await runCheck(check)] as const));
    const checks = Object.fromEntries(entries);
    const ready = entries.every(([, ok]) => ok);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks, failed: entries.filter(([, ok]) => !ok).map(([name]) => name) });
  });

  // The console's "counsellor is typing", heard on the Coordinator, for the web chat's polls.
  const typingBoard = deps.console ? new WebTypingBoard(deps.console.coordinator) : undefined;
  if (typingBoard) {
    await typingBoard.start();
    app.addHook('onClose', async () => typingBoard.stop());
  }
  await app.register(webChat, {
    engine: deps.webEngine ?? deps.engine,
    store: deps.store,
    names: workerNames(deps.store.db, 'web'),
    maxMessageChars: deps.config.MAX_MESSAGE_CHARS,
    ...(typingBoard ? { counsellorTyping: (conversationId: string) => typingBoard.typing(conversationId) } : {}),
  });
  await deps.channels?.routes(app);
  if (deps.console) await app.register(consoleRoutes, { store: deps.store, ...deps.console });
  return app;
}

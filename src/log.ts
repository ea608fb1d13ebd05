/**
 * Structured logs (pino, JSON on stdout) that never carry personal data or secrets:
 * - every string in a log record, the message included, goes through the PII redactor;
 * - errors are flattened first, because their message and stack can quote what a worker typed;
 * - HTTP requests are logged as method, path and status only: no bodies, no query strings
 *   (the web chat's session id is a bearer secret), no client addresses;
 * - credential-bearing fields are censored by path.
 *
 * Lines are written to stdout synchronously. pino's default destination writes in the
 * background, and a line still on its way when the process exits is dropped — even after
 * logger.flush(), which does not wait for a write already under way. When the reader of the
 * pipe was slow (a busy log shipper, a loaded machine), a crash's last error or the shutdown's
 * "stopped" went missing. One write call per line is a few microseconds.
 */
import { hostname } from 'node:os';
import { pino, type DestinationStream, type LevelWithSilentOrString, type Logger } from 'pino';
import { redactDeep, redactPII } from './privacy/redact.js';

export type { Logger };

/** Fields that hold credentials, wherever a caller puts them (one level of nesting). */
const SECRET_KEYS = ['authorization', 'cookie', 'token', 'accessToken', 'access_token', 'refreshToken', 'refresh_token', 'secret', 'password', 'apiKey', 'api_key', 'OPENAI_API_KEY'];
const SECRET_HEADERS = ['authorization', 'cookie', '["set-cookie"]', 'access_token', '["x-telegram-bot-api-secret-token"]', '["x-api-key"]'];
export const SECRET_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_HEADERS.map((h) => `headers${h.startsWith('[') ? h : `.${h}`}`),
  ...SECRET_HEADERS.map((h) => `*.headers${h.startsWith('[') ? h : `.${h}`}`),
];

const MAX_DEPTH = 8;

/** An Error as a plain object, so that redactDeep reaches its message, stack and cause. */
function plainError(err: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const e = err as Error & { code?: unknown; statusCode?: unknown; cause?: unknown };
  const out: Record<string, unknown> = { type: e.name, message: e.message, stack: e.stack };
  if (e.code !== undefined) out.code = e.code;
  if (e.statusCode !== undefined) out.statusCode = e.statusCode;
  if (e.cause !== undefined) out.cause = toPlain(e.cause, depth + 1, seen);
  return out;
}

/**
 * Prepares a log record for redactDeep: Errors become plain objects, cycles and very deep
 * nesting are cut (redactDeep would otherwise recurse forever). Other class instances (Fastify's
 * request and reply) are left for their serializers below.
 */
function toPlain(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (depth > MAX_DEPTH) return '[Nested]';
  seen.add(value);
  try {
    if (value instanceof Error) return plainError(value, depth, seen);
    if (Array.isArray(value)) return value.map((v) => toPlain(v, depth + 1, seen));
    if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = toPlain(v, depth + 1, seen);
      return out;
    }
    return value;
  } finally {
    seen.delete(value);
  }
}

/** Redacts personal data from anything about to be logged. */
export function scrubForLog<T>(value: T): T {
  return redactDeep(toPlain(value, 0, new WeakSet()) as T);
}

interface RequestLike {
  method?: string;
  url?: string;
  id?: string;
  routeOptions?: { url?: string };
}

/** The request without its query string: ids and search terms in URLs stay out of logs. */
function requestSerializer(req: RequestLike): Record<string, unknown> {
  const path = (req.url ?? '').split('?')[0];
  return { method: req.method, url: path, route: req.routeOptions?.url };
}

function responseSerializer(res: { statusCode?: number }): Record<string, unknown> {
  return { statusCode: res.statusCode };
}

export function createLogger(level: LevelWithSilentOrString = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tro-ly-cong-doan', pid: process.pid, hostname: hostname() },
      redact: { paths: SECRET_PATHS, censor: '[REDACTED]' },
      // Fastify merges these over its own, so its request log lines use them too.
      serializers: {
        req: requestSerializer,
        res: responseSerializer,
        // Usually already flattened by the formatter below (which runs first); a bare value
        // (someone threw a string) is wrapped so that it still reads as an error.
        err: (err: unknown) => scrubForLog(err !== null && typeof err === 'object' ? err : { type: typeof err, message: String(err) }),
      },
      formatters: { log: (obj) => scrubForLog(obj) },
      hooks: {
        logMethod(args, method) {
          // pino passes the message separately from the merged object; redact it too.
          const out: unknown[] = args.map((a) => (typeof a === 'string' ? redactPII(a) : a));
          // logger.error(err) would otherwise log err.message verbatim as the message.
          const first = out[0];
          if (first instanceof Error) {
            out[0] = { err: first };
            if (out.length === 1) out.push(redactPII(first.message));
          }
          return method.apply(this, out as Parameters<typeof method>);
        },
      },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/**
 * Structured logs (pino, JSON on stdout) that never carry personal data or secrets:
 * - every string in a log record, the message included, goes through the PII redactor;
 * - errors are flattened first, because their message and stack can quote what a worker typed;
 * - HTTP requests are logged as method, path and status only: no bodies, no query strings
 *   (the web chat's session id is a bearer secret), no client addresses;
 * - credential-bearing fields are censored by name, at any depth (SECRET_KEYS, SECRET_HEADERS).
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

/**
 * Fields that hold credentials, wherever a caller puts them: censored at any depth of a logged
 * object (and in child loggers' bindings), and header names censored inside any `headers` object.
 * (pino's own `redact` paths did this for the top level and one level down, but its wildcard paths
 * ran their redactor over every field of every line: two thirds of a request log line's cost.)
 */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['authorization', 'cookie', 'token', 'accessToken', 'access_token', 'refreshToken', 'refresh_token', 'secret', 'password', 'apiKey', 'api_key', 'OPENAI_API_KEY']);
export const SECRET_HEADERS: ReadonlySet<string> = new Set(['authorization', 'cookie', 'set-cookie', 'access_token', 'x-telegram-bot-api-secret-token', 'x-api-key']);
const CENSOR = '[REDACTED]';

const isSecret = (key: string, parentKey: string | undefined) => SECRET_KEYS.has(key) || (parentKey === 'headers' && SECRET_HEADERS.has(key));

/**
 * A class instance carrying a credential as an own field, or in its own `headers` (a Node
 * request): a plain copy with it censored; else the instance itself.
 */
function censorInstance(value: object, parentKey: string | undefined): object {
  let copy: Record<string, unknown> | undefined;
  for (const k of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[k];
    if (isSecret(k, parentKey)) {
      copy ??= { ...value };
      copy[k] = CENSOR;
    } else if (k === 'headers' && v !== null && typeof v === 'object' && Object.keys(v).some((h) => SECRET_HEADERS.has(h))) {
      copy ??= { ...value };
      copy[k] = censorInstance(v, 'headers');
    }
  }
  return copy ?? value;
}

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
function toPlain(value: unknown, depth: number, seen: WeakSet<object>, key?: string): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (depth > MAX_DEPTH) return '[Nested]';
  seen.add(value);
  try {
    if (value instanceof Error) return plainError(value, depth, seen);
    if (Array.isArray(value)) return value.map((v) => toPlain(v, depth + 1, seen));
    if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = isSecret(k, key) ? CENSOR : toPlain(v, depth + 1, seen, k);
      return out;
    }
    // Fastify's request and reply go to their serializers; anything else only loses its credentials.
    return censorInstance(value, key);
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
  const logger = pino(
    {
      level,
      base: { service: 'tro-ly-cong-doan', pid: process.pid, hostname: hostname() },
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
  // Child loggers' fields (Fastify's reqId, a caller's context) get their credentials censored
  // too (pino applies no formatter to them). Children inherit this child() from the root.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, options) {
    return child.call(this, toPlain(bindings, 0, new WeakSet()) as typeof bindings, options);
  } as typeof logger.child;
  return logger;
}

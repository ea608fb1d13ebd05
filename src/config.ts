/**
 * Configuration from environment variables, validated at start-up. A wrong value stops the
 * process with a message that names the variable (and never echoes a value that could hold a
 * secret). Every variable is optional; they are documented in .env.example.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { OfficeHoursFormatError, parseOfficeHours } from './flows/handoff/office-hours.js';

/** An empty variable (`PORT=` in an env file) means "not set", so the default applies. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Where the store keeps its records: an embedded SQLite file, or a PostgreSQL server. */
export type DatabaseTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

function parseDatabaseUrl(url: string): DatabaseTarget | { error: string } {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') {
    // Never echo the URL: it usually holds a password.
    if (!URL.canParse(url)) return { error: 'is not a valid postgres:// URL (postgres://user:password@host:5432/database)' };
    return { kind: 'postgres', url };
  }
  if (scheme !== 'sqlite') return { error: 'must start with sqlite: or postgres:// (e.g. sqlite:./var/tro-ly-cong-doan.db, sqlite::memory:)' };
  // sqlite:./x.db, sqlite:/abs/x.db, sqlite:///abs/x.db and sqlite://./x.db all name a file.
  let path = url.slice('sqlite:'.length);
  if (path.startsWith('//')) path = path.slice(2);
  if (path === '') return { error: 'names no file: use sqlite:<path>' };
  return { kind: 'sqlite', path };
}

const schema = z.object({
  PORT: optional(
    z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(0, 'must be between 0 and 65535')
      .max(65535, 'must be between 0 and 65535')
      .default(3000),
  ),
  HOST: optional(z.string().default('0.0.0.0')),
  DATA_DIR: optional(z.string().default('./var')),
  DATABASE_URL: optional(
    z
      .string()
      .superRefine((url, ctx) => {
        const parsed = parseDatabaseUrl(url.trim());
        if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
      })
      .optional(),
  ),
  /** Largest number of PostgreSQL connections one instance opens. */
  DATABASE_POOL_MAX: optional(
    z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be between 1 and 500').max(500, 'must be between 1 and 500').default(10),
  ),
  /** Redis shared by every instance (locks, rate limits, live events); unset = in-process. */
  REDIS_URL: optional(
    z
      .string()
      .trim()
      // Never echo the URL: it may hold a password.
      .refine((url) => /^rediss?:\/\//i.test(url) && URL.canParse(url), { error: 'must be a redis:// or rediss:// URL (redis://host:6379, redis://:password@host:6379/0)' })
      .optional(),
  ),
  /** Prefix of every Redis key and channel, so that deployments can share one server. */
  REDIS_PREFIX: optional(
    z
      .string()
      .regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'must be 1–64 letters, digits or : _ . -')
      .default('tlcd:'),
  ),
  /** When set, GET /metrics wants `Authorization: Bearer <METRICS_TOKEN>`; unset = open (keep it on a private network). */
  METRICS_TOKEN: optional(z.string().min(16, 'must be at least 16 characters').optional()),
  LOG_LEVEL: optional(
    z
      .string()
      .transform((s) => s.trim().toLowerCase())
      .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }))
      .default('info'),
  ),
  KB_DIR: optional(z.string().default('data/faq')),
  RULES_DIR: optional(z.string().default('data/rules')),
  /**
   * Behind a reverse proxy that sets X-Forwarded-*: true, or the proxy's addresses/CIDRs
   * (comma-separated) so that only they are believed. Passed to Fastify's trustProxy.
   */
  TRUST_PROXY: optional(
    z
      .string()
      .transform((s, ctx): boolean | string => {
        const v = s.trim().toLowerCase();
        if (['true', '1', 'yes', 'on'].includes(v)) return true;
        if (['false', '0', 'no', 'off'].includes(v)) return false;
        // Anything else must look like a list of IP addresses or CIDR ranges.
        if (v.split(',').every((p) => /^[0-9a-f.:]+(\/\d{1,3})?$/.test(p.trim()))) return v;
        ctx.addIssue({ code: 'custom', message: 'must be true, false, or a comma-separated list of proxy IP addresses/CIDRs' });
        return z.NEVER;
      })
      .default(false),
  ),
  MAX_MESSAGE_CHARS: optional(
    z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      // The 64 KB body limit must still fit the longest message (up to 3 bytes a character).
      .min(100, 'must be between 100 and 20000')
      .max(20000, 'must be between 100 and 20000')
      .default(2000),
  ),
  /**
   * Counsellors' office hours in Asia/Ho_Chi_Minh, e.g. "T2-T6 07:30-11:30,13:00-17:00; T7 08:00-11:30"
   * (format in src/flows/handoff/office-hours.ts). Unset: counsellors count as always available.
   */
  COUNSEL_HOURS: optional(
    z
      .string()
      .transform((s, ctx) => {
        try {
          return parseOfficeHours(s);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: err instanceof OfficeHoursFormatError ? err.message : 'is not valid' });
          return z.NEVER;
        }
      })
      .optional(),
  ),
  /** Public holidays on which the office is closed (with COUNSEL_HOURS). */
  HOLIDAYS_FILE: optional(z.string().default('data/rules/holidays/vietnam.yaml')),
  /** The wait announced to a queued worker until enough real waits are recorded, "min-max" minutes. */
  COUNSEL_WAIT_MINUTES: optional(
    z
      .string()
      .transform((s, ctx) => {
        const m = /^\s*(\d{1,3})\s*[-–]\s*(\d{1,3})\s*$/.exec(s);
        if (!m || Number(m[1]) >= Number(m[2])) {
          ctx.addIssue({ code: 'custom', message: 'must be a range of minutes like 10-20, the smaller first' });
          return z.NEVER;
        }
        return { min: Number(m[1]), max: Number(m[2]) };
      })
      .default({ min: 10, max: 20 }),
  ),
  // --- Optional language model (src/knowledge/llm). Off unless OPENAI_API_KEY is set; the
  // defaults of the others apply only then, in llmSettings(). ---
  OPENAI_API_KEY: optional(z.string().trim().min(1).optional()),
  /** Any OpenAI-compatible server (vLLM, Ollama, LM Studio, a gateway); default OpenAI's. */
  OPENAI_BASE_URL: optional(z.url({ error: 'must be a URL such as http://127.0.0.1:8000/v1' }).optional()),
  OPENAI_MODEL: optional(z.string().trim().min(1).optional()),
  /** `none` turns embeddings (hybrid search) off while keeping the chat model. */
  OPENAI_EMBEDDING_MODEL: optional(z.string().trim().min(1).optional()),
  OPENAI_TIMEOUT_MS: optional(
    z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(200, 'must be between 200 and 120000')
      .max(120_000, 'must be between 200 and 120000')
      .optional(),
  ),
  /** Tokens (prompt + completion + embeddings) per day, Vietnam time; then the bot runs without the model until midnight. */
  OPENAI_DAILY_TOKEN_BUDGET: optional(z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be 0 or more').optional()),
});

export type Config = z.infer<typeof schema> & {
  /** The SQLite file (or ':memory:'): from a sqlite: DATABASE_URL, else DATA_DIR/tro-ly-cong-doan.db. */
  databasePath: string;
  /** What the store opens: PostgreSQL for a postgres:// DATABASE_URL, else SQLite at databasePath. */
  database: DatabaseTarget;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the configuration; throws ConfigError naming every wrong variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Only our own keys: the error report must not list (or echo) unrelated variables.
  const own = Object.fromEntries(Object.keys(schema.shape).map((k) => [k, env[k]]));
  const parsed = schema.safeParse(own);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(environment)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration (see .env.example):\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const db = c.DATABASE_URL ? parseDatabaseUrl(c.DATABASE_URL.trim()) : undefined;
  const databasePath = db && 'path' in db ? db.path : join(c.DATA_DIR, 'tro-ly-cong-doan.db');
  const database: DatabaseTarget = db && 'url' in db ? db : { kind: 'sqlite', path: databasePath };
  return { ...c, databasePath, database };
}

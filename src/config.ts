/**
 * Configuration from environment variables, validated at start-up. A wrong value stops the
 * process with a message that names the variable. Documented in .env.example.
 */
import { join } from 'node:path';
import { z } from 'zod';

const schema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./var'),
  /** sqlite:<path>; PostgreSQL arrives with the scale-out work. */
  DATABASE_URL: z
    .string()
    .regex(/^sqlite:.+/, 'only sqlite:<path> is supported in this version (e.g. sqlite:./var/bot.db)')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KB_DIR: z.string().min(1).default('data/faq'),
  RULES_DIR: z.string().min(1).default('data/rules'),
  /** Set behind a reverse proxy that sets X-Forwarded-* headers. */
  TRUST_PROXY: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  MAX_MESSAGE_CHARS: z.coerce.number().int().min(100).max(20000).default(2000),
});

export type Config = z.infer<typeof schema> & { databasePath: string };

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const databasePath = c.DATABASE_URL ? c.DATABASE_URL.slice('sqlite:'.length) : join(c.DATA_DIR, 'tro-ly-cong-doan.db');
  return { ...c, databasePath };
}

/**
 * Reading a platform channel's variables: the same rules for every channel. A channel is off
 * when its key variable is unset; once on, every problem is reported by variable name, never
 * with its value (values may be secrets).
 */
import { z } from 'zod';

/** An optional text variable: blank means unset. */
export const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));

/** A channel's variables are present but wrong; the message names each variable. */
export class ChannelEnvError extends Error {}

/** Parses the channel's variables, or throws ChannelEnvError naming each wrong one. */
export function parseChannelEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv, channel: string): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new ChannelEnvError(`invalid ${channel} configuration:\n${lines.join('\n')}`);
}

/**
 * Structured logs (pino) that never carry personal data or secrets: every string in a log
 * record goes through the PII redactor, and credential-bearing fields are censored by path.
 */
import { pino, type Logger } from 'pino';
import { redactDeep, redactPII } from './privacy/redact.js';

export type { Logger };

export function createLogger(level = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tro-ly-cong-doan' },
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie', '*.token', '*.accessToken', '*.refreshToken', '*.secret', '*.password', 'token', 'password'],
        censor: '[ẨN]',
      },
      formatters: { log: (obj) => redactDeep(obj) },
      hooks: {
        logMethod(args, method) {
          // The message string too: pino passes it separately from the object.
          const redacted = args.map((a) => (typeof a === 'string' ? redactPII(a) : a)) as typeof args;
          method.apply(this, redacted);
        },
      },
    },
    destination,
  );
}

/**
 * Shared secrets that a platform echoes on every webhook call (Telegram's secret token) or on
 * its verification handshake (Messenger's verify token).
 */
import { hash, timingSafeEqual } from 'node:crypto';

const sha256 = (text: string): Buffer => hash('sha256', text, 'buffer');

/**
 * Constant-time string equality for a shared secret (verify token, Telegram secret token),
 * checked on every webhook call: the secret's digest is taken once, the given value's on each
 * call. Comparing digests gives equal-length inputs, so neither content nor length leaks
 * through timing.
 */
export function secretMatcher(expected: string): (given: string | undefined) => boolean {
  const digest = sha256(expected);
  return (given) => given !== undefined && timingSafeEqual(sha256(given), digest);
}

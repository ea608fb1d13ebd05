/**
 * Authenticity of Messenger webhook calls.
 *
 * Meta signs every POST with `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the raw
 * request body keyed with the app secret. The body must be hashed exactly as received: JSON
 * re-serialised by us would differ (Meta escapes non-ASCII characters as \uXXXX).
 * See docs/platforms/messenger.md.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MESSENGER_SIGNATURE_HEADER = 'x-hub-signature-256';

export type MessengerVerifyResult = { ok: true } | { ok: false; reason: 'missing_signature' | 'malformed_signature' | 'mismatch' };

/** `sha256=<hex>` for a body: what Meta sends, and what tests and the fake use to sign. */
export function signMessengerBody(rawBody: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

export function verifyMessengerSignature(rawBody: string | Buffer, header: string | undefined, appSecret: string): MessengerVerifyResult {
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing_signature' };
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!m?.[1]) return { ok: false, reason: 'malformed_signature' };
  const given = Buffer.from(m[1].toLowerCase(), 'hex');
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  // Both are 32-byte digests, so timingSafeEqual compares in constant time without a length leak.
  return timingSafeEqual(given, expected) ? { ok: true } : { ok: false, reason: 'mismatch' };
}

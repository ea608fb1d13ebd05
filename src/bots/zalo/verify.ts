/**
 * Authenticity of Zalo OA webhook calls.
 *
 * Zalo signs each event with header `X-ZEvent-Signature: mac=<hex>`, where the hex is the plain
 * SHA-256 (not an HMAC) of `app_id + raw body + timestamp + OA secret key`, with `app_id` and
 * `timestamp` taken from the JSON body itself. See docs/platforms/zalo.md for the sources.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const ZALO_SIGNATURE_HEADER = 'x-zevent-signature';

/** Default freshness window; see docs/platforms/zalo.md on Zalo's redelivery ladder before shrinking it. */
export const DEFAULT_MAX_AGE_MS = 10 * 60 * 1000;

export interface VerifyOptions {
  /** The request body exactly as received: re-serialised JSON would not hash the same. */
  rawBody: string;
  /** The X-ZEvent-Signature header value (`mac=<hex>` or bare hex). */
  signature: string | undefined;
  /** The body already parsed from rawBody, to read app_id and timestamp. */
  body: unknown;
  /** Our app id: an event for another app is refused even when someone signed it. */
  appId: string;
  oaSecretKey: string;
  /**
   * Optional: also accept a MAC whose first term is this OA id instead of the app id. Some
   * public integrations hash the OA id; Zalo's formula names the app id. Off unless set.
   */
  oaId?: string;
  maxAgeMs?: number;
  now?: () => Date;
}

export type VerifyResult =
  | { ok: true; timestamp: Date; variant: 'app_id' | 'oa_id' }
  | { ok: false; reason: 'missing_signature' | 'malformed_signature' | 'missing_fields' | 'wrong_app' | 'mismatch' | 'stale' };

/** sha256(appId + rawBody + timestamp + secret) as lowercase hex: what Zalo puts after `mac=`. */
export function computeZaloMac(appId: string, rawBody: string, timestamp: string, oaSecretKey: string): string {
  return createHash('sha256').update(appId + rawBody + timestamp + oaSecretKey, 'utf8').digest('hex');
}

/** Accepts `mac=<hex>`, `<hex>`, any case, surrounding spaces; anything else is not a SHA-256 hex digest. */
export function parseSignatureHeader(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  const hex = /^mac\s*=/i.test(v) ? v.slice(v.indexOf('=') + 1).trim() : v;
  return /^[0-9a-f]{64}$/i.test(hex) ? hex.toLowerCase() : undefined;
}

function field(body: unknown, name: string): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const v = (body as Record<string, unknown>)[name];
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

export function verifyZaloSignature(opts: VerifyOptions): VerifyResult {
  if (opts.signature === undefined || opts.signature.trim() === '') return { ok: false, reason: 'missing_signature' };
  const given = parseSignatureHeader(opts.signature);
  if (!given) return { ok: false, reason: 'malformed_signature' };

  const appId = field(opts.body, 'app_id');
  const timestamp = field(opts.body, 'timestamp');
  if (!appId || !timestamp) return { ok: false, reason: 'missing_fields' };
  if (appId !== opts.appId) return { ok: false, reason: 'wrong_app' };

  // Both sides are 64 lowercase hex characters, so the lengths match and the comparison is constant-time.
  const matches = (first: string) =>
    timingSafeEqual(Buffer.from(computeZaloMac(first, opts.rawBody, timestamp, opts.oaSecretKey), 'utf8'), Buffer.from(given, 'utf8'));
  let variant: 'app_id' | 'oa_id';
  if (matches(appId)) variant = 'app_id';
  else if (opts.oaId && matches(opts.oaId)) variant = 'oa_id';
  else return { ok: false, reason: 'mismatch' };

  // Freshness is checked only after the MAC: the timestamp is trustworthy once it is signed.
  const ms = Number(timestamp);
  if (!Number.isFinite(ms)) return { ok: false, reason: 'stale' };
  const now = (opts.now ?? (() => new Date()))().getTime();
  const maxAge = opts.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  // Clock skew cuts both ways: an event "from the future" beyond the window is refused too.
  if (Math.abs(now - ms) > maxAge) return { ok: false, reason: 'stale' };
  return { ok: true, timestamp: new Date(ms), variant };
}

/**
 * Zalo webhook signatures: plain SHA-256 of app_id + raw body + timestamp + OA secret key.
 */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeZaloMac, parseSignatureHeader, verifyZaloSignature } from '../src/bots/zalo/verify.js';

const APP_ID = '3608465248940903967';
const SECRET = 'oa-secret-key';
const TS = '1767225600000'; // 2026-01-01T00:00:00Z
const NOW = () => new Date(Number(TS) + 30_000);
const raw = `{"app_id":"${APP_ID}","sender":{"id":"2468458835296117922"},"recipient":{"id":"388613280878808645"},"event_name":"user_send_text","message":{"text":"cho em hỏi bhtn","msg_id":"96d3cdf3af150460909"},"timestamp":"${TS}"}`;
const body = JSON.parse(raw) as unknown;
// Independent of the implementation: the formula written out.
const mac = createHash('sha256').update(`${APP_ID}${raw}${TS}${SECRET}`, 'utf8').digest('hex');

const verify = (signature: string | undefined, over: Partial<Parameters<typeof verifyZaloSignature>[0]> = {}) =>
  verifyZaloSignature({ rawBody: raw, signature, body, appId: APP_ID, oaSecretKey: SECRET, now: NOW, ...over });

describe('zalo webhook signature', () => {
  it('computes the documented formula', () => {
    expect(computeZaloMac(APP_ID, raw, TS, SECRET)).toBe(mac);
  });

  it('accepts a valid mac= header and a bare hex one, in any case', () => {
    expect(verify(`mac=${mac}`)).toEqual({ ok: true, timestamp: new Date(Number(TS)), variant: 'app_id' });
    expect(verify(mac).ok).toBe(true);
    expect(verify(`MAC=${mac.toUpperCase()}`).ok).toBe(true);
    expect(verify(` mac= ${mac} `).ok).toBe(true);
  });

  it('refuses a forged or altered request', () => {
    expect(verify(`mac=${'0'.repeat(64)}`)).toEqual({ ok: false, reason: 'mismatch' });
    // An HMAC with the secret is not what Zalo sends.
    const hmac = createHmac('sha256', SECRET).update(`${APP_ID}${raw}${TS}`).digest('hex');
    expect(verify(`mac=${hmac}`)).toEqual({ ok: false, reason: 'mismatch' });
    // Same signature, body changed by one character.
    expect(verify(`mac=${mac}`, { rawBody: raw.replace('bhtn', 'bhxh') })).toEqual({ ok: false, reason: 'mismatch' });
    // Re-serialised JSON is not the raw body.
    expect(verify(`mac=${mac}`, { rawBody: JSON.stringify(body, null, 1) })).toEqual({ ok: false, reason: 'mismatch' });
    // Right formula, wrong secret.
    expect(verify(`mac=${computeZaloMac(APP_ID, raw, TS, 'other')}`)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts an OA-id-prefixed MAC only when that variant is switched on', () => {
    const OA = '388613280878808645';
    const oaMac = computeZaloMac(OA, raw, TS, SECRET);
    expect(verify(`mac=${oaMac}`)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verify(`mac=${oaMac}`, { oaId: OA })).toEqual({ ok: true, timestamp: new Date(Number(TS)), variant: 'oa_id' });
    expect(verify(`mac=${mac}`, { oaId: OA })).toMatchObject({ ok: true, variant: 'app_id' });
  });

  it('refuses missing, malformed and other-app signatures', () => {
    expect(verify(undefined)).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verify('')).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verify('mac=xyz')).toEqual({ ok: false, reason: 'malformed_signature' });
    expect(verify(`sha256=${mac}`)).toEqual({ ok: false, reason: 'malformed_signature' });
    expect(verify(`mac=${mac}`, { appId: '42' })).toEqual({ ok: false, reason: 'wrong_app' });
    expect(verify(`mac=${mac}`, { body: { app_id: APP_ID } })).toEqual({ ok: false, reason: 'missing_fields' });
    expect(verify(`mac=${mac}`, { body: 'not an object' })).toEqual({ ok: false, reason: 'missing_fields' });
  });

  it('refuses stale and far-future timestamps, with a configurable window', () => {
    const late = () => new Date(Number(TS) + 11 * 60_000);
    expect(verify(`mac=${mac}`, { now: late })).toEqual({ ok: false, reason: 'stale' });
    expect(verify(`mac=${mac}`, { now: late, maxAgeMs: 15 * 60_000 }).ok).toBe(true);
    const early = () => new Date(Number(TS) - 11 * 60_000);
    expect(verify(`mac=${mac}`, { now: early })).toEqual({ ok: false, reason: 'stale' });
  });

  it('parses header forms', () => {
    expect(parseSignatureHeader(`mac=${mac}`)).toBe(mac);
    expect(parseSignatureHeader(mac.toUpperCase())).toBe(mac);
    expect(parseSignatureHeader(undefined)).toBeUndefined();
    expect(parseSignatureHeader(`mac=${mac}00`)).toBeUndefined();
  });
});

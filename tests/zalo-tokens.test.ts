/**
 * The rotating Zalo OA refresh token: one refresher at a time, stored before use, never reused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ZaloClient } from '../src/bots/zalo/client.js';
import { InProcessLock, MemoryTokenStore, TokenManager, type TokenPair, type TokenStore } from '../src/bots/zalo/tokens.js';
import { ZaloFake } from './fakes/zalo-fake.js';

const HOUR = 3600_000;
let fake: ZaloFake | undefined;
const managers: TokenManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) m.stop();
  await fake?.close();
  fake = undefined;
});

function pair(accessToken: string, refreshToken: string, expiresInMs: number, now = Date.now()): TokenPair {
  return { accessToken, refreshToken, accessExpiresAt: new Date(now + expiresInMs), obtainedAt: new Date(now) };
}

interface Logged {
  level: string;
  obj: unknown;
  msg?: string;
}
function captureLogger() {
  const lines: Logged[] = [];
  const mk = (level: string) => (obj: unknown, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, logger: { info: mk('info'), warn: mk('warn'), error: mk('error') } as never };
}

function manager(store: TokenStore, lock: InProcessLock, extra: Partial<ConstructorParameters<typeof TokenManager>[0]> = {}) {
  const m = new TokenManager({
    tokenStore: store,
    lock,
    appId: 'app-1',
    appSecret: 'secret-1',
    oauthRoot: fake!.url,
    pollMs: 5,
    waitForOtherMs: 3000,
    retryBaseMs: 50,
    retryMaxMs: 200,
    cacheMs: 0,
    ...extra,
  });
  managers.push(m);
  return m;
}

describe('TokenManager', () => {
  it('two concurrent refreshers (two processes) make exactly one refresh call', async () => {
    fake = await ZaloFake.start({ appId: 'app-1', appSecret: 'secret-1', accessToken: 'at-0', refreshToken: 'rt-0' });
    fake.script('token', { kind: 'delay', ms: 100 });
    const store = new MemoryTokenStore(pair('at-0', 'rt-0', 30 * 60_000)); // due: < 1 h left
    const lock = new InProcessLock(); // shared, as Redis would be
    const a = manager(store, lock);
    const b = manager(store, lock);
    const [pa, pb] = await Promise.all([a.refreshIfDue(), b.refreshIfDue()]);
    expect(fake.requestsTo('/v4/oa/access_token')).toHaveLength(1);
    expect(pa.accessToken).toBe('at-1');
    expect(pb.accessToken).toBe('at-1');
    expect(await store.load()).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' });
    // The request was the documented one.
    const req = fake.requestsTo('/v4/oa/access_token')[0];
    expect(req?.headers['secret_key']).toBe('secret-1');
    expect(req?.form).toEqual({ app_id: 'app-1', grant_type: 'refresh_token', refresh_token: 'rt-0' });
  });

  it('concurrent callers in one process share one refresh', async () => {
    fake = await ZaloFake.start({ appId: 'app-1', appSecret: 'secret-1', accessToken: 'at-0', refreshToken: 'rt-0' });
    fake.script('token', { kind: 'delay', ms: 50 });
    const store = new MemoryTokenStore(pair('at-0', 'rt-0', -1000)); // expired
    const m = manager(store, new InProcessLock());
    const got = await Promise.all([m.getAccessToken(), m.getAccessToken(), m.getAccessToken()]);
    expect(got).toEqual(['at-1', 'at-1', 'at-1']);
    expect(fake.requestsTo('/v4/oa/access_token')).toHaveLength(1);
  });

  it('stores the rotated pair before its access token is ever used', async () => {
    const events: string[] = [];
    fake = await ZaloFake.start({
      appId: 'app-1',
      appSecret: 'secret-1',
      accessToken: 'at-0',
      refreshToken: 'rt-0',
      onRequest: (r) => events.push(`http ${r.path} ${r.headers['access_token'] ?? r.form?.refresh_token}`),
    });
    const inner = new MemoryTokenStore(pair('at-0', 'rt-0', -1000));
    const store: TokenStore = {
      load: () => inner.load(),
      save: async (p) => {
        events.push(`save ${p.accessToken} ${p.refreshToken}`);
        await inner.save(p);
      },
    };
    const m = manager(store, new InProcessLock());
    const client = new ZaloClient({ tokens: m, apiRoot: fake.url });
    const r = await client.sendText('u1', 'Xin chào');
    expect(r.ok).toBe(true);
    expect(events).toEqual(['http /v4/oa/access_token rt-0', 'save at-1 rt-1', 'http /v3.0/oa/message/cs at-1']);
  });

  it('never sends a refresh token twice across many rotations and processes', async () => {
    fake = await ZaloFake.start({ appId: 'app-1', appSecret: 'secret-1', accessToken: 'at-0', refreshToken: 'rt-0' });
    let clock = Date.now();
    const now = () => new Date(clock);
    const store = new MemoryTokenStore(pair('at-0', 'rt-0', 25 * HOUR, clock));
    const lock = new InProcessLock();
    const a = manager(store, lock, { now });
    const b = manager(store, lock, { now });
    for (let day = 0; day < 5; day++) {
      clock += 24.5 * HOUR; // past "refresh 1 h before expiry"
      await Promise.all([a.refreshIfDue(), b.refreshIfDue(), a.getAccessToken(), b.getAccessToken()]);
    }
    expect(fake.usedRefreshTokens).toEqual(['rt-0', 'rt-1', 'rt-2', 'rt-3', 'rt-4']);
    expect(fake.refreshReuses).toEqual([]);
    expect(await store.load()).toMatchObject({ accessToken: 'at-5', refreshToken: 'rt-5' });
  });

  it('refuses to send a refresh token it already exchanged, even if an old pair is restored', async () => {
    fake = await ZaloFake.start({ appId: 'app-1', appSecret: 'secret-1', accessToken: 'at-0', refreshToken: 'rt-0' });
    const store = new MemoryTokenStore(pair('at-0', 'rt-0', 10 * 60_000));
    const { lines, logger } = captureLogger();
    const m = manager(store, new InProcessLock(), { logger });
    await m.refreshIfDue();
    await store.save(pair('at-0', 'rt-0', 10 * 60_000)); // someone restores a backup
    await expect(m.refreshIfDue()).rejects.toThrow(/already exchanged/);
    expect(fake.usedRefreshTokens).toEqual(['rt-0']);
    expect(fake.refreshReuses).toEqual([]);
    expect(lines.some((l) => l.level === 'error')).toBe(true);
  });

  it('uses the token another process already obtained after Zalo rejects ours', async () => {
    fake = await ZaloFake.start({ appId: 'app-1', appSecret: 'secret-1', accessToken: 'at-0', refreshToken: 'rt-0', revokeOldAccessOnRefresh: true });
    const store = new MemoryTokenStore(pair('at-0', 'rt-0', 10 * 60_000));
    const lock = new InProcessLock();
    const a = manager(store, lock, { cacheMs: 60_000, refreshBeforeMs: 0 });
    const b = manager(store, lock, { cacheMs: 60_000, refreshBeforeMs: 20 * 60_000 });
    expect(await a.getAccessToken()).toBe('at-0'); // cached in a
    await b.refreshIfDue(); // b rotates; Zalo revokes at-0
    const client = new ZaloClient({ tokens: a, apiRoot: fake.url });
    const r = await client.sendText('u1', 'Xin chào');
    expect(r.ok).toBe(true);
    expect(fake.requestsTo('/v4/oa/access_token')).toHaveLength(1);
    expect(fake.requestsTo('/v3.0/oa/message/cs').map((q) => q.headers['access_token'])).toEqual(['at-0', 'at-1']);
  });

  it('logs a failed refresh without tokens and retries with back-off', async () => {
    fake = await ZaloFake.start({ appId: 'app-1', appSecret: 'secret-1', accessToken: 'at-0', refreshToken: 'rt-0' });
    fake.script('token', { kind: 'http', status: 502 });
    let clock = Date.now();
    const store = new MemoryTokenStore(pair('at-0', 'rt-0', 10 * 60_000, clock));
    const { lines, logger } = captureLogger();
    const m = manager(store, new InProcessLock(), { logger, now: () => new Date(clock), retryBaseMs: 1000 });
    await expect(m.refreshIfDue()).rejects.toMatchObject({ transient: true });
    // Still backing off: no new call.
    await expect(m.refreshIfDue()).rejects.toThrow(/backing off/);
    expect(fake.requestsTo('/v4/oa/access_token')).toHaveLength(1);
    // The old token keeps working meanwhile.
    expect(await m.getAccessToken()).toBe('at-0');
    clock += 1500;
    expect((await m.refreshIfDue()).accessToken).toBe('at-1');
    expect(fake.requestsTo('/v4/oa/access_token')).toHaveLength(2);
    const text = JSON.stringify(lines);
    expect(lines.some((l) => l.level === 'warn' && /refresh failed/.test(l.msg ?? ''))).toBe(true);
    for (const secret of ['at-0', 'rt-0', 'at-1', 'rt-1', 'secret-1']) expect(text).not.toContain(secret);
  });

  it('keeps a pair it could not store, never uses it, and stores it before anything else', async () => {
    fake = await ZaloFake.start({ appId: 'app-1', appSecret: 'secret-1', accessToken: 'at-0', refreshToken: 'rt-0' });
    const inner = new MemoryTokenStore(pair('at-0', 'rt-0', 10 * 60_000));
    let failSaves = 3;
    const store: TokenStore = {
      load: () => inner.load(),
      save: async (p) => {
        if (failSaves-- > 0) throw new Error('database is locked');
        await inner.save(p);
      },
    };
    const m = manager(store, new InProcessLock(), { sleep: async () => undefined, retryBaseMs: 1 });
    await expect(m.refreshIfDue()).rejects.toThrow(/could not store/);
    expect(await m.getAccessToken()).toBe('at-0'); // the unsaved at-1 is not handed out
    await new Promise((r) => setTimeout(r, 5)); // past the back-off
    expect((await m.refreshIfDue()).accessToken).toBe('at-1');
    expect(await inner.load()).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' });
    expect(fake.requestsTo('/v4/oa/access_token')).toHaveLength(1); // no second exchange
  });

  it('seeds an empty store from the environment, once', async () => {
    fake = await ZaloFake.start({ appId: 'app-1', appSecret: 'secret-1', accessToken: 'at-0', refreshToken: 'rt-0' });
    const store = new MemoryTokenStore();
    const m = manager(store, new InProcessLock(), { env: { ZALO_ACCESS_TOKEN: 'at-0', ZALO_REFRESH_TOKEN: 'rt-0' } });
    // Unknown expiry: the first use refreshes and stores a pair whose expiry is known.
    expect(await m.getAccessToken()).toBe('at-1');
    expect(await store.load()).toMatchObject({ refreshToken: 'rt-1' });
    // A later process with the same (now spent) env does not overwrite the stored pair.
    const later = manager(store, new InProcessLock(), { env: { ZALO_ACCESS_TOKEN: 'at-0', ZALO_REFRESH_TOKEN: 'rt-0' } });
    expect(await later.getAccessToken()).toBe('at-1');
    expect(fake.refreshReuses).toEqual([]);

    const known = new MemoryTokenStore();
    const until = new Date(Date.now() + 20 * HOUR).toISOString();
    const k = manager(known, new InProcessLock(), { env: { ZALO_ACCESS_TOKEN: 'at-x', ZALO_REFRESH_TOKEN: 'rt-x', ZALO_ACCESS_TOKEN_EXPIRES_AT: until } });
    expect(await k.getAccessToken()).toBe('at-x');
    const none = manager(new MemoryTokenStore(), new InProcessLock());
    await expect(none.getAccessToken()).rejects.toThrow(/no Zalo OA token/);
  });

  it('refreshes in the background before expiry once started', async () => {
    fake = await ZaloFake.start({ appId: 'app-1', appSecret: 'secret-1', accessToken: 'at-0', refreshToken: 'rt-0' });
    const store = new MemoryTokenStore(pair('at-0', 'rt-0', 50 * 60_000)); // inside the 1-hour margin
    const m = manager(store, new InProcessLock());
    await m.start();
    for (let i = 0; i < 60 && (await store.load())?.accessToken !== 'at-1'; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await store.load())?.accessToken).toBe('at-1');
    m.stop();
  });

  it('the in-process lock excludes a second holder until released or expired', async () => {
    let t = 0;
    const lock = new InProcessLock(() => t);
    let inner: string | undefined = 'unset';
    const outer = await lock.withLock('x', 100, async () => {
      inner = await lock.withLock('x', 100, async () => 'got it');
      return 'outer';
    });
    expect(outer).toBe('outer');
    expect(inner).toBeUndefined();
    expect(await lock.withLock('x', 100, async () => 'again')).toBe('again');
    await lock.withLock('y', 100, async () => {
      t = 200; // the hold lapsed
      expect(await lock.withLock('y', 100, async () => 'taken over')).toBe('taken over');
    });
  });
});

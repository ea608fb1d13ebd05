/**
 * The Zalo OA access token and its rotating refresh token.
 *
 * The access token lives about 25 hours; the refresh token about three months and is
 * single-use: every refresh returns a new one and kills the old. Losing the new refresh token
 * (a crash between Zalo's answer and our write, two processes refreshing at once) loses the
 * grant until an OA admin re-authorises the app in a browser. Hence:
 *  - one refresher at a time, under a named lock shared by all processes;
 *  - after taking the lock, re-read the stored pair and skip if someone else already refreshed;
 *  - store the new pair durably BEFORE handing out its access token;
 *  - never send a refresh token that was already exchanged successfully;
 *  - refresh in the background well before expiry, with back-off after a failure;
 *  - never log a token.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../../log.js';
import {
  DEFAULT_OAUTH_ROOT,
  TokenRefreshError,
  requestTokenRefresh,
  type AccessTokenProvider,
  type TokenPair,
} from './client.js';

export type { TokenPair } from './client.js';
export { TokenRefreshError } from './client.js';

export interface TokenStore {
  load(): Promise<TokenPair | undefined>;
  /** Must be durable when it resolves: the previous refresh token is already dead. */
  save(pair: TokenPair): Promise<void>;
}

export interface Lock {
  /** Runs fn while holding `name` (for at most ttlMs); resolves undefined, without running fn, when someone else holds it. */
  withLock<T>(name: string, ttlMs: number, fn: () => Promise<T>): Promise<T | undefined>;
}

export type RefreshFn = (refreshToken: string) => Promise<TokenPair>;
type MiniLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export class NoTokenError extends Error {
  readonly transient = false;
  constructor() {
    super('no Zalo OA token pair: set ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN, or store one');
    this.name = 'NoTokenError';
  }
}

function copy(pair: TokenPair): TokenPair {
  const out: TokenPair = { ...pair, accessExpiresAt: new Date(pair.accessExpiresAt), obtainedAt: new Date(pair.obtainedAt) };
  if (pair.refreshExpiresAt) out.refreshExpiresAt = new Date(pair.refreshExpiresAt);
  return out;
}

/** For one process and for tests. Not durable: a restart falls back to the env pair, whose refresh token may be spent. */
export class MemoryTokenStore implements TokenStore {
  private pair: TokenPair | undefined;
  constructor(initial?: TokenPair) {
    this.pair = initial ? copy(initial) : undefined;
  }
  async load(): Promise<TokenPair | undefined> {
    return this.pair ? copy(this.pair) : undefined;
  }
  async save(pair: TokenPair): Promise<void> {
    this.pair = copy(pair);
  }
}

/** A try-lock for one process; the Redis/SQL ones share the same contract across processes. */
export class InProcessLock implements Lock {
  private readonly held = new Map<string, { token: symbol; until: number }>();
  constructor(private readonly now: () => number = () => Date.now()) {}

  async withLock<T>(name: string, ttlMs: number, fn: () => Promise<T>): Promise<T | undefined> {
    const current = this.held.get(name);
    if (current && current.until > this.now()) return undefined;
    const token = Symbol(name);
    this.held.set(name, { token, until: this.now() + ttlMs });
    try {
      return await fn();
    } finally {
      // Release only our own hold: after a TTL expiry someone else may hold it now.
      if (this.held.get(name)?.token === token) this.held.delete(name);
    }
  }
}

export interface TokenManagerOptions {
  tokenStore: TokenStore;
  lock: Lock;
  /** How to exchange a refresh token; defaults to POST /v4/oa/access_token with appId/appSecret. */
  refresh?: RefreshFn;
  appId?: string;
  appSecret?: string;
  oauthRoot?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Seed used only when the store is empty: ZALO_ACCESS_TOKEN, ZALO_REFRESH_TOKEN, ZALO_ACCESS_TOKEN_EXPIRES_AT (ISO, optional). */
  env?: Partial<Record<'ZALO_ACCESS_TOKEN' | 'ZALO_REFRESH_TOKEN' | 'ZALO_ACCESS_TOKEN_EXPIRES_AT', string | undefined>>;
  /** Refresh this long before the access token expires. */
  refreshBeforeMs?: number;
  lockName?: string;
  /** Longer than one refresh call can take, so the lock does not lapse mid-refresh. */
  lockTtlMs?: number;
  /** How long a process that did not get the lock waits for the holder's new pair. */
  waitForOtherMs?: number;
  pollMs?: number;
  /** Back-off after a failed refresh: base doubling up to max. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long a loaded pair is reused before the store is read again. */
  cacheMs?: number;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  logger?: MiniLogger;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const digest = (s: string) => createHash('sha256').update(s).digest('hex');
/** setTimeout's ceiling; a 25-hour token never needs more, but a bad expiry must not overflow. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class TokenManager implements AccessTokenProvider {
  private readonly store: TokenStore;
  private readonly lock: Lock;
  private readonly refreshFn: RefreshFn;
  private readonly opts: Required<
    Pick<TokenManagerOptions, 'refreshBeforeMs' | 'lockName' | 'lockTtlMs' | 'waitForOtherMs' | 'pollMs' | 'retryBaseMs' | 'retryMaxMs' | 'cacheMs'>
  >;
  private readonly env: NonNullable<TokenManagerOptions['env']>;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly log: MiniLogger | undefined;

  private cached: { pair: TokenPair; at: number } | undefined;
  private inflight: Promise<TokenPair> | undefined;
  /** A pair Zalo issued that could not be stored yet: never handed out, saved first on the next attempt. */
  private unsaved: TokenPair | undefined;
  /** Digests of refresh tokens this process exchanged successfully: sending one again would fail and could mask a bug. */
  private readonly spent = new Set<string>();
  private failures = 0;
  private nextAttemptAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(o: TokenManagerOptions) {
    this.store = o.tokenStore;
    this.lock = o.lock;
    this.env = o.env ?? {};
    this.now = o.now ?? (() => new Date());
    this.sleep = o.sleep ?? defaultSleep;
    this.log = o.logger;
    if (o.refresh) {
      this.refreshFn = o.refresh;
    } else {
      const { appId, appSecret } = o;
      if (!appId || !appSecret) throw new Error('TokenManager needs either refresh() or appId and appSecret');
      this.refreshFn = (refreshToken) =>
        requestTokenRefresh({
          oauthRoot: o.oauthRoot ?? DEFAULT_OAUTH_ROOT,
          appId,
          appSecret,
          refreshToken,
          now: this.now,
          ...(o.fetch ? { fetch: o.fetch } : {}),
          ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
        });
    }
    this.opts = {
      refreshBeforeMs: o.refreshBeforeMs ?? 60 * 60 * 1000,
      lockName: o.lockName ?? 'zalo:oa-token-refresh',
      lockTtlMs: o.lockTtlMs ?? 60_000,
      waitForOtherMs: o.waitForOtherMs ?? (o.lockTtlMs ?? 60_000) + 5_000,
      pollMs: o.pollMs ?? 250,
      retryBaseMs: o.retryBaseMs ?? 30_000,
      retryMaxMs: o.retryMaxMs ?? 30 * 60_000,
      cacheMs: o.cacheMs ?? 10_000,
    };
  }

  /** The access token to use now. Refreshes inline only when it has already expired. */
  async getAccessToken(): Promise<string> {
    const pair = await this.current();
    const now = this.now().getTime();
    if (now >= pair.accessExpiresAt.getTime() || !pair.accessToken) {
      try {
        return (await this.refresh('expired')).accessToken;
      } catch (err) {
        // Our clock or bookkeeping may be wrong while the token still works: let Zalo decide.
        if (pair.accessToken) return pair.accessToken;
        throw err;
      }
    }
    if (now >= pair.accessExpiresAt.getTime() - this.opts.refreshBeforeMs) {
      this.refresh('due').catch(() => undefined); // logged inside; the current token is still valid
    }
    return pair.accessToken;
  }

  /** Zalo rejected `rejected`: use a newer stored token if another process already refreshed, else refresh. */
  async refreshAfterInvalid(rejected: string): Promise<string> {
    const stored = await this.current(true);
    if (stored.accessToken && stored.accessToken !== rejected && this.now() < stored.accessExpiresAt) return stored.accessToken;
    return (await this.refresh('rejected', rejected)).accessToken;
  }

  /** Refreshes if the pair is due (used by the background timer; public for tests and operators). */
  async refreshIfDue(): Promise<TokenPair> {
    const pair = await this.current(true);
    if (!this.unsaved && !this.isDue(pair)) return pair;
    return this.refresh('scheduled');
  }

  /** Starts the background refresher: seeds from env if needed and refreshes before expiry. */
  async start(): Promise<void> {
    this.running = true;
    try {
      await this.current(true);
    } catch (err) {
      this.log?.warn({ err: errorSummary(err) }, 'zalo token: no pair yet');
    }
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private isDue(pair: TokenPair, rejected?: string): boolean {
    if (rejected !== undefined) return pair.accessToken === rejected;
    return !pair.accessToken || this.now().getTime() >= pair.accessExpiresAt.getTime() - this.opts.refreshBeforeMs;
  }

  /** The stored pair (cached briefly), seeded from the environment when the store is empty. */
  private async current(fresh = false): Promise<TokenPair> {
    const nowMs = this.now().getTime();
    if (!fresh && this.cached && nowMs - this.cached.at < this.opts.cacheMs) return this.cached.pair;
    let pair = await this.store.load();
    if (!pair) pair = await this.seed();
    this.cached = { pair, at: nowMs };
    return pair;
  }

  private async seed(): Promise<TokenPair> {
    const refreshToken = this.env.ZALO_REFRESH_TOKEN?.trim();
    const accessToken = this.env.ZALO_ACCESS_TOKEN?.trim() ?? '';
    if (!refreshToken && !accessToken) throw new NoTokenError();
    const now = this.now();
    const exp = this.env.ZALO_ACCESS_TOKEN_EXPIRES_AT ? new Date(this.env.ZALO_ACCESS_TOKEN_EXPIRES_AT) : undefined;
    const seedPair: TokenPair = {
      accessToken,
      refreshToken: refreshToken ?? '',
      // Unknown expiry: treat it as expired so that the first use refreshes and stores a pair we know.
      accessExpiresAt: exp && Number.isFinite(exp.getTime()) ? exp : now,
      obtainedAt: now,
    };
    // Under the lock, and only into an empty store: a late seed must never overwrite a rotated pair.
    const seeded = await this.lock.withLock(this.opts.lockName, this.opts.lockTtlMs, async () => {
      const existing = await this.store.load();
      if (existing) return existing;
      await this.store.save(seedPair);
      this.log?.info({ expiresAt: seedPair.accessExpiresAt.toISOString() }, 'zalo token: seeded from environment');
      return seedPair;
    });
    if (seeded) return seeded;
    const other = await this.waitFor((p) => p !== undefined);
    if (other) return other;
    throw new TokenRefreshError('timed out waiting for another process to seed the token store', { transient: true });
  }

  /** One refresh at a time in this process; across processes, the lock. */
  private refresh(reason: string, rejected?: string): Promise<TokenPair> {
    if (this.inflight) return this.inflight;
    const waitMs = this.nextAttemptAt - this.now().getTime();
    if (waitMs > 0) {
      return Promise.reject(new TokenRefreshError(`token refresh backing off for ${Math.ceil(waitMs / 1000)} s after a failure`, { transient: true }));
    }
    this.inflight = this.doRefresh(reason, rejected).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async doRefresh(reason: string, rejected?: string): Promise<TokenPair> {
    try {
      const result = await this.lock.withLock(this.opts.lockName, this.opts.lockTtlMs, () => this.refreshLocked(rejected));
      const pair = result ?? (await this.waitForOthersRefresh(rejected));
      this.cached = { pair, at: this.now().getTime() };
      this.failures = 0;
      this.nextAttemptAt = 0;
      return pair;
    } catch (err) {
      this.failures += 1;
      const backoff = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** (this.failures - 1));
      // Jitter spreads retries of several processes; it stays below the nominal back-off.
      const delay = Math.round(backoff * (0.8 + 0.2 * Math.random()));
      this.nextAttemptAt = this.now().getTime() + delay;
      const transient = (err as { transient?: boolean }).transient ?? true;
      const fields = { reason, attempt: this.failures, transient, retryInMs: delay, err: errorSummary(err) };
      if (transient) this.log?.warn(fields, 'zalo token refresh failed; will retry');
      else this.log?.error(fields, 'zalo token refresh refused; an OA admin may need to re-authorise the app');
      this.schedule(delay);
      throw err;
    }
  }

  /** Runs while holding the lock. */
  private async refreshLocked(rejected?: string): Promise<TokenPair> {
    if (this.unsaved) {
      // Zalo already rotated; the pair in the store is dead. Store ours before anything else.
      const pending = this.unsaved;
      await this.saveDurably(pending);
      this.unsaved = undefined;
      this.log?.info({ expiresAt: pending.accessExpiresAt.toISOString() }, 'zalo token: pending pair stored');
      return pending;
    }
    const stored = (await this.store.load()) ?? (await this.seedInsideLock());
    if (!this.isDue(stored, rejected)) return stored; // someone else refreshed while we waited
    if (!stored.refreshToken) throw new NoTokenError();
    const spentKey = digest(stored.refreshToken);
    if (this.spent.has(spentKey)) {
      throw new TokenRefreshError('the stored refresh token was already exchanged; refusing to send it again (was an old pair restored?)', {
        transient: false,
      });
    }
    let next: TokenPair;
    try {
      next = await this.refreshFn(stored.refreshToken);
    } catch (err) {
      // A refusal means Zalo will never take this token again; a transient failure leaves its fate unknown, so it may be retried.
      if ((err as { transient?: boolean }).transient === false) this.spent.add(spentKey);
      throw err;
    }
    this.spent.add(spentKey);
    await this.saveDurably(next);
    this.log?.info({ expiresAt: next.accessExpiresAt.toISOString() }, 'zalo token: refreshed and stored');
    return next;
  }

  private async seedInsideLock(): Promise<TokenPair> {
    // Only reached when the store emptied under us; seed() takes the lock itself, so replicate without it.
    const refreshToken = this.env.ZALO_REFRESH_TOKEN?.trim();
    if (!refreshToken) throw new NoTokenError();
    const now = this.now();
    const pair: TokenPair = { accessToken: this.env.ZALO_ACCESS_TOKEN?.trim() ?? '', refreshToken, accessExpiresAt: now, obtainedAt: now };
    await this.store.save(pair);
    return pair;
  }

  /** A few quick attempts; if the store still fails, keep the pair aside (never use it) and retry on the next attempt. */
  private async saveDurably(pair: TokenPair): Promise<void> {
    const delays = [0, 100, 500];
    let last: unknown;
    for (const d of delays) {
      if (d) await this.sleep(d);
      try {
        await this.store.save(pair);
        return;
      } catch (err) {
        last = err;
      }
    }
    this.unsaved = pair;
    this.log?.error({ err: errorSummary(last) }, 'zalo token: NEW PAIR NOT STORED; kept in memory and retried — do not restart this process');
    throw new TokenRefreshError('could not store the new token pair', { transient: true, cause: last });
  }

  private async waitForOthersRefresh(rejected?: string): Promise<TokenPair> {
    const pair = await this.waitFor((p) => p !== undefined && !this.isDue(p, rejected));
    if (pair) return pair;
    throw new TokenRefreshError('another process holds the refresh lock and no new token appeared in time', { transient: true });
  }

  private async waitFor(ok: (p: TokenPair | undefined) => boolean): Promise<TokenPair | undefined> {
    // Counted in polls, not wall-clock time, so an injected sleep keeps tests fast and finite.
    const polls = Math.max(1, Math.ceil(this.opts.waitForOtherMs / this.opts.pollMs));
    for (let i = 0; ; i++) {
      const p = await this.store.load();
      if (p && ok(p)) return p;
      if (i >= polls) return undefined;
      await this.sleep(this.opts.pollMs);
    }
  }

  private schedule(inMs?: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    let delay = inMs;
    if (delay === undefined) {
      const pair = this.cached?.pair;
      delay = pair ? pair.accessExpiresAt.getTime() - this.opts.refreshBeforeMs - this.now().getTime() : this.opts.retryBaseMs;
    }
    delay = Math.min(MAX_TIMER_MS, Math.max(1_000, delay));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refreshIfDue()
        .then(() => this.schedule())
        .catch(() => {
          // A failed refresh already rescheduled itself with back-off; anything else (no pair
          // yet, still backing off) must not stop the background refresher.
          if (!this.timer) this.schedule(Math.max(this.nextAttemptAt - this.now().getTime(), this.opts.retryBaseMs));
        });
    }, delay);
    this.timer.unref();
  }
}

/** Error details fit for logs: name, message and Zalo's code, never request bodies or tokens. */
function errorSummary(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const out: Record<string, unknown> = { name: err.name, message: err.message };
    const z = (err as { zaloError?: unknown }).zaloError;
    if (z !== undefined) out.zaloError = z;
    return out;
  }
  return { message: String(err) };
}

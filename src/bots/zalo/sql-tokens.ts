/**
 * Durable Zalo token storage and the cross-process refresh lock, for production:
 *  - `SqlTokenStore`: the current pair in the `platform_token` table (Kysely, SQLite or
 *    PostgreSQL). A save resolves only once the row is committed (and, on SQLite, checkpointed
 *    out of the write-ahead log), because the refresh token it replaces is already dead.
 *  - `CoordinatorLock`: the TokenManager's Lock over the Coordinator's `tryLock`, so that with
 *    Redis (several instances) exactly one process refreshes; in-process with the embedded default.
 *  - `createZaloTokenManager`: what the wiring calls.
 *
 * The environment pair (ZALO_ACCESS_TOKEN / ZALO_REFRESH_TOKEN) only seeds an empty table: after
 * the first refresh the stored pair wins over the environment on every restart, since the env's
 * refresh token has been spent.
 */
import { type Kysely, SqliteAdapter, sql } from 'kysely';
import type { Coordinator } from '../../coordination/types.js';
import type { Logger } from '../../log.js';
import type { DatabaseSchema } from '../../store/db.js';
import type { ZaloConfig } from './index.js';
import { type Lock, TokenManager, type TokenManagerOptions, type TokenPair, type TokenStore } from './tokens.js';

export class SqlTokenStore implements TokenStore {
  private readonly sqlite: boolean;

  /** `key` names the grant, e.g. `zalo:<app id>`, so another app's pair is never picked up. */
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    readonly key: string,
    private readonly now: () => number = Date.now,
  ) {
    this.sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  }

  async load(): Promise<TokenPair | undefined> {
    const row = await this.db.selectFrom('platform_token').selectAll().where('key', '=', this.key).executeTakeFirst();
    if (!row) return undefined;
    const pair: TokenPair = {
      accessToken: row.access_token,
      refreshToken: row.refresh_token,
      // pg returns bigint columns as strings.
      accessExpiresAt: new Date(Number(row.access_expires_at)),
      obtainedAt: new Date(Number(row.obtained_at)),
    };
    if (row.refresh_expires_at !== null) pair.refreshExpiresAt = new Date(Number(row.refresh_expires_at));
    return pair;
  }

  async save(pair: TokenPair): Promise<void> {
    const values = {
      access_token: pair.accessToken,
      refresh_token: pair.refreshToken,
      access_expires_at: pair.accessExpiresAt.getTime(),
      refresh_expires_at: pair.refreshExpiresAt ? pair.refreshExpiresAt.getTime() : null,
      obtained_at: pair.obtainedAt.getTime(),
      updated_at: this.now(),
    };
    await this.db
      .insertInto('platform_token')
      .values({ key: this.key, ...values })
      .onConflict((oc) => oc.column('key').doUpdateSet(values))
      .execute();
    // The embedded default runs WAL with synchronous=NORMAL, where a power cut may drop the last
    // commits. Losing this one would lose the grant, so push it into the database file now.
    if (this.sqlite) await sql`PRAGMA wal_checkpoint(FULL)`.execute(this.db);
  }
}

/** The TokenManager's Lock on the Coordinator: try once, run, release; undefined when held elsewhere. */
export class CoordinatorLock implements Lock {
  constructor(private readonly coordinator: Pick<Coordinator, 'tryLock'>) {}

  async withLock<T>(name: string, ttlMs: number, fn: () => Promise<T>): Promise<T | undefined> {
    const lease = await this.coordinator.tryLock(name, ttlMs);
    if (!lease) return undefined;
    try {
      return await fn();
    } finally {
      await lease.release().catch(() => undefined); // it expires by itself anyway
    }
  }
}

/** The TokenManager options that come from configuration (credentials, hosts, timeouts, env seed). */
export function zaloTokenOptions(c: ZaloConfig): Pick<TokenManagerOptions, 'appId' | 'appSecret' | 'oauthRoot' | 'timeoutMs' | 'env'> {
  return {
    appId: c.ZALO_APP_ID,
    appSecret: c.ZALO_APP_SECRET,
    oauthRoot: c.ZALO_OAUTH_ROOT,
    timeoutMs: c.ZALO_TIMEOUT_MS,
    env: {
      ZALO_ACCESS_TOKEN: c.ZALO_ACCESS_TOKEN,
      ZALO_REFRESH_TOKEN: c.ZALO_REFRESH_TOKEN,
      ZALO_ACCESS_TOKEN_EXPIRES_AT: c.ZALO_ACCESS_TOKEN_EXPIRES_AT,
    },
  };
}

export interface ZaloTokenManagerDeps {
  db: Kysely<DatabaseSchema>;
  coordinator: Pick<Coordinator, 'tryLock'>;
  config: ZaloConfig;
  logger?: Logger;
  /** Test knobs (timings, clock, sleep); production uses the defaults. */
  overrides?: Partial<TokenManagerOptions>;
}

/**
 * The production TokenManager: pair in the database, refresh lock on the Coordinator. Pass it
 * to createZaloChannel as `tokens`, and call the channel's start() to refresh in the background.
 */
export function createZaloTokenManager(deps: ZaloTokenManagerDeps): TokenManager {
  const logger = deps.logger?.child({ channel: 'zalo' });
  return new TokenManager({
    ...zaloTokenOptions(deps.config),
    tokenStore: new SqlTokenStore(deps.db, `zalo:${deps.config.ZALO_APP_ID}`),
    lock: new CoordinatorLock(deps.coordinator),
    ...(logger ? { logger } : {}),
    ...deps.overrides,
  });
}

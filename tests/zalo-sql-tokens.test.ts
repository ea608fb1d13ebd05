/**
 * The production Zalo token manager: the pair in the database, the refresh lock on the
 * Coordinator. Two "processes" are two database connections to one file with one shared
 * Coordinator (what Redis is between instances).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createChannels, loadChannelConfigs } from '../src/bots/channels.js';
import type { Delivery } from '../src/bots/delivery/pipeline.js';
import { LocalCoordinator } from '../src/coordination/local.js';
import { createLogger } from '../src/log.js';
import { RedisCoordinator } from '../src/coordination/redis.js';
import type { Coordinator } from '../src/coordination/types.js';
import { ZaloClient } from '../src/bots/zalo/client.js';
import { createZaloTokenManager, loadZaloConfig, type TokenManager } from '../src/bots/zalo/index.js';
import { CoordinatorLock, SqlTokenStore } from '../src/bots/zalo/sql-tokens.js';
import { openDatabase, type DatabaseSchema } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrations.js';
import { ZaloFake } from './fakes/zalo-fake.js';
import { describeEachDialect } from './helpers/dialects.js';
import { SHARED_REDIS_URL, uniquePrefix } from './helpers/redis.js';

const APP = { appId: 'app-7', appSecret: 'secret-7' };
let dir: string;
let fake: ZaloFake;
const dbs: Kysely<DatabaseSchema>[] = [];
const managers: TokenManager[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tlcd-zalo-tokens-'));
  fake = await ZaloFake.start({ ...APP, accessToken: 'at-0', refreshToken: 'rt-0' });
});
afterEach(async () => {
  for (const m of managers.splice(0)) m.stop();
  for (const db of dbs.splice(0)) await db.destroy();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A new connection to the shared database file, migrated: one "process". */
async function connect(): Promise<Kysely<DatabaseSchema>> {
  const db = openDatabase(join(dir, 'bot.db'));
  await migrateToLatest(db);
  dbs.push(db);
  return db;
}

function config(env: Record<string, string> = {}) {
  const c = loadZaloConfig({
    ZALO_APP_ID: APP.appId,
    ZALO_APP_SECRET: APP.appSecret,
    ZALO_OA_SECRET_KEY: 'oa-secret',
    ZALO_ACCESS_TOKEN: 'at-0',
    ZALO_REFRESH_TOKEN: 'rt-0',
    ZALO_OAUTH_ROOT: fake.url,
    ZALO_API_ROOT: fake.url,
    ...env,
  });
  if (!c) throw new Error('channel should be on');
  return c;
}

function manager(db: Kysely<DatabaseSchema>, coordinator: Coordinator, env: Record<string, string> = {}) {
  const m = createZaloTokenManager({ db, coordinator, config: config(env), overrides: { pollMs: 5, waitForOtherMs: 3000, cacheMs: 0 } });
  managers.push(m);
  return m;
}

const inAnHour = () => new Date(Date.now() + 3 * 3600_000).toISOString();
const tokenCalls = () => fake.requestsTo('/v4/oa/access_token');

describe('Zalo tokens in the database', () => {
  it('an access token that expires during a send is refreshed, stored, and the message resent once', async () => {
    const db = await connect();
    const tokens = manager(db, new LocalCoordinator(), { ZALO_ACCESS_TOKEN_EXPIRES_AT: inAnHour() });
    const client = new ZaloClient({ tokens, apiRoot: fake.url, oauthRoot: fake.url, ...APP });
    // Zalo ends the token early (our clock says it still has hours).
    fake.revokeAccessToken('at-0');

    const r = await client.sendText('u-1', 'Chào bạn!');

    expect(r).toMatchObject({ ok: true });
    const sends = fake.requestsTo('/v3.0/oa/message/cs');
    expect(sends.map((s) => s.headers['access_token'])).toEqual(['at-0', 'at-1']);
    expect(fake.sentMessages).toHaveLength(1);
    expect(tokenCalls()).toHaveLength(1);
    expect(await new SqlTokenStore(db, `zalo:${APP.appId}`).load()).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' });
  });

  it('two token managers over one database make exactly one refresh call', async () => {
    fake.script('token', { kind: 'delay', ms: 100 });
    const coordinator = new LocalCoordinator(); // one, as Redis is for every instance
    const [dbA, dbB] = [await connect(), await connect()];
    const a = manager(dbA, coordinator);
    const b = manager(dbB, coordinator);
    // Both see the env pair, whose expiry is unknown: both want to refresh at once.
    const [ta, tb] = await Promise.all([a.getAccessToken(), b.getAccessToken()]);

    expect(tokenCalls()).toHaveLength(1);
    expect(fake.refreshReuses).toEqual([]);
    expect([ta, tb]).toEqual(['at-1', 'at-1']);
    expect(await new SqlTokenStore(dbB, `zalo:${APP.appId}`).load()).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' });
  });

  it('after a restart the stored pair wins over the stale environment pair', async () => {
    const before = manager(await connect(), new LocalCoordinator());
    expect(await before.getAccessToken()).toBe('at-1'); // rt-0 spent, rt-1 stored
    before.stop();
    for (const db of dbs.splice(0)) await db.destroy();

    // The environment still says at-0 / rt-0.
    const after = manager(await connect(), new LocalCoordinator());
    expect(await after.getAccessToken()).toBe('at-1');
    expect(tokenCalls()).toHaveLength(1);
    // When the next refresh comes, it spends the stored rt-1, never the env's rt-0 again.
    fake.revokeAccessToken('at-1');
    expect(await after.refreshAfterInvalid('at-1')).toBe('at-2');
    expect(tokenCalls().map((r) => r.form?.refresh_token)).toEqual(['rt-0', 'rt-1']);
    expect(fake.refreshReuses).toEqual([]);
  });

  it('a migration named before ones a database already has still runs', async () => {
    const db = await connect();
    await db.schema.dropTable('telegram_callback').execute();
    await db.schema.dropTable('platform_token').execute();
    await db.deleteFrom('kysely_migration' as never).where('name' as never, '=', '2026-11-29-015-ops' as never).execute();
    expect(await migrateToLatest(db)).toEqual(['2026-11-29-015-ops']);
    expect(await new SqlTokenStore(db, 'zalo:x').load()).toBeUndefined();
  });
});

describeEachDialect('SqlTokenStore', ({ dialect, openDb }) => {
  const coordinators: Coordinator[] = [];
  afterEach(async () => {
    for (const c of coordinators.splice(0)) await c.close();
  });
  /** Each "instance" has its own Coordinator: on PostgreSQL a Redis client, as in production. */
  const prefix = uniquePrefix('zalo-tokens');
  const local = new LocalCoordinator();
  async function coordinator(): Promise<Coordinator> {
    if (dialect === 'sqlite') return local;
    const c = await RedisCoordinator.connect({ url: SHARED_REDIS_URL, prefix });
    coordinators.push(c);
    return c;
  }

  it('two instances over one database make exactly one refresh call', async () => {
    fake.script('token', { kind: 'delay', ms: 100 });
    const db = await openDb();
    const [a, b] = [manager(db, await coordinator()), manager(db, await coordinator())];
    expect(await Promise.all([a.getAccessToken(), b.getAccessToken()])).toEqual(['at-1', 'at-1']);
    expect(tokenCalls()).toHaveLength(1);
    expect(fake.refreshReuses).toEqual([]);
  });

  it('keeps one row per app and reads back every field', async () => {
    const db = await openDb();
    const store = new SqlTokenStore(db, 'zalo:app-7');
    const other = new SqlTokenStore(db, 'zalo:app-8');
    const t = Date.UTC(2026, 10, 29, 3, 0, 0);
    await store.save({ accessToken: 'a', refreshToken: 'r', accessExpiresAt: new Date(t + 1000), obtainedAt: new Date(t) });
    await store.save({ accessToken: 'a2', refreshToken: 'r2', accessExpiresAt: new Date(t + 2000), refreshExpiresAt: new Date(t + 9000), obtainedAt: new Date(t + 1) });
    expect(await store.load()).toEqual({ accessToken: 'a2', refreshToken: 'r2', accessExpiresAt: new Date(t + 2000), refreshExpiresAt: new Date(t + 9000), obtainedAt: new Date(t + 1) });
    expect(await other.load()).toBeUndefined();
  });
});

describe('CoordinatorLock', () => {

  it('the Coordinator lock lets one holder in until it finishes', async () => {
    const lock = new CoordinatorLock(new LocalCoordinator());
    let release!: () => void;
    const held = lock.withLock('k', 10_000, () => new Promise<string>((r) => (release = () => r('first'))));
    await new Promise((r) => setTimeout(r, 5));
    expect(await lock.withLock('k', 10_000, async () => 'second')).toBeUndefined();
    release();
    expect(await held).toBe('first');
    expect(await lock.withLock('k', 10_000, async () => 'third')).toBe('third');
  });
});

describe('createChannels with the database and the Coordinator', () => {
  it('keeps the Zalo pair in the database', async () => {
    const db = await connect();
    const delivery = { inbox: { accept: async () => 'accepted' }, register: () => undefined } as unknown as Delivery;
    const configs = loadChannelConfigs({
      ZALO_APP_ID: APP.appId,
      ZALO_APP_SECRET: APP.appSecret,
      ZALO_OA_SECRET_KEY: 'oa-secret',
      ZALO_ACCESS_TOKEN: 'at-0',
      ZALO_REFRESH_TOKEN: 'rt-0',
      ZALO_OAUTH_ROOT: fake.url,
      ZALO_API_ROOT: fake.url,
    });
    const channels = createChannels(configs, delivery, createLogger('silent'), { db, coordinator: new LocalCoordinator() });
    await channels.start(); // seeds the empty table from the environment
    await channels.stop();
    expect(await new SqlTokenStore(db, `zalo:${APP.appId}`).load()).toMatchObject({ accessToken: 'at-0', refreshToken: 'rt-0' });
  });
});

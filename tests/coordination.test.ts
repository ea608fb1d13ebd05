/**
 * The Coordinator contract, run against the in-process LocalCoordinator and against
 * RedisCoordinator on the shared Redis (a unique key prefix per run); then what only Redis
 * has to survive: a server restart.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalCoordinator } from '../src/coordination/local.js';
import { RedisCoordinator } from '../src/coordination/redis.js';
import { createCoordinator } from '../src/coordination/index.js';
import type { CoordinationEvent, Coordinator } from '../src/coordination/types.js';
import { SHARED_REDIS_URL, startPrivateRedis, uniquePrefix, type PrivateRedis } from './helpers/redis.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/** Two instances of a deployment: for Local, one process (the same object); for Redis, two connections sharing a prefix. */
type Pair = [Coordinator, Coordinator];

const implementations: Record<string, () => Promise<Pair>> = {
  LocalCoordinator: async () => {
    const c = new LocalCoordinator();
    return [c, c];
  },
  RedisCoordinator: async () => {
    const prefix = uniquePrefix('coord');
    return [await RedisCoordinator.connect({ url: SHARED_REDIS_URL, prefix }), await RedisCoordinator.connect({ url: SHARED_REDIS_URL, prefix })];
  },
};

for (const [name, make] of Object.entries(implementations)) {
  describe(`Coordinator contract: ${name}`, () => {
    let a: Coordinator;
    let b: Coordinator;
    beforeEach(async () => {
      [a, b] = await make();
    });
    afterEach(async () => {
      await a.close();
      await b.close();
    });

    it('gives a lock to one holder at a time, across instances', async () => {
      const lease = await a.tryLock('conv:1', 5_000);
      expect(lease).toBeDefined();
      expect(await b.tryLock('conv:1', 5_000)).toBeUndefined();
      expect(await a.tryLock('conv:1', 5_000)).toBeUndefined();
      // Another key is another lock: no global lock.
      const other = await b.tryLock('conv:2', 5_000);
      expect(other).toBeDefined();
      await lease!.release();
      await lease!.release(); // twice is harmless
      const next = await b.tryLock('conv:1', 5_000);
      expect(next).toBeDefined();
      await next!.release();
      await other!.release();
    });

    it('lets exactly one of many racing instances take a lock', async () => {
      const leases = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).tryLock('race', 5_000)));
      expect(leases.filter(Boolean)).toHaveLength(1);
    });

    it('lets a lock expire when its holder goes silent, and never frees or extends the next holder’s', async () => {
      const stale = await a.tryLock('job', 60);
      await sleep(120);
      const fresh = await b.tryLock('job', 5_000);
      expect(fresh).toBeDefined();
      expect(await stale!.extend()).toBe(false);
      await stale!.release();
      // The late release of the expired lock left the new holder's lock in place.
      expect(await a.tryLock('job', 5_000)).toBeUndefined();
      await fresh!.release();
    });

    it('extends a held lock past its first expiry', async () => {
      const lease = await a.tryLock('long', 400);
      await sleep(150);
      expect(await lease!.extend()).toBe(true);
      await sleep(350);
      // 500 ms after taking it: expired without the extension, still held with it.
      expect(await b.tryLock('long', 5_000)).toBeUndefined();
      await lease!.release();
      expect(await lease!.extend()).toBe(false);
    });

    it('counts hits in a window per key, shared by instances', async () => {
      const results = [await a.hit('worker:1', 3, 5_000), await b.hit('worker:1', 3, 5_000), await a.hit('worker:1', 3, 5_000), await b.hit('worker:1', 3, 5_000)];
      expect(results).toEqual([true, true, true, false]);
      expect(await a.hit('worker:2', 3, 5_000)).toBe(true);
      expect(await a.hit('none', 0, 5_000)).toBe(false);
    });

    it('counts several counters in one call, stopping at the first that is full', async () => {
      const send = (chat: string) => [
        { key: `chat:${chat}`, limit: 2, windowMs: 5_000 },
        { key: 'platform', limit: 3, windowMs: 5_000 },
      ];
      expect([await a.hitAll(send('1')), await b.hitAll(send('1')), await a.hitAll(send('1'))]).toEqual([-1, -1, 0]);
      // The full chat did not use up the platform's third send; the next chat's takes it, then the platform is full.
      expect([await b.hitAll(send('2')), await a.hitAll(send('3'))]).toEqual([-1, 1]);
      // hitAll and hit count the same windows.
      expect(await a.hit('chat:3', 2, 5_000)).toBe(true);
      expect(await b.hit('chat:3', 2, 5_000)).toBe(false);
      expect(await a.hitAll([])).toBe(-1);
    });

    it('answers calls made together, in one turn of the event loop, as it answers them one by one', async () => {
      const held = await a.tryLock('busy', 5_000);
      const seen: unknown[] = [];
      const unsubscribe = await b.subscribe('together', (e) => seen.push(e.n));
      const [l1, l2, l3, h1, h2, h3, all1, all2, extended, released] = await Promise.all([
        a.tryLock('t1', 5_000),
        a.tryLock('t1', 5_000),
        a.tryLock('t2', 5_000),
        a.hit('c', 2, 5_000),
        a.hit('c', 2, 5_000),
        a.hit('c', 2, 5_000),
        a.hitAll([
          { key: 'd', limit: 1, windowMs: 5_000 },
          { key: 'e', limit: 5, windowMs: 5_000 },
        ]),
        a.hitAll([
          { key: 'd', limit: 1, windowMs: 5_000 },
          { key: 'e', limit: 5, windowMs: 5_000 },
        ]),
        held!.extend(),
        held!.release(),
        a.publish('together', { type: 't', n: 1 }),
        a.publish('together', { type: 't', n: 2 }),
      ]);
      await waitFor(() => seen.length === 2);
      expect(seen).toEqual([1, 2]);
      await unsubscribe();
      expect([Boolean(l1), Boolean(l2), Boolean(l3)]).toEqual([true, false, true]);
      expect([h1, h2, h3, all1, all2, extended]).toEqual([true, true, false, -1, 0, true]);
      expect(released).toBeUndefined();
      // The released lock is free, the others still held; releases made together free them.
      const again = await b.tryLock('busy', 5_000);
      expect(again).toBeDefined();
      expect(await b.tryLock('t1', 5_000)).toBeUndefined();
      await Promise.all([l1!.release(), l3!.release(), again!.release()]);
      expect(await Promise.all([b.tryLock('t1', 5_000), b.tryLock('t2', 5_000), b.tryLock('busy', 5_000)])).toEqual([expect.anything(), expect.anything(), expect.anything()]);
    });

    it('starts a new window once the old one has passed', async () => {
      expect(await a.hit('w', 1, 300)).toBe(true);
      expect(await a.hit('w', 1, 300)).toBe(false);
      await sleep(400);
      expect(await b.hit('w', 1, 300)).toBe(true);
    });

    it('publishes events to every subscriber of the topic on every instance, and stops after unsubscribe', async () => {
      const onA: CoordinationEvent[] = [];
      const onB: CoordinationEvent[] = [];
      const elsewhere: CoordinationEvent[] = [];
      const offA = await a.subscribe('console', (e) => onA.push(e));
      const offB = await b.subscribe('console', (e) => onB.push(e));
      await b.subscribe('other', (e) => elsewhere.push(e));
      // A throwing subscriber breaks nobody else.
      await b.subscribe('console', () => {
        throw new Error('listener bug');
      });

      const event = { type: 'message', conversationId: 'zalo:1', text: 'Chào bạn', at: '2026-11-29T00:00:00.000Z' };
      await a.publish('console', event);
      await waitFor(() => onA.length === 1 && onB.length === 1);
      expect(onB[0]).toEqual(event);

      await offB();
      await a.publish('console', { type: 'closed', conversationId: 'zalo:1' });
      await waitFor(() => onA.length === 2);
      await sleep(50);
      expect(onB).toHaveLength(1);
      expect(elsewhere).toEqual([]);
      await offA();
    });

    it('answers ping until closed; close twice is harmless', async () => {
      expect(await a.ping()).toBe(true);
      await a.close();
      await a.close();
      expect(await a.ping()).toBe(false);
    });
  });
}

describe('createCoordinator', () => {
  it('is in-process without REDIS_URL and Redis with it', async () => {
    const local = await createCoordinator({ REDIS_URL: undefined, REDIS_PREFIX: 'tlcd:' });
    expect(local).toBeInstanceOf(LocalCoordinator);
    const redis = await createCoordinator({ REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: uniquePrefix('factory') });
    expect(redis).toBeInstanceOf(RedisCoordinator);
    expect(await redis.ping()).toBe(true);
    await Promise.all([local.close(), redis.close()]);
  });

  it('gives up with a clear error when Redis cannot be reached at start-up', async () => {
    await expect(RedisCoordinator.connect({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 300 })).rejects.toThrow();
  });
});

describe('RedisCoordinator across a Redis restart', () => {
  let redis: PrivateRedis;
  const errors: Error[] = [];
  let a: RedisCoordinator;
  let b: RedisCoordinator;
  beforeEach(async () => {
    redis = await startPrivateRedis();
    const opts = { url: redis.url, prefix: 'r:', onError: (e: Error) => errors.push(e) };
    [a, b] = [await RedisCoordinator.connect(opts), await RedisCoordinator.connect(opts)];
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  it('fails fast while Redis is away, then resumes locks, counters and subscriptions', async () => {
    const received: CoordinationEvent[] = [];
    await b.subscribe('console', (e) => received.push(e));

    await redis.stop();
    await waitFor(() => errors.length > 0);
    // Commands fail quickly instead of hanging a request.
    const started = Date.now();
    await expect(a.tryLock('k', 1_000)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await a.ping()).toBe(false);

    // Each client reconnects on its own; the subscriber resubscribes.
    await redis.start();
    const deadline = Date.now() + 5_000;
    while (!(await a.ping()) && Date.now() < deadline) await sleep(50);
    expect(await a.ping()).toBe(true);
    expect(await a.tryLock('k', 1_000)).toBeDefined();
    expect(await a.hit('h', 1, 1_000)).toBe(true);

    // Pub/sub: publish until the resubscribed connection hears (it may reconnect a moment later).
    for (let i = 0; received.length === 0 && i < 100; i++) {
      await a.publish('console', { type: 'typing', conversationId: 'web:1' });
      await sleep(50);
    }
    expect(received[0]).toEqual({ type: 'typing', conversationId: 'web:1' });
  });
});

/**
 * The keyed pump across instances: two pumps on one Coordinator are two instances on one Redis.
 * A conversation's next message often reaches the instance that does not hold its key, a few
 * milliseconds before the holder lets go: it must be worked on soon after, not a second later.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KeyedPump } from '../src/bots/delivery/keyed-pump.js';
import { deliveryMetrics } from '../src/bots/delivery/metrics.js';
import { LocalCoordinator } from '../src/coordination/local.js';
import type { Coordinator } from '../src/coordination/types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** tlcd_conversation_busy_total for one pump, as /metrics shows it. */
async function busyCount(pump: string): Promise<number> {
  const { values } = await deliveryMetrics.busy.get();
  return values.find((v) => v.labels.pump === pump)?.value ?? 0;
}

/** A Coordinator that counts the lock attempts made through it. */
function counting(inner: Coordinator): { coordinator: Coordinator; attempts: () => number } {
  let attempts = 0;
  const coordinator = Object.create(inner) as Coordinator;
  coordinator.tryLock = (key, ttl) => {
    attempts++;
    return inner.tryLock(key, ttl);
  };
  return { coordinator, attempts: () => attempts };
}

describe('KeyedPump across instances', () => {
  const pumps: KeyedPump[] = [];
  afterEach(async () => {
    await Promise.all(pumps.splice(0).map((p) => p.stop()));
  });
  /** One instance's pump: its drain runs `work` and leaves nothing for later. */
  const instance = (name: string, coordinator: Coordinator, retryMs: number, work: () => Promise<void> | void) => {
    const pump = new KeyedPump({
      name,
      coordinator,
      retryMs,
      drain: async () => {
        await work();
        return undefined;
      },
    });
    pumps.push(pump);
    return pump;
  };

  it('works on a key another instance held for a moment soon after it lets go, not a retry period later', async () => {
    const shared = new LocalCoordinator();
    let releasedAt = 0;
    const a = instance('outbox', shared, 1000, async () => {
      await sleep(40);
      releasedAt = performance.now();
    });
    let drainedAt = 0;
    const b = instance('outbox', shared, 1000, () => {
      drainedAt = performance.now();
    });
    const busyBefore = await busyCount('outbox');
    const held = a.kick('conversation-1');
    await sleep(5);
    await b.kick('conversation-1'); // A holds the key: B's first try fails and is set for later.
    expect(drainedAt).toBe(0);
    await held;
    for (let i = 0; i < 100 && drainedAt === 0; i++) await sleep(10);
    expect(drainedAt).toBeGreaterThan(0);
    // Waits of 10, 20, 40, 80 ms: B's try after A's release comes well under the 1 s retry.
    expect(drainedAt - releasedAt).toBeLessThan(200);
    // Operators see such meetings in /metrics: B's tries while A held the key (about three in 40 ms).
    const busy = (await busyCount('outbox')) - busyBefore;
    expect(busy).toBeGreaterThanOrEqual(1);
    expect(busy).toBeLessThanOrEqual(6);
  });

  it('looks again ever less often while the key stays held, up to the retry period', async () => {
    const shared = new LocalCoordinator();
    const lease = await shared.tryLock('inbox:conversation-2', 60_000);
    const { coordinator, attempts } = counting(shared);
    let drained = false;
    const b = instance('inbox', coordinator, 200, () => {
      drained = true;
    });
    await b.kick('conversation-2');
    await sleep(1000);
    // Tries at 0, 10, 30, 70, 150, 310, 510, 710, 910 ms: about 9 in a second, not 100 (a
    // fixed 10 ms), nor the 5 or 6 of a fixed 200 ms that would keep a briefly held key waiting.
    expect(attempts()).toBeGreaterThanOrEqual(7);
    expect(attempts()).toBeLessThanOrEqual(10);
    expect(drained).toBe(false);
    await lease!.release();
    for (let i = 0; i < 50 && !drained; i++) await sleep(10);
    expect(drained).toBe(true);
  });
});

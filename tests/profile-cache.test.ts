/**
 * The display-name cache in front of the Zalo and Messenger profile APIs: a worker's erasure
 * drops their name from it, including a look-up still under way.
 */
import { describe, expect, it } from 'vitest';
import { ProfileCache } from '../src/bots/profile-cache.js';

/** A platform look-up that answers when told to, and counts its calls. */
function platform(names: Record<string, string>) {
  const calls: string[] = [];
  const waiting: (() => void)[] = [];
  let held = false;
  return {
    calls,
    hold: () => void (held = true),
    release: () => {
      held = false;
      for (const go of waiting.splice(0)) go();
    },
    lookUp: async (userId: string) => {
      calls.push(userId);
      if (held) await new Promise<void>((r) => waiting.push(r));
      return names[userId];
    },
  };
}

describe('ProfileCache.forget', () => {
  it("drops a worker's name: the next message asks the platform again", async () => {
    const zalo = platform({ u1: 'Trần Thị Mai', u2: 'Lê Văn Nam' });
    const cache = new ProfileCache({ lookUp: zalo.lookUp });
    expect(await cache.getDisplayName('u1')).toBe('Trần Thị Mai');
    expect(await cache.getDisplayName('u2')).toBe('Lê Văn Nam');
    expect(cache.peek('u1')).toBe('Trần Thị Mai');

    cache.forget('u1');
    expect(cache.peek('u1')).toBeUndefined();
    expect(cache.peek('u2')).toBe('Lê Văn Nam');
    expect(await cache.getDisplayName('u1')).toBe('Trần Thị Mai');
    expect(zalo.calls).toEqual(['u1', 'u2', 'u1']);
  });

  it('keeps and saves nothing from a look-up that was under way when the worker was forgotten', async () => {
    const zalo = platform({ u1: 'Trần Thị Mai' });
    const saved: [string, string][] = [];
    const cache = new ProfileCache({ lookUp: zalo.lookUp, persistence: { load: async () => undefined, save: async (id, name) => void saved.push([id, name]) } });
    zalo.hold();
    const pending = cache.getDisplayName('u1');
    await new Promise((r) => setImmediate(r));
    expect(zalo.calls).toEqual(['u1']);

    cache.forget('u1');
    zalo.release();
    expect(await pending).toBeUndefined();
    expect(cache.peek('u1')).toBeUndefined();
    expect(saved).toEqual([]);

    // The worker writes again later: asked and kept as for anyone new.
    expect(await cache.getDisplayName('u1')).toBe('Trần Thị Mai');
    expect(cache.peek('u1')).toBe('Trần Thị Mai');
    expect(saved).toEqual([['u1', 'Trần Thị Mai']]);
  });
});

/**
 * Workers' display names on platforms whose webhooks carry none (Zalo, Messenger), for the
 * counsellors' console: fetched once per user from the platform's profile API and kept in a
 * small LRU with a TTL, so a busy chat does not call the platform for every message. Names are
 * personal data: they are never logged, persisting them is the caller's choice (the
 * persistence callbacks), and a worker's erasure ("xóa dữ liệu") drops them here too (forget).
 */

export interface ProfilePersistence {
  load?(userId: string): Promise<string | undefined>;
  save?(userId: string, displayName: string): Promise<void>;
}

export interface ProfileCacheOptions {
  /** The platform's look-up: the name, or undefined when it has none for us (or failed). */
  lookUp(userId: string): Promise<string | undefined>;
  /** How long a known name is trusted before asking Zalo again (names change rarely). */
  ttlMs?: number;
  /** How long a failed look-up is remembered, so a missing profile is not asked for on every message. */
  failureTtlMs?: number;
  maxEntries?: number;
  persistence?: ProfilePersistence;
  now?: () => number;
}

interface Entry {
  name: string | undefined;
  expiresAt: number;
}

export class ProfileCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<string | undefined>>();
  /** Users forgotten while their look-up was under way: its answer is neither kept nor saved. */
  private readonly forgotten = new Set<string>();
  private readonly fetchName: ProfileCacheOptions['lookUp'];
  private readonly ttlMs: number;
  private readonly failureTtlMs: number;
  private readonly maxEntries: number;
  private readonly persistence: ProfilePersistence | undefined;
  private readonly now: () => number;

  constructor(opts: ProfileCacheOptions) {
    this.fetchName = opts.lookUp;
    this.ttlMs = opts.ttlMs ?? 24 * 3600 * 1000;
    this.failureTtlMs = opts.failureTtlMs ?? 10 * 60 * 1000;
    this.maxEntries = opts.maxEntries ?? 5000;
    this.persistence = opts.persistence;
    this.now = opts.now ?? Date.now;
  }

  /** The cached name only: never waits for the platform (webhooks must answer within seconds). */
  peek(userId: string): string | undefined {
    const e = this.fresh(userId);
    return e?.name;
  }

  /** Starts a look-up in the background if the name is not cached; errors are swallowed. */
  prefetch(userId: string): void {
    if (this.fresh(userId)) return;
    this.getDisplayName(userId).catch(() => undefined);
  }

  /** The display name, from memory, persistence or the platform (once, even for concurrent callers). */
  async getDisplayName(userId: string): Promise<string | undefined> {
    const e = this.fresh(userId);
    if (e) return e.name;
    const pending = this.inflight.get(userId);
    if (pending) return pending;
    const p = this.lookUp(userId).finally(() => {
      this.inflight.delete(userId);
      this.forgotten.delete(userId);
    });
    this.inflight.set(userId, p);
    return p;
  }

  /**
   * Drops what is known of the user (their data was erased): the next message asks the platform
   * again, and a look-up already under way keeps and saves nothing.
   */
  forget(userId: string): void {
    this.entries.delete(userId);
    if (this.inflight.has(userId)) this.forgotten.add(userId);
  }

  private async lookUp(userId: string): Promise<string | undefined> {
    const stored = await this.persistence?.load?.(userId).catch(() => undefined);
    if (this.forgotten.has(userId)) return undefined;
    if (stored) {
      this.remember(userId, stored, this.ttlMs);
      return stored;
    }
    const name = (await this.fetchName(userId).catch(() => undefined))?.normalize('NFC').trim() || undefined;
    if (this.forgotten.has(userId)) return undefined;
    this.remember(userId, name, name ? this.ttlMs : this.failureTtlMs);
    if (name) await this.persistence?.save?.(userId, name).catch(() => undefined);
    return name;
  }

  private fresh(userId: string): Entry | undefined {
    const e = this.entries.get(userId);
    if (!e) return undefined;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(userId);
      return undefined;
    }
    // Re-insert: Map keeps insertion order, so the least recently used entry is first.
    this.entries.delete(userId);
    this.entries.set(userId, e);
    return e;
  }

  private remember(userId: string, name: string | undefined, ttl: number): void {
    this.entries.delete(userId);
    this.entries.set(userId, { name, expiresAt: this.now() + ttl });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}

/**
 * What running instances share. The embedded default is one process (`LocalCoordinator`);
 * with REDIS_URL the same interface is backed by Redis so that several instances behind a
 * load balancer agree (the scale-out work). Callers never know which one they have.
 *
 * Everything here is coordination, not storage: a lost lock or event never loses a message,
 * because the inbox and outbox in the database remain the record of what is still to do.
 */

/** A held lock; release it in a finally block. */
export interface Lease {
  /** Gives the lock up. Safe to call twice; a lock that already expired is left alone. */
  release(): Promise<void>;
  /** Pushes the expiry out by the lock's ttl again; false when the lock was lost meanwhile. */
  extend(): Promise<boolean>;
}

/** One fixed-window counter for Coordinator.hitAll. */
export interface RateCounter {
  key: string;
  limit: number;
  windowMs: number;
}

/** A live event for the counsellor console and other listeners, as JSON. */
export type CoordinationEvent = { type: string } & Record<string, unknown>;

export type Unsubscribe = () => Promise<void>;

export interface Coordinator {
  /**
   * Tries to take the named lock for ttlMs (it expires by itself if the holder dies).
   * Resolves undefined at once when another holder has it: callers decide whether to retry.
   */
  tryLock(key: string, ttlMs: number): Promise<Lease | undefined>;
  /**
   * Counts one hit against `key` in a fixed window; true while the count stays within `limit`.
   * For per-worker flood control and per-platform send rates.
   */
  hit(key: string, limit: number, windowMs: number): Promise<boolean>;
  /**
   * hit() on each counter in turn, stopping at the first over its limit (the ones after it
   * are not counted): that counter's index, or -1 when all are within. One round trip on Redis.
   */
  hitAll(counters: readonly RateCounter[]): Promise<number>;
  /** Delivers the event to every subscriber of the topic, on every instance (at most once each). */
  publish(topic: string, event: CoordinationEvent): Promise<void>;
  subscribe(topic: string, handler: (event: CoordinationEvent) => void): Promise<Unsubscribe>;
  /** True when the backing service answers; for /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

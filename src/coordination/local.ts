/**
 * The in-process Coordinator of the embedded default: one process, so a Map is the lock
 * table, a Map the rate counters and an EventEmitter the bus.
 */
import { EventEmitter } from 'node:events';
import type { CoordinationEvent, Coordinator, Lease, RateCounter, Unsubscribe } from './types.js';

const SWEEP_EVERY_MS = 60_000;

export class LocalCoordinator implements Coordinator {
  /** Lock key → token and expiry of its holder. */
  private readonly locks = new Map<string, { token: symbol; expiresAt: number }>();
  /** Rate key → window start and hits in it. */
  private readonly windows = new Map<string, { start: number; count: number; windowMs: number }>();
  private readonly bus = new EventEmitter();
  private lastSweep = 0;
  private closed = false;

  constructor(private readonly now: () => number = Date.now) {
    // Every console tab subscribes; the default cap of 10 would warn at the eleventh.
    this.bus.setMaxListeners(0);
  }

  async tryLock(key: string, ttlMs: number): Promise<Lease | undefined> {
    const held = this.locks.get(key);
    if (held && held.expiresAt > this.now()) return undefined;
    const token = Symbol(key);
    this.locks.set(key, { token, expiresAt: this.now() + ttlMs });
    const mine = () => this.locks.get(key)?.token === token && this.locks.get(key)!.expiresAt > this.now();
    return {
      release: async () => {
        if (this.locks.get(key)?.token === token) this.locks.delete(key);
      },
      extend: async () => {
        if (!mine()) return false;
        this.locks.set(key, { token, expiresAt: this.now() + ttlMs });
        return true;
      },
    };
  }

  async hit(key: string, limit: number, windowMs: number): Promise<boolean> {
    const now = this.now();
    this.sweep(now);
    const w = this.windows.get(key);
    if (!w || now - w.start >= windowMs) {
      this.windows.set(key, { start: now, count: 1, windowMs });
      return limit >= 1;
    }
    w.count += 1;
    return w.count <= limit;
  }

  async hitAll(counters: readonly RateCounter[]): Promise<number> {
    for (const [i, c] of counters.entries()) if (!(await this.hit(c.key, c.limit, c.windowMs))) return i;
    return -1;
  }

  async publish(topic: string, event: CoordinationEvent): Promise<void> {
    this.bus.emit(topic, event);
  }

  async subscribe(topic: string, handler: (event: CoordinationEvent) => void): Promise<Unsubscribe> {
    // A throwing listener must not break the publisher or the other listeners.
    const safe = (event: CoordinationEvent) => {
      try {
        handler(event);
      } catch {
        /* the subscriber's own problem */
      }
    };
    this.bus.on(topic, safe);
    return async () => {
      this.bus.off(topic, safe);
    };
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.bus.removeAllListeners();
    this.locks.clear();
    this.windows.clear();
  }

  /** Drops finished windows now and then, so idle workers cost no memory. */
  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [key, w] of this.windows) if (now - w.start >= w.windowMs) this.windows.delete(key);
    for (const [key, l] of this.locks) if (l.expiresAt <= now) this.locks.delete(key);
  }
}

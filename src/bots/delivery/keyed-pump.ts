/**
 * Works through durable rows one key (conversation) at a time: in this process a
 * KeyedSerialQueue keeps one run per key, and a Coordinator lease (`<name>:<key>`) keeps other
 * instances off the same key, so order holds without any global lock. A run that finds its next
 * row not yet due asks to be woken then; a key another instance holds is tried again shortly.
 *
 * The pump holds no state that matters: the rows in the database are the record of what is left
 * to do, and the periodic sweep of its owner kicks any key this process forgot (after a restart,
 * or a kick lost with a crashed instance).
 *
 * A key another instance holds is usually held for a few milliseconds more: with several
 * instances behind a load balancer, a worker's next message often reaches instance B while
 * instance A is still recording that its reply to the previous one was delivered. So the
 * first look again comes soon (CONTENDED_FIRST_MS) and the wait doubles up to retryMs; one
 * fixed second made such a reply a second late (bench:scale, three instances: p99 1,050 ms).
 */
import type { Coordinator, Lease } from '../../coordination/types.js';
import { KeyedSerialQueue } from '../../flows/serial.js';
import { deliveryMetrics } from './metrics.js';

export interface KeyedPumpOptions {
  /** Lock name prefix: the lease is `<name>:<key>`. */
  name: string;
  coordinator: Coordinator;
  /**
   * Works through the key's rows that are due, in order, while holding its lease. Resolves the
   * milliseconds until the next row is due, or undefined when nothing is left for the key.
   */
  drain(key: string, lease: Lease): Promise<number | undefined>;
  /**
   * The lease's time to live. While drain runs, a heartbeat extends it every quarter of it, so
   * a short ttl costs nothing to a live holder and a dead holder's keys are free again soon.
   */
  lockTtlMs?: number;
  /** How soon to look again at a key whose run failed; the longest wait for a key another instance holds. */
  retryMs?: number;
  onError?(err: unknown, key: string): void;
}

/**
 * Short, with the heartbeat: a SIGKILLed instance's conversations are taken over by the others
 * about this long after its last heartbeat. A live holder loses its lease only when its event
 * loop stalls for most of it (then the rows' attempt counters fence the late writer).
 */
export const DEFAULT_LOCK_TTL_MS = 8_000;

/** See the header: the first look again at a key another instance holds. */
const CONTENDED_FIRST_MS = 10;

export class KeyedPump {
  private readonly serial = new KeyedSerialQueue();
  /** Keys with a run queued but not started: a second kick joins it. */
  private readonly queued = new Map<string, Promise<void>>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  /** Keys another instance held at their last try: the next wait (see the header). */
  private readonly contended = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private readonly lockTtlMs: number;
  private readonly retryMs: number;

  constructor(private readonly opts: KeyedPumpOptions) {
    this.lockTtlMs = opts.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
    this.retryMs = opts.retryMs ?? 1000;
  }

  /** Asks for the key's rows to be worked through; resolves when that run has ended. */
  kick(key: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const waiting = this.queued.get(key);
    if (waiting) return waiting;
    const run = this.serial.run(key, async () => {
      this.queued.delete(key);
      await this.runOnce(key);
    });
    this.queued.set(key, run);
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
    return run;
  }

  /** Wakes the key after ms, unless an earlier wake-up is already set. */
  later(key: string, ms: number): void {
    if (this.stopped) return;
    const at = Date.now() + Math.max(0, ms);
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      void this.kick(key);
    }, Math.max(0, ms));
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Resolves once no run is in flight (wake-ups still set are not waited for). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Takes no new work, lets the runs in flight finish, and forgets the wake-ups. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.contended.clear();
    await this.idle();
  }

  private async runOnce(key: string): Promise<void> {
    if (this.stopped) return;
    let lease: Lease | undefined;
    try {
      lease = await this.opts.coordinator.tryLock(`${this.opts.name}:${key}`, this.lockTtlMs);
    } catch (err) {
      this.opts.onError?.(err, key);
      return this.later(key, this.retryMs);
    }
    if (!lease) {
      deliveryMetrics.busy.inc({ pump: this.opts.name });
      const wait = this.contended.get(key) ?? Math.min(CONTENDED_FIRST_MS, this.retryMs);
      this.contended.set(key, Math.min(wait * 2, this.retryMs));
      return this.later(key, wait);
    }
    this.contended.delete(key);
    const held = lease;
    const heartbeat = setInterval(() => void held.extend().catch(() => false), Math.max(50, Math.floor(this.lockTtlMs / 4)));
    heartbeat.unref();
    try {
      const wait = await this.opts.drain(key, lease);
      if (wait !== undefined) this.later(key, wait);
    } catch (err) {
      this.opts.onError?.(err, key);
      this.later(key, this.retryMs);
    } finally {
      clearInterval(heartbeat);
      await lease.release().catch(() => undefined);
    }
  }
}

/**
 * Rows a writer in this process has just committed for a key, handed to the key's next run so
 * that it need not read them back (one read per message saved on the happy path). Any kick
 * that comes without rows (a retry, the sweep, another writer) makes that run read instead.
 * The run must still check in the database that nothing unfinished precedes a handed row.
 */
export class HandedRows<T> {
  private readonly byKey = new Map<string, T[] | 'read'>();

  /** Before a kick: rows to hand over, or none when the run must read. */
  add(key: string, rows?: T[]): void {
    const known = this.byKey.get(key);
    if (!rows || known === 'read') this.byKey.set(key, 'read');
    else this.byKey.set(key, known ? [...known, ...rows] : rows);
  }

  /** At the start of a run: the handed rows in order, or undefined to read. */
  take(key: string): T[] | undefined {
    const rows = this.byKey.get(key);
    this.byKey.delete(key);
    return rows === 'read' ? undefined : rows;
  }
}

/**
 * The rows of one run of a key, in order: the handed rows first, without a read; then, or when
 * none were handed, the key's rows read from the database a batch at a time. A batch shorter
 * than `batchSize` was all there was: a row written since came with its own kick, which queued
 * a run after this one, so no read is spent to find nothing.
 */
export class RowCursor<T> {
  private batch: T[];
  private more: boolean;
  /** True while the rows come from the hand-over: each must be claimed "if first". */
  fresh: boolean;

  constructor(
    handed: T[] | undefined,
    private readonly read: (limit: number) => Promise<T[]>,
    private readonly batchSize: number,
  ) {
    this.fresh = handed !== undefined;
    this.batch = handed ?? [];
    this.more = !this.fresh;
  }

  async next(): Promise<T | undefined> {
    if (this.batch.length === 0 && this.more) {
      this.batch = await this.read(this.batchSize);
      this.more = this.batch.length === this.batchSize;
    }
    return this.batch.shift();
  }

  /** A handed row could not be claimed first: drop the hand-over and read in order from here. */
  readInOrder(): void {
    this.fresh = false;
    this.batch = [];
    this.more = true;
  }

  /** Whether another row may follow (so the run's lease must still be ours before it). */
  get mayHaveMore(): boolean {
    return this.batch.length > 0 || this.more;
  }
}

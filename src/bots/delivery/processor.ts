/**
 * The Inbox: `accept` stores an inbound Activity (deduplicated on the platform's message id)
 * and returns as soon as it is durable, so the webhook can acknowledge; processing follows,
 * one conversation at a time in arrival order.
 *
 * Processing one row is ONE transaction: the engine's conversation state and transcript, the
 * replies as outbox rows, and the row marked done (the row, unique on the platform's message id,
 * is the message's seen mark: the engine writes no other). A crash anywhere before the
 * commit leaves the row unfinished and nothing else written, so after a restart it is processed
 * again and answered once. A row whose processing keeps throwing ends 'failed' with the error
 * kept (see `failedInbox`), and the conversation moves on to its next message.
 */
import type { Kysely } from 'kysely';
import type { Activity, EngineResult } from '../../flows/activity.js';
import type { DatabaseSchema } from '../../store/db.js';
import type { Logger } from '../../log.js';
import { redactPII } from '../../privacy/redact.js';
import type { Store, TransactionStore } from '../../store/types.js';
import type { Coordinator, Lease } from '../../coordination/types.js';
import { T } from '../../flows/texts.js';
import { directWrites, type Writes } from '../../store/group-commit.js';
import { dueConversations } from './due.js';
import type { FloodGuard, FloodVerdict } from './flood.js';
import { DEFAULT_LOCK_TTL_MS, HandedRows, KeyedPump, RowCursor } from './keyed-pump.js';
import { deliveryMetrics } from './metrics.js';
import { claimInbox, claimInboxIfFirst, conversationIdOf, failInbox, finishInboxQuery, insertInboxClaimed, nextInbox, storedRow, type InboxRow } from './inbox-table.js';
import { insertedRows, insertOutboxQuery, type NewOutboxRow, type OutboxRow } from './outbox-table.js';
import type { AcceptResult, Inbox } from './types.js';

/** The engine as the inbox needs it: one message against a given (transaction-bound) store. */
export interface StoreBoundEngine<Prepared = unknown> {
  handleIn(activity: Activity, store: Store, prepared?: Prepared): Promise<EngineResult>;
  /** Work done before the transaction (the language model's calls), so it holds no lock meanwhile. */
  prepare?(activity: Activity, store: Store): Promise<Prepared>;
}

export interface InboxProcessorOptions {
  /** The store's own query builder: the inbox table lives beside the store's tables. */
  db: Kysely<DatabaseSchema>;
  store: Store;
  engine: StoreBoundEngine;
  coordinator: Coordinator;
  logger?: Pick<Logger, 'warn' | 'error'>;
  /** How the small writes (inbox rows, claims) are committed; group commit on SQLite (see Delivery). */
  writes?: Writes;
  /** Called after a commit that wrote outbox rows for the conversation, with those rows when their ids came back. */
  onOutbox?(conversationId: string, inserted: OutboxRow[] | undefined): void;
  /** Called after a commit that erased the worker's data ("xóa dữ liệu"). */
  onErased?(channel: Activity['channel'], userId: string): void;
  /** Which channels' bot replies go through the outbox; the others are answered in the response (web). */
  deliversReplies?(channel: Activity['channel']): boolean;
  /** Attempts before a row is given up as failed (default 5). */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt (default 1 s). */
  retryBaseMs?: number;
  /** Per-worker flood control; none when absent. */
  flood?: FloodGuard;
  now?: () => number;
}

/** Pending result of a message someone waits on (the web chat's request). */
interface Waiter {
  resolve(r: EngineResult): void;
  reject(err: unknown): void;
}

/** A row just stored, handed to the conversation's run: claimed when it was stored claimed. */
type HandedRow = InboxRow & { claimed?: boolean };

/** The conversation's lease (kept alive by the pump's heartbeat) and a claimed row's. */
const LEASE_MS = DEFAULT_LOCK_TTL_MS;
const BATCH = 16;

export class InboxProcessor implements Inbox {
  private readonly pump: KeyedPump;
  private readonly waiters = new Map<number, Waiter>();
  private readonly now: () => number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly writes: Writes;
  private readonly handed = new HandedRows<HandedRow>();

  constructor(private readonly opts: InboxProcessorOptions) {
    this.now = opts.now ?? Date.now;
    this.writes = opts.writes ?? directWrites(opts.db);
    this.maxAttempts = opts.maxAttempts ?? 5;
    this.retryBaseMs = opts.retryBaseMs ?? 1000;
    this.pump = new KeyedPump({
      name: 'conv',
      coordinator: opts.coordinator,
      lockTtlMs: LEASE_MS,
      drain: (key, lease) => this.drain(key, lease),
      onError: (err, key) => opts.logger?.error({ err, conversation: key }, 'inbox processing stalled'),
    });
  }

  private get db(): Kysely<DatabaseSchema> {
    return this.opts.db;
  }

  async accept(activity: Activity): Promise<AcceptResult> {
    const id = await this.store(activity);
    return id === undefined ? 'duplicate' : 'accepted';
  }

  /** Stores the activity and starts its processing, handing the row over; undefined for a redelivery. */
  private async store(activity: Activity, beforeKick?: (id: number) => void): Promise<number | undefined> {
    const now = this.now();
    // Stored already claimed for its first attempt unless an unfinished row of the conversation
    // comes before it: the run kicked below handles it without a claim of its own.
    const stored = await this.writes.run((db) => insertInboxClaimed(db, activity, now, LEASE_MS));
    deliveryMetrics.inbound.inc({ channel: activity.channel, result: stored === undefined ? 'duplicate' : 'accepted' });
    if (stored === undefined) return undefined;
    const { id, claimed } = stored;
    beforeKick?.(id);
    const key = conversationIdOf(activity);
    this.handed.add(key, [Object.assign(storedRow(id, activity, now, claimed ? now + LEASE_MS : undefined), { claimed })]);
    void this.pump.kick(key);
    return id;
  }

  /**
   * Accepts the activity and waits for its processing: the web chat answers in the response.
   * undefined for a duplicate, or when the answer does not come within timeoutMs (another
   * instance has the conversation): the reply is then in the transcript.
   */
  async acceptAndWait(activity: Activity, timeoutMs = 15_000): Promise<EngineResult | undefined> {
    let timer: NodeJS.Timeout | undefined;
    let result: Promise<EngineResult | undefined> | undefined;
    const id = await this.store(activity, (stored) => {
      result = new Promise<EngineResult | undefined>((resolve, reject) => {
        this.waiters.set(stored, { resolve, reject });
        timer = setTimeout(() => resolve(undefined), timeoutMs);
      });
    });
    if (id === undefined || !result) return undefined;
    try {
      return await result;
    } finally {
      clearTimeout(timer);
      this.waiters.delete(id);
    }
  }

  /** Kicks every conversation with work due; `all` at start-up also takes rows left mid-processing. */
  async recover(all = false): Promise<number> {
    const keys = await dueConversations(this.db, 'inbox', 'processing', this.now(), 1000, all);
    for (const key of keys) void this.pump.kick(key);
    return keys.length;
  }

  /** Processes the conversation's due rows now; resolves when done (tests, shutdown). */
  kick(conversationId: string): Promise<void> {
    this.handed.add(conversationId);
    return this.pump.kick(conversationId);
  }

  idle(): Promise<void> {
    return this.pump.idle();
  }

  stop(): Promise<void> {
    return this.pump.stop();
  }

  private async drain(key: string, lease: Lease): Promise<number | undefined> {
    // Rows handed over by accept, just stored, are taken without a read, each claimed only if
    // nothing unfinished precedes it; the first that is not goes back to reading in order. A
    // conversation with a backlog costs one read per batch.
    const rows = new RowCursor<HandedRow>(this.handed.take(key), (limit) => nextInbox(this.db, key, limit), BATCH);
    for (;;) {
      const row = await rows.next();
      if (!row) return undefined;
      const now = this.now();
      // Claimed as it was stored (see store): its first attempt is this one.
      const claimed = rows.fresh && row.claimed === true;
      // Under the lease nobody else works on this conversation, so a row left 'processing'
      // belongs to a process that died: it is taken again (the attempt count fences it).
      if (row.status === 'pending' && row.nextAttemptAt > now) return row.nextAttemptAt - now;
      if (!claimed && row.attempts >= this.maxAttempts) {
        await failInbox(this.db, row.id, row.attempts, row.lastError ?? 'the process stopped while handling it', now, undefined);
        deliveryMetrics.inboundFailed.inc({ channel: row.channel });
        this.settleWaiter(row.id, new Error('inbound message failed'));
        continue;
      }
      if (claimed) {
        // Nothing to claim: the row was stored claimed, with nothing unfinished before it.
      } else if (rows.fresh) {
        if (!(await this.writes.run((db) => claimInboxIfFirst(db, row, now, LEASE_MS)))) {
          rows.readInOrder();
          continue;
        }
      } else if (!(await this.writes.run((db) => claimInbox(db, row, now, LEASE_MS)))) return 0;
      const outcome = await this.processRow(row, claimed ? row.attempts : row.attempts + 1);
      if (outcome !== undefined) return outcome;
      // Still ours before the next row? After the last one the run ends and releases it: no check.
      if (rows.mayHaveMore && !(await lease.extend())) return 0;
    }
  }

  /** One row, one transaction. undefined to go on with the next row, or ms to wait before retrying. */
  private async processRow(row: InboxRow, attempt: number): Promise<number | undefined> {
    const { store, engine } = this.opts;
    const activity = row.activity;
    let wroteOutbox = false;
    let inserted: OutboxRow[] | undefined;
    const verdict: FloodVerdict = this.opts.flood ? await this.opts.flood.check(activity) : 'ok';
    try {
      // Under the conversation's lease, so in order; outside the transaction, so that no
      // lock is held while the language model answers.
      const prepared = verdict === 'ok' ? await engine.prepare?.(activity, store) : undefined;
      const result = await this.transaction(async (tx) => {
        const r = verdict === 'ok' ? await engine.handleIn(activity, tx, prepared) : await flooded(activity, tx, verdict);
        const deliver = this.opts.deliversReplies?.(activity.channel) ?? activity.channel !== 'web';
        const rows: NewOutboxRow[] =
          deliver && !r.duplicate
            ? r.replies.map((reply) => ({
                conversationId: row.conversationId,
                channel: activity.channel,
                userId: activity.userId,
                platformConversationId: activity.conversationId,
                reply,
                fromHuman: false,
                inboxId: row.id,
              }))
            : [];
        const now = this.now();
        // The replies' outbox rows and the row marked done, with the engine's held-back writes:
        // one round trip on PostgreSQL (a round trip each saved), in order on SQLite. On
        // PostgreSQL it also commits, unless the row was not ours any more (nothing is then
        // written, and LeaseLost rolls the transaction back); nothing below may throw.
        const written = await tx.writeLast(rows.length > 0 ? [insertOutboxQuery(tx.db, rows, now)] : [], finishInboxQuery(tx.db, row.id, attempt, now), { commit: true });
        if (Number(written.last.numAffectedRows ?? 0) !== 1) throw new LeaseLost();
        wroteOutbox = rows.length > 0;
        // The rows' ids come back (their insert's RETURNING): they are
        // handed to the dispatcher, which need not read them back.
        const ids = written.first?.[0]?.rows.map((r) => Number((r as { id: unknown }).id)).sort((a, b) => a - b);
        inserted = wroteOutbox && ids?.length === rows.length ? insertedRows(rows, ids, now) : undefined;
        return r;
      });
      if (wroteOutbox) this.opts.onOutbox?.(row.conversationId, inserted);
      if (result.deleted) this.opts.onErased?.(activity.channel, activity.userId);
      this.settleWaiter(row.id, result);
      return undefined;
    } catch (err) {
      if (err instanceof LeaseLost) return 0;
      const now = this.now();
      const error = describe(err);
      const giveUp = attempt >= this.maxAttempts;
      const retryAt = giveUp ? undefined : now + this.retryBaseMs * 2 ** (attempt - 1);
      await failInbox(this.db, row.id, attempt, error, now, retryAt);
      if (giveUp) deliveryMetrics.inboundFailed.inc({ channel: row.channel });
      this.opts.logger?.[giveUp ? 'error' : 'warn']({ err, inboxId: row.id, channel: row.channel, attempt }, giveUp ? 'inbound message failed for good' : 'inbound message failed, will retry');
      this.settleWaiter(row.id, err);
      return giveUp ? undefined : (retryAt as number) - now;
    }
  }

  /**
   * A message's one transaction. On SQLite it joins the group commit: the messages processed in
   * the same turn share one commit (each commit rewrites the same table and index pages to the
   * WAL, the largest cost of a message's writes), and each is told only once it is committed.
   * A message whose processing throws rolls its batch back, and each of the batch runs again
   * alone (see GroupCommit), so it fails only itself.
   */
  private transaction<T>(fn: (tx: TransactionStore) => Promise<T>): Promise<T> {
    const { store } = this.opts;
    // The inbox row is the message's seen mark (see UnitOptions.deduplicated): no second one.
    const unit = { deduplicated: true };
    const within = store.within?.bind(store);
    if (this.writes.transactional && within) return this.writes.run((trx) => within(trx, fn, unit));
    return store.transaction(fn, unit);
  }

  private settleWaiter(id: number, outcome: EngineResult | unknown): void {
    const w = this.waiters.get(id);
    if (!w) return;
    this.waiters.delete(id);
    if (outcome && typeof outcome === 'object' && 'replies' in outcome) w.resolve(outcome as EngineResult);
    else w.reject(outcome);
  }
}

/** A message over the worker's flood limit: the engine is not asked; one notice, then nothing. */
async function flooded(activity: Activity, store: Store, verdict: Exclude<FloodVerdict, 'ok'>): Promise<EngineResult> {
  const conv = await store.getConversation(activity.channel, activity.conversationId);
  return { replies: verdict === 'notice' ? [{ text: T.tooFast }] : [], outcome: { kind: 'smalltalk', handoff: 'none', urgent: false }, mode: conv?.mode ?? 'bot' };
}

/** A newer attempt owns the row: this one's transaction must not commit. */
class LeaseLost extends Error {}

/** The error as kept on the row: its message only, without personal data, bounded. */
function describe(err: unknown): string {
  const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return redactPII(msg).slice(0, 500);
}

/**
 * Group commit for the embedded SQLite database. Each commit writes every page the transaction
 * touched to the WAL, one pwrite per page: a webhook's inbox row, a claim or a send's outcome
 * alone rewrites the same few table and index pages as its neighbours. The small writes of the
 * delivery pipeline that arrive in the same turn of the event loop are therefore run in ONE
 * transaction, and each caller's promise resolves only after that commit, so "stored before the
 * webhook is acknowledged" still holds for every one of them.
 *
 * A message's processing (engine writes, its outbox rows, the inbox row marked done) is such a
 * write too: the messages processed in one turn share a commit.
 *
 * A write is atomic (it always runs in a transaction). If any write of a batch throws, the batch
 * is rolled back and each write is run again in a transaction of its own, so one bad write fails
 * only its own caller. PostgreSQL commits concurrent transactions from its pool in parallel (and
 * groups their WAL flushes itself): there the writes of a turn share a round trip instead
 * (PgWriteBatch).
 */
import { type CompiledQuery, type Kysely, PostgresAdapter, type QueryResult, SqliteAdapter } from 'kysely';
import { pipelined, type DatabaseSchema } from './db.js';
import { isWrite, queryResult } from './pg-deferred.js';
import type { StatementResult } from './pg-pipeline.js';

/** One small write: a statement or two against the given database (or transaction). */
export type Write<T> = (db: Kysely<DatabaseSchema>) => Promise<T>;

export interface Writes {
  /** Runs the write, possibly in a transaction shared with others; resolves once it is committed. */
  run<T>(write: Write<T>): Promise<T>;
  /**
   * True when run() always gives the write an open transaction (group commit): a caller can
   * then put a whole unit of work (a message's processing) in it instead of a transaction of
   * its own, and share the commit.
   */
  readonly transactional: boolean;
}

interface Pending {
  write: Write<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** Most writes one transaction takes; the rest go in the next. */
const MAX_BATCH = 128;

/** Writes queued in one turn of the event loop, handed to `flush` together after its I/O. */
abstract class TurnBatch implements Writes {
  abstract readonly transactional: boolean;
  private queue: Pending[] = [];
  private scheduled = false;

  run<T>(write: Write<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ write, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // After the I/O of this turn: the webhooks read together commit together.
    setImmediate(() => {
      this.scheduled = false;
      const batch = this.queue.splice(0, MAX_BATCH);
      if (this.queue.length > 0) this.schedule();
      void this.flush(batch);
    });
  }

  protected abstract flush(batch: Pending[]): Promise<void>;
}

export class GroupCommit extends TurnBatch {
  readonly transactional = true;

  constructor(private readonly db: Kysely<DatabaseSchema>) {
    super();
  }

  protected async flush(batch: Pending[]): Promise<void> {
    if (batch.length === 1) return alone(this.db, batch[0]!);
    let results: unknown[];
    try {
      results = await this.db.transaction().execute(async (trx) => {
        const out: unknown[] = [];
        for (const p of batch) out.push(await p.write(trx));
        return out;
      });
    } catch {
      // Rolled back as a whole: each write again on its own, so only the failing one fails.
      for (const p of batch) await alone(this.db, p);
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i]));
  }
}

/** One write in a transaction of its own: all of it or nothing, as in a batch. */
async function alone(db: Kysely<DatabaseSchema>, p: Pending): Promise<void> {
  try {
    p.resolve(await db.transaction().execute((trx) => p.write(trx)));
  } catch (err) {
    p.reject(err);
  }
}

/** Writes run as they come, each committed on its own (PostgreSQL, or inside a transaction). */
export const directWrites = (db: Kysely<DatabaseSchema>): Writes => ({ run: (write) => write(db), transactional: false });

/**
 * PostgreSQL: the small writes that arrive in the same turn of the event loop (webhooks' inbox
 * rows, claims, send outcomes of other conversations) go to the server in ONE round trip and
 * ONE transaction (db.ts pipelined), each its own fixed statement, prepared once per
 * connection, run one after the other. They commit as a whole, so each caller is told only once
 * its write is committed, as before.
 *
 * A write takes part when its first statement is an insert, update or delete it sends at once
 * (the delivery tables' fixed statements); anything else it does runs directly. Inserts of the
 * same key (a redelivery racing its original) are fine: the later one meets the earlier one's
 * row and does nothing, as its ON CONFLICT says. When any write of a batch fails, each runs
 * again on its own, so only a failing one fails.
 */
export class PgWriteBatch extends TurnBatch {
  readonly transactional = false;

  constructor(private readonly db: Kysely<DatabaseSchema>) {
    super();
  }

  protected async flush(batch: Pending[]): Promise<void> {
    if (batch.length === 1) {
      const [p] = batch as [Pending];
      p.write(this.db).then(p.resolve, p.reject);
      return;
    }
    // Each write starts against a database that keeps its first statement back instead of
    // sending it; every later statement of the write goes straight to the server.
    const held: { query: CompiledQuery; resolve(r: QueryResult<unknown>): void; reject(err: unknown): void }[] = [];
    let slot: ((query: CompiledQuery) => Promise<QueryResult<unknown>> | undefined) | undefined;
    const db = this.db;
    const holding = new Proxy(db, {
      get(target, key) {
        if (key === 'executeQuery') {
          return (query: CompiledQuery) => slot?.(query) ?? target.executeQuery(query);
        }
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    for (const p of batch) {
      let taken = false;
      slot = (query) => {
        if (taken || !isWrite(query)) return undefined;
        taken = true;
        return new Promise<QueryResult<unknown>>((resolve, reject) => held.push({ query, resolve, reject }));
      };
      let started: Promise<unknown>;
      try {
        started = p.write(holding);
      } catch (err) {
        started = Promise.reject(err);
      }
      slot = undefined;
      started.then(p.resolve, p.reject);
    }
    await this.send(held);
  }

  private async send(held: { query: CompiledQuery; resolve(r: QueryResult<unknown>): void; reject(err: unknown): void }[]): Promise<void> {
    if (held.length === 0) return;
    if (held.length > 1) {
      let results: StatementResult[] | undefined;
      try {
        results = (await this.db.executeQuery(pipelined(held.map((h) => h.query)))).rows as StatementResult[];
      } catch {
        results = undefined;
      }
      if (results) {
        held.forEach((h, i) => h.resolve(queryResult(results![i]!)));
        return;
      }
    }
    // Alone, or the batch failed as a whole: each on its own.
    await Promise.all(held.map((h) => this.db.executeQuery(h.query).then(h.resolve, h.reject)));
  }
}

/** Group commit on SQLite, one round trip per turn's writes on PostgreSQL, direct writes inside a transaction. */
export function writesFor(db: Kysely<DatabaseSchema>): Writes {
  if (db.isTransaction) return directWrites(db);
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof SqliteAdapter) return new GroupCommit(db);
  return adapter instanceof PostgresAdapter ? new PgWriteBatch(db) : directWrites(db);
}

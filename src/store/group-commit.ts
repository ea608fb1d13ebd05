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
 * only its own caller. PostgreSQL commits concurrent transactions from
 * its pool in parallel (and groups their WAL flushes itself): there the writes run directly.
 */
import { type Kysely, SqliteAdapter } from 'kysely';
import type { DatabaseSchema } from './db.js';

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

export class GroupCommit implements Writes {
  readonly transactional = true;
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(private readonly db: Kysely<DatabaseSchema>) {}

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
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, MAX_BATCH);
    if (this.queue.length > 0) this.schedule();
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

/** Group commit on SQLite, direct writes elsewhere. */
export function writesFor(db: Kysely<DatabaseSchema>): Writes {
  return !db.isTransaction && db.getExecutor().adapter instanceof SqliteAdapter ? new GroupCommit(db) : directWrites(db);
}

/**
 * Fewer round trips inside a PostgreSQL transaction. Every statement is a round trip to the
 * server (a Kysely compile, a socket write, a wake-up of the backend, a read), and a message's
 * transaction made ten of them. The writes whose result nobody reads (transcript lines,
 * unanswered questions, the conversation and worker upserts) are held back here and sent
 * together, in ONE round trip, with the transaction's last writes (db.ts pipelined): each stays
 * a statement of its own, of a fixed shape, prepared once per connection.
 *
 * Held back, never reordered against what could see them: the store sends them before any read
 * of its own and before the transaction commits, and no other code reads those tables inside a
 * message's transaction. They run in the order they were written; the rows of one table are ONE
 * multi-row insert, whose rows take their ids in the order they were written (a transcript's
 * lines stay in order).
 * On SQLite there are no round trips to save: writes run as they come.
 */
import { CompiledQuery, type Insertable, type Kysely, type QueryResult } from 'kysely';
import { pipelined, type DatabaseSchema } from './db.js';
import type { StatementResult } from './pg-pipeline.js';

/** Tables only ever appended to in a message's transaction. */
type AppendTable = 'transcript' | 'unanswered';

export class DeferredWrites {
  private queries: CompiledQuery[] = [];
  private rows: { [T in AppendTable]: Insertable<DatabaseSchema[T]>[] } = { transcript: [], unanswered: [] };

  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** Holds the statements back. */
  add(queries: CompiledQuery[]): void {
    this.queries.push(...queries);
  }

  /** Holds a new row of an append-only table back. */
  append<T extends AppendTable>(table: T, row: Insertable<DatabaseSchema[T]>): void {
    (this.rows[table] as Insertable<DatabaseSchema[T]>[]).push(row);
  }

  /** Sends what is held back, in one round trip. */
  async flush(): Promise<void> {
    const queries = this.take();
    if (queries.length > 0) await this.db.executeQuery(queries.length === 1 ? queries[0]! : pipelined(queries));
  }

  /**
   * Sends what is held back, then `first`, then `last`, whose result is returned with each of
   * `first`'s: one round trip.
   *
   * With `commit`, the transaction commits in the same round trip, but only when `last` (an
   * insert, update or delete without a RETURNING) writes exactly one row; otherwise nothing is
   * committed, `last` reports no row, and the caller must end the transaction by throwing (it
   * is rolled back). `last` is the guard: sent as `with w as (<last> returning 1) select 1 /
   * count(*) from w`, it fails when it wrote no row (a newer attempt owns the inbox row), so the
   * commit sent after it does not run; that error (and only that one) is reported as `last`
   * writing no row. PostgreSQL has no RAISE in plain SQL, and a constant error would be raised
   * while planning: the divisor is the only expression that fails at run time exactly when it must.
   */
  async flushWith(first: CompiledQuery[], last: CompiledQuery, commit = false): Promise<{ last: QueryResult<unknown>; first?: QueryResult<unknown>[] }> {
    const guarded = commit && isWrite(last) && (last.query as Node).returning === undefined;
    const queries = [...this.take(), ...first, guarded ? CompiledQuery.raw(`with w as (${last.sql} returning 1) select 1 / (select count(*)::int from w) as written`, [...last.parameters]) : last];
    let results: StatementResult[];
    try {
      results = (await this.db.executeQuery(pipelined(queries, { commit: guarded }))).rows as StatementResult[];
    } catch (err) {
      if (guarded && (err as { code?: unknown }).code === DIVISION_BY_ZERO) return { last: { rows: [], numAffectedRows: 0n } };
      throw err;
    }
    const offset = queries.length - 1 - first.length;
    return {
      last: guarded ? { rows: [], numAffectedRows: 1n } : queryResult(results[queries.length - 1]!),
      first: first.map((_, i) => queryResult(results[offset + i]!)),
    };
  }

  private take(): CompiledQuery[] {
    const queries = this.queries;
    for (const table of ['transcript', 'unanswered'] as const) {
      const rows = this.rows[table];
      if (rows.length > 0) queries.push(this.db.insertInto(table).values(rows as never).compile());
    }
    this.queries = [];
    this.rows = { transcript: [], unanswered: [] };
    return queries;
  }
}

/** A statement's result as Kysely reports one (affected rows for a write). */
export function queryResult(r: StatementResult): QueryResult<unknown> {
  const writes = r.command === 'INSERT' || r.command === 'UPDATE' || r.command === 'DELETE' || r.command === 'MERGE';
  return { rows: r.rows, ...(writes ? { numAffectedRows: BigInt(r.rowCount ?? 0) } : {}) };
}

type Node = { kind: string; returning?: unknown };

/** An insert, update or delete. */
export const isWrite = (q: CompiledQuery): boolean => WRITES.has((q.query as Node).kind);

const WRITES = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode']);
/** PostgreSQL's SQLSTATE for division by zero: flushWith's guard. */
const DIVISION_BY_ZERO = '22012';

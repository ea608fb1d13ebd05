/**
 * Fewer round trips inside a PostgreSQL transaction. Every statement is a round trip to the
 * server (a Kysely compile, a socket write, a wake-up of the backend, a read), and a message's
 * transaction made ten of them. The writes whose result nobody reads (transcript lines,
 * unanswered questions, the conversation and worker upserts) are held back here and sent as ONE
 * statement: each becomes a data-modifying CTE, `with w0 as (…), w1 as (…) select 1`, which
 * PostgreSQL runs to completion whether or not anything reads it.
 *
 * Held back, never reordered against what could see them: the store sends them before any read
 * of its own and before the transaction commits, and no other code reads those tables inside a
 * message's transaction. Two statements of one batch must not touch the same row (PostgreSQL
 * does not define which wins), so a write with a key already waiting sends the batch first; and
 * they run in no defined order, so the rows of one table are ONE multi-row insert, whose rows
 * take their ids in the order they were written (a transcript's lines stay in order).
 * On SQLite there are no round trips to save: writes run as they come.
 */
import { CompiledQuery, type Insertable, type Kysely, type QueryResult } from 'kysely';
import { thenCommit, type DatabaseSchema } from './db.js';

/** Tables only ever appended to in a message's transaction. */
type AppendTable = 'transcript' | 'unanswered';

export class DeferredWrites {
  private queries: CompiledQuery[] = [];
  private readonly keys = new Set<string>();
  private rows: { [T in AppendTable]: Insertable<DatabaseSchema[T]>[] } = { transcript: [], unanswered: [] };

  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** Holds the statements back; `key` names the row they write, when a later write may hit it again. */
  async add(queries: CompiledQuery[], key?: string): Promise<void> {
    if (key !== undefined && this.keys.has(key)) await this.flush();
    this.queries.push(...queries);
    if (key !== undefined) this.keys.add(key);
  }

  /** Holds a new row of an append-only table back. */
  append<T extends AppendTable>(table: T, row: Insertable<DatabaseSchema[T]>): void {
    (this.rows[table] as Insertable<DatabaseSchema[T]>[]).push(row);
  }

  /** Sends what is held back, in one statement. */
  async flush(): Promise<void> {
    const queries = this.take();
    if (queries.length > 0) await this.db.executeQuery(queries.length === 1 ? queries[0]! : combine(queries));
  }

  /**
   * Sends what is held back, then `first`, with `last` as the statement whose result is returned:
   * one round trip. The rows of each of `first` that has a RETURNING come back too, carried by
   * `last`'s own RETURNING (so only when `last` writes at least one row, and is an insert, update
   * or delete without a RETURNING of its own); otherwise `first` is undefined.
   *
   * With `commit`, the transaction commits in the same round trip, but only when `last` writes
   * exactly one row (see flushAndCommit); otherwise nothing is committed, `last` reports no row,
   * and the caller must end the transaction by throwing (it is rolled back).
   */
  async flushWith(first: CompiledQuery[], last: CompiledQuery, commit = false): Promise<{ last: QueryResult<unknown>; first?: QueryResult<unknown>[] }> {
    if (commit && canCarry(last)) return this.flushAndCommit(first, last);
    const held = this.take();
    const queries = [...held, ...first];
    if (queries.length === 0) return { last: await this.db.executeQuery(last) };
    const carry = first.length > 0 && canCarry(last) ? first.map((q, i) => (returnsRows(q) ? held.length + i : undefined)) : [];
    const reported = carry.filter((i): i is number => i !== undefined);
    const result = await this.db.executeQuery(combine(queries, last, reported));
    if (reported.length === 0) return { last: result };
    const row = result.rows[0] as Record<string, unknown[] | null> | undefined;
    return {
      last: { ...result, rows: [] },
      first: row ? carry.map((i) => ({ rows: i === undefined ? [] : (row[`w${i}`] ?? []) })) : undefined,
    };
  }

  /**
   * flushWith's one statement and the commit, in one round trip (db.ts thenCommit). `last` is
   * the guard: when it writes no row (a newer attempt owns the inbox row), the statement fails
   * by dividing by the number of rows it wrote, so the commit sent with it does not run and
   * the transaction rolls back; that error (and only that one) is reported as `last` writing
   * no row. PostgreSQL has no RAISE in plain SQL, and a constant error would be raised while
   * planning: the divisor is the only expression that fails at run time exactly when it must.
   */
  private async flushAndCommit(first: CompiledQuery[], last: CompiledQuery): Promise<{ last: QueryResult<unknown>; first?: QueryResult<unknown>[] }> {
    const held = this.take();
    const queries = [...held, ...first, { ...last, sql: `${last.sql} returning 1` }];
    const guard = queries.length - 1;
    const carry = first.map((q, i) => (returnsRows(q) ? held.length + i : undefined));
    const reported = carry.filter((i): i is number => i !== undefined);
    const select = [`1 / (select count(*)::int from w${guard}) as written`, ...reported.map((i) => `(select coalesce(json_agg(w${i}), json_build_array()) from w${i}) as w${i}`)];
    let row: Record<string, unknown[] | null>;
    try {
      const result = await this.db.executeQuery(thenCommit(combine(queries, CompiledQuery.raw(`select ${select.join(', ')}`, []))));
      row = result.rows[0] as typeof row;
    } catch (err) {
      if ((err as { code?: unknown }).code === DIVISION_BY_ZERO) return { last: { rows: [], numAffectedRows: 0n } };
      throw err;
    }
    return { last: { rows: [], numAffectedRows: 1n }, first: carry.map((i) => ({ rows: i === undefined ? [] : (row[`w${i}`] ?? []) })) };
  }

  private take(): CompiledQuery[] {
    const queries = this.queries;
    for (const table of ['transcript', 'unanswered'] as const) {
      const rows = this.rows[table];
      if (rows.length > 0) queries.push(this.db.insertInto(table).values(rows as never).compile());
    }
    this.queries = [];
    this.rows = { transcript: [], unanswered: [] };
    this.keys.clear();
    return queries;
  }
}

/**
 * One statement running every query as a CTE, and `last` (or `select 1`) as its main statement,
 * whose result (rows, affected rows) is the statement's. Kysely numbers each query's parameters
 * from $1; they are renumbered to follow each other (its SQL holds no literals, only placeholders).
 */
export function combine(queries: readonly CompiledQuery[], last?: CompiledQuery, report: readonly number[] = []): CompiledQuery {
  const parameters: unknown[] = [];
  const renumbered = (q: CompiledQuery) => {
    const offset = parameters.length;
    parameters.push(...q.parameters);
    return q.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
  };
  const ctes = queries.map((q, i) => `w${i} as (${renumbered(q)})`);
  let main = last ? renumbered(last) : 'select 1';
  // The rows of the queries to report, each as one JSON array in the main statement's RETURNING.
  if (report.length > 0) main += ` returning ${report.map((i) => `(select coalesce(json_agg(w${i}), '[]'::json) from w${i}) as w${i}`).join(', ')}`;
  return CompiledQuery.raw(`with ${ctes.join(', ')} ${main}`, parameters);
}

type Node = { kind: string; returning?: unknown };

/** An insert, update or delete with a RETURNING: its rows can be reported. */
function returnsRows(q: CompiledQuery): boolean {
  const node = q.query as Node;
  return WRITES.has(node.kind) && node.returning !== undefined;
}

/** An insert, update or delete without a RETURNING of its own, which can carry others' rows in one. */
function canCarry(q: CompiledQuery): boolean {
  const node = q.query as Node;
  return WRITES.has(node.kind) && node.returning === undefined;
}

const WRITES = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode']);
/** PostgreSQL's SQLSTATE for division by zero: flushAndCommit's guard. */
const DIVISION_BY_ZERO = '22012';

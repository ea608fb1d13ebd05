/**
 * Statements of a fixed shape, built and compiled by Kysely once per database and then run with
 * new values. Building a query (immutable nodes, frozen at each step) and compiling it cost
 * more than SQLite takes to run a small statement; a message goes through about fifteen of
 * them on the delivery path, always the same ones.
 *
 *   const byId = fixedQuery(['id'], (db, p) => db.selectFrom('inbox').selectAll().where('id', '=', p.id));
 *   const { rows } = await byId(db, { id: 42 });
 *   const later = byId.compile(db, { id: 42 }); // a CompiledQuery, for TransactionStore.writeLast
 *
 * The builder receives a placeholder for each named value; everything else in it must be a
 * constant, the same on every call (a list whose length varies needs a query per length).
 * The compiled form is kept per dialect adapter (a transaction shares its database's), so the
 * same statement serves SQLite and PostgreSQL.
 */
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { DatabaseSchema } from './db.js';

/** Stands for a named value while the query is compiled; replaced by the value on each run. */
class Slot {
  constructor(readonly name: string) {}
}

type Db = Kysely<DatabaseSchema>;

export interface FixedQuery<K extends string, R> {
  /** Runs the statement (on the database or a transaction) with these values. */
  (db: Db, values: Record<K, unknown>): Promise<QueryResult<R>>;
  /** The statement with these values, not run: for a caller that sends it with others. */
  compile(db: Db, values: Record<K, unknown>): CompiledQuery<R>;
}

/** `p` is typed `never` so that a placeholder fits wherever the builder expects a value. */
export function fixedQuery<K extends string, R>(names: readonly K[], build: (db: Db, p: Record<K, never>) => Compilable<R>): FixedQuery<K, R> {
  const compiled = new WeakMap<object, Compiled<K, R>>();
  const compile = (db: Db, values: Record<K, unknown>): CompiledQuery<R> => {
    const adapter = db.getExecutor().adapter;
    let query = compiled.get(adapter);
    if (!query) {
      query = compileOnce(db, names, build);
      compiled.set(adapter, query);
    }
    const { statement, slots } = query;
    const parameters = statement.parameters.slice();
    for (let i = 0; i < slots.length; i++) {
      const name = slots[i];
      if (name !== undefined) parameters[i] = values[name];
    }
    return withParameters(statement, parameters);
  };
  return Object.assign((db: Db, values: Record<K, unknown>) => db.executeQuery<R>(compile(db, values)), { compile });
}

/** A statement compiled with placeholders, and which value goes in each parameter (undefined: a constant). */
interface Compiled<K extends string, R> {
  statement: CompiledQuery<R>;
  slots: (K | undefined)[];
}

/**
 * The statement with these values. Built property by property: a spread of Kysely's frozen
 * CompiledQuery, and values looked up by name, cost several microseconds a statement in the profile.
 */
function withParameters<R>(statement: CompiledQuery<R>, parameters: unknown[]): CompiledQuery<R> {
  return { query: statement.query, queryId: statement.queryId, sql: statement.sql, parameters };
}

function compileOnce<K extends string, R>(db: Db, names: readonly K[], build: (db: Db, p: Record<K, never>) => Compilable<R>): Compiled<K, R> {
  const placeholders = Object.fromEntries(names.map((n) => [n, new Slot(n)])) as unknown as Record<K, never>;
  const statement = build(db, placeholders).compile();
  const slots = statement.parameters.map((v) => (v instanceof Slot ? (v.name as K) : undefined));
  const missing = names.filter((n) => !slots.includes(n));
  if (missing.length > 0) throw new Error(`fixedQuery: ${missing.join(', ')} not used in ${statement.sql}`);
  return { statement, slots };
}

/** Most rows a multi-row statement is compiled once for; a longer list is compiled per call. */
const MAX_FIXED_ROWS = 16;

export interface FixedRows<C extends string, R> {
  /** Runs the statement for these rows (on the database or a transaction). */
  (db: Db, rows: readonly Record<C, unknown>[]): Promise<QueryResult<R>>;
  /** The statement for these rows, not run: for TransactionStore.writeLast. */
  compile(db: Db, rows: readonly Record<C, unknown>[]): CompiledQuery<R>;
}

/**
 * A statement over a list of rows (a multi-row insert), compiled once per number of rows: the
 * builder receives one placeholder object per row, with a placeholder for each column.
 *
 *   const insertLines = fixedRows(['text', 'at'], (db, rows) => db.insertInto('transcript').values(rows));
 *   await insertLines(db, [{ text: 'a', at: 1 }, { text: 'b', at: 2 }]);
 */
export function fixedRows<C extends string, R>(columns: readonly C[], build: (db: Db, rows: Record<C, never>[]) => Compilable<R>): FixedRows<C, R> {
  // Per number of rows and dialect adapter: the statement, and for each parameter the row and
  // column its value comes from (read straight from the rows, no object of named values between).
  const byCount = new Map<number, WeakMap<object, { statement: CompiledQuery<R>; rowOf: Int32Array; columnOf: (C | undefined)[] }>>();
  const compile = (db: Db, rows: readonly Record<C, unknown>[]): CompiledQuery<R> => {
    const n = rows.length;
    const adapter = db.getExecutor().adapter;
    let perAdapter = byCount.get(n);
    let entry = perAdapter?.get(adapter);
    if (!entry) {
      // One placeholder per row and column; each name remembers where its value is read from.
      const places = new Map<string, { row: number; column: C }>();
      for (let row = 0; row < n; row++) for (const column of columns) places.set(`${column}#${row}`, { row, column });
      const { statement, slots } = compileOnce(db, [...places.keys()], (d, p) =>
        build(d, Array.from({ length: n }, (_, row) => Object.fromEntries(columns.map((c) => [c, p[`${c}#${row}`]])) as Record<C, never>)),
      );
      const rowOf = Int32Array.from(slots, (name) => (name === undefined ? -1 : places.get(name)!.row));
      const columnOf = slots.map((name) => (name === undefined ? undefined : places.get(name)!.column));
      entry = { statement, rowOf, columnOf };
      if (n <= MAX_FIXED_ROWS) {
        if (!perAdapter) byCount.set(n, (perAdapter = new WeakMap()));
        perAdapter.set(adapter, entry);
      }
    }
    const { statement, rowOf, columnOf } = entry;
    const parameters = statement.parameters.slice();
    for (let i = 0; i < rowOf.length; i++) {
      const row = rowOf[i]!;
      if (row >= 0) parameters[i] = rows[row]![columnOf[i]!];
    }
    return withParameters(statement, parameters);
  };
  return Object.assign((db: Db, rows: readonly Record<C, unknown>[]) => db.executeQuery<R>(compile(db, rows)), { compile });
}

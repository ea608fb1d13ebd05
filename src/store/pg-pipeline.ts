/**
 * Statements sent to PostgreSQL as named prepared statements, several in one round trip.
 *
 * PostgreSQL parses, analyses and plans a statement sent with its values (or as a simple query)
 * afresh every time: for our small statements that cost as much server CPU as running them. A
 * statement prepared once per connection (Parse with a name) is only bound and executed after
 * that, and after a few runs PostgreSQL keeps its generic plan. The statements of a connection
 * are kept by their SQL text, the most recently used `max` of them; one dropped is closed on the
 * server with the next round trip.
 *
 * Several statements (a transaction's `begin`, its writes, its `commit`) go as ONE message
 * sequence ending in one Sync: one round trip, and, without a `begin`, one implicit transaction
 * that commits at the Sync as a whole. After an error PostgreSQL skips what follows up to the
 * Sync, so nothing after the failing statement runs (a `commit` sent after a write that fails
 * is not run: the transaction is left to roll back).
 */
import type pg from 'pg';
import pgUtils from 'pg/lib/utils.js';

export interface Statement {
  sql: string;
  values: readonly unknown[];
}

export interface StatementResult {
  command: string;
  rowCount: number | null;
  rows: Record<string, unknown>[];
}

/** The part of pg's Connection a pipeline writes to. */
interface Wire {
  stream: { cork?(): void; uncork?(): void };
  parse(msg: { name: string; text: string; types: number[] }): void;
  bind(msg: { statement: string; values: unknown[] }): void;
  describe(msg: { type: 'P'; name: string }): void;
  execute(msg: { portal: string; rows: number }): void;
  close(msg: { type: 'S'; name: string }): void;
  sync(): void;
}

type TypeParsers = { getTypeParser(oid: number, format: 'text'): (v: string) => unknown };

/** One connection's named statements, by SQL text, the most recently used last. */
export class PreparedStatements {
  private readonly names = new Map<string, string>();
  /** Dropped or uncertain statements, closed on the server with the next round trip. */
  private closing: string[] = [];
  private count = 0;

  constructor(private readonly max = 200) {}

  get size(): number {
    return this.names.size;
  }

  /** The statement's name, and whether it must be parsed first. */
  take(sql: string): { name: string; parse: boolean } {
    let name = this.names.get(sql);
    if (name !== undefined) {
      this.names.delete(sql);
      this.names.set(sql, name);
      return { name, parse: false };
    }
    // A name is never used twice on a connection: one closed late cannot hit a newer statement.
    name = `tlcd_${++this.count}`;
    if (this.names.size >= this.max) {
      const [oldest, dropped] = this.names.entries().next().value as [string, string];
      this.names.delete(oldest);
      this.closing.push(dropped);
    }
    this.names.set(sql, name);
    return { name, parse: true };
  }

  /** The statement may not exist on the server (its Parse failed or was skipped): parsed again next time. */
  forget(sql: string, name: string): void {
    if (this.names.get(sql) !== name) return;
    this.names.delete(sql);
    this.closing.push(name);
  }

  nameOf(sql: string): string | undefined {
    return this.names.get(sql);
  }

  /** The statements to close now: all but those still used by this round trip (closed with the next). */
  takeClosing(used: ReadonlySet<string>): string[] {
    const names = this.closing.filter((n) => !used.has(n));
    this.closing = this.closing.filter((n) => used.has(n));
    return names;
  }
}

/** Runs the statements in one round trip; resolves with each one's result, or rejects with the first error. */
export function runPipeline(client: pg.PoolClient, statements: readonly Statement[], prepared: PreparedStatements, types: TypeParsers): Promise<StatementResult[]> {
  return new Promise((resolve, reject) => {
    void client.query(new Pipeline(statements, prepared, types, resolve, reject) as unknown as pg.QueryConfig);
  });
}

/**
 * The error of a statement prepared before a table it reads from changed its columns (a
 * migration run by another instance): PostgreSQL will not change a prepared statement's result.
 */
export function staleStatement(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e.code === '0A000' && typeof e.message === 'string' && e.message.includes('cached plan must not change result type');
}

type Field = { name: string; dataTypeID: number };

/** A pg Submittable: writes the messages itself, and is handed the server's replies by the client. */
class Pipeline {
  private readonly results: StatementResult[] = [];
  private current: StatementResult = { command: '', rowCount: null, rows: [] };
  private fields: Field[] = [];
  private parsers: ((v: string) => unknown)[] = [];
  /** The names this round trip parses, by statement index. */
  private parsed: ({ sql: string; name: string } | undefined)[] = [];
  private done = false;

  constructor(
    private readonly statements: readonly Statement[],
    private readonly prepared: PreparedStatements,
    private readonly types: TypeParsers,
    private readonly resolve: (r: StatementResult[]) => void,
    private readonly reject: (err: unknown) => void,
  ) {}

  /** Called by pg's client when the connection is free; an error returned is handed to handleError. */
  submit(connection: Wire): Error | null {
    let values: unknown[][];
    try {
      // Before anything is written: a value that cannot be sent fails the whole, unsent.
      values = this.statements.map((s) => s.values.map((v) => pgUtils.prepareValue(v)));
    } catch (err) {
      return err as Error;
    }
    connection.stream.cork?.();
    try {
      const names = this.statements.map((s) => this.prepared.take(s.sql));
      for (const name of this.prepared.takeClosing(new Set(names.map((n) => n.name)))) connection.close({ type: 'S', name });
      this.statements.forEach((s, i) => {
        const { name, parse } = names[i]!;
        if (parse) {
          connection.parse({ name, text: s.sql, types: [] });
          this.parsed[i] = { sql: s.sql, name };
        }
        connection.bind({ statement: name, values: values[i]! });
        connection.describe({ type: 'P', name: '' });
        connection.execute({ portal: '', rows: 0 });
      });
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  handleRowDescription(msg: { fields: Field[] }): void {
    this.fields = msg.fields;
    this.parsers = msg.fields.map((f) => this.types.getTypeParser(f.dataTypeID, 'text'));
  }

  handleDataRow(msg: { fields: (string | null)[] }): void {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < this.fields.length; i++) {
      const v = msg.fields[i];
      row[this.fields[i]!.name] = v === null || v === undefined ? null : this.parsers[i]!(v);
    }
    this.current.rows.push(row);
  }

  handleCommandComplete(msg: { text: string }): void {
    // "INSERT 0 3", "UPDATE 2", "SELECT 1", "BEGIN"
    const words = msg.text.split(' ');
    const last = words.length > 1 ? Number(words[words.length - 1]) : NaN;
    this.current.command = words[0]!;
    this.current.rowCount = Number.isNaN(last) ? null : last;
    this.next();
  }

  handleEmptyQuery(): void {
    this.next();
  }

  handleError(err: unknown): void {
    if (this.done) return;
    this.done = true;
    // The failing statement's Parse, and those after it (skipped), may have left no statement.
    // A statement prepared before its table changed shape fails from then on: prepared anew.
    const failing = this.results.length;
    if (staleStatement(err)) {
      const name = this.prepared.nameOf(this.statements[failing]?.sql ?? '');
      if (name !== undefined) this.prepared.forget(this.statements[failing]!.sql, name);
    }
    for (let i = failing; i < this.statements.length; i++) {
      const p = this.parsed[i];
      if (p) this.prepared.forget(p.sql, p.name);
    }
    this.reject(err);
  }

  handleReadyForQuery(): void {
    if (this.done) return;
    this.done = true;
    this.resolve(this.results);
  }

  handlePortalSuspended(): void {
    this.handleError(new Error('unexpected portal suspension'));
  }

  handleCopyInResponse(): void {
    this.handleError(new Error('COPY is not supported here'));
  }

  handleCopyData(): void {}

  private next(): void {
    this.results.push(this.current);
    this.current = { command: '', rowCount: null, rows: [] };
    this.fields = [];
    this.parsers = [];
  }
}

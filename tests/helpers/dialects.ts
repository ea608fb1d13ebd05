/**
 * Runs a repository test suite against every SQL dialect the store supports: SQLite (in
 * memory) and PostgreSQL (a real server on 127.0.0.1:5432, trust auth, user postgres).
 *
 *   describeEachDialect('my repository', ({ dialect, openDb, openStore }) => {
 *     let db: Kysely<DatabaseSchema>;
 *     beforeEach(async () => { db = await openDb(); });
 *     it('…', async () => { … });
 *   });
 *
 * Each test file gets its own uniquely named PostgreSQL database, dropped after the file;
 * each openDb() call gets a fresh, migrated, empty schema in it (cheap: no new database per
 * test), so tests never see each other's rows and several test runs can share the server.
 * Handles are closed after the file, so tests need not close them (closing is harmless).
 *
 * TLCD_TEST_PG_URL points at another server's maintenance database (default
 * postgres://postgres@127.0.0.1:5432/postgres).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, type Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, describe } from 'vitest';
import { openDatabase, openPostgres, type DatabaseSchema, type SqlDialectName } from '../../src/store/db.js';
import { migrateToLatest, migrationProvider } from '../../src/store/migrations.js';
import { SqlStore } from '../../src/store/sql-store.js';

export const PG_ADMIN_URL = process.env.TLCD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface DialectContext {
  dialect: SqlDialectName;
  /**
   * A fresh, empty database handle with every migration applied (one per call). With a name,
   * the same database every time for that name, as a restarted process would reopen it.
   */
  openDb(name?: string): Promise<Kysely<DatabaseSchema>>;
  /** The same, as a SqlStore. */
  openStore(name?: string): Promise<SqlStore>;
  /** A fresh, empty handle with no migration applied (or the named one), for migration tests. */
  openBareDb(name?: string): Promise<Kysely<DatabaseSchema>>;
  /** Applies the pending migrations to a handle from openBareDb; returns their names. */
  migrate(db: Kysely<DatabaseSchema>): Promise<string[]>;
  /** Applies the migrations up to and including `name` only: a database as an older release left it. */
  migrateTo(db: Kysely<DatabaseSchema>, name: string): Promise<void>;
}

export const DIALECTS: readonly SqlDialectName[] = ['sqlite', 'postgres'];

/** Defines `describe(\`${name} (${dialect})\`)` once per dialect, with a way to open databases. */
export function describeEachDialect(name: string, suite: (ctx: DialectContext) => void): void {
  for (const dialect of DIALECTS) {
    describe(`${name} (${dialect})`, () => {
      suite(dialectContext(dialect));
    });
  }
}

/**
 * Databases of one dialect, closed (and the PostgreSQL database dropped) after the enclosing
 * suite. Call it while tests are being collected: at the top of a file or inside describe().
 */
export function dialectContext(dialect: SqlDialectName): DialectContext {
  return dialect === 'sqlite' ? sqliteContext() : postgresContext();
}

function sqliteContext(): DialectContext {
  const open: Kysely<DatabaseSchema>[] = [];
  let dir: string | undefined;
  afterAll(async () => {
    await Promise.all(open.map((db) => db.destroy()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const openBareDb = async (name?: string) => {
    if (name) dir ??= mkdtempSync(join(tmpdir(), 'tlcd-test-'));
    const db = openDatabase(name ? join(dir!, `${safeName(name)}.db`) : ':memory:');
    open.push(db);
    return db;
  };
  const migrate = (db: Kysely<DatabaseSchema>) => migrateToLatest(db, 'sqlite');
  const migrateTo = (db: Kysely<DatabaseSchema>, name: string) => migrateUpTo(db, 'sqlite', name);
  const openDb = async (name?: string) => {
    const db = await openBareDb(name);
    await migrate(db);
    return db;
  };
  return { dialect: 'sqlite', openDb, openBareDb, migrate, migrateTo, openStore: async (name) => new SqlStore(await openDb(name), 'sqlite') };
}

function postgresContext(): DialectContext {
  let database: TestDatabase | undefined;
  let admin: pg.Pool | undefined;
  let n = 0;
  const open: Kysely<DatabaseSchema>[] = [];
  const schemas = new WeakMap<Kysely<DatabaseSchema>, string>();
  afterAll(async () => {
    await Promise.all(open.map((db) => db.destroy()));
    await admin?.end();
    await database?.drop();
  });
  const named = new Map<string, string>();
  const openBareDb = async (name?: string) => {
    database ??= await createTestDatabase();
    admin ??= new pg.Pool({ connectionString: database.url, max: 1 });
    let schema = name ? named.get(name) : undefined;
    if (!schema) {
      schema = `t${n++}`;
      if (name) named.set(name, schema);
      await admin.query(`create schema ${schema}`);
    }
    const db = openPostgres(database.url, { schema, max: 4 });
    open.push(db);
    schemas.set(db, schema);
    return db;
  };
  // Kysely's bookkeeping tables go in the test's schema too, or the next schema would find
  // the previous one's and believe itself migrated.
  const migrate = (db: Kysely<DatabaseSchema>) => migrateToLatest(db, 'postgres', { schema: schemas.get(db) });
  const migrateTo = (db: Kysely<DatabaseSchema>, name: string) => migrateUpTo(db, 'postgres', name, schemas.get(db));
  const openDb = async (name?: string) => {
    const db = await openBareDb(name);
    await migrate(db);
    return db;
  };
  return { dialect: 'postgres', openDb, openBareDb, migrate, migrateTo, openStore: async (name) => new SqlStore(await openDb(name), 'postgres') };
}

async function migrateUpTo(db: Kysely<DatabaseSchema>, dialect: SqlDialectName, name: string, schema?: string): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect), allowUnorderedMigrations: true, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error } = await migrator.migrateTo(name);
  if (error) throw error;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_').slice(-80);
}

export interface TestDatabase {
  name: string;
  /** postgres:// URL of the new database, for a server under test (DATABASE_URL). */
  url: string;
  /** Drops the database, disconnecting whoever is still connected. */
  drop(): Promise<void>;
}

/** Creates an empty, uniquely named PostgreSQL database (tlcd_<random>). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `tlcd_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => dropDatabase(name),
  };
}

/**
 * A closed pool's sockets linger a moment after end() resolves; dropping WITH (FORCE) at once
 * would send them a fatal error nobody listens to any more. So wait for them to go, and force
 * only what is still connected after a few seconds (a crashed server under test).
 */
async function dropDatabase(name: string): Promise<void> {
  for (let attempt = 0; attempt < 60; attempt++) {
    try {
      await adminQuery(`drop database if exists ${name}`);
      return;
    } catch (err) {
      // 55006: object_in_use (other sessions still connected).
      if ((err as { code?: string }).code !== '55006') throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await adminQuery(`drop database if exists ${name} with (force)`);
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

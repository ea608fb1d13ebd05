/**
 * A fresh store for tests that exercise the engine or a repository over the store, on the
 * dialect this run of the file is for: SQLite in memory by default, PostgreSQL when the
 * vitest project sets TLCD_TEST_DIALECT=postgres (see vitest.config.ts: files listed in
 * POSTGRES_TOO run a second time on PostgreSQL). To put a test file on both:
 *
 *   store = await openTestStore();          // instead of createStore({ databasePath: ':memory:' })
 *
 * and add the file to POSTGRES_TOO. Suites written for both dialects side by side in one run
 * use describeEachDialect (./dialects.ts) instead.
 */
import type { Kysely } from 'kysely';
import type { DatabaseSchema, SqlDialectName } from '../../src/store/db.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import { dialectContext } from './dialects.js';

export const TEST_DIALECT: SqlDialectName = process.env.TLCD_TEST_DIALECT === 'postgres' ? 'postgres' : 'sqlite';

// Importing this module registers the file-level clean-up (close handles, drop the database).
const ctx = dialectContext(TEST_DIALECT);

/**
 * An empty, migrated store of its own. Closing it is optional. With a name, the same
 * database for every call with that name (to reopen it after a simulated crash).
 */
export function openTestStore(name?: string): Promise<SqlStore> {
  return ctx.openStore(name);
}

/** An empty, migrated database handle of its own (or the named one), for repositories over Kysely. */
export function openTestDb(name?: string): Promise<Kysely<DatabaseSchema>> {
  return ctx.openDb(name);
}

/**
 * WAL checkpoints off the event loop (src/store/checkpointer.ts): a worker thread copies the WAL
 * into the database file while the main connection only writes; the main connection's own
 * auto-checkpoint still bounds the WAL when the worker does nothing; closing the database
 * closes the worker's connection first.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseSchema } from '../src/store/db.js';
import { createStore } from '../src/store/sql-store.js';

const tmp = mkdtempSync(join(tmpdir(), 'tlcd-checkpointer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FRAME = 4096 + 24;
const size = (path: string) => (existsSync(path) ? statSync(path).size : 0);

/** About `pages` new pages, in transactions of 50 (one row of 3,500 bytes a page). */
async function write(db: Kysely<DatabaseSchema>, pages: number): Promise<void> {
  await sql`create table if not exists filler (v blob)`.execute(db);
  for (let done = 0; done < pages; done += 50) {
    await sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < 50) insert into filler select randomblob(3500) from n`.execute(db);
  }
}

async function until(check: () => boolean, ms = 5_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (check()) return true;
  return check();
}

describe('WAL checkpoints off the event loop', () => {
  it('copies the WAL into the database file from the worker, the main connection never checkpointing', async () => {
    const path = join(tmp, 'worker.db');
    // The main connection's own checkpoint only past 100,000 pages: never in this test.
    const db = openDatabase(path, { checkpoint: { pages: 100, fallbackPages: 100_000, pollMs: 10 } });
    await write(db, 400);
    // Everything written is in the WAL until someone checkpoints: the database file grows only then.
    expect(await until(() => size(path) >= 300 * 4096)).toBe(true);
    await db.destroy();
  });

  it('keeps the WAL bounded by the main connection when the worker does not checkpoint', async () => {
    const path = join(tmp, 'fallback.db');
    const db = openDatabase(path, { checkpoint: { pages: 1e9, fallbackPages: 200, pollMs: 10 } });
    await write(db, 2_000);
    // At most the fallback and one transaction's pages, however much was written.
    expect(size(`${path}-wal`)).toBeLessThanOrEqual((200 + 60) * FRAME);
    expect(size(path)).toBeGreaterThanOrEqual(1_500 * 4096);
    await db.destroy();
  });

  it('closes the worker with the database, so the main connection closes last and removes the WAL', async () => {
    const path = join(tmp, 'close.db');
    const db = openDatabase(path, { checkpoint: { pages: 50, fallbackPages: 100_000, pollMs: 10 } });
    await write(db, 100);
    // The worker's connection is open (it has checkpointed) and the WAL still holds what came after.
    expect(await until(() => size(path) >= 50 * 4096)).toBe(true);
    await write(db, 20);
    expect(size(`${path}-wal`)).toBeGreaterThan(0);
    // The store's close() destroys its Kysely instance, which closes the better-sqlite3 connection.
    await db.destroy();
    // SQLite checkpoints and deletes the WAL only when the last connection to the file closes.
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(size(path)).toBeGreaterThanOrEqual(120 * 4096);
  });

  it('closes with the store', async () => {
    const path = join(tmp, 'store.db');
    const store = await createStore({ databasePath: path });
    await write(store.db, 20);
    await store.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('leaves in-memory databases alone', async () => {
    const db = openDatabase(':memory:');
    await write(db, 100);
    const [row] = (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db)).rows;
    // Untouched: SQLite's default (an in-memory database has no WAL anyway).
    expect(row?.wal_autocheckpoint).toBe(1000);
    await db.destroy();
  });
});

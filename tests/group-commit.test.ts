/**
 * Group commit (src/store/group-commit.ts): writes made in the same turn share one SQLite
 * transaction (one PostgreSQL statement), each caller gets its own result after the commit, and
 * a failing write fails only its own caller.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Activity } from '../src/flows/activity.js';
import { claimInbox, insertInbox, storedRow } from '../src/bots/delivery/inbox-table.js';
import { GroupCommit, PgWriteBatch, writesFor } from '../src/store/group-commit.js';
import { describeEachDialect } from './helpers/dialects.js';
import { createStore } from '../src/store/sql-store.js';

const tmp = mkdtempSync(join(tmpdir(), 'tlcd-group-commit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const activity = (messageId: string): Activity => ({ channel: 'telegram', userId: '7', conversationId: '7', messageId, text: 'chào', timestamp: new Date() });

describe('group commit', () => {
  it('commits the writes of one turn together, each caller getting its own result, a redelivery recognised', async () => {
    const store = await createStore({ databasePath: join(tmp, 'a.db') });
    const writes = writesFor(store.db);
    expect(writes).toBeInstanceOf(GroupCommit);
    const inTransaction: boolean[] = [];
    const ids = await Promise.all(
      ['1', '2', '2', '3'].map((id) =>
        writes.run(async (db) => {
          inTransaction.push(db.isTransaction);
          return insertInbox(db, activity(id), Date.now());
        }),
      ),
    );
    expect(inTransaction).toEqual([true, true, true, true]);
    expect(ids[0]).toBeTypeOf('number');
    expect(ids[1]).toBeTypeOf('number');
    expect(ids[2]).toBeUndefined(); // the same platform message id: a duplicate
    expect(ids[3]).toBeTypeOf('number');
    const rows = await store.db.selectFrom('inbox').select('message_id').orderBy('id').execute();
    expect(rows.map((r) => r.message_id)).toEqual(['1', '2', '3']);
    await store.close();
  });

  it('fails only the write that throws; the others of its batch are committed', async () => {
    const store = await createStore({ databasePath: join(tmp, 'b.db') });
    const writes = writesFor(store.db);
    const results = await Promise.allSettled([
      writes.run((db) => insertInbox(db, activity('a'), Date.now())),
      writes.run(async (db) => {
        await insertInbox(db, activity('b'), Date.now());
        throw new Error('disk on fire');
      }),
      writes.run((db) => insertInbox(db, activity('c'), Date.now())),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toHaveProperty('message', 'disk on fire');
    // The failing write ran alone after the batch rolled back: its row was rolled back with it.
    const rows = await store.db.selectFrom('inbox').select('message_id').orderBy('id').execute();
    expect(rows.map((r) => r.message_id)).toEqual(['a', 'c']);
    await store.close();
  });
});

describeEachDialect('the writes of one turn', ({ dialect, openStore }) => {
  it('give each caller its own result: ids, a redelivery recognised, claims won and lost', async () => {
    const store = await openStore();
    const writes = writesFor(store.db);
    expect(writes).toBeInstanceOf(dialect === 'postgres' ? PgWriteBatch : GroupCommit);
    const now = Date.now();
    const ids = await Promise.all(['1', '2', '2', '3'].map((id) => writes.run((db) => insertInbox(db, activity(id), now))));
    expect(ids.map((id) => typeof id)).toEqual(['number', 'number', 'undefined', 'number']);
    const rows = [ids[0], ids[1], ids[3]].map((id, i) => storedRow(id!, activity(String(i)), now));
    // One claim per row in one turn; the second row's with a stale attempt count loses.
    const claims = await Promise.all([
      writes.run((db) => claimInbox(db, rows[0]!, now, 5_000)),
      writes.run((db) => claimInbox(db, { ...rows[1]!, attempts: 3 }, now, 5_000)),
      writes.run((db) => claimInbox(db, rows[2]!, now, 5_000)),
    ]);
    expect(claims).toEqual([true, false, true]);
    const stored = await store.db.selectFrom('inbox').select(['message_id', 'status', 'attempts']).orderBy('id').execute();
    expect(stored).toEqual([
      { message_id: '1', status: 'processing', attempts: 1 },
      { message_id: '2', status: 'pending', attempts: 0 },
      { message_id: '3', status: 'processing', attempts: 1 },
    ]);
  });

  it('take more writes in a turn than one batch holds', async () => {
    const store = await openStore();
    const writes = writesFor(store.db);
    const ids = await Promise.all(Array.from({ length: 300 }, (_, i) => writes.run((db) => insertInbox(db, activity(`m${i}`), Date.now()))));
    expect(new Set(ids).size).toBe(300);
    expect(ids.every((id) => typeof id === 'number')).toBe(true);
  });

  it('fail only the write whose statement fails; the others of the turn are stored', async () => {
    const store = await openStore();
    const writes = writesFor(store.db);
    const results = await Promise.allSettled([
      writes.run((db) => insertInbox(db, activity('a'), Date.now())),
      writes.run((db) => db.insertInto('worker').values({ channel: 'telegram', user_id: null as never, display_name: null, consent_at: null, created_at: 0 }).execute()),
      writes.run((db) => insertInbox(db, activity('c'), Date.now())),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const rows = await store.db.selectFrom('inbox').select('message_id').orderBy('id').execute();
    expect(rows.map((r) => r.message_id)).toEqual(['a', 'c']);
  });
});

/**
 * Group commit (src/store/group-commit.ts): writes made in the same turn share one SQLite
 * transaction, each caller gets its own result after the commit, and a failing write fails only
 * its own caller.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Activity } from '../src/flows/activity.js';
import { insertInbox } from '../src/bots/delivery/inbox-table.js';
import { GroupCommit, writesFor } from '../src/store/group-commit.js';
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

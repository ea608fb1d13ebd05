/**
 * The SQL store against SQLite (a temporary file, and in memory) and PostgreSQL.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Channel } from '../src/flows/activity.js';
import { CompiledQuery, Migrator, sql } from 'kysely';
import { openDatabase, pipelined, thenCommit } from '../src/store/db.js';
import type { StatementResult } from '../src/store/pg-pipeline.js';
import { migrateToLatest, migrationProvider, migrations } from '../src/store/migrations.js';
import { createStore, SqlStore } from '../src/store/sql-store.js';
import type { Conversation, ConversationState } from '../src/store/types.js';
import { describeEachDialect } from './helpers/dialects.js';
import { failedInbox, insertInbox, insertInboxClaimed, lastInboundAt, nextInbox } from '../src/bots/delivery/inbox-table.js';
import { dueConversations } from '../src/bots/delivery/due.js';
import { insertOutbox, insertOutboxQuery, nextOutbox, type NewOutboxRow } from '../src/bots/delivery/outbox-table.js';

const tmp = mkdtempSync(join(tmpdir(), 'tlcd-store-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const t0 = new Date('2026-11-20T08:00:00.000Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

function conversation(channel: Channel, userId: string, over: Partial<Conversation> = {}): Conversation {
  const state: ConversationState = { misses: 0, handoff: 'none', consentShown: false };
  return { id: `${channel}:${userId}`, channel, userId, mode: 'bot', urgent: false, state, createdAt: t0, updatedAt: t0, queuedAt: null, ...over };
}

describe('migrations', () => {
  it('create the schema once and are idempotent on a file database', async () => {
    const path = join(tmp, 'nested', 'dir', 'migrate.db');
    const db = openDatabase(path);
    // Every migration, in order, the first time (the list grows as features land).
    expect(await migrateToLatest(db)).toEqual(Object.keys(migrations('sqlite')).sort());
    expect(Object.keys(migrations('sqlite'))[0]).toBe('2026-11-28-001-initial');
    expect(await migrateToLatest(db)).toEqual([]);
    await db.destroy();
    // Reopening an existing file: nothing to do, data intact.
    const store = await createStore({ databasePath: path });
    await store.markSeen('web', 'm-1');
    await store.close();
    const again = await createStore({ databasePath: path });
    expect(await again.markSeen('web', 'm-1')).toBe(false);
    expect(await migrateToLatest(again.db)).toEqual([]);
    await again.close();
  });

  it('uses WAL on a file database', async () => {
    const path = join(tmp, 'wal.db');
    const store = await createStore({ databasePath: path });
    await store.close();
    // WAL is a property of the file: it persists after close.
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });
});

describe('the delivery tables\' partial indexes (migration 060)', () => {
  it('keep the rows an existing database holds findable: unfinished, due, failed', async () => {
    const db = openDatabase(join(tmp, 'before-060.db'));
    const migrator = new Migrator({ db, provider: migrationProvider('sqlite'), allowUnorderedMigrations: true });
    expect((await migrator.migrateTo('2026-11-29-055-console-snippet')).error).toBeUndefined();
    const message = (chat: string, id: string) => ({ channel: 'telegram' as const, userId: chat, conversationId: chat, messageId: id, text: 'xin chào', timestamp: t0 });
    const now = t0.getTime();
    const done = await insertInbox(db, message('u1', 'u-1'), now);
    const waiting = await insertInbox(db, message('u1', 'u-2'), now);
    const failed = await insertInbox(db, message('u2', 'u-3'), now);
    await db.updateTable('inbox').set({ status: 'done' }).where('id', '=', done!).execute();
    await db.updateTable('inbox').set({ status: 'failed', last_error: 'hỏng' }).where('id', '=', failed!).execute();
    const [unsent] = await insertOutbox(db, [{ conversationId: 'telegram:u1', channel: 'telegram', userId: 'u1', platformConversationId: 'u1', reply: { text: 'chào' }, fromHuman: false }], now);
    expect(await migrateToLatest(db)).toContain('2026-11-29-060-delivery-unfinished-indexes');
    expect((await nextInbox(db, 'telegram:u1', 16)).map((r) => r.id)).toEqual([waiting]);
    expect((await nextOutbox(db, 'telegram:u1', 16)).map((r) => r.id)).toEqual([unsent]);
    expect(await dueConversations(db, 'inbox', 'processing', now, 10)).toEqual(['telegram:u1']);
    expect(await dueConversations(db, 'outbox', 'sending', now, 10)).toEqual(['telegram:u1']);
    expect((await failedInbox(db)).map((r) => [r.id, r.error])).toEqual([[failed, 'hỏng']]);
    expect(await lastInboundAt(db, 'telegram:u2')).toEqual(t0);
    await db.destroy();
  });
});

describeEachDialect('migrations', ({ openBareDb, migrate }) => {
  it('apply once, and instances starting together agree on who applies them', async () => {
    const db = await openBareDb();
    // Three instances of a deployment start at once against one empty database.
    const applied = await Promise.all([migrate(db), migrate(db), migrate(db)]);
    expect(applied.flat()).toEqual(Object.keys(migrations('sqlite')).sort());
    expect(await migrate(db)).toEqual([]);
  });
});

describeEachDialect('transcript attachments (migration 065)', ({ dialect, openBareDb, migrateTo, migrate }) => {
  it('a database of the release before keeps its lines readable, and new lines keep their attachments', async () => {
    const db = await openBareDb();
    await migrateTo(db, '2026-11-29-060-delivery-unfinished-indexes');
    // Lines as that release wrote them: a worker's picture described in the text only.
    const line = (text: string, role: string, minute: number) => ({ conversation_id: 'zalo:u1', role, text, outcome: null, choices: null, at: at(minute).getTime() });
    await db.insertInto('transcript').values([line('[Hình ảnh: https://cdn.zalo.example/a.jpg]', 'worker', 1), line('Mình đã nhận được ảnh.', 'bot', 2)] as never).execute();
    expect(await migrate(db)).toContain('2026-11-29-065-transcript-attachments');

    const store = new SqlStore(db, dialect);
    const photo = { kind: 'image' as const, fileId: 'AgACAgIAAxkBAAI1' };
    await store.appendTranscript({ conversationId: 'zalo:u1', role: 'worker', text: '[Hình ảnh]', attachments: [photo], at: at(3) });
    // Inside a unit of work too (SQLite holds lines back, PostgreSQL defers them), beside a line without.
    await store.transaction(async (tx) => {
      await tx.appendTranscript({ conversationId: 'zalo:u1', role: 'worker', text: 'đây ạ\n[Tệp đính kèm: “hd.pdf”]', attachments: [{ kind: 'file', name: 'hd.pdf', url: 'https://cdn.zalo.example/hd.pdf' }], at: at(4) });
      await tx.appendTranscript({ conversationId: 'zalo:u1', role: 'bot', text: 'Cảm ơn bạn.', at: at(4) });
    });
    const lines = await store.transcript('zalo:u1');
    expect(lines.map((l) => [l.role, l.text, l.attachments])).toEqual([
      ['worker', '[Hình ảnh: https://cdn.zalo.example/a.jpg]', undefined],
      ['bot', 'Mình đã nhận được ảnh.', undefined],
      ['worker', '[Hình ảnh]', [photo]],
      ['worker', 'đây ạ\n[Tệp đính kèm: “hd.pdf”]', [{ kind: 'file', name: 'hd.pdf', url: 'https://cdn.zalo.example/hd.pdf' }]],
      ['bot', 'Cảm ơn bạn.', undefined],
    ]);
    // Each line carries its row id, in order: what the console names a line by.
    const ids = lines.map((l) => l.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(5);
  });
});

describeEachDialect('SqlStore', ({ dialect, openStore }) => {
  {
    let store: SqlStore;
    beforeEach(async () => {
      store = await openStore();
    });

    it('answers ping while open and not after close; close twice is harmless', async () => {
      expect(await store.ping()).toBe(true);
      await store.close();
      expect(await store.ping()).toBe(false);
      await store.close();
    });

    it('marks a message seen once per channel', async () => {
      expect(await store.markSeen('telegram', '42')).toBe(true);
      expect(await store.markSeen('telegram', '42')).toBe(false);
      expect(await store.markSeen('zalo', '42')).toBe(true);
    });

    it('lets exactly one of many concurrent deliveries through', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => store.markSeen('messenger', 'mid.1')));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('round-trips a conversation with its state', async () => {
      expect(await store.getConversation('zalo', 'u1')).toBeUndefined();
      const conv = conversation('zalo', 'u1', {
        state: {
          misses: 1,
          handoff: 'offered',
          consentShown: true,
          topic: 'bhtn-muc-huong',
          lastFaqId: 'bhtn.muc-huong.cong-thuc',
          flow: { name: 'unemployment', values: { salary: 8_000_000, months: 49, region: 'I' }, asked: 'months', turns: 2 },
          lastChoices: ['a', 'b'],
          confirm: 'delete-data',
        },
      });
      await store.saveConversation(conv);
      expect(await store.getConversation('zalo', 'u1')).toEqual(conv);

      const updated: Conversation = { ...conv, mode: 'queued', urgent: true, queuedAt: at(5), updatedAt: at(5), state: { ...conv.state, flow: undefined, misses: 0 } };
      await store.saveConversation(updated);
      const read = await store.getConversation('zalo', 'u1');
      expect(read).toMatchObject({ mode: 'queued', urgent: true, queuedAt: at(5), updatedAt: at(5), createdAt: t0 });
      expect(read?.state.flow).toBeUndefined();
      expect(read?.state.misses).toBe(0);
    });

    it('records when the privacy notice was first shown', async () => {
      const conv = conversation('web', 's1');
      await store.saveConversation(conv);
      await store.saveConversation({ ...conv, state: { ...conv.state, consentShown: true }, updatedAt: at(1) });
      await store.saveConversation({ ...conv, state: { ...conv.state, consentShown: true }, updatedAt: at(2) });
      const worker = await store.db.selectFrom('worker').selectAll().where('user_id', '=', 's1').executeTakeFirstOrThrow();
      expect(worker.consent_at).toBe(at(1).getTime());
    });

    it("keeps the worker's latest display name, and the old one when a message brings none", async () => {
      const conv = conversation('telegram', 'n1');
      const nameOf = async () => (await store.db.selectFrom('worker').select('display_name').where('user_id', '=', 'n1').executeTakeFirstOrThrow()).display_name;
      await store.saveConversation({ ...conv, displayName: 'Lan Nguyễn' });
      expect(await nameOf()).toBe('Lan Nguyễn');
      await store.saveConversation({ ...conv, updatedAt: at(1) });
      expect(await nameOf()).toBe('Lan Nguyễn');
      await store.saveConversation({ ...conv, displayName: 'Chị Lan', updatedAt: at(2) });
      expect(await nameOf()).toBe('Chị Lan');
    });

    it('stores an inbound message claimed for its first attempt only when nothing of its conversation is unfinished before it', async () => {
      const message = (chat: string, id: string) => ({ channel: 'telegram' as const, userId: chat, conversationId: chat, messageId: id, text: 'xin chào', timestamp: t0 });
      const now = t0.getTime();
      const first = await insertInboxClaimed(store.db, message('q1', 'q-1'), now, 8000);
      const second = await insertInboxClaimed(store.db, message('q1', 'q-2'), now, 8000);
      const other = await insertInboxClaimed(store.db, message('q2', 'q-3'), now, 8000);
      expect([first?.claimed, second?.claimed, other?.claimed]).toEqual([true, false, true]);
      // A redelivery stores nothing.
      expect(await insertInboxClaimed(store.db, message('q1', 'q-2'), now, 8000)).toBeUndefined();
      const rows = await store.db.selectFrom('inbox').select(['id', 'status', 'attempts', 'lease_until']).where('conversation_id', 'in', ['telegram:q1', 'telegram:q2']).orderBy('id').execute();
      expect(rows.map((r) => [Number(r.id), r.status, Number(r.attempts), r.lease_until === null ? null : Number(r.lease_until)])).toEqual([
        [first!.id, 'processing', 1, now + 8000],
        [second!.id, 'pending', 0, null],
        [other!.id, 'processing', 1, now + 8000],
      ]);
      // Once the conversation's rows are finished, the next one is claimed as it is stored.
      await store.db.updateTable('inbox').set({ status: 'done' }).where('conversation_id', '=', 'telegram:q1').execute();
      expect((await insertInboxClaimed(store.db, message('q1', 'q-4'), now, 8000))?.claimed).toBe(true);
    });

    it("gives back the ids of a transaction's last writes with the held-back ones, and nothing when the last one misses", async () => {
      const inboxId = await insertInbox(store.db, { channel: 'telegram', userId: 'w1', conversationId: 'w1', messageId: 'm-w1', text: 'xin chào', timestamp: t0 }, t0.getTime());
      const reply = (text: string): NewOutboxRow => ({ conversationId: 'telegram:w1', channel: 'telegram', userId: 'w1', platformConversationId: 'w1', reply: { text }, fromHuman: false, inboxId });
      const done = (id: number) => store.db.updateTable('inbox').set({ status: 'done' }).where('id', '=', id).compile();
      const written = await store.transaction(async (tx) => {
        await tx.appendTranscript({ conversationId: 'telegram:w1', role: 'worker', text: 'xin chào', at: t0 });
        const w = await tx.writeLast([insertOutboxQuery(tx.db, [reply('một'), reply('hai')], t0.getTime())], done(inboxId!));
        return { affected: Number(w.last.numAffectedRows), ids: w.first?.[0]?.rows.map((r) => Number((r as { id: unknown }).id)).sort((a, b) => a - b) };
      });
      const stored = await store.db.selectFrom('outbox').select(['id', 'reply']).orderBy('id').execute();
      expect(stored.map((r) => JSON.parse(r.reply).text)).toEqual(['một', 'hai']);
      expect(written).toEqual({ affected: 1, ids: stored.map((r) => Number(r.id)) });
      expect((await store.transcript('telegram:w1')).map((m) => m.text)).toEqual(['xin chào']);
      // A last write that hits no row: its count says so, and the rows written before are not claimed to be known.
      const missed = await store.transaction(async (tx) => {
        const w = await tx.writeLast([insertOutboxQuery(tx.db, [reply('ba')], t0.getTime())], done(inboxId! + 1000));
        return { affected: Number(w.last.numAffectedRows), ids: w.first?.[0]?.rows.length };
      });
      expect(missed.affected).toBe(0);
      expect([undefined, 1]).toContain(missed.ids);
    });

    it('commits with the last writes when asked (PostgreSQL: in the same statement), and commits nothing when the last one misses', async () => {
      const inboxId = await insertInbox(store.db, { channel: 'telegram', userId: 'c1', conversationId: 'c1', messageId: 'm-c1', text: 'xin chào', timestamp: t0 }, t0.getTime());
      const reply = (text: string): NewOutboxRow => ({ conversationId: 'telegram:c1', channel: 'telegram', userId: 'c1', platformConversationId: 'c1', reply: { text }, fromHuman: false, inboxId });
      const done = (id: number) => store.db.updateTable('inbox').set({ status: 'done' }).where('id', '=', id).compile();
      const replies = async () => (await store.db.selectFrom('outbox').select('reply').orderBy('id').execute()).map((r) => JSON.parse(r.reply).text as string);
      const written = await store.transaction(async (tx) => {
        await tx.appendTranscript({ conversationId: 'telegram:c1', role: 'worker', text: 'xin chào', at: t0 });
        const w = await tx.writeLast([insertOutboxQuery(tx.db, [reply('một'), reply('hai')], t0.getTime())], done(inboxId!), { commit: true });
        // PostgreSQL: already committed, so another connection sees it, and the transaction takes nothing more.
        if (dialect === 'postgres') {
          expect(await replies()).toEqual(['một', 'hai']);
          await expect(tx.db.selectFrom('outbox').select('id').execute()).rejects.toThrow(/already committed/);
        }
        return { affected: Number(w.last.numAffectedRows), ids: w.first?.[0]?.rows.map((r) => Number((r as { id: unknown }).id)).sort((a, b) => a - b) };
      });
      const stored = await store.db.selectFrom('outbox').select('id').orderBy('id').execute();
      expect(written).toEqual({ affected: 1, ids: stored.map((r) => Number(r.id)) });
      expect(await replies()).toEqual(['một', 'hai']);
      expect((await store.transcript('telegram:c1')).map((m) => m.text)).toEqual(['xin chào']);
      // The last write misses (a newer attempt owns the row): it says so, nothing is committed, the caller rolls back.
      await expect(
        store.transaction(async (tx) => {
          await tx.appendTranscript({ conversationId: 'telegram:c1', role: 'bot', text: 'không được lưu', at: t0 });
          const w = await tx.writeLast([insertOutboxQuery(tx.db, [reply('ba')], t0.getTime())], done(inboxId! + 1000), { commit: true });
          if (dialect === 'postgres') expect(await replies()).toEqual(['một', 'hai']);
          if (Number(w.last.numAffectedRows) !== 1) throw new Error('lease lost');
        }),
      ).rejects.toThrow('lease lost');
      expect(await replies()).toEqual(['một', 'hai']);
      expect((await store.transcript('telegram:c1')).map((m) => m.text)).toEqual(['xin chào']);
      // The store stays usable, on the same connections.
      await store.transaction(async (tx) => {
        await tx.appendTranscript({ conversationId: 'telegram:c1', role: 'bot', text: 'sau đó', at: t0 });
      });
      expect((await store.transcript('telegram:c1')).map((m) => m.text)).toEqual(['xin chào', 'sau đó']);
    });

    it.runIf(dialect === 'postgres')('commits after a marked statement whose value is not a string or number; outside a transaction the mark changes nothing', async () => {
      const names = async () => (await store.db.selectFrom('worker').select('display_name').orderBy('display_name').execute()).map((r) => r.display_name);
      await store.db.transaction().execute(async (trx) => {
        await trx.insertInto('worker').values({ channel: 'telegram', user_id: 'd1', display_name: 'Dũng', consent_at: null, created_at: 1 }).execute();
        const { rows } = await trx.executeQuery(thenCommit(CompiledQuery.raw('select $1::timestamptz as at', [t0])));
        expect(new Date((rows[0] as { at: string | Date }).at).getTime()).toBe(t0.getTime());
        expect(await names()).toEqual(['Dũng']);
        await expect(trx.selectFrom('worker').select('user_id').execute()).rejects.toThrow(/already committed/);
      });
      const { rows } = await store.db.executeQuery(thenCommit(CompiledQuery.raw('select count(*)::int as n from worker', [])));
      expect(rows).toEqual([{ n: 1 }]);
      await store.db.transaction().execute(async (trx) => {
        await trx.insertInto('worker').values({ channel: 'telegram', user_id: 'd2', display_name: 'Hà', consent_at: null, created_at: 1 }).execute();
      });
      expect(await names()).toEqual(['Dũng', 'Hà']);
    });

    it('keeps or drops the whole of a transaction whose first statement carries quotes, backslashes and placeholders in its values', async () => {
      const tricky = `it's C:\\tmp\\ $1 $$ -- /* ; 'quoted' "đúng không?" \u{1F600}`;
      const write = (tx: { appendTranscript: SqlStore['appendTranscript']; markSeen: SqlStore['markSeen'] }) =>
        tx.markSeen('telegram', tricky).then(() => tx.appendTranscript({ conversationId: 'telegram:q1', role: 'worker', text: tricky, at: t0 }));
      await expect(
        store.transaction(async (tx) => {
          await write(tx);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(await store.transcript('telegram:q1')).toEqual([]);
      expect(await store.markSeen('telegram', tricky)).toBe(true);
      await store.transaction(async (tx) => {
        await tx.appendTranscript({ conversationId: 'telegram:q1', role: 'worker', text: tricky, at: t0 });
        expect(await tx.markSeen('telegram', tricky)).toBe(false);
      });
      expect((await store.transcript('telegram:q1')).map((m) => m.text)).toEqual([tricky]);
      // A transaction that wrote nothing, and one whose first statement fails, leave the store usable.
      await store.transaction(async () => undefined);
      await expect(store.transaction((tx) => tx.db.selectFrom('no_such_table' as 'worker').selectAll().execute())).rejects.toThrow();
      expect(await store.markSeen('telegram', 'after')).toBe(true);
    });

    it.runIf(dialect === 'postgres')('runs pipelined statements in order, committing them together or not at all', async () => {
      const worker = (id: string, name: string) => store.db.insertInto('worker').values({ channel: 'telegram', user_id: id, display_name: name, consent_at: null, created_at: 1 }).compile();
      const names = async () => (await store.db.selectFrom('worker').select('display_name').orderBy('user_id').execute()).map((r) => r.display_name);
      const rename = (id: string, name: string) => store.db.updateTable('worker').set({ display_name: name }).where('user_id', '=', id).returning('display_name').compile();
      const { rows } = await store.db.executeQuery(pipelined([worker('p1', 'An'), rename('p1', 'Bình'), rename('p9', 'Không ai')]));
      const results = rows as StatementResult[];
      // The second sees the first's row: one after the other, not side by side.
      expect(results.map((r) => [r.command, r.rowCount, r.rows])).toEqual([
        ['INSERT', 1, []],
        ['UPDATE', 1, [{ display_name: 'Bình' }]],
        ['UPDATE', 0, []],
      ]);
      expect(await names()).toEqual(['Bình']);
      // The second fails (same key): the first is not kept either.
      await expect(store.db.executeQuery(pipelined([worker('p2', 'Chi'), worker('p1', 'Lại')]))).rejects.toThrow(/duplicate key/);
      expect(await names()).toEqual(['Bình']);
    });

    it.runIf(dialect === 'postgres')('keeps its prepared statements usable after one fails to parse, fails while running, or reads a table whose columns changed', async () => {
      const byUser = (id: string) => store.db.selectFrom('worker').selectAll().where('user_id', '=', id).execute();
      const add = (id: string) => store.db.insertInto('worker').values({ channel: 'zalo', user_id: id, display_name: null, consent_at: null, created_at: 1 }).execute();
      await add('s1');
      // Prepared on every connection of the pool (they are taken in turn).
      await Promise.all(Array.from({ length: 8 }, () => byUser('s1')));
      // Parsed, then failing at its first run; and not parsed at all: the next statements still run.
      await expect(add('s1')).rejects.toThrow(/duplicate key/);
      await expect(store.db.executeQuery(CompiledQuery.raw('select * from no_such_table where x = $1', [1]))).rejects.toThrow(/no_such_table/);
      await add('s2');
      expect((await byUser('s2')).length).toBe(1);
      // Another instance migrates: a prepared `select *` would now fail on every connection.
      await sql`alter table worker add column nickname text`.execute(store.db);
      const after = await Promise.all(Array.from({ length: 8 }, () => byUser('s1')));
      expect(after.every((rows) => rows.length === 1 && 'nickname' in rows[0]!)).toBe(true);
      // The same as a transaction's first statement.
      await Promise.all(Array.from({ length: 8 }, () => store.db.transaction().execute((trx) => trx.selectFrom('worker').selectAll().where('user_id', '=', 's2').execute())));
      await sql`alter table worker drop column nickname`.execute(store.db);
      const inTransactions = await Promise.all(Array.from({ length: 8 }, () => store.db.transaction().execute((trx) => trx.selectFrom('worker').selectAll().where('user_id', '=', 's2').execute())));
      expect(inTransactions.every((rows) => rows.length === 1 && !('nickname' in rows[0]!))).toBe(true);
    });

    it.runIf(dialect === 'postgres')('keeps a bounded number of prepared statements on a connection', async () => {
      const counts = await store.db.transaction().execute(async (trx) => {
        const sums: number[] = [];
        for (let k = 0; k < 260; k++) {
          const { rows } = await trx.executeQuery<{ n: number }>(CompiledQuery.raw(`select $1::int + ${k} as n`, [1]));
          sums.push(rows[0]!.n);
        }
        // The first ones again, after they were dropped.
        const { rows: again } = await trx.executeQuery<{ n: number }>(CompiledQuery.raw('select $1::int + 0 as n', [2]));
        const { rows: held } = await trx.executeQuery<{ n: number }>(CompiledQuery.raw('select count(*)::int as n from pg_prepared_statements where $1::int = 1', [1]));
        return { sums, again: again[0]!.n, held: held[0]!.n };
      });
      expect(counts.sums).toEqual(Array.from({ length: 260 }, (_, k) => 1 + k));
      expect(counts.again).toBe(2);
      expect(counts.held).toBeGreaterThan(100);
      expect(counts.held).toBeLessThanOrEqual(200);
    });

    it('commits the transcript lines of a unit of work run within a transaction the caller opened, even when it never calls writeLast', async () => {
      await store.db.transaction().execute((trx) =>
        store.within!(trx, async (tx) => {
          await tx.appendTranscript({ conversationId: 'telegram:w1', role: 'worker', text: 'lương 10 triệu', at: t0 });
          await tx.appendTranscript({ conversationId: 'telegram:w1', role: 'bot', text: 'Mức hưởng…', at: t0 });
        }),
      );
      expect((await store.transcript('telegram:w1')).map((m) => m.text)).toEqual(['lương 10 triệu', 'Mức hưởng…']);
    });

    it('writes the worker row through a conversation read back only what changed: a new name, the first consent', async () => {
      const worker = async () => store.db.selectFrom('worker').select(['display_name', 'consent_at']).where('user_id', '=', 'r1').executeTakeFirstOrThrow();
      await store.saveConversation(conversation('telegram', 'r1', { displayName: 'Lan' }));
      const read = async () => (await store.getConversation('telegram', 'r1'))!;
      await store.saveConversation({ ...(await read()), updatedAt: at(1) });
      expect(await worker()).toEqual({ display_name: 'Lan', consent_at: null });
      const conv = await read();
      conv.displayName = 'Chị Lan';
      conv.state.consentShown = true;
      conv.updatedAt = at(2);
      await store.saveConversation(conv);
      expect(await worker()).toEqual({ display_name: 'Chị Lan', consent_at: at(2).getTime() });
      // The same object saved again after its change, then a later message without a name.
      conv.updatedAt = at(3);
      await store.saveConversation(conv);
      const later = await read();
      later.updatedAt = at(4);
      await store.saveConversation(later);
      expect(await worker()).toEqual({ display_name: 'Chị Lan', consent_at: at(2).getTime() });
    });

    it('keeps the transcript in order, with outcomes, limited to the latest', async () => {
      const id = 'telegram:7';
      const same = at(0);
      await store.appendTranscript({ conversationId: id, role: 'worker', text: 'lương 8tr thì bhtn được bao nhiêu', at: same });
      await store.appendTranscript({ conversationId: id, role: 'bot', text: 'Khoảng 4.800.000 đồng mỗi tháng.', at: same, outcome: { kind: 'answer', handoff: 'none', urgent: false, faqId: 'x', confidence: 0.9 } });
      await store.appendTranscript({ conversationId: id, role: 'counsellor', text: 'Chào bạn, mình là tư vấn viên.', at: at(1) });
      const all = await store.transcript(id);
      expect(all.map((m) => m.role)).toEqual(['worker', 'bot', 'counsellor']);
      expect(all[1]?.outcome).toEqual({ kind: 'answer', handoff: 'none', urgent: false, faqId: 'x', confidence: 0.9 });
      expect(all[0]?.outcome).toBeUndefined();
      expect(all[2]?.at).toEqual(at(1));
      expect((await store.transcript(id, 2)).map((m) => m.role)).toEqual(['bot', 'counsellor']);
      expect(await store.transcript('telegram:other')).toEqual([]);
    });

    it('lists the queue urgent first, then oldest first, and only queued conversations', async () => {
      await store.saveConversation(conversation('zalo', 'old', { mode: 'queued', queuedAt: at(1) }));
      await store.saveConversation(conversation('zalo', 'new', { mode: 'queued', queuedAt: at(9) }));
      await store.saveConversation(conversation('web', 'urgent-late', { mode: 'queued', urgent: true, queuedAt: at(10) }));
      await store.saveConversation(conversation('telegram', 'urgent-early', { mode: 'queued', urgent: true, queuedAt: at(3) }));
      await store.saveConversation(conversation('zalo', 'mid', { mode: 'queued', queuedAt: at(5) }));
      await store.saveConversation(conversation('zalo', 'talking', { mode: 'human', queuedAt: at(0) }));
      await store.saveConversation(conversation('zalo', 'bot', { mode: 'bot' }));
      const queue = await store.queue();
      expect(queue.map((c) => c.userId)).toEqual(['urgent-early', 'urgent-late', 'old', 'mid', 'new']);
    });

    it('deletes everything of one worker and nothing of anyone else', async () => {
      const seed = async (channel: Channel, userId: string) => {
        const conv = conversation(channel, userId, { state: { misses: 0, handoff: 'none', consentShown: true } });
        await store.saveConversation(conv);
        await store.appendTranscript({ conversationId: conv.id, role: 'worker', text: `tôi là ${userId}`, at: t0 });
        await store.appendTranscript({ conversationId: conv.id, role: 'bot', text: 'Chào bạn', at: t0 });
        await store.recordUnanswered({ conversationId: conv.id, channel, text: 'câu hỏi khó', confidence: 0.2, at: t0 });
        // What the delivery tables hold of them: a message that failed for good (its text kept
        // for operators), one still to process, a reply sent and one still on its way.
        const said = (n: number) => ({ channel, userId, conversationId: userId, messageId: `${userId}-${n}`, text: `sđt của ${userId} là 0912345678`, timestamp: t0 });
        const failed = await insertInbox(store.db, said(1), t0.getTime());
        await store.db.updateTable('inbox').set({ status: 'failed' }).where('id', '=', failed!).execute();
        await insertInbox(store.db, said(2), t0.getTime());
        const reply = (text: string) => ({ conversationId: conv.id, channel, userId, platformConversationId: userId, reply: { text }, fromHuman: false });
        const [sent] = await insertOutbox(store.db, [reply(`Chào ${userId}`), reply('Đang gửi')], t0.getTime());
        await store.db.updateTable('outbox').set({ status: 'sent' }).where('id', '=', sent!).execute();
      };
      const deliveryRows = async (conversationId: string) => ({
        inbox: (await store.db.selectFrom('inbox').select(['status', 'activity']).where('conversation_id', '=', conversationId).orderBy('id').execute()).map((r) => [r.status, r.activity.includes('0912345678')]),
        outbox: (await store.db.selectFrom('outbox').select('reply').where('conversation_id', '=', conversationId).orderBy('id').execute()).map((r) => JSON.parse(r.reply).text),
      });
      await seed('zalo', 'victim');
      await seed('zalo', 'neighbour');
      // Same user id on another platform is another person.
      await seed('telegram', 'victim');
      // Rows written before the conversation row existed still go.
      await store.appendTranscript({ conversationId: 'messenger:victim', role: 'worker', text: 'xin chào', at: t0 });
      await store.recordUnanswered({ conversationId: 'messenger:victim', channel: 'messenger', text: '?', at: t0 });

      await store.deleteUserData('zalo', 'victim');
      await store.deleteUserData('messenger', 'victim');

      expect(await store.getConversation('zalo', 'victim')).toBeUndefined();
      expect(await store.transcript('zalo:victim')).toEqual([]);
      expect(await store.transcript('messenger:victim')).toEqual([]);
      const unanswered = await store.db.selectFrom('unanswered').select('conversation_id').execute();
      expect(unanswered.map((r) => r.conversation_id).sort()).toEqual(['telegram:victim', 'zalo:neighbour']);
      const workers = await store.db.selectFrom('worker').select(['channel', 'user_id']).orderBy('channel').orderBy('user_id').execute();
      expect(workers).toEqual([
        { channel: 'telegram', user_id: 'victim' },
        { channel: 'zalo', user_id: 'neighbour' },
      ]);

      // Nothing the worker wrote, nor any reply sent to them, is left; what is still to do stays.
      expect(await deliveryRows('zalo:victim')).toEqual({ inbox: [['failed', false], ['pending', true]], outbox: ['Đang gửi'] });
      const untouched = (who: string) => ({ inbox: [['failed', true], ['pending', true]], outbox: [`Chào ${who}`, 'Đang gửi'] });
      expect(await deliveryRows('zalo:neighbour')).toEqual(untouched('neighbour'));
      expect(await deliveryRows('telegram:victim')).toEqual(untouched('victim'));

      expect(await store.getConversation('zalo', 'neighbour')).toBeDefined();
      expect(await store.transcript('zalo:neighbour')).toHaveLength(2);
      expect(await store.getConversation('telegram', 'victim')).toBeDefined();
      expect(await store.transcript('telegram:victim')).toHaveLength(2);

      // Deleting someone who has nothing is not an error.
      await store.deleteUserData('web', 'nobody');
    });

    it('records unanswered questions', async () => {
      await store.recordUnanswered({ conversationId: 'web:s', channel: 'web', text: 'hỏi về [SĐT]', confidence: 0.12, at: t0 });
      await store.recordUnanswered({ conversationId: 'web:s', channel: 'web', text: 'không có điểm', at: t0 });
      const rows = await store.db.selectFrom('unanswered').selectAll().orderBy('id').execute();
      expect(rows.map((r) => [r.text, r.confidence, Number(r.at)])).toEqual([
        ['hỏi về [SĐT]', expect.closeTo(0.12, 5), t0.getTime()],
        ['không có điểm', null, t0.getTime()],
      ]);
    });
  }
});

/**
 * `npx tsx bench/pipeline.ts`: the delivery pipeline alone, in this process, without HTTP:
 * inbox.accept → engine → outbox → a sender that answers at once, on a SQLite file with the
 * in-process Coordinator. With BENCH_ENGINE=stub the engine is replaced by one that answers
 * "ok" without touching the store, so the figure is the pipeline's own cost (inbox and outbox
 * rows, claims, group commit, Kysely and SQLite); with the real engine it adds the engine's.
 * Compare with bench/channels.ts (the same plus HTTP in and out) to split a message's cost.
 *
 *   BENCH_MESSAGES (3000), BENCH_WARMUP (12,000 messages of the same load first, not measured),
 *   BENCH_USERS (64 chats in parallel), BENCH_ENGINE=stub|real (real),
 *   BENCH_TRACE=1 (SQL time per message by statement, and the WAL's size at the end; SQLite),
 *   DATABASE_URL=postgres://… (PostgreSQL instead: a database of its own, dropped after; the
 *   Coordinator stays in-process, so the figure is the store's path without Redis; the CPU
 *   the database's PostgreSQL backends used a message is printed too)
 *
 * Run it pinned to one core for figures comparable with bench:channels: taskset -c 0 npx tsx bench/pipeline.ts
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Delivery } from '../src/bots/delivery/pipeline.js';
import type { StoreBoundEngine } from '../src/bots/delivery/processor.js';
import { LocalCoordinator } from '../src/coordination/local.js';
import type { Activity } from '../src/flows/activity.js';
import { createEngine } from '../src/flows/engine.js';
import { createStore } from '../src/store/sql-store.js';
import { privatePostgres } from './lib/private-postgres.js';
import { cpuSnapshot, cpuUsed } from './lib/proc-cpu.js';
import { QUESTIONS, WARM_UP } from './lib/telegram.js';
import { STUB, stubEngine } from './lib/stub-engine.js';
import { sqlReport, sqlTimes, timeSql, TRACE } from './lib/trace.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 3000);
const USERS = Number(process.env.BENCH_USERS ?? 64);

if (TRACE) await timeSql();
const dir = mkdtempSync(join(tmpdir(), 'tlcd-bench-pipeline-'));
const pgUrl = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;
const postgres = pgUrl ? await privatePostgres(pgUrl) : undefined;
const database = postgres ? new URL(postgres.url).pathname.slice(1) : undefined;
const store = await createStore(postgres ? { databasePath: '', database: { kind: 'postgres', url: postgres.url } } : { databasePath: join(dir, 'bench.db') });
const engine: StoreBoundEngine = STUB ? stubEngine : createEngine({ store });
const unlimited = { perChat: { limit: 1e9, windowMs: 1000 }, global: { limit: 1e9, windowMs: 1000 } };
const delivery = new Delivery({ db: store.db, store, engine, coordinator: new LocalCoordinator(), flood: { limit: 1e9, windowMs: 60_000 }, outbox: { limits: { telegram: unlimited } } });
// Every message of these questions gets a one-part reply (bench:channels checks the same).
const waiting = new Map<string, () => void>();
delivery.register({
  channel: 'telegram',
  send: async (target) => {
    waiting.get(target.conversationId)?.();
    waiting.delete(target.conversationId);
    return { ok: true, platformMessageIds: ['1'] };
  },
});
await delivery.start();

let messageId = 1;
const activity = (user: number, text: string): Activity => ({ channel: 'telegram', userId: String(user), conversationId: String(user), messageId: String(messageId++), text, timestamp: new Date() });
const replied = (user: number) => new Promise<void>((resolve) => waiting.set(String(user), resolve));

// Every chat begins first (greeting and privacy notice), not measured.
for (let u = 0; u < USERS; u++) {
  const done = replied(u);
  await delivery.inbox.accept(activity(u, 'chào'));
  await done;
}
await delivery.idle();

let timedOut = 0;
const drive = async (count: number) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: USERS }, async (_, u) => {
      for (let i = next++; i < count; i = next++) {
        const done = replied(u);
        await delivery.inbox.accept(activity(u, QUESTIONS[i % QUESTIONS.length]!));
        let timer: NodeJS.Timeout | undefined;
        if (await Promise.race([done.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), 10_000)))])) timedOut++;
        clearTimeout(timer);
      }
    }),
  );
};
// Warm-up with the same load, not measured (see WARM_UP).
await drive(WARM_UP);
await delivery.idle();
timedOut = 0;

const started = performance.now();
const cpu = process.cpuUsage();
const cpuBefore = cpuSnapshot([], database);
sqlTimes.clear();
await drive(MESSAGES);
const seconds = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
const backends = database ? (cpuUsed(cpuBefore, cpuSnapshot([], database)).postgres ?? 0) * 1e6 : undefined;
process.stdout.write(
  `pipeline bench (${STUB ? 'stub' : 'real'} engine, ${postgres ? 'PostgreSQL' : 'SQLite'}): ${MESSAGES} messages, ${USERS} chats: ${(MESSAGES / seconds).toFixed(0)} msg/s, ` +
    `CPU ${((used.user + used.system) / MESSAGES).toFixed(0)} µs/msg (system ${(used.system / MESSAGES).toFixed(0)})` +
    `${backends !== undefined ? `, PostgreSQL backends ${(backends / MESSAGES).toFixed(0)} µs/msg` : ''}${timedOut ? `, ${timedOut} replies timed out` : ''}\n`,
);
if (TRACE && !postgres) {
  // Wall time inside better-sqlite3 (the commit's share includes any checkpoint run on the loop).
  process.stdout.write(`${sqlReport(sqlTimes, MESSAGES)}\n`);
  const wal = join(dir, 'bench.db-wal');
  process.stdout.write(`WAL file ${existsSync(wal) ? Math.round(statSync(wal).size / 4120) : 0} pages, database file ${Math.round(statSync(join(dir, 'bench.db')).size / 4096)} pages\n`);
}
await delivery.stop();
await store.close();
await postgres?.drop();
rmSync(dir, { recursive: true, force: true });

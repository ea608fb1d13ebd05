/**
 * `npm run bench:scale`: does a second and third instance add capacity? Telegram webhook →
 * delivered reply at a fake Bot API, through the real HTTP path, in one run:
 *   1. the embedded default: one process, SQLite file, in-process Coordinator;
 *   2. PostgreSQL + Redis, one instance;
 *   3. PostgreSQL + Redis, three instances (separate processes), each webhook posted to one of
 *      them at random, as a load balancer would.
 * Each instance is this file's `server` role: the wiring of src/main.ts (store, Coordinator,
 * engine, delivery pipeline, Telegram channel, Fastify with request logs at info) with the
 * platform's own send-rate caps and the per-worker flood limit lifted (they limit the platform
 * and one worker, not our capacity). Every configuration gets a fresh database.
 *
 * BENCH_USERS chats in parallel (default 48), each sending its next message once the reply to
 * the previous one arrived, BENCH_MESSAGES messages per configuration (default 1500), after a
 * warm-up of BENCH_WARMUP messages of the same load (default 12,000) that is not measured.
 * Figures are printed with the load average (`uptime`) before and after, and the cores each part used
 * during the run (instances, this database's PostgreSQL backends, redis-server, the driver,
 * from /proc), never asserted. Needs the
 * PostgreSQL (127.0.0.1:5432, trust) and Redis (127.0.0.1:6379) the tests use.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSnapshot, cpuUsed } from './lib/proc-cpu.js';
import { percentile, post as postWebhook, QUESTIONS, startFakeTelegram, update, WARM_UP } from './lib/telegram.js';
import { createTestDatabase, type TestDatabase } from '../tests/helpers/dialects.js';
import { SHARED_REDIS_URL, uniquePrefix } from '../tests/helpers/redis.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1500);
const USERS = Number(process.env.BENCH_USERS ?? 48);
const TOKEN = '123456:BENCH-token';
const SECRET = 'bench-secret_1';
const SELF = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------------------------------
// Child role: one instance

interface ServerArgs {
  apiRoot: string;
  databaseUrl?: string;
  sqlitePath?: string;
  redisUrl?: string;
  redisPrefix?: string;
}

async function runServer(a: ServerArgs): Promise<void> {
  const { createChannels, loadChannelConfigs } = await import('../src/bots/channels.js');
  const { Delivery } = await import('../src/bots/delivery/pipeline.js');
  const { createCoordinator } = await import('../src/coordination/index.js');
  const { createEngine } = await import('../src/flows/engine.js');
  const { createLogger } = await import('../src/log.js');
  const { buildApp } = await import('../src/server/app.js');
  const { createStore } = await import('../src/store/sql-store.js');
  // Request logs as in production, written where nobody reads them.
  const logger = createLogger('info', { write: () => true } as never);
  const store = await createStore(a.databaseUrl ? { databasePath: '', database: { kind: 'postgres', url: a.databaseUrl } } : { databasePath: a.sqlitePath! });
  const coordinator = await createCoordinator({ REDIS_URL: a.redisUrl, REDIS_PREFIX: a.redisPrefix ?? 'tlcd:' });
  const engine = createEngine({ store, coordinator });
  const unlimited = { perChat: { limit: 1e9, windowMs: 1000 }, global: { limit: 1e9, windowMs: 1000 } };
  const delivery = new Delivery({ db: store.db, store, engine, coordinator, logger, flood: false, outbox: { limits: { telegram: unlimited } } });
  const env = { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_API_ROOT: a.apiRoot, TELEGRAM_BOT_USERNAME: 'BenchBot' };
  const channels = createChannels(loadChannelConfigs(env), delivery, logger, { db: store.db, coordinator });
  const app = await buildApp({ config: { MAX_MESSAGE_CHARS: 2000, TRUST_PROXY: false }, engine, store, logger, webEngine: delivery, channels });
  await delivery.start();
  await app.listen({ port: 0, host: '127.0.0.1' });
  await channels.start();
  process.send?.({ port: (app.server.address() as AddressInfo).port });
}

/** Cores used per group (CPU seconds / wall seconds) between two snapshots. */
function coresUsed(before: Map<string, number>, after: Map<string, number>, seconds: number): Record<string, number> {
  return Object.fromEntries(Object.entries(cpuUsed(before, after)).map(([group, used]) => [group, used / seconds]));
}

// ---------------------------------------------------------------------------------------
// Driver

function startChild(args: ServerArgs): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, 'server', JSON.stringify(args)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ child, port: m.port }));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

const post = (port: number, body: string) => postWebhook(port, body, SECRET);

interface Result {
  perSecond: number;
  p50: number;
  p99: number;
  seconds: number;
  timeouts: number;
  /** Cores used during the measured run: instances, postgres (this database's backends), redis, driver. */
  cores: Record<string, number>;
}

const loadAverage = () => execFileSync('uptime', { encoding: 'utf8' }).trim().replace(/^.*load average:\s*/, '');

interface Setup {
  name: string;
  instances: number;
  /** Per-instance server arguments, given the fake's URL. */
  args(apiRoot: string): Promise<{ args: ServerArgs; cleanup(): Promise<void> }>;
}

async function bench(setup: Setup): Promise<Result> {
  const waiting = new Map<number, { remaining: number; resolve: () => void }>();
  const arrived = new Map<number, number>();
  const fake = await startFakeTelegram((chatId) => {
    arrived.set(chatId, (arrived.get(chatId) ?? 0) + 1);
    const w = waiting.get(chatId);
    if (w && --w.remaining === 0) {
      waiting.delete(chatId);
      w.resolve();
    }
  });
  const { args, cleanup } = await setup.args(fake.url);
  // The first instance migrates the database alone; the others start on it.
  const children = [await startChild(args)];
  for (let i = 1; i < setup.instances; i++) children.push(await startChild(args));
  const ports = children.map((c) => c.port);
  const anyPort = () => ports[Math.floor(Math.random() * ports.length)]!;
  const settle = () => new Promise((r) => setTimeout(r, 400));
  try {
    // How many parts each question's reply has, in a conversation that already began.
    const parts = new Map<string, number>();
    const probe = 9_000_000;
    await post(anyPort(), update(probe, 'chào'));
    await settle();
    for (const q of QUESTIONS) {
      const before = arrived.get(probe) ?? 0;
      await post(anyPort(), update(probe, q));
      await settle();
      parts.set(q, (arrived.get(probe) ?? 0) - before);
    }
    // Every virtual user's chat begins (not measured).
    await Promise.all(Array.from({ length: USERS }, (_, u) => post(anyPort(), update(1_000_000 + u, 'chào'))));
    await settle();
    await settle();

    let latencies: number[] = [];
    let timeouts = 0;
    const drive = async (count: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: USERS }, async (_, user) => {
          for (let i = next++; i < count; i = next++) {
            const chatId = 1_000_000 + user;
            const q = QUESTIONS[i % QUESTIONS.length]!;
            const t = performance.now();
            const done = new Promise<boolean>((resolve) => waiting.set(chatId, { remaining: parts.get(q) ?? 1, resolve: () => resolve(true) }));
            await post(anyPort(), update(chatId, q));
            // A reply with fewer parts than measured must not hang the run.
            if (!(await Promise.race([done, new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]))) timeouts++;
            latencies.push(performance.now() - t);
          }
        }),
      );
    };
    // Warm-up with the same load, not measured (see WARM_UP).
    await drive(WARM_UP);
    await settle();
    latencies = [];
    timeouts = 0;

    const database = args.databaseUrl ? new URL(args.databaseUrl).pathname.slice(1) : undefined;
    const pids = children.map((c) => c.child.pid!);
    const cpuBefore = cpuSnapshot(pids, database);
    const started = performance.now();
    await drive(MESSAGES);
    const seconds = (performance.now() - started) / 1000;
    const cores = coresUsed(cpuBefore, cpuSnapshot(pids, database), seconds);
    latencies.sort((x, y) => x - y);
    return { perSecond: MESSAGES / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), seconds, timeouts, cores };
  } finally {
    for (const c of children) c.child.kill('SIGKILL');
    await Promise.all(children.map((c) => (c.child.exitCode !== null || c.child.signalCode !== null ? undefined : new Promise((r) => c.child.once('exit', r)))));
    fake.server.close();
    await cleanup();
  }
}

/** PostgreSQL (a fresh database) and Redis (a fresh key prefix, deleted afterwards). */
function scaled(instances: number): Setup {
  return {
    name: `PostgreSQL + Redis, ${instances} instance${instances > 1 ? 's' : ''}`,
    instances,
    args: async (apiRoot) => {
      const database: TestDatabase = await createTestDatabase();
      const redisPrefix = uniquePrefix('bench-scale');
      return {
        args: { apiRoot, databaseUrl: database.url, redisUrl: SHARED_REDIS_URL, redisPrefix },
        cleanup: async () => {
          await database.drop();
          const { createClient } = await import('redis');
          const client = createClient({ url: SHARED_REDIS_URL });
          await client.connect();
          for await (const keys of client.scanIterator({ MATCH: `${redisPrefix}*`, COUNT: 500 })) if (keys.length) await client.del(keys);
          await client.quit();
        },
      };
    },
  };
}

const embedded: Setup = {
  name: 'embedded default (SQLite, one process)',
  instances: 1,
  args: async (apiRoot) => {
    const dir = mkdtempSync(join(tmpdir(), 'tlcd-bench-scale-'));
    return { args: { apiRoot, sqlitePath: join(dir, 'bench.db') }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

const CORES = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
const fmt = (r: Result) => `${r.perSecond.toFixed(0).padStart(5)} msg/s   p50 ${r.p50.toFixed(1).padStart(7)} ms   p99 ${r.p99.toFixed(1).padStart(7)} ms${r.timeouts ? `   (${r.timeouts} replies incomplete after 15 s)` : ''}`;

async function main(): Promise<void> {
  const [role, json] = process.argv.slice(2);
  if (role === 'server') return runServer(JSON.parse(json!) as ServerArgs);
  const only = process.env.BENCH_ONLY?.split(',');
  const setups = [embedded, scaled(1), scaled(3)].filter((_, i) => !only || only.includes(String(i + 1)));
  const lines = [`scale bench: ${MESSAGES} Telegram webhook messages per configuration, ${USERS} chats in parallel, ${CORES} cores`];
  lines.push(`load average before: ${loadAverage()}`);
  const results: Result[] = [];
  for (const s of setups) {
    const r = await bench(s);
    results.push(r);
    lines.push(`${s.name.padEnd(42)} ${fmt(r)}   (load ${loadAverage()})`);
    lines.push(`${''.padEnd(42)} cores used: ${Object.entries(r.cores).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}, total ${Object.values(r.cores).reduce((a, b) => a + b, 0).toFixed(2)} of ${CORES}`);
    process.stdout.write(`${lines.slice(-2).join('\n')}\n`);
  }
  if (results.length === 3) lines.push(`3 instances / 1 instance: ${(results[2]!.perSecond / results[1]!.perSecond).toFixed(2)}×`);
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});

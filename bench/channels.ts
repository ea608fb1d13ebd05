/**
 * `npm run bench:channels`: a platform message from webhook to delivered reply, through the
 * real HTTP path, on the embedded default (SQLite file, in-process Coordinator).
 *
 * The server (engine, delivery pipeline, Telegram channel, Fastify app with request logs at
 * info) runs in a child process pinned to one core (taskset, when available); this process
 * plays Telegram on loopback: it posts webhook updates and receives the bot's sendMessage calls.
 * A message counts as done when all of its reply parts reached the fake platform. A bare Fastify
 * echo server, pinned the same way, is measured with the same load for comparison.
 *
 * The platforms' own send-rate caps (Telegram: 30 messages/s overall) and the per-worker flood
 * limit are lifted for the server under test: they limit the platform and each person, not our
 * capacity (they are still checked on every message). Figures are printed, not asserted.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, post as postWebhook, QUESTIONS, startFakeTelegram, update } from './lib/telegram.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 4000);
const USERS = Number(process.env.BENCH_USERS ?? 64);
const TOKEN = '123456:BENCH-token';
const SECRET = 'bench-secret_1';
const SELF = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------------------------------
// BENCH_TRACE=1: where a message's time goes. The server stamps each stage per chat (one
// message per chat is in flight at a time) on a clock shared with the driver
// (performance.timeOrigin + now), and hands the stamps over when asked.

const TRACE = process.env.BENCH_TRACE === '1';
const clock = () => performance.timeOrigin + performance.now();
const STAGES = ['posted', 'stored', 'acked', 'engineStart', 'engineDone', 'committed', 'sendStart', 'received', 'sendDone'] as const;
type Stage = (typeof STAGES)[number];
const stamps: { chat: string; stage: Stage; t: number }[] = [];
const stamp = (chat: string, stage: Stage) => {
  if (TRACE) stamps.push({ chat, stage, t: clock() });
};

function traced<E extends { handleIn(a: { conversationId: string }, s: never): Promise<unknown> }>(engine: E): E {
  if (!TRACE) return engine;
  const handleIn = engine.handleIn.bind(engine);
  engine.handleIn = (async (a: { conversationId: string }, s: never) => {
    stamp(a.conversationId, 'engineStart');
    try {
      return await handleIn(a, s);
    } finally {
      stamp(a.conversationId, 'engineDone');
    }
  }) as E['handleIn'];
  return engine;
}

function instrument(
  delivery: {
    inbox: { accept(a: { conversationId: string }): Promise<unknown> };
    dispatcher: { kick(key: string): Promise<void> };
  },
): void {
  const accept = delivery.inbox.accept.bind(delivery.inbox);
  delivery.inbox.accept = async (a) => {
    const r = await accept(a);
    stamp(a.conversationId, 'stored');
    return r;
  };
  const kick = delivery.dispatcher.kick.bind(delivery.dispatcher);
  delivery.dispatcher.kick = (key) => {
    stamp(key.slice(key.indexOf(':') + 1), 'committed');
    return kick(key);
  };
  // The senders are registered already (private map): wrap them where they are.
  const senders = (delivery.dispatcher as unknown as { senders: Map<string, { send(t: { conversationId: string }, ...rest: unknown[]): Promise<unknown> }> }).senders;
  for (const sender of senders.values()) {
    const send = sender.send.bind(sender);
    sender.send = async (t, ...rest) => {
      stamp(t.conversationId, 'sendStart');
      try {
        return await send(t, ...rest);
      } finally {
        stamp(t.conversationId, 'sendDone');
      }
    };
  }
}

/** What a child reports over the measured window: its CPU time, and the trace when on. */
interface Report {
  cpu: NodeJS.CpuUsage;
  stamps: typeof stamps;
  sql: [string, { calls: number; ms: number }][];
}

/** 'mark' starts the measured window, 'report' ends it and sends a Report. */
function answerDriver(): void {
  let cpu = process.cpuUsage();
  process.on('message', (m) => {
    if (m === 'mark') {
      cpu = process.cpuUsage();
      stamps.splice(0);
      sqlTimes.clear();
    }
    if (m === 'report') {
      const report: Report = { cpu: process.cpuUsage(cpu), stamps: stamps.splice(0), sql: [...sqlTimes].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25) };
      process.send?.(report);
    }
  });
}

/** Asks the child for its Report. */
function report(child: ChildProcess): Promise<Report> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as Report));
    child.send('report');
  });
}

/** SQL text → calls and total ms in better-sqlite3 (the statement's own run/all/get). */
const sqlTimes = new Map<string, { calls: number; ms: number }>();
async function timeSql(): Promise<void> {
  const { default: Database } = await import('better-sqlite3');
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...a: unknown[]) => unknown>;
  probe.close();
  for (const name of ['run', 'all', 'get', 'iterate']) {
    const original = proto[name]!;
    proto[name] = function (this: { source: string }, ...a: unknown[]) {
      const t = performance.now();
      try {
        return original.apply(this, a);
      } finally {
        const e = sqlTimes.get(this.source) ?? sqlTimes.set(this.source, { calls: 0, ms: 0 }).get(this.source)!;
        e.calls++;
        e.ms += performance.now() - t;
      }
    };
  }
}

/** Per stage, the time since the webhook was posted (median, mean, p99), over complete messages. */
function traceReport(all: { chat: string; stage: Stage; t: number }[], from: number): string {
  const byChat = new Map<string, { stage: Stage; t: number }[]>();
  for (const s of all) if (s.t >= from) (byChat.get(s.chat) ?? byChat.set(s.chat, []).get(s.chat)!).push(s);
  const since = new Map<Stage, number[]>(STAGES.map((st) => [st, []]));
  for (const list of byChat.values()) {
    list.sort((a, b) => a.t - b.t);
    let current: Partial<Record<Stage, number>> = {};
    const flush = () => {
      if (!STAGES.every((st) => current[st] !== undefined)) return;
      for (const st of STAGES) since.get(st)!.push(current[st]! - current.posted!);
    };
    // A chat's stamps split into messages at each 'posted'.
    for (const s of list) {
      if (s.stage === 'posted') {
        flush();
        current = {};
      }
      current[s.stage] ??= s.t;
    }
    flush();
  }
  const lines = [...since].slice(1).map(([st, v]) => {
    v.sort((a, b) => a - b);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    return `  ${st.padEnd(12)} p50 ${percentile(v, 50).toFixed(2).padStart(8)} ms   mean ${mean.toFixed(2).padStart(8)} ms   p99 ${percentile(v, 99).toFixed(2).padStart(8)} ms`;
  });
  return [`stage reached, ms after the webhook was posted (${since.get('posted')!.length} messages):`, ...lines].join('\n');
}

// ---------------------------------------------------------------------------------------
// Child roles

async function runServer(apiRoot: string, dataDir: string): Promise<void> {
  const { createChannels, loadChannelConfigs } = await import('../src/bots/channels.js');
  const { Delivery } = await import('../src/bots/delivery/pipeline.js');
  const { LocalCoordinator } = await import('../src/coordination/local.js');
  const { createEngine } = await import('../src/flows/engine.js');
  const { createLogger } = await import('../src/log.js');
  const { buildApp } = await import('../src/server/app.js');
  const { createStore } = await import('../src/store/sql-store.js');
  // Request logs as in production, written where nobody reads them.
  const logger = createLogger('info', { write: () => true } as never);
  if (TRACE) await timeSql();
  const store = await createStore({ databasePath: join(dataDir, 'bench.db') });
  const engine = traced(createEngine({ store }));
  const unlimited = { perChat: { limit: 1e9, windowMs: 1000 }, global: { limit: 1e9, windowMs: 1000 } };
  const coordinator = new LocalCoordinator();
  // Per-worker flood control (20 messages a minute by default) would silence the virtual users,
  // who write far faster than people: it stays on, with a limit they never reach.
  const flood = { limit: 1e9, windowMs: 60_000 };
  const delivery = new Delivery({ db: store.db, store, engine, coordinator, logger, flood, outbox: { limits: { telegram: unlimited } } });
  const env = { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_API_ROOT: apiRoot, TELEGRAM_BOT_USERNAME: 'BenchBot' };
  const channels = createChannels(loadChannelConfigs(env), delivery, logger, { db: store.db, coordinator });
  const app = await buildApp({ config: { MAX_MESSAGE_CHARS: 2000, TRUST_PROXY: false }, engine, store, logger, webEngine: delivery, channels });
  if (TRACE) instrument(delivery);
  await delivery.start();
  await app.listen({ port: 0, host: '127.0.0.1' });
  await channels.start();
  process.send?.({ port: (app.server.address() as AddressInfo).port });
}

async function runEcho(): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify();
  app.post('/webhooks/telegram', async (req) => req.body);
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.send?.({ port: (app.server.address() as AddressInfo).port });
}

// ---------------------------------------------------------------------------------------
// Driver

/** Starts this file in a role, pinned to CPU 0 when taskset exists; resolves with its port. */
function startChild(role: string, args: string[]): Promise<{ child: ChildProcess; port: number; pinned: boolean }> {
  const pinned = spawnSync('taskset', ['--version']).status === 0;
  // BENCH_PROFILE=dir writes a CPU profile of each child there (open it in Chrome's DevTools).
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const node = [process.execPath, ...profile, '--import', 'tsx', SELF, role, ...args];
  const [cmd, ...rest] = pinned ? ['taskset', '-c', '0', ...node] : node;
  const child = spawn(cmd!, rest, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ child, port: m.port, pinned }));
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

const post = (port: number, body: string) => postWebhook(port, body, SECRET);

interface Result {
  perSecond: number;
  /** The server's CPU time (user + system) over the run, per message, in µs. */
  cpuPerMessage?: number;
  p50: number;
  p99: number;
  seconds: number;
}

/**
 * USERS virtual users, each its own chat, each sending its next message once the previous one
 * is done; `done` resolves a message (after the reply parts arrived, or at once for the echo).
 */
async function load(count: number, send: (user: number, i: number) => Promise<void>): Promise<Result> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: USERS }, async (_, user) => {
      for (let i = next++; i < count; i = next++) {
        const t = performance.now();
        await send(user, i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: count / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), seconds };
}

async function benchBot(): Promise<{ result: Result; pinned: boolean; parts: Map<string, number> }> {
  const waiting = new Map<number, { remaining: number; resolve: () => void }>();
  const arrived = new Map<number, number>();
  const fake = await startFakeTelegram((chatId) => {
    stamp(String(chatId), 'received');
    arrived.set(chatId, (arrived.get(chatId) ?? 0) + 1);
    const w = waiting.get(chatId);
    if (w && --w.remaining === 0) {
      waiting.delete(chatId);
      w.resolve();
    }
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'tlcd-bench-channels-'));
  const { child, port, pinned } = await startChild('server', [fake.url, dataDir]);
  const settle = () => new Promise((r) => setTimeout(r, 400));
  try {
    // How many parts each question's reply has, in a conversation that already began
    // (the first message of a chat also gets the greeting and the privacy notice).
    const parts = new Map<string, number>();
    const probe = 9_000_000;
    await post(port, update(probe, 'chào'));
    await settle();
    for (const q of QUESTIONS) {
      const before = arrived.get(probe) ?? 0;
      await post(port, update(probe, q));
      await settle();
      parts.set(q, (arrived.get(probe) ?? 0) - before);
    }
    // Warm-up: every virtual user's chat begins (not measured).
    await Promise.all(Array.from({ length: USERS }, (_, u) => post(port, update(1_000_000 + u, 'chào'))));
    await settle();
    await settle();

    let timedOut = 0;
    const from = clock();
    child.send('mark');
    const result = await load(MESSAGES, async (user, i) => {
      const chatId = 1_000_000 + user;
      const q = QUESTIONS[i % QUESTIONS.length]!;
      const done = new Promise<void>((resolve) => waiting.set(chatId, { remaining: parts.get(q) ?? 1, resolve }));
      stamp(String(chatId), 'posted');
      await post(port, update(chatId, q));
      stamp(String(chatId), 'acked');
      // A reply with fewer parts than measured must not hang the run; it is counted.
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = await Promise.race([done.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), 10_000)))]);
      clearTimeout(timer);
      if (gaveUp) timedOut++;
    });
    const server = await report(child);
    result.cpuPerMessage = (server.cpu.user + server.cpu.system) / MESSAGES;
    if (timedOut > 0) process.stdout.write(`WARNING: ${timedOut} messages got no complete reply within 10 s\n`);
    if (TRACE) {
      const merged = [...stamps, ...server.stamps];
      process.stdout.write(`${traceReport(merged, from)}\n`);
      process.stdout.write(`SQL time in better-sqlite3, top statements, per message (${MESSAGES}):\n`);
      for (const [sql, { calls, ms }] of server.sql) {
        process.stdout.write(`  ${((1000 * ms) / MESSAGES).toFixed(0).padStart(6)} µs ${(calls / MESSAGES).toFixed(2).padStart(6)} calls  ${sql.replace(/\s+/g, ' ').slice(0, 110)}\n`);
      }
    }
    return { result, pinned, parts };
  } finally {
    child.kill('SIGINT');
    fake.server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function benchEcho(): Promise<Result> {
  const { child, port } = await startChild('echo', []);
  try {
    await load(Math.min(2000, MESSAGES), (user, i) => post(port, update(1_000_000 + user, QUESTIONS[i % QUESTIONS.length]!))); // warm-up
    child.send('mark');
    const result = await load(MESSAGES, (user, i) => post(port, update(1_000_000 + user, QUESTIONS[i % QUESTIONS.length]!)));
    const { cpu } = await report(child);
    return { ...result, cpuPerMessage: (cpu.user + cpu.system) / MESSAGES };
  } finally {
    child.kill('SIGINT');
  }
}

const fmt = (r: Result) =>
  `${r.perSecond.toFixed(0).padStart(6)} msg/s   p50 ${r.p50.toFixed(2).padStart(7)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms   server CPU ${(r.cpuPerMessage ?? NaN).toFixed(0).padStart(5)} µs/msg`;

async function main(): Promise<void> {
  const [role, ...args] = process.argv.slice(2);
  if (role === 'server' || role === 'echo') {
    // Exit cleanly on the driver's SIGINT, so that a --cpu-prof profile gets written.
    process.once('SIGINT', () => process.exit(0));
    answerDriver();
    return role === 'server' ? runServer(args[0]!, args[1]!) : runEcho();
  }
  const bot = await benchBot();
  const echo = await benchEcho();
  process.stdout.write(
    [
      `channels bench: ${MESSAGES} Telegram webhook messages, ${USERS} chats in parallel, server ${bot.pinned ? 'pinned to one core (taskset -c 0)' : 'NOT pinned (no taskset)'}`,
      `reply parts per question: ${[...bot.parts.values()].join(', ')}`,
      `webhook → delivered reply  ${fmt(bot.result)}`,
      `bare Fastify echo          ${fmt(echo)}`,
      `ratio                      ${((100 * bot.result.perSecond) / echo.perSecond).toFixed(1)}% of the echo (target ≥ 50%, and ≥ 1,500 msg/s)`,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});

/**
 * `npm run bench:channels`: a platform message from webhook to delivered reply, through the
 * real HTTP path.
 *
 * The server (bench/lib/server.ts: engine, delivery pipeline, Telegram channel, Fastify app with
 * request logs at info, wired as src/main.ts wires them) runs in a child process pinned to one
 * core (taskset, when available), and this process keeps to the other cores (pinDriver in
 * ./lib/launch.ts; BENCH_DRIVER_PIN=0 lets it roam). This process plays Telegram on loopback: it posts webhook
 * updates and receives the bot's sendMessage calls. A message counts as done when all of its
 * reply parts reached the fake platform. A bare Fastify echo server, pinned the same way, is
 * measured with the same load in the same run for comparison, and so is a bare relay (Fastify in,
 * the project's Telegram client out, nothing stored, no engine): the floor of HTTP alone.
 *
 * Always measured: the embedded default (SQLite file, in-process Coordinator). With
 * DATABASE_URL=postgres://… and REDIS_URL=redis://… set, the same path is measured again on
 * PostgreSQL and Redis (a database of its own is created on that server and dropped after; Redis
 * keys get a prefix of their own and expire by themselves), with the CPU that database's
 * PostgreSQL backends and redis-server used a message over the same window (they share the
 * machine's cores with the server), and what all the processes together cost a message: the rate
 * the machine's cores could carry at that cost. The driver's own CPU a message is printed for
 * every server. Figures are printed, not asserted.
 *
 * Each server gets the same warm-up before its measured run (BENCH_WARMUP messages of the same
 * load, 12,000 by default), so every figure is a running server's, not one still compiling; each
 * line shows the share of the server's CPU that went off its main thread in the measured run
 * (V8's compiler and GC helpers, SQLite's checkpointer), which is high while V8 is still
 * optimising.
 *
 *   BENCH_MESSAGES (4000), BENCH_USERS (64 chats in parallel), BENCH_ROUNDS (1: every server
 *   once; n: n interleaved rounds, then each server's median and range, and each bot's share of
 *   the echo of its own round), BENCH_TRACE=1 (stage timings and SQL time per statement),
 *   BENCH_PROFILE=dir (CPU profiles), BENCH_NODE_FLAGS (added to the servers' node command line,
 *   e.g. "--trace-deopt"), BENCH_ENGINE=stub (the server's engine answers "ok" without reading
 *   anything: HTTP and delivery alone).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, pinDriver, type Launched } from './lib/launch.js';
import { cpuSnapshot, cpuUsed, threadsCpu } from './lib/proc-cpu.js';
import { privatePostgres } from './lib/private-postgres.js';
import { BENCH_SECRET, BENCH_TOKEN, SERVER_SCRIPT } from './lib/server.js';
import { post as postTo, percentile, QUESTIONS, startFakeTelegram, update, WARM_UP } from './lib/telegram.js';
import { answerDriver, clock, sqlReport, stamp, stamps, TRACE, traceReport } from './lib/trace.js';

const post = (port: number, body: string) => postTo(port, body, BENCH_SECRET);

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 4000);
const USERS = Number(process.env.BENCH_USERS ?? 64);
const SELF = fileURLToPath(import.meta.url);
/** Rounds of every server, interleaved (BENCH_ROUNDS, default 1): a summary of medians follows the rounds. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));

/** The echo role: a bare Fastify server answering the webhook route with its body. */
async function runEcho(): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify();
  app.post('/webhooks/telegram', async (req) => req.body);
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.once('SIGINT', () => process.exit(0));
  process.send?.({ port: (app.server.address() as AddressInfo).port });
}

/**
 * The relay role: the floor of the channel path. A bare Fastify route that parses the update,
 * acknowledges it and sends "ok" back through the project's Telegram client: HTTP in and out
 * as the bot does them, without the inbox, the engine or the outbox.
 */
async function runRelay(apiRoot: string): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const { TelegramClient } = await import('../src/bots/telegram/client.js');
  const telegram = new TelegramClient(BENCH_TOKEN, { apiRoot });
  const app = Fastify();
  app.post('/webhooks/telegram', async (req) => {
    const chatId = (req.body as { message: { chat: { id: number } } }).message.chat.id;
    void telegram.callApi('sendMessage', { chat_id: chatId, text: 'ok' });
    return { ok: true };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.once('SIGINT', () => process.exit(0));
  process.send?.({ port: (app.server.address() as AddressInfo).port });
}

interface Result {
  perSecond: number;
  p50: number;
  p99: number;
  seconds: number;
  /** The server's CPU time (user + system) over the run, per message, in µs. */
  cpuPerMessage?: number;
  /** Of which in the kernel (socket writes and reads: loopback TCP is processed in the sender's system time). */
  systemPerMessage?: number;
  /** Messages whose reply did not arrive complete within 10 s. */
  timedOut?: number;
  /** The server's event loop: busy share of the window (the rest it waited, idle). */
  loopBusy?: number;
  /** Share of the server's CPU spent off its main thread (V8's compiler and GC helpers, SQLite's checkpointer). */
  offMain?: number;
  /** PostgreSQL queries and Redis commands the server sent, per message. */
  pgPerMessage?: number;
  redisPerMessage?: number;
  /** CPU of this database's PostgreSQL backends and of redis-server over the run, per message, in µs (from /proc). */
  postgresCpuPerMessage?: number;
  redisCpuPerMessage?: number;
  /** This process's CPU (posting the webhooks, playing the platform) over the run, per message, in µs. */
  driverCpuPerMessage?: number;
}

/**
 * USERS virtual users, each its own chat, each sending its next message once the previous one
 * is done; `send` resolves when a message is done (its reply parts arrived, or at once for the echo).
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

async function benchBot(env: NodeJS.ProcessEnv): Promise<{ result: Result; pinned: boolean; parts: Map<string, number> }> {
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
  let server: Launched | undefined;
  const sleep = () => new Promise((r) => setTimeout(r, 400));
  // Until nothing more arrived for 400 ms: on a loaded machine a reply can take longer than
  // that, and a late part counted for the next question made every run of it time out.
  const settle = async () => {
    let seen = -1;
    while (seen !== [...arrived.values()].reduce((a, b) => a + b, 0)) {
      seen = [...arrived.values()].reduce((a, b) => a + b, 0);
      await sleep();
    }
  };
  try {
    server = await launch(SERVER_SCRIPT, [fake.url, dataDir], { env });
    const { port } = server;
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
    // Every virtual user's chat begins (not measured).
    await Promise.all(Array.from({ length: USERS }, (_, u) => post(port, update(1_000_000 + u, 'chào'))));
    await settle();
    await settle();

    let timedOut = 0;
    const send = async (user: number, i: number) => {
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
    };
    // Warm-up, as the bare servers get (see WARM_UP).
    await load(WARM_UP, send);
    await settle();
    stamps.splice(0);
    timedOut = 0;

    const from = clock();
    server.mark();
    const database = env.DATABASE_URL ? new URL(env.DATABASE_URL).pathname.slice(1) : undefined;
    const cpuBefore = cpuSnapshot([], database);
    const threadsBefore = threadsCpu(server.child.pid!);
    const result = await load(MESSAGES, send);
    result.offMain = offMainShare(threadsBefore, threadsCpu(server.child.pid!));
    const report = await server.report();
    const used = cpuUsed(cpuBefore, cpuSnapshot([], database));
    result.driverCpuPerMessage = ((used.driver ?? 0) * 1e6) / MESSAGES;
    if (database) {
      result.postgresCpuPerMessage = ((used.postgres ?? 0) * 1e6) / MESSAGES;
      result.redisCpuPerMessage = ((used.redis ?? 0) * 1e6) / MESSAGES;
    }
    result.cpuPerMessage = (report.cpu.user + report.cpu.system) / MESSAGES;
    result.systemPerMessage = report.cpu.system / MESSAGES;
    result.timedOut = timedOut;
    result.loopBusy = report.loopBusy;
    const total = (list: [string, number][], skip = /^$/) => list.filter(([k]) => !skip.test(k)).reduce((a, [, n]) => a + n, 0);
    result.pgPerMessage = total(report.roundTrips.pg) / MESSAGES;
    // A pipeline's commands go out in one write: counted once, by its '(one write)' entry.
    result.redisPerMessage = total(report.roundTrips.redis, /^(pipeline|multi): /) / MESSAGES;
    if (TRACE) {
      process.stdout.write(`${traceReport([...stamps.splice(0), ...report.stamps], from)}\n`);
      process.stdout.write(`${sqlReport(report.sql, MESSAGES)}\n`);
      for (const [what, list] of [['PostgreSQL queries', report.roundTrips.pg], ['Redis commands', report.roundTrips.redis]] as const) {
        if (list.length === 0) continue;
        process.stdout.write(`${what} per message:\n`);
        for (const [text, n] of list.slice(0, 30)) process.stdout.write(`  ${(n / MESSAGES).toFixed(2).padStart(6)}  ${text}\n`);
      }
    }
    return { result, pinned: server.pinned, parts };
  } finally {
    await server?.stop();
    fake.server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * A bare server (the echo, or the relay with a fake Telegram to send to), measured with the
 * same load as the bot after a warm-up: for the relay a message is done when its "ok" arrived.
 */
async function benchBare(role: 'echo' | 'relay'): Promise<Result> {
  const waiting = new Map<number, () => void>();
  const fake =
    role === 'relay'
      ? await startFakeTelegram((chatId) => {
          waiting.get(chatId)?.();
          waiting.delete(chatId);
        })
      : undefined;
  const bare = await launch(SELF, fake ? [role, fake.url] : [role]);
  try {
    const send = async (user: number, i: number) => {
      const chatId = 1_000_000 + user;
      const replied = fake ? new Promise<void>((resolve) => waiting.set(chatId, resolve)) : undefined;
      await post(bare.port, update(chatId, QUESTIONS[i % QUESTIONS.length]!));
      await replied;
    };
    await load(WARM_UP, send);
    bare.mark();
    const cpuBefore = cpuSnapshot([], undefined);
    const threadsBefore = threadsCpu(bare.child.pid!);
    const result = await load(MESSAGES, send);
    const offMain = offMainShare(threadsBefore, threadsCpu(bare.child.pid!));
    const { cpu } = await bare.report();
    const driver = cpuUsed(cpuBefore, cpuSnapshot([], undefined)).driver ?? 0;
    return { ...result, cpuPerMessage: (cpu.user + cpu.system) / MESSAGES, systemPerMessage: cpu.system / MESSAGES, offMain, driverCpuPerMessage: (driver * 1e6) / MESSAGES };
  } finally {
    await bare.stop();
    fake?.server.close();
  }
}

/** The share of a process's CPU between two threadsCpu() snapshots that went to threads other than its main one. */
function offMainShare(before: ReturnType<typeof threadsCpu>, after: ReturnType<typeof threadsCpu>): number {
  const main = Math.max(0, after.main - before.main);
  const others = Math.max(0, after.others - before.others);
  return main + others > 0 ? others / (main + others) : 0;
}

/**
 * A bot run whose server's event loop was idle more than 5% of the window: the driver (on its
 * own core, which the machine also slows at times) did not keep the server busy, so the figure
 * is the load's pace rather than the server's. The other rounds ran 95–99% busy (2026-11-30).
 */
const underDriven = (r: Result) => r.loopBusy !== undefined && r.loopBusy < 0.95;

const fmt = (r: Result) =>
  `${r.perSecond.toFixed(0).padStart(6)} msg/s   p50 ${r.p50.toFixed(2).padStart(7)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms   server CPU ${(r.cpuPerMessage ?? NaN).toFixed(0).padStart(5)} µs/msg` +
  (r.systemPerMessage !== undefined ? ` (system ${r.systemPerMessage.toFixed(0)})` : '') +
  (r.loopBusy !== undefined
    ? underDriven(r)
      ? `   loop busy ${(100 * r.loopBusy).toFixed(1)}% (under-driven: the load, not the server, set this figure)`
      : `   loop busy ${(100 * r.loopBusy).toFixed(0)}%`
    : '') +
  (r.offMain !== undefined ? `   off main thread ${(100 * r.offMain).toFixed(0)}%` : '') +
  (r.pgPerMessage ? `   ${r.pgPerMessage.toFixed(1)} PG queries + ${r.redisPerMessage!.toFixed(1)} Redis commands/msg` : '') +
  (r.postgresCpuPerMessage !== undefined ? `   PostgreSQL backends ${r.postgresCpuPerMessage.toFixed(0)} µs/msg, redis-server ${r.redisCpuPerMessage!.toFixed(0)}` : '') +
  (r.driverCpuPerMessage !== undefined ? `   driver ${r.driverCpuPerMessage.toFixed(0)} µs/msg` : '') +
  (r.postgresCpuPerMessage !== undefined ? `   ${machineCeiling(r)}` : '') +
  (r.timedOut ? `   ${r.timedOut} replies timed out` : '');

/**
 * Everything a message costs on this machine (the server, PostgreSQL's backends, redis-server,
 * the driver), and the rate the machine's cores could carry at that cost if every one of them
 * were busy all the time: the ceiling of any figure measured here with all of them on one machine.
 */
function machineCeiling(r: Result): string {
  const total = (r.cpuPerMessage ?? 0) + (r.postgresCpuPerMessage ?? 0) + (r.redisCpuPerMessage ?? 0) + (r.driverCpuPerMessage ?? 0);
  const cores = cpus().length;
  return `all processes ${total.toFixed(0)} µs/msg: ${cores} cores carry ≤ ${((cores * 1e6) / total).toFixed(0)} msg/s`;
}

async function main(): Promise<void> {
  const [role] = process.argv.slice(2);
  if (role === 'echo') {
    answerDriver();
    return runEcho();
  }
  if (role === 'relay') {
    answerDriver();
    return runRelay(process.argv[3]!);
  }
  const pgUrl = process.env.DATABASE_URL?.trim();
  const redisUrl = process.env.REDIS_URL?.trim();
  // The embedded default is measured without either, whatever this shell has set.
  // BENCH_ONLY=postgres or =sqlite measures that bot alone, without the bare servers
  // (quicker, for comparing two versions of the bot).
  const only = process.env.BENCH_ONLY;
  const driverCpus = pinDriver();
  const rounds: Round[] = [];
  for (let n = 1; n <= ROUNDS; n++) {
    if (ROUNDS > 1) process.stdout.write(`round ${n} of ${ROUNDS}\n`);
    const round = await measureRound(only, pgUrl, redisUrl);
    rounds.push(round);
    process.stdout.write(roundReport(round, driverCpus));
  }
  if (ROUNDS > 1) process.stdout.write(summary(rounds));
}

/** One of each server, one after the other: the bot on SQLite, on PostgreSQL + Redis, the echo, the relay. */
interface Round {
  embedded?: Awaited<ReturnType<typeof benchBot>>;
  scaled?: Awaited<ReturnType<typeof benchBot>>;
  echo?: Result;
  relay?: Result;
}

async function measureRound(only: string | undefined, pgUrl: string | undefined, redisUrl: string | undefined): Promise<Round> {
  const embedded = only === 'postgres' ? undefined : await benchBot({ DATABASE_URL: '', REDIS_URL: '' });
  let scaled: Round['scaled'];
  if (pgUrl && redisUrl && only !== 'sqlite') {
    const db = await privatePostgres(pgUrl);
    try {
      scaled = await benchBot({ DATABASE_URL: db.url, REDIS_URL: redisUrl, REDIS_PREFIX: `tlcd-bench-${process.pid}:` });
    } finally {
      await db.drop();
    }
  }
  const echo = only ? undefined : await benchBare('echo');
  const relay = only ? undefined : await benchBare('relay');
  return { embedded, scaled, echo, relay };
}

function roundReport({ embedded, scaled, echo, relay }: Round, driverCpus: string | undefined): string {
  const ratio = (r: Result) => (echo ? `${((100 * r.perSecond) / echo.perSecond).toFixed(1)}% of the echo` : '');
  const any = embedded ?? scaled;
  return [
    `channels bench: ${MESSAGES} Telegram webhook messages, ${USERS} chats in parallel, server ${any?.pinned ? 'pinned to one core (taskset -c 0)' : 'NOT pinned (no taskset)'}, driver ${driverCpus ? `on the other cores (${driverCpus})` : 'unpinned'}`,
    `reply parts per question: ${[...(any?.parts.values() ?? [])].join(', ')}`,
    embedded ? `webhook → delivered reply, SQLite + in-process     ${fmt(embedded.result)}   ${ratio(embedded.result)} (target ≥ 50% and ≥ 1,500 msg/s)` : 'SQLite: not measured (BENCH_ONLY=postgres)',
    scaled
      ? `webhook → delivered reply, PostgreSQL + Redis      ${fmt(scaled.result)}   ${ratio(scaled.result)} (target ≥ 1,000 msg/s)`
      : 'PostgreSQL + Redis: not measured (set DATABASE_URL=postgres://… and REDIS_URL=redis://… to add it)',
    echo ? `bare Fastify echo                                  ${fmt(echo)}` : '',
    relay ? `bare relay (Fastify in, Telegram client out)       ${fmt(relay)}` : '',
    '',
  ].join('\n');
}

/**
 * Over BENCH_ROUNDS rounds: each server's median and range, and each bot's share of the echo
 * of its own round. On a machine shared with others the rounds can differ by a third; the
 * median of interleaved rounds says more than any one of them.
 */
function summary(rounds: Round[]): string {
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  const spread = (xs: number[], digits = 0) => `median ${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
  const lines = [`over ${rounds.length} rounds:`];
  const series: [string, (r: Round) => Result | undefined, number | undefined][] = [
    ['SQLite + in-process', (r) => r.embedded?.result, 1500],
    ['PostgreSQL + Redis', (r) => r.scaled?.result, 1000],
    ['bare Fastify echo', (r) => r.echo, undefined],
    ['bare relay', (r) => r.relay, undefined],
  ];
  for (const [name, pick, target] of series) {
    const measured = rounds.map((r) => ({ result: pick(r), echo: r.echo })).filter((m): m is { result: Result; echo: Result | undefined } => m.result !== undefined);
    if (measured.length === 0) continue;
    const rates = measured.map((m) => m.result.perSecond);
    let line = `  ${name.padEnd(22)} msg/s ${spread(rates)}   server CPU µs/msg ${spread(measured.map((m) => m.result.cpuPerMessage ?? NaN))}`;
    const shares = measured.filter((m) => m.echo).map((m) => (100 * m.result.perSecond) / m.echo!.perSecond);
    if (target !== undefined && shares.length > 0) line += `   % of its round's echo ${spread(shares, 1)}`;
    if (target !== undefined) line += `   rounds ≥ ${target.toLocaleString('en')} msg/s: ${rates.filter((r) => r >= target).length} of ${rates.length}`;
    const under = measured.filter((m) => underDriven(m.result)).length;
    if (under > 0) line += ` (${under} under-driven)`;
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});

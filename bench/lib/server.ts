/**
 * The server under test of the benchmarks, wired as src/main.ts wires it (engine with the
 * Coordinator, metrics wrapper, durable delivery pipeline, Telegram channel in webhook mode,
 * Fastify app with request logs at info), started by `launch()` (./launch.ts) in a process of
 * its own, transpiled as `npm start` runs the server:
 *
 *   node node_modules/.cache/tlcd-bench/bench/lib/server.js <telegram api root> <data dir>
 *
 * The database and Coordinator follow the environment as in production: SQLite in the data dir
 * and the in-process Coordinator by default; PostgreSQL with DATABASE_URL=postgres://…, Redis with
 * REDIS_URL (and REDIS_PREFIX). The Telegram bot token and webhook secret are BENCH_TOKEN and
 * BENCH_SECRET below. The process tells its parent its port over IPC, then answers 'mark' and
 * 'report' (see ./trace.ts); SIGINT stops it cleanly (so that --cpu-prof writes its profile).
 *
 * The platforms' send-rate caps (Telegram: 30 messages/s overall) and the per-worker flood limit
 * (20 messages a minute) are lifted: they limit the platform and each person, not our capacity,
 * and are still checked on every message.
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STUB, stubEngine } from './stub-engine.js';
import { answerDriver, countRoundTrips, instrument, TRACE, timeSql, traced } from './trace.js';

export const BENCH_TOKEN = '123456:BENCH-token';
export const BENCH_SECRET = 'bench-secret_1';
export const SERVER_SCRIPT = fileURLToPath(import.meta.url);

export async function runBenchServer(apiRoot: string, dataDir: string): Promise<{ port: number; stop(): Promise<void> }> {
  const { loadChannelConfigs } = await import('../../src/bots/channels.js');
  const { createCoordinator } = await import('../../src/coordination/index.js');
  const { createEngine } = await import('../../src/flows/engine.js');
  const { createLogger } = await import('../../src/log.js');
  const { assembleServer } = await import('../../src/server/assemble.js');
  const { instrumentEngine } = await import('../../src/server/metrics.js');
  const { createStore } = await import('../../src/store/sql-store.js');
  // Request logs as in production, written where nobody reads them.
  const logger = createLogger('info', { write: () => true } as never);
  if (TRACE) await timeSql();
  await countRoundTrips();
  const url = process.env.DATABASE_URL?.trim();
  if (url && !/^postgres(ql)?:\/\//.test(url)) throw new Error('the bench takes a postgres:// DATABASE_URL, or none (SQLite)');
  const store = await createStore({ databasePath: join(dataDir, 'bench.db'), ...(url ? { database: { kind: 'postgres', url } as const } : {}) });
  const coordinator = await createCoordinator({ REDIS_URL: process.env.REDIS_URL?.trim() || undefined, REDIS_PREFIX: process.env.REDIS_PREFIX ?? 'tlcd-bench:' });
  const engine = traced(instrumentEngine(STUB ? stubEngine : createEngine({ store, coordinator })) as Required<ReturnType<typeof instrumentEngine>>);
  const unlimited = { perChat: { limit: 1e9, windowMs: 1000 }, global: { limit: 1e9, windowMs: 1000 } };
  const flood = { limit: 1e9, windowMs: 60_000 };
  const env = { TELEGRAM_BOT_TOKEN: BENCH_TOKEN, TELEGRAM_WEBHOOK_SECRET: BENCH_SECRET, TELEGRAM_API_ROOT: apiRoot, TELEGRAM_BOT_USERNAME: 'BenchBot' };
  const server = await assembleServer({
    store,
    coordinator,
    engine,
    logger,
    channelConfigs: loadChannelConfigs(env),
    delivery: { flood, outbox: { limits: { telegram: unlimited } } },
    app: { config: { MAX_MESSAGE_CHARS: 2000, TRUST_PROXY: false } },
  });
  if (TRACE) instrument(server.delivery);
  await server.start({ port: 0, host: '127.0.0.1' });
  return {
    port: (server.app.server.address() as AddressInfo).port,
    stop: async () => {
      await server.stop();
      await coordinator.close();
      await store.close();
    },
  };
}

if (process.argv[1] === SERVER_SCRIPT) {
  const [apiRoot, dataDir] = process.argv.slice(2);
  if (!apiRoot || !dataDir) throw new Error('usage: server.ts <telegram api root> <data dir>');
  answerDriver();
  const server = await runBenchServer(apiRoot, dataDir);
  process.once('SIGINT', () => {
    // Bounded: a profile must be written even if something hangs on the way out.
    setTimeout(() => process.exit(0), 3000).unref();
    void server.stop().finally(() => process.exit(0));
  });
  process.send?.({ port: server.port });
}

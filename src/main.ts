/**
 * `npm start`: the bot on the embedded default — SQLite in ./var, the web chat at /,
 * no credentials, no network; PostgreSQL and Redis when DATABASE_URL and REDIS_URL say so.
 * Zalo, Messenger and Telegram start when their credentials are in the environment
 * (src/bots/channels.ts). On SIGTERM/SIGINT it reports not-ready, refuses new webhooks with 503,
 * stops polling, finishes the requests and deliveries in flight, then closes Redis and the database.
 *
 * Exit codes: 2 bad configuration, 3 knowledge base or holidays file with errors, 1 anything else at start-up.
 */
import { join } from 'node:path';
import { ChannelConfigError, loadChannelConfigs } from './bots/channels.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createCoordinator } from './coordination/index.js';
import { createEngine } from './flows/engine.js';
import { HolidaysError } from './flows/handoff/holidays.js';
import { handoffSettings } from './flows/handoff/settings.js';
import type { Coordinator } from './coordination/types.js';
import { KnowledgeError } from './knowledge/load.js';
import { llmSettings } from './knowledge/llm/settings.js';
import { createLogger, type Logger } from './log.js';
import { assembleServer, type StopStep } from './server/assemble.js';
import { instrumentEngine } from './server/metrics.js';
import { createStore } from './store/sql-store.js';
import type { Store } from './store/types.js';

/** A stuck request or a hung database must not keep a stopping process alive forever. */
const SHUTDOWN_GRACE_MS = 10_000;

/** True when `work` ends within ms, false when it is still going; its error is thrown. */
async function finishesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([work.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a configuration reader; a configuration error is printed (it names the variable) and exits 2. */
function readOrExit<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ChannelConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

async function openEngine(store: Store, config: Config, logger: Logger, coordinator: Coordinator) {
  try {
    const handoff = handoffSettings(config, logger);
    // Parsed YAML and analysed texts are kept in DATA_DIR/cache: start-up reads them instead of computing them.
    const cacheDir = join(config.DATA_DIR, 'cache');
    return createEngine({ store, kbDir: config.KB_DIR, rulesDir: config.RULES_DIR, logger, coordinator, handoff, llm: llmSettings(config), cacheDir });
  } catch (err) {
    if (err instanceof KnowledgeError || err instanceof HolidaysError) {
      logger.fatal(err.message);
      await store.close();
      process.exit(3);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const config = readOrExit(() => loadConfig());
  const channelConfigs = readOrExit(() => loadChannelConfigs());
  const logger = createLogger(config.LOG_LEVEL);
  // Broken connections are replaced by the pool/client; a warning is enough.
  const store = await createStore({ ...config, onConnectionError: (err) => logger.warn({ err }, 'database connection lost') });
  const coordinator = await createCoordinator(config, { onError: (err) => logger.warn({ err }, 'redis connection problem') });
  const bareEngine = await openEngine(store, config, logger, coordinator);
  const engine = instrumentEngine(bareEngine);
  let stopping = false;
  const server = await assembleServer({
    store,
    coordinator,
    engine,
    logger,
    channelConfigs,
    app: {
      config,
      isReady: async () => !stopping,
      draining: () => stopping,
      checks: config.REDIS_URL ? { redis: () => coordinator.ping() } : {},
    },
    console: { kb: bareEngine.kb },
  });
  const { app, channels } = server;
  await server.start({ port: config.PORT, host: config.HOST });

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  const database = config.database.kind === 'postgres' ? 'postgres' : config.databasePath;
  logger.info(
    { url: `http://${host}:${port}/`, database, redis: Boolean(config.REDIS_URL), channels: { web: 'on', ...channels.on }, startupMs: Math.round(performance.now() - started) },
    'ready',
  );

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error({ graceMs: SHUTDOWN_GRACE_MS }, 'shutdown took too long, exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    // From here /readyz fails and new webhooks get 503 (platforms redeliver elsewhere).
    // Take no more events, finish the processing and sends under way, then close what they
    // use. A step that overruns its time is named and left: work still in flight is in the
    // inbox and outbox, and is taken up again after its lease (here or by another instance).
    const steps: StopStep[] = [
      ...server.stopSteps,
      { name: 'coordinator', limitMs: 500, run: () => coordinator.close() },
      { name: 'store', limitMs: 500, run: () => store.close() },
    ];
    const unfinished: string[] = [];
    for (const step of steps) {
      try {
        if (await finishesWithin(step.run(), step.limitMs)) continue;
        logger.warn({ step: step.name, limitMs: step.limitMs }, 'shutdown step overran its time, going on');
      } catch (err) {
        logger.error({ err, step: step.name }, 'shutdown step failed, going on');
      }
      unfinished.push(step.name);
    }
    // Written before exit returns: the logger writes synchronously (src/log.ts).
    logger.info(unfinished.length > 0 ? { unfinished } : {}, 'stopped');
    process.exit(unfinished.length > 0 ? 1 : 0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`start-up failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

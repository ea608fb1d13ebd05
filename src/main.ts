/**
 * `npm start`: the bot on the embedded default — SQLite in ./var, the web chat at /,
 * no credentials, no network. On SIGTERM/SIGINT it reports not-ready, finishes the requests
 * in flight, then closes the database.
 *
 * Exit codes: 2 bad configuration, 3 knowledge base with errors, 1 anything else at start-up.
 */
import { ConfigError, loadConfig, type Config } from './config.js';
import { createCoordinator } from './coordination/index.js';
import { createEngine } from './flows/engine.js';
import { KnowledgeError } from './knowledge/load.js';
import { createLogger, type Logger } from './log.js';
import { buildApp } from './server/app.js';
import { createStore } from './store/sql-store.js';
import type { Store } from './store/types.js';

/** A stuck request or a hung database must not keep a stopping process alive forever. */
const SHUTDOWN_GRACE_MS = 10_000;

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

async function openEngine(store: Store, config: Config, logger: Logger) {
  try {
    return createEngine({ store, kbDir: config.KB_DIR, rulesDir: config.RULES_DIR, logger });
  } catch (err) {
    if (err instanceof KnowledgeError) {
      logger.fatal(err.message);
      await store.close();
      process.exit(3);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const config = readConfig();
  const logger = createLogger(config.LOG_LEVEL);
  // Broken connections are replaced by the pool/client; a warning is enough.
  const store = await createStore({ ...config, onConnectionError: (err) => logger.warn({ err }, 'database connection lost') });
  const coordinator = await createCoordinator(config, { onError: (err) => logger.warn({ err }, 'redis connection problem') });
  const engine = await openEngine(store, config, logger);

  let stopping = false;
  const checks: Record<string, () => Promise<boolean>> = config.REDIS_URL ? { redis: () => coordinator.ping() } : {};
  const app = await buildApp({ config, engine, store, logger, isReady: async () => !stopping, checks });
  await app.listen({ port: config.PORT, host: config.HOST });

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  const database = config.database.kind === 'postgres' ? 'postgres' : config.databasePath;
  logger.info({ url: `http://${host}:${port}/`, database, redis: Boolean(config.REDIS_URL), startupMs: Math.round(performance.now() - started) }, 'ready');

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error({ graceMs: SHUTDOWN_GRACE_MS }, 'shutdown took too long, exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    try {
      // Server first (requests in flight still use the store), then the store.
      await app.close();
      await coordinator.close();
      await store.close();
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`start-up failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

/**
 * `npm start`: the bot on the embedded default — SQLite in ./var, the web chat at /,
 * no credentials, no network. Stops on SIGTERM/SIGINT after finishing requests in flight.
 */
import { ConfigError, loadConfig } from './config.js';
import { createEngine } from './flows/engine.js';
import { KnowledgeError } from './knowledge/load.js';
import { createLogger } from './log.js';
import { buildApp } from './server/app.js';
import { createStore } from './store/sql-store.js';

async function main(): Promise<void> {
  const started = performance.now();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const store = await createStore({ databasePath: config.databasePath });
  let engine;
  try {
    engine = createEngine({ store, kbDir: config.KB_DIR, rulesDir: config.RULES_DIR, logger });
  } catch (err) {
    if (err instanceof KnowledgeError) {
      logger.fatal(err.message);
      await store.close();
      process.exit(3);
    }
    throw err;
  }
  const app = await buildApp({ config, engine, store, logger });
  await app.listen({ port: config.PORT, host: config.HOST });
  logger.info({ url: `http://localhost:${config.PORT}/`, database: config.databasePath, startupMs: Math.round(performance.now() - started) }, 'ready');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`start-up failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});

/**
 * The platform channels the server runs: each is on when its credentials are in the
 * environment (Telegram: TELEGRAM_BOT_TOKEN, Zalo: ZALO_APP_ID, Messenger:
 * MESSENGER_PAGE_ACCESS_TOKEN), and a half-set or malformed one stops start-up with a message
 * naming the variable. Every channel hands inbound events to the delivery inbox and registers
 * its sender with the outbox dispatcher.
 *
 * Webhooks are at /webhooks/telegram, /webhooks/zalo and /webhooks/messenger; Telegram can
 * instead long-poll (TELEGRAM_MODE=polling) for development without a public URL.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Coordinator } from '../coordination/types.js';
import type { Channel } from '../flows/activity.js';
import type { Logger } from '../log.js';
import type { DatabaseSchema } from '../store/db.js';
import type { Delivery } from './delivery/pipeline.js';
import type { ChannelSender } from './delivery/types.js';
import { ChannelEnvError } from './channel-env.js';
import type { ProfileCache } from './profile-cache.js';
import { createMessengerChannel, loadMessengerConfig, messengerWebhook, type MessengerConfig } from './messenger/index.js';
import { createTelegramChannel, loadTelegramConfig, telegramWebhook, type CallbackDataRegistry, type TelegramChannel, type TelegramConfig } from './telegram/index.js';
import type { PollingHandle } from './telegram/routes.js';
import { createZaloChannel, createZaloTokenManager, loadZaloConfig, zaloWebhook, type Lock, type TokenStore, type ZaloConfig } from './zalo/index.js';
import { ZALO_WEBHOOK_PATH } from './zalo/routes.js';
import { workerNames } from './worker-names.js';

export interface ChannelConfigs {
  telegram?: TelegramConfig;
  zalo?: ZaloConfig;
  messenger?: MessengerConfig;
}

export class ChannelConfigError extends Error {
  override name = 'ChannelConfigError';
}

/**
 * Reads every channel's configuration; throws ChannelConfigError listing each problem with the
 * variable it concerns (never its value).
 */
export function loadChannelConfigs(env: NodeJS.ProcessEnv = process.env): ChannelConfigs {
  const configs: ChannelConfigs = {};
  const problems: string[] = [];
  const read = <T>(load: (env: NodeJS.ProcessEnv) => T | undefined): T | undefined => {
    try {
      return load(env);
    } catch (err) {
      if (err instanceof ChannelEnvError) {
        problems.push(err.message);
        return undefined;
      }
      throw err;
    }
  };
  const telegram = read(loadTelegramConfig);
  const zalo = read(loadZaloConfig);
  const messenger = read(loadMessengerConfig);
  if (problems.length > 0) throw new ChannelConfigError(`${problems.join('\n')}\n(see .env.example)`);
  if (telegram) configs.telegram = telegram;
  if (zalo) configs.zalo = zalo;
  if (messenger) configs.messenger = messenger;
  return configs;
}

/** Durable pieces supplied by other modules when they exist; in-memory defaults otherwise. */
export interface ChannelExtras {
  /**
   * With the database and the Coordinator: Zalo's rotating token pair is stored in the database
   * and refreshed under a Coordinator lock (createZaloTokenManager), and Telegram's button
   * tokens are shared by every instance (SqlCallbackRegistry). Production passes both.
   */
  db?: Kysely<DatabaseSchema>;
  coordinator?: Coordinator;
  zaloTokenStore?: TokenStore;
  zaloLock?: Lock;
  telegramRegistry?: CallbackDataRegistry;
}

export interface Channels {
  /** Names of the channels that are on, with how they receive: for the start-up log. */
  readonly on: Record<string, string>;
  /** Registers the webhook routes of the channels that use them. */
  routes(app: FastifyInstance): Promise<void>;
  /** Starts background work: Telegram polling, Zalo token refresh. */
  start(): Promise<void>;
  /** Stops taking events (polling) and background work. */
  stop(): Promise<void>;
  /** The platform senders, for what bypasses the outbox (the console's typing indicator). */
  readonly senders: readonly ChannelSender[];
  /** Telegram's files by file_id, when the channel is on (the console shows what workers sent). */
  readonly telegramFiles?: TelegramChannel['files'];
  /** Drops what a channel keeps of a worker in memory (Zalo's and Messenger's display names) after their data was erased. */
  forgetWorker(channel: Channel, userId: string): void;
}

export function createChannels(configs: ChannelConfigs, delivery: Delivery, logger: Logger, extras: ChannelExtras = {}): Channels {
  const inbox = delivery.inbox;
  const on: Record<string, string> = {};
  const routes: ((app: FastifyInstance) => Promise<void>)[] = [];
  const starts: (() => Promise<void>)[] = [];
  const stops: (() => Promise<void>)[] = [];
  const senders: ChannelSender[] = [];
  const profileCaches = new Map<Channel, ProfileCache>();
  let telegramFiles: TelegramChannel['files'] | undefined;

  if (configs.telegram) {
    const channel = createTelegramChannel({
      config: configs.telegram,
      inbox,
      ...(extras.telegramRegistry ? { registry: extras.telegramRegistry } : {}),
      ...(extras.db ? { db: extras.db } : {}),
    });
    delivery.register(channel.sender);
    senders.push(channel.sender);
    telegramFiles = channel.files;
    const webhook = channel.webhookOptions;
    if (webhook) {
      on.telegram = 'webhook /webhooks/telegram';
      routes.push(async (app) => void (await app.register(telegramWebhook, webhook)));
    } else {
      on.telegram = 'polling';
      let polling: PollingHandle | undefined;
      starts.push(async () => {
        polling = channel.startPolling(logger.child({ channel: 'telegram' }));
      });
      stops.push(async () => polling?.stop());
    }
  }
  if (configs.zalo) {
    const channel = createZaloChannel({
      config: configs.zalo,
      inbox,
      logger,
      ...(extras.db && extras.coordinator && !extras.zaloTokenStore
        ? { tokens: createZaloTokenManager({ db: extras.db, coordinator: extras.coordinator, config: configs.zalo, logger }) }
        : {}),
      ...(extras.zaloTokenStore ? { tokenStore: extras.zaloTokenStore } : {}),
      ...(extras.zaloLock ? { lock: extras.zaloLock } : {}),
      ...(extras.db ? { profilePersistence: workerNames(extras.db, 'zalo') } : {}),
    });
    delivery.register(channel.sender);
    senders.push(channel.sender);
    profileCaches.set('zalo', channel.profiles);
    on.zalo = `webhook ${ZALO_WEBHOOK_PATH}`;
    routes.push(async (app) => void (await app.register(zaloWebhook, channel.webhookOptions)));
    starts.push(() => channel.start());
    stops.push(async () => channel.stop());
  }
  if (configs.messenger) {
    const channel = createMessengerChannel({ config: configs.messenger, inbox, ...(extras.db ? { profilePersistence: workerNames(extras.db, 'messenger') } : {}) });
    delivery.register(channel.sender);
    senders.push(channel.sender);
    profileCaches.set('messenger', channel.profiles);
    on.messenger = 'webhook /webhooks/messenger';
    routes.push(async (app) => void (await app.register(messengerWebhook, channel.webhookOptions)));
  }

  return {
    on,
    senders,
    ...(telegramFiles ? { telegramFiles } : {}),
    routes: async (app) => {
      for (const add of routes) await add(app);
    },
    start: async () => {
      for (const start of starts) await start();
    },
    stop: async () => {
      for (const stop of stops) await stop();
    },
    forgetWorker: (channel, userId) => profileCaches.get(channel)?.forget(userId),
  };
}

/**
 * The serving parts put together in one place: the delivery pipeline (inbox → engine →
 * outbox), the platform channels on it, and the HTTP application with the web chat, the
 * webhooks and the counsellor console. `npm start` (src/main.ts), the benches and the tests
 * that run a whole server all assemble it here, so what they exercise is what production runs.
 * The store, the Coordinator and the engine are opened by the caller and stay the caller's to close.
 */
import type { FastifyInstance } from 'fastify';
import { createChannels, type ChannelConfigs, type ChannelExtras, type Channels } from '../bots/channels.js';
import { Delivery, type DeliveryOptions } from '../bots/delivery/pipeline.js';
import { OutboxDelivery } from '../console/delivery.js';
import type { ConsoleOptions } from '../console/routes.js';
import { CounsellorSignals } from '../console/typing.js';
import { WorkerFiles } from '../console/attachments.js';
import type { Coordinator } from '../coordination/types.js';
import type { StoreBoundEngine } from '../bots/delivery/processor.js';
import type { ConversationEngine } from '../flows/activity.js';
import type { Logger } from '../log.js';
import { onErasure } from '../privacy/erasure.js';
import type { SqlStore } from '../store/sql-store.js';
import { buildApp, type AppDeps } from './app.js';

export interface ServerParts {
  store: SqlStore;
  coordinator: Coordinator;
  /** The engine the pipeline runs (instrumented or traced as the caller likes). */
  engine: StoreBoundEngine & ConversationEngine;
  logger: Logger;
  /** Which platforms are on, and with what credentials (loadChannelConfigs). */
  channelConfigs: ChannelConfigs;
  /** Shared state for the channels; the store's database and the Coordinator by default. */
  channelExtras?: ChannelExtras;
  /** The delivery pipeline's policies: retries, rate limits, flood control. */
  delivery?: Omit<DeliveryOptions, 'db' | 'store' | 'engine' | 'coordinator' | 'logger'>;
  /** The HTTP application's configuration and probes. */
  app: Pick<AppDeps, 'config' | 'isReady' | 'checks' | 'draining'>;
  /** The counsellor console at /console, with what it needs besides the store; off when absent. */
  console?: Omit<ConsoleOptions, 'store' | 'db' | 'coordinator' | 'delivery' | 'signals' | 'files'>;
}

export interface AssembledServer {
  app: FastifyInstance;
  delivery: Delivery;
  channels: Channels;
  /** Starts processing and sending, listens when given an address, then takes platform events. */
  start(listen?: { port: number; host: string }): Promise<void>;
  /** Takes no more events, finishes the requests, processing and sends under way. */
  /** What stop() does, in order, each with how long a graceful shutdown waits for it. */
  stopSteps: readonly StopStep[];
  stop(): Promise<void>;
}

export interface StopStep {
  name: string;
  limitMs: number;
  run(): Promise<unknown>;
}

export async function assembleServer(parts: ServerParts): Promise<AssembledServer> {
  const { store, coordinator, engine, logger } = parts;
  const delivery = new Delivery({ db: store.db, store, engine, coordinator, logger, ...parts.delivery });
  const channels = createChannels(parts.channelConfigs, delivery, logger, parts.channelExtras ?? { db: store.db, coordinator });
  const app = await buildApp({
    ...parts.app,
    engine,
    store,
    logger,
    webEngine: delivery,
    channels,
    ...(parts.console
      ? {
          // Counsellors' messages go through the same durable outbox as the bot's; typing
          // indicators go straight to the platforms, never through the outbox.
          console: {
            ...parts.console,
            db: store.db,
            coordinator,
            delivery: new OutboxDelivery(delivery.outbound),
            signals: new CounsellorSignals({ coordinator, senders: channels.senders, logger }),
            // Workers' pictures and files: Telegram's through the channel's client (its links
            // carry the token), the others' from the CDN URL the webhook gave.
            files: new WorkerFiles(channels.telegramFiles ? { telegram: channels.telegramFiles } : {}),
          },
        }
      : {}),
  });
  let stopForgetting: (() => Promise<void>) | undefined;
  // Events first (polling, then requests in flight), then the work they started.
  const stopSteps: StopStep[] = [
    { name: 'channels', limitMs: 2_000, run: () => Promise.all([channels.stop(), stopForgetting?.()]) },
    { name: 'http server', limitMs: 2_000, run: () => app.close() },
    { name: 'delivery', limitMs: 4_000, run: () => delivery.stop() },
  ];
  return {
    app,
    delivery,
    channels,
    start: async (listen) => {
      // A worker's erasure, on this instance or another, drops what the channels keep of them in memory.
      stopForgetting = await onErasure(coordinator, (channel, userId) => channels.forgetWorker(channel, userId));
      await delivery.start();
      if (listen) await app.listen(listen);
      await channels.start();
    },
    stopSteps,
    stop: async () => {
      for (const step of stopSteps) await step.run();
    },
  };
}

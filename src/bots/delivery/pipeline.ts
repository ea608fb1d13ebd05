/**
 * The durable delivery pipeline, assembled: the inbox processor (webhooks in), the outbox
 * dispatcher (platform sends out) and the Outbound API (counsellor messages), over the store's
 * database and the Coordinator.
 *
 * It is also the web chat's ConversationEngine: a web message goes through the same inbox
 * (dedupe on its client message id, order per conversation, one transaction) and the route waits
 * for its processing to answer in the response, as before.
 *
 * start() picks up what a previous run left (pending rows, rows whose processing or sending was
 * cut short) and sweeps for due retries periodically; stop() takes no new work and lets the work
 * in flight finish (call it after the HTTP server stopped taking webhooks).
 */
import type { Kysely } from 'kysely';
import type { Activity, ConversationEngine, EngineResult } from '../../flows/activity.js';
import type { Coordinator } from '../../coordination/types.js';
import type { Logger } from '../../log.js';
import { announceErasure } from '../../privacy/erasure.js';
import type { DatabaseSchema } from '../../store/db.js';
import { writesFor } from '../../store/group-commit.js';
import type { Store } from '../../store/types.js';
import { OutboxDispatcher, type DispatcherOptions } from './dispatcher.js';
import { failedInbox, type FailedInbound } from './inbox-table.js';
import { pruneFinished } from './prune.js';
import { SqlOutbound, transcriptSender, type Outbound } from './outbound.js';
import type { OutboxRow } from './outbox-table.js';
import { InboxProcessor, type InboxProcessorOptions, type StoreBoundEngine } from './processor.js';
import { DEFAULT_FLOOD_POLICY, FloodGuard, type FloodPolicy } from './flood.js';
import type { ChannelSender } from './types.js';

export interface DeliveryOptions {
  db: Kysely<DatabaseSchema>;
  store: Store;
  engine: StoreBoundEngine;
  coordinator: Coordinator;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Retry policy of inbound processing. */
  inbox?: Pick<InboxProcessorOptions, 'maxAttempts' | 'retryBaseMs'>;
  /** Per-worker flood control (default 20 messages a minute); false to switch it off. */
  flood?: FloodPolicy | false;
  /** Retry policy and rate limits of sending. */
  outbox?: Pick<DispatcherOptions, 'maxAttempts' | 'backoff' | 'limits' | 'random'>;
  /** How often due retries and abandoned rows are looked for (default 5 s). */
  sweepMs?: number;
  /** How long finished inbox rows are kept to recognise redeliveries (default 7 days). */
  keepDoneMs?: number;
  /**
   * How long sent outbox rows are kept (default 30 days): the console's delivery ticks and
   * "may have been sent twice" marks on older lines go with them; the text stays in the transcript.
   */
  keepSentMs?: number;
  now?: () => number;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;

export class Delivery implements ConversationEngine {
  readonly inbox: InboxProcessor;
  readonly dispatcher: OutboxDispatcher;
  readonly outbound: Outbound;
  private sweeper: NodeJS.Timeout | undefined;
  private lastPrune = 0;

  constructor(private readonly opts: DeliveryOptions) {
    const { db, store, coordinator, logger, now } = opts;
    // One group commit for both sides: a webhook's row and another chat's send outcome share a commit.
    const writes = writesFor(db);
    this.dispatcher = new OutboxDispatcher({ db, writes, coordinator, ...(logger ? { logger } : {}), ...(now ? { now } : {}), ...opts.outbox });
    this.dispatcher.register(transcriptSender);
    const onOutbox = (conversationId: string, inserted?: OutboxRow[]) => void this.dispatcher.kick(conversationId, inserted);
    this.inbox = new InboxProcessor({
      db,
      writes,
      store,
      engine: opts.engine,
      coordinator,
      onOutbox,
      // What instances keep of the worker in memory goes too (the channels' display names).
      onErased: (channel, userId) =>
        void announceErasure(coordinator, channel, userId).catch((err: unknown) => logger?.warn({ err, channel }, 'erasure not announced to the instances: their cached display names expire within a day')),
      // The web chat answers in the response; every other channel through the outbox.
      deliversReplies: (channel) => channel !== 'web',
      ...(logger ? { logger } : {}),
      ...(now ? { now } : {}),
      ...(opts.flood === false ? {} : { flood: new FloodGuard(coordinator, opts.flood ?? DEFAULT_FLOOD_POLICY) }),
      ...opts.inbox,
    });
    this.outbound = new SqlOutbound({ db, store, onOutbox, ...(now ? { now } : {}) });
  }

  /** Sends the channel's outbox rows through this sender from now on. */
  register(sender: ChannelSender): void {
    this.dispatcher.register(sender);
    void this.dispatcher.recover(true).catch((err) => this.opts.logger?.error({ err }, 'outbox recovery failed'));
  }

  /** The web chat's path: through the inbox, answered in the response; a redelivery is reported as a duplicate. */
  async handle(activity: Activity): Promise<EngineResult> {
    const result = await this.inbox.acceptAndWait(activity);
    if (result) return result;
    const conv = await this.opts.store.getConversation(activity.channel, activity.conversationId);
    return { replies: [], outcome: { kind: 'smalltalk', handoff: 'none', urgent: false }, mode: conv?.mode ?? 'bot', duplicate: true };
  }

  /** Resumes what a previous run left, then sweeps periodically. */
  async start(): Promise<{ inbound: number; outbound: number }> {
    const inbound = await this.inbox.recover(true);
    const outbound = await this.dispatcher.recover(true);
    if (inbound + outbound > 0) this.opts.logger?.info({ inbound, outbound }, 'resuming unfinished deliveries');
    this.sweeper = setInterval(() => void this.sweep(), this.opts.sweepMs ?? 5000);
    this.sweeper.unref();
    return { inbound, outbound };
  }

  /** Messages whose processing failed for good, newest first. */
  failedInbound(limit?: number): Promise<FailedInbound[]> {
    return failedInbox(this.opts.db, limit);
  }

  /** Resolves when nothing is being processed or sent right now (tests). */
  async idle(): Promise<void> {
    await this.inbox.idle();
    await this.dispatcher.idle();
    await this.inbox.idle();
  }

  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    // Inbound first: what it commits may still wake the dispatcher, which finishes its sends.
    await this.inbox.stop();
    await this.dispatcher.stop();
  }

  private async sweep(): Promise<void> {
    try {
      await this.inbox.recover(false);
      await this.dispatcher.recover(false);
      const now = this.opts.now?.() ?? Date.now();
      if (now - this.lastPrune > HOUR) {
        this.lastPrune = now;
        await pruneFinished(this.opts.db, 'inbox', now - (this.opts.keepDoneMs ?? 7 * DAY));
        await pruneFinished(this.opts.db, 'outbox', now - (this.opts.keepSentMs ?? 30 * DAY));
      }
    } catch (err) {
      this.opts.logger?.warn({ err }, 'delivery sweep failed');
    }
  }
}

/**
 * A handoff test bench: an engine over an in-memory store, the handoff records, and a
 * LocalCoordinator whose console events are collected; the clock is set by the test.
 */
import type { Activity, Attachment, Channel, EngineResult } from '../../src/flows/activity.js';
import { Engine, type EngineOptions } from '../../src/flows/engine.js';
import { CONSOLE_TOPIC, type ConsoleEvent } from '../../src/flows/handoff/events.js';
import { HandoffRecords } from '../../src/flows/handoff/records.js';
import { LocalCoordinator } from '../../src/coordination/local.js';
import { DEFAULT_PATHS, loadKnowledgeOrThrow } from '../../src/knowledge/load.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import { openTestStore } from './test-store.js';

type Knowledge = ReturnType<typeof loadKnowledgeOrThrow>;
let knowledge: Knowledge | undefined;

export interface Input {
  text?: string;
  postback?: string;
  attachments?: Attachment[];
  typing?: boolean;
  /** The name the platform sends with the message, if any. */
  displayName?: string;
  /** The sender, when not the conversation's own worker (a Telegram group chat). */
  userId?: string;
}

export interface Bench {
  store: SqlStore;
  records: HandoffRecords;
  coordinator: LocalCoordinator;
  events: ConsoleEvent[];
  engine: Engine;
  /** The engine's clock; tests move it. */
  clock: Date;
  /** A new engine over the same store and bus, with other options. */
  rebuild(extra?: Partial<EngineOptions>): void;
  send(conversation: string, input: Input): Promise<EngineResult>;
  close(): Promise<void>;
}

let n = 0;

export async function openBench(channel: Channel, clock: Date, extra: Partial<EngineOptions> = {}): Promise<Bench> {
  knowledge ??= loadKnowledgeOrThrow(DEFAULT_PATHS);
  const store = await openTestStore();
  const coordinator = new LocalCoordinator();
  const events: ConsoleEvent[] = [];
  await coordinator.subscribe(CONSOLE_TOPIC, (e) => events.push(e as ConsoleEvent));
  const bench: Bench = {
    store,
    records: new HandoffRecords(store.db),
    coordinator,
    events,
    clock,
    engine: undefined as unknown as Engine,
    rebuild(more = {}) {
      bench.engine = new Engine({ store, kb: knowledge!.kb, rules: knowledge!.rules, now: () => bench.clock, coordinator, ...extra, ...more });
    },
    send(conversation, input) {
      n += 1;
      const activity: Activity = { channel, userId: conversation, conversationId: conversation, messageId: `b${n}`, timestamp: bench.clock, ...input };
      return bench.engine.handle(activity);
    },
    async close() {
      await coordinator.close();
      await store.close();
    },
  };
  bench.rebuild();
  return bench;
}

export const allText = (r: EngineResult) => r.replies.map((x) => x.text).join('\n');

/**
 * The engine as the CLI runs it (shipped knowledge base, embedded store) on a fixed day, for
 * tests that ask it what a worker types and check what it made of the message.
 */
import { cliRuntime } from '../../src/cli/runtime.js';
import type { EngineResult } from '../../src/flows/activity.js';

const DAY = '2026-11-28';

export interface WorkerEngine {
  engine: Awaited<ReturnType<typeof cliRuntime>>['engine'];
  /** One message; in the given conversation, or in a new one of its own. */
  say(text: string, conversation?: string): Promise<EngineResult['outcome']>;
  close(): Promise<void>;
}

export async function workerEngine(prefix: string): Promise<WorkerEngine> {
  const { engine, store } = await cliRuntime({ date: DAY });
  let n = 0;
  return {
    engine,
    say: async (text, conversation = `${prefix}-${n}`) => {
      const messageId = `${prefix}-m${n++}`;
      const activity = { channel: 'cli' as const, userId: conversation, conversationId: conversation, messageId, text, timestamp: new Date(`${DAY}T03:00:00Z`) };
      return (await engine.handle(activity)).outcome;
    },
    close: () => store.close(),
  };
}

/**
 * BENCH_ENGINE=stub: an engine that answers "ok" at once, reading and writing nothing, so that a
 * bench measures the delivery path (and HTTP) without the engine and its conversation rows.
 */
import type { EngineResult } from '../../src/flows/activity.js';

export const STUB = process.env.BENCH_ENGINE === 'stub';

const answer: EngineResult = { replies: [{ text: 'ok' }], outcome: { kind: 'smalltalk', handoff: 'none', urgent: false }, mode: 'bot' };

export const stubEngine = {
  handle: async (): Promise<EngineResult> => answer,
  handleIn: async (): Promise<EngineResult> => answer,
};

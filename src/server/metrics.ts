/**
 * Prometheus metrics on prom-client's default registry, served at /metrics: process and
 * Node.js metrics, HTTP request durations, what the engine answered (kinds, handoffs,
 * latency), and the counsellor queue (length and oldest wait, read from the store on each
 * scrape). Other modules register their own `tlcd_` metrics on the same registry.
 *
 * Metrics are created once per process (the registry refuses a second metric of one name,
 * and tests build many apps), so everything here is get-or-create.
 */
import { Counter, Gauge, Histogram, collectDefaultMetrics, register, type Metric } from 'prom-client';
import type { Activity, ConversationEngine, EngineResult } from '../flows/activity.js';
import type { Store } from '../store/types.js';

function once<T extends Metric>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

let defaultsOn = false;
/** CPU, memory, event loop lag, GC…: the standard process_* and nodejs_* metrics. */
export function collectProcessMetrics(): void {
  if (defaultsOn || register.getSingleMetric('process_cpu_user_seconds_total')) return;
  defaultsOn = true;
  collectDefaultMetrics();
}

/** Seconds: from a cached answer (~1 ms) to a slow database (seconds). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const httpMetrics = {
  duration: once(
    'tlcd_http_request_duration_seconds',
    () =>
      new Histogram({
        name: 'tlcd_http_request_duration_seconds',
        help: 'HTTP request duration, by method, route (the pattern, not the path) and status code.',
        labelNames: ['method', 'route', 'status_code'],
        buckets: LATENCY_BUCKETS,
      }),
  ),
};

export const engineMetrics = {
  messages: once(
    'tlcd_engine_messages_total',
    () => new Counter({ name: 'tlcd_engine_messages_total', help: 'Worker messages handled by the engine, by channel and result (answered, duplicate, error).', labelNames: ['channel', 'result'] }),
  ),
  answers: once(
    'tlcd_engine_answers_total',
    () => new Counter({ name: 'tlcd_engine_answers_total', help: 'Engine outcomes by channel and kind (answer, flow, clarify, handoff, smalltalk, fallback).', labelNames: ['channel', 'kind'] }),
  ),
  handoffs: once(
    'tlcd_engine_handoffs_total',
    () => new Counter({ name: 'tlcd_engine_handoffs_total', help: 'Handoffs by channel and state reached (offered, queued) and urgency.', labelNames: ['channel', 'state', 'urgent'] }),
  ),
  latency: once(
    'tlcd_engine_latency_seconds',
    () =>
      new Histogram({
        name: 'tlcd_engine_latency_seconds',
        help: 'Time from a message reaching the engine to its replies, including the wait behind earlier messages of the conversation.',
        labelNames: ['channel'],
        buckets: LATENCY_BUCKETS,
      }),
  ),
};

export const queueMetrics = {
  length: once('tlcd_queue_length', () => new Gauge({ name: 'tlcd_queue_length', help: 'Conversations waiting for a counsellor, by urgency (read on scrape).', labelNames: ['urgent'] })),
  oldestWait: once(
    'tlcd_queue_oldest_wait_seconds',
    () => new Gauge({ name: 'tlcd_queue_oldest_wait_seconds', help: 'How long the longest-waiting conversation has waited for a counsellor (read on scrape).' }),
  ),
};

/** Either way of calling the engine: on its own store, or inside the delivery's transaction. */
type Engine = ConversationEngine & {
  handleIn?(activity: Activity, store: Store, prepared?: unknown): Promise<EngineResult>;
  prepare?(activity: Activity, store: Store): Promise<unknown>;
};

/**
 * The engine with its answers, handoffs and latency counted. A thin wrapper: the engine
 * itself knows nothing of metrics.
 */
export function instrumentEngine<E extends Engine>(engine: E): Pick<E, 'handle' | 'handleIn' | 'prepare'> {
  const measured = (activity: Activity, run: () => Promise<EngineResult>) => measure(activity.channel, run);
  const wrapped: Engine = { handle: (activity) => measured(activity, () => engine.handle(activity)) };
  if (engine.handleIn) wrapped.handleIn = (activity, store, prepared) => measured(activity, () => engine.handleIn!(activity, store, prepared));
  if (engine.prepare) wrapped.prepare = (activity, store) => engine.prepare!(activity, store);
  return wrapped as Pick<E, 'handle' | 'handleIn' | 'prepare'>;
}

async function measure(channel: string, run: () => Promise<EngineResult>): Promise<EngineResult> {
  const stop = engineMetrics.latency.startTimer({ channel });
  let result: EngineResult;
  try {
    result = await run();
  } catch (err) {
    engineMetrics.messages.inc({ channel, result: 'error' });
    throw err;
  }
  if (result.duplicate) {
    engineMetrics.messages.inc({ channel, result: 'duplicate' });
    return result;
  }
  stop();
  engineMetrics.messages.inc({ channel, result: 'answered' });
  engineMetrics.answers.inc({ channel, kind: result.outcome.kind });
  if (result.outcome.handoff !== 'none') engineMetrics.handoffs.inc({ channel, state: result.outcome.handoff, urgent: String(result.outcome.urgent) });
  return result;
}

/** Sets the queue gauges from the store's queue; a failing database leaves them as they were. */
export async function refreshQueueMetrics(queue: () => Promise<{ urgent: boolean; queuedAt?: Date | null; createdAt: Date }[]>, now = Date.now()): Promise<void> {
  let waiting;
  try {
    waiting = await queue();
  } catch {
    return;
  }
  const urgent = waiting.filter((c) => c.urgent).length;
  queueMetrics.length.set({ urgent: 'true' }, urgent);
  queueMetrics.length.set({ urgent: 'false' }, waiting.length - urgent);
  const oldest = Math.min(...waiting.map((c) => (c.queuedAt ?? c.createdAt).getTime()));
  queueMetrics.oldestWait.set(waiting.length ? Math.max(0, (now - oldest) / 1000) : 0);
}

export { register as metricsRegistry };

/**
 * Delivery counters on prom-client's default registry (served at /metrics by the scale-out
 * work): what came in, what was sent, retried and given up, per channel. Labels carry the
 * channel and the platform's error class only, never ids or text.
 */
import { Counter, register } from 'prom-client';

function counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
  // A module loaded twice (tests, hot reload) must not register the same name twice.
  return (register.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames });
}

export const deliveryMetrics = {
  inbound: counter('tlcd_inbox_events_total', 'Inbound platform events by result (accepted, duplicate)', ['channel', 'result'] as const),
  inboundFailed: counter('tlcd_inbox_failed_total', 'Inbound events whose processing failed for good', ['channel'] as const),
  sent: counter('tlcd_outbox_sent_total', 'Outbound messages delivered', ['channel'] as const),
  retried: counter('tlcd_outbox_retries_total', 'Outbound attempts that failed and will be retried', ['channel', 'code'] as const),
  interrupted: counter('tlcd_outbox_interrupted_total', 'Outbound messages sent again after an attempt cut short (the worker may get them twice)', ['channel'] as const),
  failed: counter('tlcd_outbox_failed_total', 'Outbound messages given up', ['channel', 'code'] as const),
  /** Many a second means instances keep meeting on the same conversations (see keyed-pump.ts). */
  busy: counter('tlcd_conversation_busy_total', 'Tries to work on a conversation another instance held at that moment (tried again shortly)', ['pump'] as const),
};

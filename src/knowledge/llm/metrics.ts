/**
 * The model's calls, tokens and fallbacks, on prom-client's default registry (served at
 * /metrics by the server). Created once per process: the registry refuses a second metric of
 * the same name, and tests build many clients.
 */
import { Counter, Histogram, register } from 'prom-client';

/** What a call was for: the label that tells where the money goes. */
export type Purpose = 'understand' | 'values' | 'compose' | 'embed-query' | 'embed-kb';
export type FallbackReason = 'budget' | 'timeout' | 'error' | 'invalid' | 'ungrounded';

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

export const llmMetrics = {
  calls: counter('tlcd_llm_calls_total', 'Calls to the language model, by purpose and result (ok, error, timeout).', ['purpose', 'result']),
  tokens: counter('tlcd_llm_tokens_total', 'Tokens spent on the language model, by purpose and kind (prompt, completion).', ['purpose', 'kind']),
  fallbacks: counter(
    'tlcd_llm_fallbacks_total',
    'Times the deterministic path was used instead of the model, by purpose and reason (budget, timeout, error, invalid, ungrounded).',
    ['purpose', 'reason'],
  ),
  duration:
    (register.getSingleMetric('tlcd_llm_call_seconds') as Histogram<string> | undefined) ??
    new Histogram({
      name: 'tlcd_llm_call_seconds',
      help: 'Duration of language model calls, by purpose.',
      labelNames: ['purpose'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 16],
    }),
};

export function countFallback(purpose: Purpose, reason: FallbackReason): void {
  llmMetrics.fallbacks.inc({ purpose, reason });
}

/**
 * `npm run kb -- eval --llm=fake|env`: the evaluation once more with the language model on,
 * beside the deterministic figures, so that a model can be shown to do no harm.
 *   --llm=fake  a fake OpenAI-compatible server started here (tests/fakes/openai.ts), scripted
 *               like a cautious model: it restates nothing, raises no alarm, echoes the curated
 *               answer lightly reworded, and embeds by hashing the analysed words;
 *   --llm=env   the endpoint the environment configures (OPENAI_API_KEY, OPENAI_BASE_URL,
 *               OPENAI_MODEL…), e.g. a real one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register } from 'prom-client';
import { loadConfig } from '../config.js';
import type { EvalReport } from '../knowledge/eval/run.js';
import { llmSettings, type LlmSettings } from '../knowledge/llm/settings.js';

export type ModelMode = 'fake' | 'env';

export function modelOption(args: string[]): ModelMode | undefined | 'invalid' {
  const arg = args.find((a) => a === '--llm' || a.startsWith('--llm='));
  if (!arg) return undefined;
  const mode = arg === '--llm' ? 'env' : arg.slice('--llm='.length);
  return mode === 'fake' || mode === 'env' ? mode : 'invalid';
}

export interface EvalModel {
  settings: LlmSettings;
  describe: string;
  stop(): Promise<void>;
}

export async function evalModel(mode: ModelMode): Promise<EvalModel> {
  if (mode === 'env') {
    const settings = llmSettings(loadConfig());
    if (!settings) throw new Error('--llm=env needs OPENAI_API_KEY (and OPENAI_BASE_URL for a server other than OpenAI)');
    return { settings, describe: `${settings.model} at ${settings.baseURL ?? 'OpenAI'}`, stop: async () => undefined };
  }
  // The fake lives with the tests; tsx loads it from there.
  const { FakeOpenAI } = await import('../../tests/fakes/openai.js');
  const fake = await new FakeOpenAI().start();
  const cacheDir = mkdtempSync(join(tmpdir(), 'tlcd-eval-embeddings-'));
  const settings: LlmSettings = { apiKey: 'test-key', baseURL: fake.url, model: 'fake-cautious', embeddingModel: 'fake-hash', timeoutMs: 5000, dailyTokenBudget: Number.MAX_SAFE_INTEGER, cacheDir };
  return {
    settings,
    describe: `the fake cautious model at ${fake.url}`,
    stop: async () => {
      await fake.close();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

/** Cases the model path got wrong that the deterministic path got right, and the reverse. */
export function compareReports(without: EvalReport, withModel: EvalReport): string {
  const okWithout = new Set(without.results.filter((r) => r.correct).map((r) => r.case.id));
  const okWith = new Set(withModel.results.filter((r) => r.correct).map((r) => r.case.id));
  const lost = withModel.results.filter((r) => !r.correct && okWithout.has(r.case.id));
  const gained = withModel.results.filter((r) => okWith.has(r.case.id) && !okWithout.has(r.case.id));
  const pct = (r: EvalReport) => `${r.correct}/${r.total} correct (${((100 * r.correct) / r.total).toFixed(1)}%), confident wrong ${r.confidentWrong}`;
  const lines = [`Without the model: ${pct(without)}`, `With the model:    ${pct(withModel)}`, `Fixed by the model: ${gained.length}; broken by the model: ${lost.length}`];
  for (const r of lost) lines.push(`  broken [${r.case.id}] ${JSON.stringify(r.case.turns.at(-1))} — ${r.why}`);
  const wrongBefore = new Set(without.results.filter((r) => r.confidentWrong).map((r) => r.case.id));
  for (const r of withModel.results.filter((x) => x.confidentWrong && !wrongBefore.has(x.case.id))) {
    lines.push(`  newly confident wrong [${r.case.id}] ${JSON.stringify(r.case.turns.at(-1))} — answered ${r.got.faqId}`);
  }
  return lines.join('\n');
}

/** The model's calls and fallbacks during the run, from the metrics registry. */
export async function modelUsage(): Promise<string> {
  const lines: string[] = [];
  for (const name of ['tlcd_llm_calls_total', 'tlcd_llm_fallbacks_total', 'tlcd_llm_tokens_total']) {
    const metric = register.getSingleMetric(name);
    if (!metric) continue;
    const values = (await metric.get()).values.filter((v) => v.value > 0);
    lines.push(`${name}: ${values.map((v) => `${Object.values(v.labels).join('/')}=${v.value}`).join(', ') || '0'}`);
  }
  return lines.join('\n');
}

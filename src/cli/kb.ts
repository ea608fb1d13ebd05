/**
 * Curators' tool.
 *   npm run kb -- lint             validate data/faq and data/rules; non-zero exit on any error
 *   npm run kb -- eval [--quiet] [--llm=fake|env]
 *                                  run the development set in data/eval and print the scores;
 *                                  with --llm, once more with the language model (see eval-model.ts)
 *   npm run kb -- stats            entries per topic, review status
 */
import { DEFAULT_PATHS, formatProblem, loadKnowledge } from '../knowledge/load.js';
import { loadEvalSet } from '../knowledge/eval/dataset.js';
import { formatReport, runEval } from '../knowledge/eval/run.js';
import { vnDay } from '../knowledge/dates.js';
import { cliRuntime, dateOption } from './runtime.js';
import { compareReports, evalModel, modelOption, modelUsage } from './eval-model.js';
import type { LlmSettings } from '../knowledge/llm/settings.js';

const paths = { kbDir: process.env.KB_DIR ?? DEFAULT_PATHS.kbDir, rulesDir: process.env.RULES_DIR ?? DEFAULT_PATHS.rulesDir };

function lint(): number {
  const { kb, problems } = loadKnowledge(paths);
  for (const p of problems) process.stdout.write(`${formatProblem(p)}\n`);
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  const today = vnDay(new Date());
  process.stdout.write(`${kb.entries.length} entries (${kb.servable(today).length} served today), ${errors} error(s), ${warnings} warning(s)\n`);
  return errors > 0 ? 1 : 0;
}

function stats(): number {
  const { kb } = loadKnowledge(paths);
  const today = vnDay(new Date());
  const byTopic = new Map<string, { total: number; served: number; review: number }>();
  for (const e of kb.entries) {
    const s = byTopic.get(e.topic) ?? { total: 0, served: 0, review: 0 };
    s.total += 1;
    if (kb.isServable(e.id, today)) s.served += 1;
    if (e.review.state === 'needed') s.review += 1;
    byTopic.set(e.topic, s);
  }
  for (const [topic, s] of [...byTopic].sort()) process.stdout.write(`${topic.padEnd(28)} ${String(s.served).padStart(4)} served / ${s.total} entries, ${s.review} to review\n`);
  return 0;
}

async function evaluate(args: string[]): Promise<number> {
  const { date, rest } = dateOption(args);
  const mode = modelOption(rest);
  if (mode === 'invalid') {
    process.stderr.write('--llm takes fake or env: --llm=fake, --llm=env\n');
    return 2;
  }
  const dir = rest.find((a) => !a.startsWith('--')) ?? 'data/eval';
  const { cases, errors } = loadEvalSet(dir);
  for (const e of errors) process.stderr.write(`${e}\n`);
  if (errors.length > 0) return 1;
  const showMisses = !rest.includes('--quiet');
  const run = async (llm?: LlmSettings) => {
    const { engine, store } = await cliRuntime({ date, llm });
    await engine.modelReady();
    const started = performance.now();
    const report = await runEval(engine, cases);
    const ms = performance.now() - started;
    await store.close();
    return { report, ms };
  };
  const without = await run();
  process.stdout.write(`${formatReport(without.report, showMisses && !mode)}\n\n${cases.length} cases in ${without.ms.toFixed(0)} ms\n`);
  if (!mode) return 0;
  const model = await evalModel(mode);
  try {
    const withModel = await run(model.settings);
    process.stdout.write(`\n=== With the language model (${model.describe}) ===\n${formatReport(withModel.report, showMisses)}\n\n${cases.length} cases in ${withModel.ms.toFixed(0)} ms\n`);
    process.stdout.write(`\n${compareReports(without.report, withModel.report)}\n${await modelUsage()}\n`);
  } finally {
    await model.stop();
  }
  return 0;
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  let code: number;
  if (command === 'lint') code = lint();
  else if (command === 'eval') code = await evaluate(args);
  else if (command === 'stats') code = stats();
  else {
    process.stderr.write('usage: npm run kb -- lint | eval [dir] [--quiet] [--date YYYY-MM-DD] [--llm=fake|env] | stats\n');
    code = 2;
  }
  process.exitCode = code;
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 1;
});

/**
 * Where the evaluation misses come from, by category, for the development (engine-written)
 * and the independent (dv-*) cases; plus how correctness spreads over the retrieval
 * confidence, to place the thresholds from data rather than by guess.
 *   npx tsx bench/eval-analysis.ts [--list CATEGORY] [--calibration]
 */
import { loadEvalSet } from '../src/knowledge/eval/dataset.js';
import { runEval, type CaseResult } from '../src/knowledge/eval/run.js';
import { cliRuntime } from '../src/cli/runtime.js';
import { vnDay } from '../src/knowledge/dates.js';

const args = process.argv.slice(2);
const { cases } = loadEvalSet('data/eval');
const { engine, store } = await cliRuntime();
const report = await runEval(engine, cases);
const day = vnDay(new Date());

const independent = (r: CaseResult) => r.case.id.startsWith('dv-');
const ids = (r: CaseResult) => (r.case.expect.faqId === undefined ? [] : [r.case.expect.faqId].flat());

function category(r: CaseResult): string {
  if (r.correct) return 'correct';
  const e = r.case.expect;
  const g = r.got;
  const want = ids(r);
  if (e.outOfScope) return 'out-of-scope answered';
  if (want.length > 0) {
    if (g.kind === 'answer' && g.faqId && !want.includes(g.faqId)) {
      const rr = engine.retriever.retrieve(r.case.turns.at(-1)!, day);
      const rank = rr.candidates.findIndex((c) => want.includes(c.entry.id));
      return rank === 1 ? 'wrong entry (right one 2nd)' : 'wrong entry';
    }
    if (g.kind === 'clarify') return 'clarify where answer due';
    if (g.kind === 'fallback') return 'fallback where answer due';
    if (g.kind === 'handoff' || g.kind === 'flow') return `${g.kind} where answer due`;
    if (g.kind === 'answer') return 'answer, wrong handoff';
    return `other (${g.kind})`;
  }
  if (e.handoff && e.handoff !== 'none' && g.handoff !== e.handoff) return `${g.kind}/${g.handoff} where ${e.handoff} due`;
  if (e.kind === 'flow' || e.textIncludes) return 'calculation';
  return `other (${r.why})`;
}

const tally = new Map<string, [number, number]>();
for (const r of report.results) {
  const c = category(r);
  const t = tally.get(c) ?? [0, 0];
  t[independent(r) ? 1 : 0] += 1;
  tally.set(c, t);
}
const dev = report.results.filter((r) => !independent(r));
const ind = report.results.filter(independent);
const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;
// One line per set: correct, the no-diacritics group, confident wrong, urgent cases queued as urgent.
console.log('set            correct              no-diacritics        confident wrong   urgent');
for (const [name, set] of [['dev', dev], ['independent', ind], ['all', report.results]] as const) {
  const ok = set.filter((r) => r.correct).length;
  const plain = set.filter((r) => r.case.groups.includes('no-diacritics'));
  const plainOk = plain.filter((r) => r.correct).length;
  const cw = set.filter((r) => r.confidentWrong).length;
  const urgent = set.filter((r) => r.case.expect.urgent === true);
  const urgentOk = urgent.filter((r) => r.got.urgent && r.got.handoff === 'queued').length;
  const cell = (a: number, b: number) => `${a}/${b} ${pct(a, b)}`.padEnd(21);
  console.log(`${name.padEnd(15)}${cell(ok, set.length)}${cell(plainOk, plain.length)}${cell(cw, set.length).padEnd(18)}${urgentOk}/${urgent.length}`);
}
console.log('category                              dev  indep');
for (const [c, [d, i]] of [...tally].sort((a, b) => b[1][0] + b[1][1] - a[1][0] - a[1][1])) console.log(`  ${c.padEnd(36)}${String(d).padStart(4)} ${String(i).padStart(6)}`);

// Top-1 of retrieval alone on single-question cases with an expected entry.
const single = report.results.filter((r) => r.case.turns.length === 1 && ids(r).length > 0);
const points: { conf: number; ok: boolean; lead: number; ind: boolean }[] = [];
for (const r of single) {
  const rr = engine.retriever.retrieve(r.case.turns[0]!, day);
  const top = rr.candidates[0];
  points.push({ conf: rr.confidence, ok: !!top && ids(r).includes(top.entry.id), lead: rr.confidence - (rr.candidates[1]?.confidence ?? 0), ind: independent(r) });
}
for (const which of [false, true]) {
  const p = points.filter((x) => x.ind === which);
  console.log(`top-1 (${which ? 'independent' : 'dev'} single-question): ${p.filter((x) => x.ok).length}/${p.length} ${pct(p.filter((x) => x.ok).length, p.length)}`);
}
if (args.includes('--calibration')) {
  console.log('confidence bucket: top-1 right / wrong (all single-question cases with an entry)');
  for (let lo = 0.2; lo < 1; lo += 0.05) {
    const b = points.filter((x) => x.conf >= lo && x.conf < lo + 0.05);
    console.log(`  ${lo.toFixed(2)}  ${String(b.filter((x) => x.ok).length).padStart(4)} / ${String(b.filter((x) => !x.ok).length).padStart(4)}`);
  }
  const oos = report.results.filter((r) => r.case.expect.outOfScope);
  console.log('out-of-scope confidences:', oos.map((r) => engine.retriever.retrieve(r.case.turns.at(-1)!, day).confidence.toFixed(2)).join(' '));
}
const list = args[args.indexOf('--list') + 1];
if (args.includes('--list')) for (const r of report.results) if (category(r) === list) console.log(`  [${r.case.id}] ${r.case.turns.at(-1)} — ${r.why} (conf ${r.got.confidence})`);
await store.close();

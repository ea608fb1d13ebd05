/**
 * Runs the evaluation set through the engine (the same path as every channel) and scores it.
 * A "confident wrong" answer is a cited answer to a different question — the worst outcome,
 * worse than asking which one or admitting a miss.
 */
import type { ConversationEngine, EngineResult } from '../../flows/activity.js';
import type { EvalCase, Expectation } from './dataset.js';

export interface CaseResult {
  case: EvalCase;
  correct: boolean;
  confidentWrong: boolean;
  got: { kind: string; handoff: string; urgent: boolean; faqId?: string; confidence?: number; text: string };
  why?: string;
}

export interface EvalReport {
  results: CaseResult[];
  total: number;
  correct: number;
  confidentWrong: number;
  byGroup: Map<string, { total: number; correct: number }>;
  /** expected entry → answered entry → count, for wrong answers only. */
  confusion: Map<string, Map<string, number>>;
}

export async function runEval(engine: ConversationEngine, cases: EvalCase[]): Promise<EvalReport> {
  const results: CaseResult[] = [];
  let n = 0;
  for (const c of cases) {
    const conversation = `eval-${c.id}-${n++}`;
    let last: EngineResult | undefined;
    for (const [i, text] of c.turns.entries()) {
      last = await engine.handle({
        channel: 'cli',
        userId: conversation,
        conversationId: conversation,
        messageId: `${conversation}-${i}`,
        text,
        timestamp: new Date(),
      });
    }
    results.push(score(c, last!));
  }
  return summarise(results);
}

function score(c: EvalCase, r: EngineResult): CaseResult {
  const got = {
    kind: r.outcome.kind,
    handoff: r.outcome.handoff,
    urgent: r.outcome.urgent,
    faqId: r.outcome.faqId,
    confidence: r.outcome.confidence,
    text: r.replies.map((x) => x.text).join('\n'),
  };
  const why = mismatch(c.expect, got);
  const expected = expectedIds(c.expect);
  const answeredWrongEntry = got.kind === 'answer' && got.faqId !== undefined && (c.expect.outOfScope || (expected.length > 0 && !expected.includes(got.faqId)));
  return { case: c, correct: why === undefined, confidentWrong: answeredWrongEntry, got, why };
}

function expectedIds(e: Expectation): string[] {
  if (e.faqId === undefined) return [];
  return Array.isArray(e.faqId) ? e.faqId : [e.faqId];
}

function mismatch(e: Expectation, got: CaseResult['got']): string | undefined {
  const ids = expectedIds(e);
  if (ids.length > 0 && (!got.faqId || !ids.includes(got.faqId))) return `expected ${ids.join('|')}, got ${got.kind}${got.faqId ? ` ${got.faqId}` : ''}`;
  if (e.kind && got.kind !== e.kind) return `expected kind ${e.kind}, got ${got.kind}`;
  if (e.handoff && got.handoff !== e.handoff) return `expected handoff ${e.handoff}, got ${got.handoff}`;
  if (e.urgent !== undefined && got.urgent !== e.urgent) return `expected urgent=${e.urgent}`;
  if (e.outOfScope && (got.kind === 'answer' || got.kind === 'flow')) return `out of scope, but got ${got.kind} ${got.faqId ?? ''}`;
  for (const s of e.textIncludes ?? []) if (!got.text.includes(s)) return `reply lacks "${s}"`;
  return undefined;
}

function summarise(results: CaseResult[]): EvalReport {
  const byGroup = new Map<string, { total: number; correct: number }>();
  const confusion = new Map<string, Map<string, number>>();
  for (const r of results) {
    for (const g of r.case.groups) {
      const s = byGroup.get(g) ?? { total: 0, correct: 0 };
      s.total += 1;
      if (r.correct) s.correct += 1;
      byGroup.set(g, s);
    }
    if (!r.correct && r.got.faqId) {
      const exp = expectedIds(r.case.expect).join('|') || (r.case.expect.outOfScope ? '(out of scope)' : `(${r.case.expect.kind ?? r.case.expect.handoff ?? '?'})`);
      const row = confusion.get(exp) ?? new Map<string, number>();
      row.set(r.got.faqId, (row.get(r.got.faqId) ?? 0) + 1);
      confusion.set(exp, row);
    }
  }
  return {
    results,
    total: results.length,
    correct: results.filter((r) => r.correct).length,
    confidentWrong: results.filter((r) => r.confidentWrong).length,
    byGroup,
    confusion,
  };
}

export function formatReport(report: EvalReport, showMisses = true): string {
  const pct = (a: number, b: number) => (b === 0 ? '  n/a' : `${((100 * a) / b).toFixed(1).padStart(5)}%`);
  const lines: string[] = [];
  lines.push(`Overall: ${report.correct}/${report.total} correct (${pct(report.correct, report.total).trim()}); confident wrong answers: ${report.confidentWrong} (${pct(report.confidentWrong, report.total).trim()})`);
  lines.push('', 'By group:');
  for (const [g, s] of [...report.byGroup].sort()) lines.push(`  ${g.padEnd(16)} ${String(s.correct).padStart(4)}/${String(s.total).padEnd(4)} ${pct(s.correct, s.total)}`);
  if (report.confusion.size > 0) {
    lines.push('', 'Confusion (expected → answered instead):');
    for (const [exp, row] of report.confusion) for (const [got, n] of row) lines.push(`  ${exp} → ${got} ×${n}`);
  }
  const misses = report.results.filter((r) => !r.correct);
  if (showMisses && misses.length > 0) {
    lines.push('', `Misses (${misses.length}):`);
    for (const m of misses) lines.push(`  [${m.case.id}] ${JSON.stringify(m.case.turns.at(-1))} — ${m.why}${m.got.confidence !== undefined ? ` (conf ${m.got.confidence})` : ''}`);
  }
  return lines.join('\n');
}

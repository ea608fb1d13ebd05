/** Synonym classes in the analysis, and the answer / ask / fall back decision at its boundaries. */
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/knowledge/vi/analyze.js';
import { canonicalize } from '../src/knowledge/vi/synonyms.js';
import { THRESHOLDS, decide, requiredLead } from '../src/flows/retrieval.js';
import type { Candidate } from '../src/knowledge/search/faq-index.js';
import type { FaqEntry } from '../src/knowledge/kb/schema.js';
import { loadKnowledgeOrThrow } from '../src/knowledge/load.js';
import { renderEntry } from '../src/flows/answer.js';
import { PAYLOAD } from '../src/flows/texts.js';

describe('synonym classes', () => {
  it.each([
    ['lãnh tiền thất nghiệp', 'nhận tiền thất nghiệp'],
    ['lanh tien that nghiep', 'nhận tiền thất nghiệp'],
    ['hưởng trợ cấp', 'nhận trợ cấp'],
    ['xưởng nợ lương', 'công ty nợ lương'],
    ['nhà máy nợ lương', 'công ty nợ lương'],
    ['sếp nợ lương', 'cty nợ lương'],
    ['em nghỉ làm rồi', 'em nghỉ việc rồi'],
    ['bị đuổi việc', 'bị cho nghỉ việc'],
    ['đang có bầu', 'đang mang thai'],
    ['đủ tiêu chuẩn không', 'đủ điều kiện không'],
  ])('"%s" reads like "%s"', (a, b) => {
    expect(analyze(a)).toEqual(analyze(b));
  });

  it('leaves words that only share the letters', () => {
    expect(analyze('ảnh hưởng đến lương')).toContain('huong');
    expect(analyze('hướng dẫn nộp hồ sơ')).toContain('huong');
    expect(analyze('lương giảm xuống')).toContain('xuong');
    expect(analyze('làm việc linh hoạt')).toContain('linh');
  });

  it('maps a phrase as a whole and keeps the rest in order', () => {
    expect(canonicalize(['cong', 'nhan', 'nha', 'may', 'bi', 'duoi'], [undefined, undefined, undefined, undefined, undefined, undefined]).tokens).toEqual([
      'cong', 'nhan', 'cong', 'ty', 'bi', 'cho', 'nghi',
    ]);
  });
});

const entry = (id: string, supersedes?: string, related: string[] = []) => ({ id, supersedes, related, question: id }) as unknown as FaqEntry;
const cand = (id: string, confidence: number, related: string[] = []): Candidate => ({ entry: entry(id, undefined, related), confidence, score: confidence });

describe('decision thresholds', () => {
  const { answer, margin, strong, strongMargin, clarify } = THRESHOLDS;

  it('answers at the answer threshold with the required lead, not just below either', () => {
    expect(decide([cand('a', answer), cand('b', answer - margin)]).decision).toBe('answer');
    expect(decide([cand('a', answer - 0.001), cand('b', 0.1)]).decision).toBe('clarify');
    expect(decide([cand('a', answer + 0.05), cand('b', answer + 0.05 - margin + 0.01)]).decision).toBe('clarify');
  });

  it('needs a smaller lead when the top entry is on the side the question names', () => {
    const { cueMargin } = THRESHOLDS;
    const top = { ...cand('a', answer + 0.1), cueAgrees: true };
    expect(decide([top, cand('b', answer + 0.1 - cueMargin)]).decision).toBe('answer');
    expect(decide([top, cand('b', answer + 0.1 - cueMargin + 0.01)]).decision).toBe('clarify');
    expect(decide([cand('a', answer + 0.1), cand('b', answer + 0.1 - cueMargin)]).decision).toBe('clarify');
  });

  it('needs only a small lead from the strong threshold on', () => {
    expect(requiredLead(strong)).toBe(strongMargin);
    expect(requiredLead(strong - 0.001)).toBe(margin);
    expect(decide([cand('a', strong), cand('b', strong - strongMargin)]).decision).toBe('answer');
    expect(decide([cand('a', strong), cand('b', strong - strongMargin + 0.005)]).decision).toBe('clarify');
  });

  it('answers a lone candidate at the threshold', () => {
    expect(decide([cand('a', answer)])).toMatchObject({ decision: 'answer', entryId: 'a' });
  });

  it('asks which one from the clarify threshold, and falls back below it', () => {
    const asked = decide([cand('a', clarify), cand('b', clarify - 0.01), cand('c', clarify - 0.02)]);
    expect(asked.decision).toBe('clarify');
    expect(asked.candidates.map((c) => c.entry.id)).toEqual(['a', 'b', 'c']);
    expect(decide([cand('a', clarify - 0.001), cand('b', 0.2)]).decision).toBe('fallback');
  });

  it('flags a question as out of scope only below the out-of-scope threshold', () => {
    expect(decide([cand('a', THRESHOLDS.outOfScope - 0.01)]).outOfScope).toBe(true);
    expect(decide([cand('a', THRESHOLDS.outOfScope)]).outOfScope).toBe(false);
  });

  it('answers with the top entry over a close runner-up that is one of its follow-ups, and offers it', () => {
    const top = cand('a', 0.6, ['b']);
    const r = decide([top, cand('b', 0.6 * THRESHOLDS.relatedRatio), cand('c', 0.6 - margin)]);
    expect(r).toMatchObject({ decision: 'answer', entryId: 'a', alsoOffer: 'b' });
  });

  it('still asks when the linked runner-up is nearly level, a third one is close, or only the runner-up links back', () => {
    expect(decide([cand('a', 0.6, ['b']), cand('b', 0.6 * THRESHOLDS.relatedRatio + 0.01), cand('c', 0.2)]).decision).toBe('clarify');
    expect(decide([cand('a', 0.6, ['b']), cand('b', 0.5), cand('c', 0.6 - margin + 0.01)]).decision).toBe('clarify');
    expect(decide([cand('a', 0.6), cand('b', 0.5, ['a']), cand('c', 0.2)]).decision).toBe('clarify');
  });
});

describe('an answer given over a close related runner-up', () => {
  it('offers the runner-up as the first follow-up question, once', () => {
    const { kb } = loadKnowledgeOrThrow();
    const top = kb.get('bhtn.tham-gia.tran-luong-dong')!;
    const runnerUp = top.related.at(-1)!;
    const followUps = (renderEntry(kb, top, '2026-11-28', runnerUp).choices ?? []).map((c) => c.payload).filter((p) => p.startsWith(PAYLOAD.faq));
    expect(followUps[0]).toBe(`${PAYLOAD.faq}${runnerUp}`);
    expect(new Set(followUps).size).toBe(followUps.length);
  });
});

/** Retrieval's index: capped recall keeps the answers of the shipped knowledge base. */
import { describe, expect, it } from 'vitest';
import { FaqIndex } from '../src/knowledge/search/faq-index.js';
import { analyzeForIndex } from '../src/knowledge/vi/analyze.js';
import { loadKnowledgeOrThrow } from '../src/knowledge/load.js';

const { kb } = loadKnowledgeOrThrow();
const entries = kb.servable('2026-11-28');
// Every entry's question and one in four of its phrasings: broad, and quick enough for the suite.
const questions = entries.flatMap((e) => [e.question, ...e.phrasings.filter((_, i) => i % 4 === 0)]);
const top = (index: FaqIndex, q: string) => index.query(q, 1)[0]?.entry.id;

describe('FaqIndex recall with capped postings', () => {
  const uncapped = new FaqIndex(entries, { postingsCap: Number.POSITIVE_INFINITY });

  it('returns the same top answer as uncapped recall for every way of asking in the shipped KB', () => {
    const capped = new FaqIndex(entries);
    const differ = questions.filter((q) => top(capped, q) !== top(uncapped, q));
    expect(differ).toEqual([]);
  });

  it('still finds entries by their telling words when common words are pruned hard', () => {
    // A cap far below the KB's size prunes every common word: the rarer words still recall
    // the right entry for nearly every way of asking.
    const capped = new FaqIndex(entries, { postingsCap: 16 });
    const same = questions.filter((q) => top(capped, q) === top(uncapped, q)).length;
    expect(same / questions.length).toBeGreaterThan(0.97);
  });
});

describe('FaqIndex recall', () => {
  // Recall adds up each term's MiniSearch scores itself (asked once per term and kept) instead
  // of asking MiniSearch for the whole question: a MiniSearch upgrade that scores OR queries
  // differently must show up here, not as quietly different answers.
  it('ranks documents exactly as MiniSearch does for the whole question', () => {
    const index = new FaqIndex(entries);
    const inside = index as unknown as {
      search: { search(q: string): { id: number; score: number }[] };
      recallTop(terms: readonly number[], depth: number, docs: Int32Array, scores: Float64Array): number;
      weights: Map<string, number>;
      termIds: Map<string, number>;
    };
    let compared = 0;
    for (const q of questions.slice(0, 300)) {
      const terms = [...new Set(analyzeForIndex(q))].filter((t) => inside.weights.has(t)).slice(0, 8);
      if (terms.length === 0) continue;
      const theirs = inside.search.search(terms.join(' ')).map((h) => [h.id, h.score]);
      // Every document met, and the first few that queries use (picked without sorting them all).
      for (const depth of [entries.length, 1, 16, 24]) {
        const docs = new Int32Array(depth);
        const scores = new Float64Array(depth);
        const n = inside.recallTop(terms.map((t) => inside.termIds.get(t)!), depth, docs, scores);
        expect(Array.from(docs.subarray(0, n), (doc, i) => [doc, scores[i]])).toEqual(theirs.slice(0, depth));
      }
      compared++;
    }
    expect(compared).toBeGreaterThan(250);
  });
});

describe('FaqIndex recall with numbers in the question', () => {
  // Numbers are rare in the entries' texts, so they rank among a question's most telling
  // terms; they must not take every recall slot from the words that say what is asked.
  const index = new FaqIndex(entries);
  const phrasings = entries.flatMap((e) => e.phrasings.map((q) => ({ id: e.id, q }))).filter(({ id, q }) => top(index, q) === id);

  it.each(['sau 3 năm', 'em làm được 7 năm 4 tháng,', 'lương 12 triệu'])('keeps the entry among the candidates when "%s" comes first', (prefix) => {
    const lost = phrasings.filter(({ id, q }) => !index.query(`${prefix} ${q}`, 5).some((c) => c.entry.id === id));
    expect(lost.length).toBeLessThanOrEqual(phrasings.length / 200);
  });

  it('recalls the severance entry when the worker says how long they worked', () => {
    const [first] = index.query('nghỉ việc sau 3 năm có được trợ cấp thôi việc không', 3);
    expect(first?.entry.id).toBe('ld.tro-cap.thoi-viec');
  });
});

describe('FaqIndex rescoring', () => {
  // Rescoring reads which of an entry's texts hold each question term from a bitmask per term,
  // 32 texts a word: an entry with more ways of asking than that spans several words.
  const [subject, ...others] = entries;
  const asked = subject!.question;
  const fillers = others.flatMap((e) => e.phrasings).slice(0, 41);
  // 42 texts, of which only the one at `at` is worded as asked (the entry's question is a filler too).
  const withAskedAt = (at: number) => {
    const texts = fillers.toSpliced(at, 0, asked);
    return new FaqIndex([{ ...subject!, question: texts[0]!, phrasings: texts.slice(1) }, ...others]);
  };

  it('scores a way of asking the same wherever it stands among an entry’s many texts', () => {
    const found = [0, 1, 31, 32, 33, 41].map((at) => withAskedAt(at).query(asked, 1)[0]);
    for (const c of found) expect(c?.entry.id).toBe(subject!.id);
    expect(new Set(found.map((c) => c?.confidence)).size).toBe(1);
    // One of the entry's texts is the question word for word: as sure as rescoring gets.
    expect(found[0]!.confidence).toBeGreaterThan(0.9);
  });
});

/**
 * Retrieval over the knowledge base.
 *
 * Stage 1 (recall): MiniSearch, fed with our Vietnamese analysis (folded syllables after
 * abbreviation expansion and typo correction, plus syllable bigrams), one document per
 * entry holding all its ways of asking.
 * Stage 2 (confidence): the top candidates are rescored by IDF-weighted overlap between the
 * query and the entry's best phrasing. Unlike a BM25 score this is bounded in [0, 1] and
 * comparable across questions, so thresholds can be calibrated on the development set.
 */
import MiniSearch from 'minisearch';
import { analyzeForIndex } from '../vi/analyze.js';
import type { FaqEntry } from '../kb/schema.js';
import { cuesOf, dominantCues, type Cues } from '../vi/cues.js';

export interface Candidate {
  entry: FaqEntry;
  /** Calibrated confidence in [0, 1]. */
  confidence: number;
  /** Raw MiniSearch score, for diagnostics. */
  score: number;
  /** The entry is on the side the question names (who ends the contract, which money). */
  cueAgrees?: boolean;
  /** The question's words lean to this candidate rather than to the runner-up (see FaqIndex.lean). */
  wordsLean?: boolean;
}

interface Doc {
  id: number;
  entryId: string;
  text: string;
}

/**
 * An entry's texts (question, phrasings, keywords), ready for rescoring: which of its texts hold
 * each of its distinct terms, as a small open-addressing table from term id to a bitmask of
 * texts (`words` 32-bit words a term, text k at bit k % 32 of word k / 32), and each text's
 * summed weight. All fixed once the index is built. The per-question loop probes the table
 * once per question term (a dozen or so) instead of reading every term of every text (~260
 * positions an entry, 16–24 candidates a question), and touches a few cache lines an entry
 * instead of streaming a kilobyte: what counts when the rest of the server has pushed the
 * index out of the CPU's caches.
 */
interface EntryTexts {
  /** Term id in each slot, -1 for an empty one; the slot of a term is found by linear probing from slotOf(). */
  keys: Int32Array;
  /** Per slot, `words` words of the texts holding the slot's term. */
  masks: Uint32Array;
  /** Per slot, the share of the entry's texts that hold the slot's term (FaqIndex.lean, sideWordOnly). */
  shares: Float64Array;
  words: number;
  /** 32 − log2(keys.length): slotOf() keeps the hash's top bits. */
  shift: number;
  masses: Float64Array;
}

/** Fibonacci hashing: the multiplier spreads consecutive ids (terms numbered in KB order) over the table. */
const slotOf = (id: number, shift: number) => Math.imul(id, 0x9e3779b1) >>> shift;

/** The table of one entry's texts (see EntryTexts): about half full, at least 8 slots. */
function entryTexts(sets: readonly (readonly number[])[], masses: Float64Array): EntryTexts {
  const words = Math.max(1, Math.ceil(sets.length / 32));
  const distinct = new Set(sets.flat()).size;
  let bits = 3;
  while (1 << bits < 2 * distinct) bits++;
  const keys = new Int32Array(1 << bits).fill(-1);
  const masks = new Uint32Array(keys.length * words);
  const shares = new Float64Array(keys.length);
  const shift = 32 - bits;
  sets.forEach((ids, k) => {
    for (const id of ids) {
      let slot = slotOf(id, shift);
      while (keys[slot] !== -1 && keys[slot] !== id) slot = (slot + 1) & (keys.length - 1);
      keys[slot] = id;
      masks[slot * words + (k >>> 5)]! |= 1 << (k & 31);
      shares[slot] = shares[slot]! + 1 / sets.length;
    }
  });
  return { keys, masks, shares, words, shift, masses };
}

/** The slot of the term in the entry's table, or -1 when none of its texts holds it. */
function slotIn(texts: EntryTexts, id: number): number {
  const { keys } = texts;
  let slot = slotOf(id, texts.shift);
  for (let key = keys[slot]!; key !== id; key = keys[slot]!) {
    if (key === -1) return -1;
    slot = (slot + 1) & (keys.length - 1);
  }
  return slot;
}

/** The share of the entry's texts that hold the term (0 when none does). */
function shareIn(texts: EntryTexts, id: number): number {
  const slot = slotIn(texts, id);
  return slot < 0 ? 0 : texts.shares[slot]!;
}

/**
 * A question's distinct terms as the rescoring loop reads them, prepared once per question in
 * scratch arrays the index reuses (valid until the next question).
 */
interface PreparedQuery {
  /** How many distinct terms; ids and weights are longer (scratch). */
  count: number;
  /** Term id of each distinct question term, in question order, -1 when no entry uses it. */
  ids: Int32Array;
  weights: Float64Array;
  /** Sum of `weights`, in question order. */
  mass: number;
  /** termMark[id] === stamp: the term is in the question. */
  stamp: number;
}

/** Bigrams carry phrase evidence but are rarer and noisier than syllables: weigh them down. */
const BIGRAM_WEIGHT = 0.3;
const RECALL_DEPTH = 16;
const MIN_IDF = 0.05;
const RECALL_TERMS = 8;
const RECALL_SHARE = 0.5;
/** A term that is or holds a number: "3", "3_nam", "nam_3". */
const NUMERIC = /(?:^|_)\d/;
/** See FaqIndex.sideWordOnly. */
const SIDE_MIN_WEIGHT = 0.8;
const SIDE_SHARE = 0.25;
/** Entries a second recall without the numbers may add (see queryTerms). */
const WORD_RECALL_DEPTH = 8;
/** How much of the question a way of asking covers, against how much of it the question holds. */
const COVERAGE_SHARE = 0.65;
/**
 * Term weight = IDF^0.65. Plain IDF let one rare word outweigh the words that name the
 * subject: "trợ cấp thất nghiệp … tính theo công thức nào" went to the overtime entry that
 * alone says "công thức", because "thất nghiệp" is in a third of the entries. Dampened, the
 * subject words count again (eval: independent set 73.8% → 82%, fewer confident wrong).
 * Lower powers did a little better still, but made recall with hard-pruned postings miss
 * more (tests/faq-index.test.ts).
 */
const IDF_POWER = 0.65;
/**
 * Share of the confidence given to how much of the question all the entry's ways of asking
 * cover together: a worker's question often mixes words from two phrasings of one entry.
 */
const UNION_SHARE = 0.25;
/**
 * An entry's defining terms are those in nearly all of its ways of asking (DEFINING_SHARE),
 * and not too common in the KB (idf at least DEFINING_MIN_IDF): "thử việc" for every entry on
 * probation, "thất nghiệp" for most BHTN entries. A question without them is likely about a
 * neighbour that shares its other words ("nghỉ ngang không báo trước" is not the probation
 * entry), so the candidate loses up to DEFINING_DISCOUNT of its confidence, by the weighted
 * share of its defining terms the question lacks. Eval (927 cases, on top of the side cues):
 * 821 → 825 correct, confident wrong 11 → 10; terms in 80% of the ways of asking gained more
 * (828) but gave 3 more confident wrong answers on the independent set.
 */
const DEFINING_SHARE = 0.9;
const DEFINING_MIN_IDF = 0.5;
const DEFINING_DISCOUNT = 0.1;

/**
 * Most postings one term may have in the recall index. A term found in more entries keeps
 * only the entries where it weighs most (static index pruning): recall then scores at most
 * RECALL_TERMS × POSTINGS_CAP postings whatever the size of the knowledge base, and such a
 * common term says little about which entry is meant anyway. The rescoring stage still sees
 * every term of every entry. Below this many entries nothing is pruned.
 */
export const POSTINGS_CAP = 128;

export interface FaqIndexOptions {
  /** Overrides POSTINGS_CAP (tests compare capped and uncapped recall). */
  postingsCap?: number;
  /** analyzeForIndex, or a cache of it (start-up keeps it between runs: src/knowledge/cache.ts). */
  analyse?: (text: string) => string[];
}

export class FaqIndex {
  private readonly search: MiniSearch<Doc>;
  private readonly entries = new Map<string, FaqEntry>();
  /**
   * Per recall document (= entry, in build order; a document's MiniSearch id is its position):
   * the entry, its weighted texts, its defining terms. Arrays, not maps keyed by the entry id:
   * the candidate loop reaches them from the document recall returns.
   */
  private readonly docEntries: FaqEntry[] = [];
  private readonly docTexts: EntryTexts[] = [];
  private readonly docDefining: ({ terms: Int32Array; weights: Float64Array; mass: number } | undefined)[] = [];
  /** Each entry's recall document (its position in docEntries and docTexts). */
  private readonly docOf = new Map<string, number>();
  /**
   * Every term of the entries' texts numbered once, so that rescoring compares integers in
   * flat arrays instead of hashing strings: it runs for 16 candidates × every text per question.
   */
  private readonly termIds = new Map<string, number>();
  /** Per term id: the term, its weight (= weights.get(term)), whether it is or holds a number. */
  private readonly termNames: string[] = [];
  private termWeight = new Float64Array(0);
  private termNumeric = new Uint8Array(0);
  /** Marks the current question's terms (see PreparedQuery.stamp); never cleared, only re-stamped. */
  private termMark = new Uint32Array(0);
  private stamp = 0;
  /** Scratch for the question's distinct terms (PreparedQuery). */
  private queryIds = new Int32Array(64);
  private queryWeights = new Float64Array(64);
  /** Scratch for similarity: per text of the entry, the weight of the question's terms it holds; zero between calls. */
  private textShared = new Float64Array(0);
  /**
   * MiniSearch's score of each document holding a recall term, in the order of the term's
   * postings (ascending document id), asked of MiniSearch once per term: the index never
   * changes, so neither do they. See recallTop(). Indexed by term id.
   */
  private readonly termHits: ({ docs: Int32Array; scores: Float64Array } | undefined)[] = [];
  /** Per document, the running score and the number of recall terms matched; zero between questions. */
  private recallScore = new Float64Array(0);
  private recallMatched = new Uint16Array(0);
  /** The documents the current recall met, in the order met (see accumulate). */
  private metDocs = new Int32Array(0);
  /** The first recall's score of each document it met, for a second recall: valid where firstMark holds the question's stamp. */
  private firstScore = new Float64Array(0);
  private firstMark = new Uint32Array(0);
  /** Scratch: the candidates' documents and recall scores (see queryTerms), and a second recall's. */
  private readonly bestDocs = new Int32Array(RECALL_DEPTH + WORD_RECALL_DEPTH);
  private readonly bestScores = new Float64Array(RECALL_DEPTH + WORD_RECALL_DEPTH);
  private readonly secondDocs = new Int32Array(RECALL_DEPTH + WORD_RECALL_DEPTH);
  private readonly secondScores = new Float64Array(RECALL_DEPTH + WORD_RECALL_DEPTH);
  private readonly idf = new Map<string, number>();
  /** weight(term) for every indexed term, computed once. */
  private readonly weights = new Map<string, number>();
  private readonly maxIdf: number;
  /** Who ends the contract, which money: what most of an entry's ways of asking say. */
  private readonly cues = new Map<string, Cues>();

  constructor(entries: readonly FaqEntry[], options: FaqIndexOptions = {}) {
    // Documents hold terms already analysed, one space apart: split them back, never re-analyse.
    const split = (text: string) => (text === '' ? [] : text.split(' '));
    this.search = new MiniSearch<Doc>({
      fields: ['text'],
      storeFields: ['entryId'],
      tokenize: split,
      processTerm: (term) => term,
      searchOptions: { combineWith: 'OR', boost: { text: 1 }, tokenize: split, processTerm: (term) => term },
    });
    const documentFrequency = new Map<string, number>();
    // One recall document per entry (all its ways of asking): 8× fewer postings than one
    // per phrasing; the per-phrasing comparison happens in the rescoring stage.
    const recallTerms: string[][] = [];
    const termSets: Set<string>[][] = [];
    const askings: Set<string>[][] = [];
    for (const entry of entries) {
      this.entries.set(entry.id, entry);
      const raw = [entry.question, ...entry.phrasings, ...(entry.keywords ?? [])];
      const analysed = raw.map(options.analyse ?? ((t) => analyzeForIndex(t)));
      termSets.push(analysed.map((a) => new Set(a)));
      // Only the ways of asking: keywords are loose words, not sentences with a side.
      const asked = analysed.slice(0, 1 + entry.phrasings.length);
      askings.push(termSets[termSets.length - 1]!.slice(0, asked.length));
      const entryCues = dominantCues(asked.map((a) => cuesOf(a.filter((t) => !t.includes('_')))));
      if (entryCues.side || entryCues.money) this.cues.set(entry.id, entryCues);
      const all = analysed.flat();
      for (const t of new Set(all)) documentFrequency.set(t, (documentFrequency.get(t) ?? 0) + 1);
      recallTerms.push(all);
    }
    const keep = prunedPostings(recallTerms, documentFrequency, options.postingsCap ?? POSTINGS_CAP);
    this.recallScore = new Float64Array(entries.length);
    this.recallMatched = new Uint16Array(entries.length);
    this.metDocs = new Int32Array(entries.length);
    this.firstScore = new Float64Array(entries.length);
    this.firstMark = new Uint32Array(entries.length);
    this.search.addAll(
      entries.map((entry, id) => ({ id, entryId: entry.id, text: recallTerms[id]!.filter((t) => keep(t, id)).join(' ') })),
    );
    const n = Math.max(entries.length, 1);
    // log(N/df), floored and dampened (IDF_POWER): words shared by most entries ("trợ cấp
    // thất nghiệp") weigh less, so that what tells two entries apart ("mức", "tối đa")
    // decides, without one rare word outweighing the subject.
    for (const [t, df] of documentFrequency) this.idf.set(t, Math.max(MIN_IDF, Math.log(n / df)) ** IDF_POWER);
    this.maxIdf = Math.log(n + 1) ** IDF_POWER;
    this.termWeight = new Float64Array(this.idf.size);
    this.termNumeric = new Uint8Array(this.idf.size);
    for (const t of this.idf.keys()) {
      const id = this.termIds.size;
      const w = this.weight(t);
      this.weights.set(t, w);
      this.termIds.set(t, id);
      this.termNames.push(t);
      this.termWeight[id] = w;
      this.termNumeric[id] = NUMERIC.test(t) ? 1 : 0;
    }
    this.termMark = new Uint32Array(this.termIds.size);
    entries.forEach((entry, i) => {
      const texts = askings[i]!;
      const count = new Map<string, number>();
      for (const set of texts) for (const t of set) count.set(t, (count.get(t) ?? 0) + 1);
      const terms = [...count].filter(([t, c]) => c >= DEFINING_SHARE * texts.length && this.idf.get(t)! >= DEFINING_MIN_IDF).map(([t]) => t);
      let mass = 0;
      for (const t of terms) mass += this.weights.get(t)!;
      this.docDefining.push(terms.length > 0 ? { terms: Int32Array.from(terms, (t) => this.termIds.get(t)!), weights: Float64Array.from(terms, (t) => this.weights.get(t)!), mass } : undefined);
    });
    entries.forEach((entry, i) => {
      const sets = termSets[i]!;
      const masses = new Float64Array(sets.length);
      sets.forEach((set, k) => {
        let mass = 0;
        for (const t of set) mass += this.weights.get(t)!;
        masses[k] = mass;
      });
      if (sets.length > this.textShared.length) this.textShared = new Float64Array(sets.length);
      this.docOf.set(entry.id, this.docEntries.length);
      this.docEntries.push(entry);
      this.docTexts.push(entryTexts(sets.map((set) => [...set].map((t) => this.termIds.get(t)!)), masses));
    });
  }

  /**
   * Which of two close entries the question's words lean to, in [-1, 1]: each term of the
   * question counts its weight times (share of a's texts that hold it − share of b's), over
   * the question's total weight. Positive: the words that tell the two apart are a's ("thâm
   * niên", "tối thiểu vùng"), not merely the words they share.
   */
  lean(terms: readonly string[], a: string, b: string): number {
    const da = this.docOf.get(a);
    const db = this.docOf.get(b);
    if (da === undefined || db === undefined) return 0;
    const ta = this.docTexts[da]!;
    const tb = this.docTexts[db]!;
    const q = this.prepare(terms);
    let sum = 0;
    for (let i = 0; i < q.count; i++) {
      const id = q.ids[i]!;
      if (id >= 0) sum += q.weights[i]! * (shareIn(ta, id) - shareIn(tb, id));
    }
    return q.mass === 0 ? 0 : sum / q.mass;
  }

  /**
   * The question meets the entry on one word only, and a side word of the entry's texts at
   * that: every telling syllable the two share (weight at least SIDE_MIN_WEIGHT) belongs to one
   * word (adjacent syllables whose bigram the entry has: "hộ chiếu"), found in fewer than
   * SIDE_SHARE of the entry's texts; and the question's telling words that the entry lacks
   * (words of the KB: an unknown name says nothing) weigh at least as much as that word: the
   * question is about something else. "cách làm hộ chiếu nhanh" meets the forced-labour entry
   * only on "hộ chiếu", which one of its ten texts mentions as a sign of forced labour. A
   * keyword asked alone still reaches its entry (nothing else in the question).
   */
  sideWordOnly(terms: readonly string[], entryId: string): boolean {
    const doc = this.docOf.get(entryId);
    if (doc === undefined) return false;
    const texts = this.docTexts[doc]!;
    const shareOf = (t: string) => {
      const id = this.termIds.get(t);
      return id === undefined ? 0 : shareIn(texts, id);
    };
    let words = 0;
    let share = 1;
    let shared = 0;
    let unshared = 0;
    let previous: string | undefined;
    for (const t of new Set(terms)) {
      if (t.includes('_')) continue;
      const s = shareOf(t);
      const w = this.weights.get(t) ?? this.maxIdf;
      if (s === 0 || w < SIDE_MIN_WEIGHT) {
        // Numbers the entry lacks are the question's particulars ("2 năm"), not its subject.
        if (s === 0 && w >= SIDE_MIN_WEIGHT && this.weights.has(t) && !NUMERIC.test(t)) unshared += w;
        previous = undefined;
        continue;
      }
      shared += w;
      // A word is one syllable or two ("hộ chiếu"); a third starts another word.
      if (previous === undefined || shareOf(`${previous}_${t}`) === 0) {
        words++;
        previous = t;
      } else {
        previous = undefined;
      }
      if (words > 1) return false;
      share = Math.min(share, s);
    }
    return words === 1 && share < SIDE_SHARE && unshared >= shared;
  }

  /** The cues most of the entry's ways of asking agree on (none when they do not agree). */
  cuesOf(entryId: string): Cues {
    return this.cues.get(entryId) ?? {};
  }

  get size(): number {
    return this.entries.size;
  }

  /** Ranked candidates, best first, at most `limit`. */
  query(text: string, limit = 5): Candidate[] {
    const terms = analyzeForIndex(text);
    return this.queryTerms(terms, limit);
  }

  queryTerms(terms: string[], limit = 5): Candidate[] {
    if (terms.length === 0) return [];
    const q = this.prepare(terms);
    // Recall with the most telling terms only: words shared by most entries would make
    // MiniSearch score nearly every document (milliseconds) without changing the top.
    // Picked without sorting all the question's terms (see topTerms): the same terms in the
    // same order as a stable sort by weight, then the first RECALL_TERMS.
    const recallTerms = this.topTerms(q, false);
    if (recallTerms.length === 0) return [];
    // Numbers ("3 năm", "8 tháng", "10 triệu") are rare in the entries' texts, so they rank
    // high among a question's telling terms and can take the recall slots from the words that
    // say what is asked ("trợ cấp thôi việc"): the entries those words point to are recalled
    // too, by a second recall without the numbers (up to WORD_RECALL_DEPTH more entries).
    // The first recall's candidates keep their scores, hence their confidences; an added one
    // scores by its standing in the second recall, scaled to the first's best, never above it.
    // Eval: no case changed; a way of asking of the KB with "sau 3 năm" or "em làm được 7 năm
    // 4 tháng," before it lost its entry from the top 5 candidates 16 and 18 times, now 2 and 3.
    const numeric = recallTerms.some((id) => this.termNumeric[id] === 1);
    // Each document is one entry, so the first RECALL_DEPTH documents are the first recall's
    // entries, and a second recall adds from its first RECALL_DEPTH + WORD_RECALL_DEPTH at most.
    const { bestDocs, bestScores, secondDocs, secondScores } = this;
    let count = this.recallTop(recallTerms, RECALL_DEPTH, bestDocs, bestScores, numeric ? q.stamp : 0);
    // Never the case (every indexed term is in some document), but then there is no best score to scale by.
    if (count === 0) return [];
    if (numeric) {
      const words = this.topTerms(q, true);
      let added = 0;
      const seconds = words.length > 0 ? this.recallTop(words, RECALL_DEPTH + WORD_RECALL_DEPTH, secondDocs, secondScores) : 0;
      const scale = bestScores[0]! / (seconds > 0 ? secondScores[0]! : 1);
      const firsts = count;
      for (let i = 0; i < seconds; i++) {
        const doc = secondDocs[i]!;
        let known = false;
        for (let k = 0; k < firsts && !known; k++) known = bestDocs[k] === doc;
        if (known) continue;
        bestDocs[count] = doc;
        // The first recall's score, where it met the document.
        bestScores[count] = Math.max(this.firstMark[doc] === q.stamp ? this.firstScore[doc]! : 0, secondScores[i]! * scale);
        count++;
        if (++added >= WORD_RECALL_DEPTH) break;
      }
    }
    const candidates: Candidate[] = [];
    let topScore = -Infinity;
    for (let i = 0; i < count; i++) if (bestScores[i]! > topScore) topScore = bestScores[i]!;
    for (let i = 0; i < count; i++) {
      const doc = bestDocs[i]!;
      const score = bestScores[i]!;
      // The best single way of asking decides most; how well all of them together cover the
      // question (MiniSearch's score, relative to the best) breaks near-ties.
      // As a discount, not a bonus: a weak best match stays weak.
      const confidence = this.similarity(q, this.docTexts[doc]!) * (1 - RECALL_SHARE + RECALL_SHARE * (score / topScore));
      // Every field present, in the order retrieval's changed() writes them: one object shape.
      candidates.push({ entry: this.docEntries[doc]!, confidence: confidence * (1 - DEFINING_DISCOUNT * this.missingDefining(doc, q)), score, cueAgrees: undefined, wordsLean: undefined });
    }
    candidates.sort((a, b) => b.confidence - a.confidence || b.score - a.score);
    return candidates.slice(0, limit);
  }

  /**
   * The question's first RECALL_TERMS indexed terms by weight, heaviest first, ties in question
   * order (what a stable sort by weight gives); `words`: numbers left out. An insertion into a
   * short list instead of sorting every term of the question with a comparator per pair.
   */
  private topTerms(q: PreparedQuery, words: boolean): number[] {
    const top: number[] = [];
    const weight = this.termWeight;
    for (let i = 0; i < q.count; i++) {
      const id = q.ids[i]!;
      if (id < 0 || (words && this.termNumeric[id] === 1)) continue;
      const w = weight[id]!;
      if (top.length === RECALL_TERMS) {
        if (!(w > weight[top[RECALL_TERMS - 1]!]!)) continue;
        top.pop();
      }
      // After every term at least as heavy: an equal weight keeps question order.
      let at = top.length;
      top.push(id);
      for (; at > 0 && weight[top[at - 1]!]! < w; at--) top[at] = top[at - 1]!;
      top[at] = id;
    }
    return top;
  }

  /** Weighted share of the entry's defining terms that the question lacks, in [0, 1]. */
  private missingDefining(doc: number, q: PreparedQuery): number {
    const def = this.docDefining[doc];
    if (!def) return 0;
    let missing = 0;
    for (let i = 0; i < def.terms.length; i++) if (this.termMark[def.terms[i]!] !== q.stamp) missing += def.weights[i]!;
    return missing / def.mass;
  }

  private weight(term: string): number {
    const base = this.idf.get(term) ?? this.maxIdf;
    return term.includes('_') ? base * BIGRAM_WEIGHT : base;
  }

  /**
   * The first `depth` documents and scores of what `this.search.search(terms.join(' '))` returns
   * (OR of the terms), written to `docs` and `scores` (how many is returned), from each term's
   * own MiniSearch results. MiniSearch scores a document as the sum of its per-term scores,
   * added in query-term order, times the number of terms it matched, and sorts stably by score
   * over the order documents were first met (term by term, each in posting order); the same sums
   * in the same order give the same numbers bit for bit. Asking MiniSearch for the whole question
   * each time built a result object per posting and per term: two thirds of the memory a message
   * allocated, and a quarter of its CPU time. The first few are picked by insertion into the
   * short list as the documents are met instead of sorting every document met (a few hundred for
   * a common term): a later document goes after every one scoring at least as much, as the
   * stable sort puts it. With a `keep` stamp, every met document's score is kept in firstScore
   * (marked in firstMark) for a second recall.
   */
  private recallTop(terms: readonly number[], depth: number, docs: Int32Array, scores: Float64Array, keep = 0): number {
    const met = this.accumulate(terms);
    const metDocs = this.metDocs;
    const score = this.recallScore;
    let n = 0;
    for (let i = 0; i < met; i++) {
      const d = metDocs[i]!;
      const s = score[d]!;
      if (keep !== 0) {
        this.firstScore[d] = s;
        this.firstMark[d] = keep;
      }
      if (n === depth) {
        if (!(s > scores[depth - 1]!)) continue;
        n--;
      }
      let at = n;
      for (; at > 0 && scores[at - 1]! < s; at--) {
        docs[at] = docs[at - 1]!;
        scores[at] = scores[at - 1]!;
      }
      docs[at] = d;
      scores[at] = s;
      n++;
    }
    this.clearRecall(met);
    return n;
  }

  /**
   * Adds up the terms' MiniSearch scores per document, in term order then posting order; leaves
   * each met document's final score (sum × terms matched) in recallScore until clearRecall, and
   * the documents in the order first met in metDocs. Returns how many documents it met.
   */
  private accumulate(terms: readonly number[]): number {
    const score = this.recallScore;
    const matched = this.recallMatched;
    const metDocs = this.metDocs;
    let met = 0;
    for (const term of terms) {
      const { docs, scores } = this.hitsOf(term);
      for (let i = 0; i < docs.length; i++) {
        const d = docs[i]!;
        if (matched[d] === 0) {
          metDocs[met++] = d;
          score[d] = scores[i]!;
        } else {
          score[d] = score[d]! + scores[i]!;
        }
        matched[d] = matched[d]! + 1;
      }
    }
    for (let i = 0; i < met; i++) {
      const d = metDocs[i]!;
      score[d] = score[d]! * matched[d]!;
    }
    return met;
  }

  private clearRecall(met: number): void {
    for (let i = 0; i < met; i++) {
      const d = this.metDocs[i]!;
      this.recallScore[d] = 0;
      this.recallMatched[d] = 0;
    }
  }

  private hitsOf(term: number): { docs: Int32Array; scores: Float64Array } {
    let hits = this.termHits[term];
    if (!hits) {
      // One term: MiniSearch's score is its per-term score (times one term matched).
      const results = this.search.search(this.termNames[term]!).sort((a, b) => (a.id as number) - (b.id as number));
      hits = { docs: Int32Array.from(results, (r) => r.id as number), scores: Float64Array.from(results, (r) => r.score) };
      this.termHits[term] = hits;
    }
    return hits;
  }

  /**
   * The question's distinct terms, in order, with their ids and weights, and marked in
   * termMark; their total weight is the same for every candidate, so it is summed once. Terms
   * of the index are told apart by their stamp, the few others (words no entry uses) by a set.
   */
  private prepare(terms: readonly string[]): PreparedQuery {
    if (this.queryIds.length < terms.length) {
      this.queryIds = new Int32Array(terms.length);
      this.queryWeights = new Float64Array(terms.length);
    }
    const ids = this.queryIds;
    const weights = this.queryWeights;
    // A fresh stamp marks this question's terms without clearing the last question's.
    if (++this.stamp === 0xffffffff) {
      this.termMark.fill(0);
      this.firstMark.fill(0);
      this.stamp = 1;
    }
    const stamp = this.stamp;
    let unknown: Set<string> | undefined;
    let count = 0;
    let mass = 0;
    for (const t of terms) {
      const id = this.termIds.get(t);
      let w: number;
      if (id !== undefined) {
        if (this.termMark[id] === stamp) continue;
        this.termMark[id] = stamp;
        w = this.termWeight[id]!;
      } else {
        if (unknown?.has(t)) continue;
        (unknown ??= new Set()).add(t);
        w = this.weight(t);
      }
      ids[count] = id ?? -1;
      weights[count] = w;
      mass += w;
      count++;
    }
    return { count, ids, weights, mass, stamp };
  }

  /**
   * Best over the entry's texts of a blend of two IDF-weighted shares: how much of the
   * question the text covers, and how much of the text the question contains; blended
   * (UNION_SHARE) with how much of the question all the texts together cover. Each question
   * term the entry holds adds its weight to the texts its mask names, in question order, and
   * to the union. (Until 2026-11-30 a text's sum ran in the text's own order: the same terms,
   * so the same confidences but for the last bit or two of a double; the eval report did not
   * change.)
   */
  private similarity(q: PreparedQuery, texts: EntryTexts): number {
    const qMass = q.mass;
    if (qMass === 0) return 0;
    const { masks, words, masses } = texts;
    const shared = this.textShared;
    let unionShared = 0;
    for (let i = 0; i < q.count; i++) {
      const id = q.ids[i]!;
      const slot = id < 0 ? -1 : slotIn(texts, id);
      if (slot < 0) continue;
      const w = q.weights[i]!;
      unionShared += w;
      for (let word = 0; word < words; word++) {
        // Each set bit, lowest first: text (word * 32 + bit) holds the term.
        for (let m = masks[slot * words + word]!; m !== 0; m &= m - 1) shared[word * 32 + 31 - Math.clz32(m & -m)]! += w;
      }
    }
    let best = 0;
    for (let k = 0; k < masses.length; k++) {
      const s = shared[k]!;
      shared[k] = 0;
      const dMass = masses[k]!;
      const coverage = s / qMass;
      // Long messages tell a story around the question: how much of a way of asking the
      // message contains matters as much as how much of the message that way covers.
      const docCoverage = dMass === 0 ? 0 : s / dMass;
      const score = COVERAGE_SHARE * coverage + (1 - COVERAGE_SHARE) * docCoverage;
      if (score > best) best = score;
    }
    return (1 - UNION_SHARE) * best + UNION_SHARE * (unionShared / qMass);
  }
}

/**
 * Which postings the recall index keeps: for a term in more than `cap` documents, only the
 * `cap` documents where it is the largest share of the text (a term repeated across an
 * entry's ways of asking is what that entry is about).
 */
function prunedPostings(docs: readonly string[][], df: ReadonlyMap<string, number>, cap: number): (term: string, doc: number) => boolean {
  const common = new Map<string, { doc: number; share: number }[]>();
  for (const [t, n] of df) if (n > cap) common.set(t, []);
  if (common.size === 0) return () => true;
  docs.forEach((terms, doc) => {
    const tf = new Map<string, number>();
    for (const t of terms) if (common.has(t)) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [t, n] of tf) common.get(t)!.push({ doc, share: n / terms.length });
  });
  const kept = new Map<string, Set<number>>();
  for (const [t, postings] of common) {
    postings.sort((a, b) => b.share - a.share || a.doc - b.doc);
    kept.set(t, new Set(postings.slice(0, cap).map((p) => p.doc)));
  }
  return (term, doc) => kept.get(term)?.has(doc) ?? true;
}

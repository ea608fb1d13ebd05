/**
 * From a question to a decision: answer one entry, ask which of a few, or fall back.
 * Follow-ups ("thế nộp ở đâu?") are read against the conversation's current subject by
 * adding the subject's words to the query when the message leans on what came before.
 */
import type { KnowledgeBase } from '../knowledge/kb/knowledge-base.js';
import { FaqIndex, type Candidate, type FaqIndexOptions } from '../knowledge/search/faq-index.js';
import { analyzeForIndex } from '../knowledge/vi/analyze.js';
import { agrees, contradicts, cuesOf } from '../knowledge/vi/cues.js';
import { fold, normalize } from '../knowledge/vi/normalize.js';
import type { ConversationState } from '../store/types.js';
import { looksLikeFollowUp } from './intents.js';
import { textForms } from './handoff/triggers.js';

export type Decision = 'answer' | 'clarify' | 'fallback';

export interface Retrieval {
  decision: Decision;
  /** The entry to answer with, when decision is 'answer'. */
  entryId?: string;
  confidence: number;
  /** Best candidates, for clarification buttons (at most 3). */
  candidates: Candidate[];
  /** Nothing in the question touches the knowledge base's subjects. */
  outOfScope: boolean;
  /** The conversation's subject was used to read the question. */
  usedContext: boolean;
  /**
   * A close runner-up linked to the answered entry: answered anyway (see `closeRelated`),
   * and offered first among the follow-up choices.
   */
  alsoOffer?: string;
}

/**
 * Calibrated on the 927 labelled cases (npm run kb -- eval; `npx tsx bench/eval-analysis.ts
 * --calibration` prints right and wrong top answers by confidence). The lead of the best
 * over the runner-up tells right from wrong better than the confidence alone: most wrong
 * answers are a close sibling entry. Answering from 0.42 with a lead of 0.12 gave 79.5%
 * correct with 1.9% confident wrong, against 76.5% and 1.9% from 0.48 with a lead of 0.06; a
 * lower lead (0.10) or a sliding one (smaller as the confidence rises) gained answers but
 * pushed the confident wrong ones over 2%.
 */
export const THRESHOLDS = {
  /** At or above, with the lead below: answer. */
  answer: 0.42,
  /** Lead over the runner-up an answer needs. */
  margin: 0.12,
  /**
   * Lead enough when the top entry is on the side the question names (the worker quits, the
   * employer dismisses, money paid in or received: see preferCues): the cue already tells it
   * from its sibling. Eval: 826 → 832 of 927 correct, confident wrong 9 → 9; 0.08 gave 829.
   */
  cueMargin: 0.06,
  /**
   * Lead enough when the words that tell the top from the runner-up lean to the top by at
   * least `lean` (FaqIndex.lean): the runner-up is close only on the words the two share.
   * Eval (927 cases, on top of the union synonyms): dev 371 → 375 of 393, independent
   * 463 → 466 of 534, confident wrong 9 → 9. Lean 0.03–0.05 with a lead of 0.04 all gave dev
   * 375; a lead of 0.02 gained more but with more confident wrong answers; a lean of 0.07
   * gained 2 fewer on dev.
   */
  lean: 0.05,
  leanMargin: 0.04,
  /** From this confidence on, a small lead suffices. */
  strong: 0.75,
  strongMargin: 0.04,
  /** At or above (and not answered): ask which one, with the best few as buttons. */
  clarify: 0.36,
  /** Below: the question is likely about something else entirely. */
  outOfScope: 0.2,
  /**
   * A runner-up linked to the top entry (`related`) is no real ambiguity while it scores at
   * most this share of the top and the third candidate is a full margin behind: the two
   * answers cover the same ground, so the bot answers with the top and offers the other as
   * a follow-up instead of asking. On the 730 single-question cases this answered 14 more
   * correctly and 2 more wrongly (4 and 1 on dev, 10 and 1 on the independent set).
   */
  relatedRatio: 0.9,
};

/** The lead over the runner-up that an answer at `confidence` needs. */
export function requiredLead(confidence: number, cueAgrees = false): number {
  if (confidence >= THRESHOLDS.strong) return THRESHOLDS.strongMargin;
  return cueAgrees ? THRESHOLDS.cueMargin : THRESHOLDS.margin;
}

/**
 * Words that name the subject of each family of entries (the id's first segment), read into a
 * follow-up. Labour law (ld) has none: it spans wages, contracts, leave and dismissal, and
 * "người lao động" is in nearly all of it, so its follow-ups are read with their topic's title
 * ("Lương tối thiểu vùng") instead. Eval (931 cases): 845 → 850, confident wrong 9 → 5, with
 * the other families' follow-ups discounted (preferFamily).
 */
const FAMILY_CONTEXT: Record<string, string> = {
  bhtn: 'trợ cấp thất nghiệp',
  bhxh: 'bảo hiểm xã hội',
  huu: 'nghỉ hưu',
  cd: 'công đoàn',
  tc: 'tranh chấp lao động',
  atld: 'tai nạn lao động',
};

/**
 * Words that name a family's subject unambiguously. A question that names one subject
 * ("bảo hiểm thất nghiệp") is about that subject: entries of other families that share its
 * other words ("công ty nợ tiền bảo hiểm") are discounted.
 */
const FAMILY_ANCHORS: Record<string, string[]> = {
  bhtn: ['that_nghiep'],
  bhxh: ['xa_hoi', 'vssid'],
  huu: ['nghi_huu', 'luong_huu'],
  cd: ['cong_doan', 'doan_phi'],
  tc: ['tranh_chap', 'dinh_cong', 'khoi_kien', 'trong_tai'],
  atld: ['tai_nan', 'nghe_nghiep'],
};
const OFF_SUBJECT_FACTOR = 0.85;

/** Each anchor's family (no anchor names two). */
const ANCHOR_FAMILY = new Map(Object.entries(FAMILY_ANCHORS).flatMap(([family, anchors]) => anchors.map((a) => [a, family] as const)));

function anchoredFamilies(terms: readonly string[]): Set<string> {
  const families = new Set<string>();
  for (const t of terms) {
    const family = ANCHOR_FAMILY.get(t);
    if (family !== undefined) families.add(family);
  }
  return families;
}

/**
 * Folded syllables that say when, how many or which, and nothing of the subject: a message of
 * these alone asks about the clock or the calendar, not about work ("hôm nay ngày bao nhiêu âm
 * lịch" was answered with the Tết holiday, which its texts date by the lunar calendar).
 */
const GENERIC_SYLLABLES: ReadonlySet<string> = new Set([
  'may', 'gio', 'phut', 'giay', 'ngay', 'tuan', 'thang', 'nam', 'hom', 'nay', 'mai', 'qua', 'bua',
  'sang', 'trua', 'chieu', 'toi', 'bao', 'nhieu', 'lau', 'gi', 'nao', 'dau', 'khi', 'luc', 'roi',
  'co', 'khong', 'ko', 'k', 'duoc', 'hien', 'tai', 'bay', 'thu', 'ban', 'oi', 'am', 'duong', 'lich',
]);

function namesNothing(terms: readonly string[]): boolean {
  const syllables = terms.filter((t) => !t.includes('_'));
  return syllables.length > 0 && syllables.every((t) => GENERIC_SYLLABLES.has(t));
}

/**
 * The candidate with another confidence or mark, built field by field: spreading candidates of
 * several shapes (with and without the marks) took V8's slow generic copy, a few microseconds
 * a question in the profile.
 */
function changed(c: Candidate, confidence: number, marks?: Pick<Candidate, 'cueAgrees' | 'wordsLean'>): Candidate {
  return { entry: c.entry, confidence, score: c.score, cueAgrees: marks?.cueAgrees ?? c.cueAgrees, wordsLean: marks?.wordsLean ?? c.wordsLean };
}

function preferSubject(candidates: Candidate[], terms: readonly string[]): Candidate[] {
  const families = anchoredFamilies(terms);
  if (families.size !== 1) return candidates;
  const adjusted = candidates.map((c) => {
    const family = c.entry.id.split('.')[0]!;
    return families.has(family) ? c : changed(c, c.confidence * OFF_SUBJECT_FACTOR);
  });
  return adjusted.sort((a, b) => b.confidence - a.confidence);
}

/**
 * The conversation's subject read into a follow-up: entries of other families are discounted,
 * as for a named subject ("còn vùng 3 thì sao?" after the minimum wage is not about the
 * unemployment benefit's cap, which is five regional minimum wages).
 */
function preferFamily(candidates: Candidate[], family: string): Candidate[] {
  return candidates
    .map((c) => (c.entry.id.startsWith(`${family}.`) ? c : changed(c, c.confidence * OFF_SUBJECT_FACTOR)))
    .sort((a, b) => b.confidence - a.confidence);
}

/**
 * A question that says who ends the contract ("em xin nghỉ", "công ty cho nghỉ") or which money
 * ("đóng" in, "hưởng" out) is not about the sibling entry on the other side: candidates whose
 * ways of asking say the opposite are discounted (src/knowledge/vi/cues.ts). Eval (927 cases):
 * 817 → 821 correct, confident wrong 14 → 11; 0.8 and 0.75 gave 820, 0.6 gave 819.
 */
const OTHER_SIDE_FACTOR = 0.7;

function preferCues(candidates: Candidate[], terms: readonly string[], index: FaqIndex): Candidate[] {
  const cues = cuesOf(terms.filter((t) => !t.includes('_')));
  if (!cues.side && !cues.money) return candidates;
  return candidates
    .map((c) => {
      const entry = index.cuesOf(c.entry.id);
      if (contradicts(cues, entry)) return changed(c, c.confidence * OTHER_SIDE_FACTOR);
      return agrees(cues, entry) ? changed(c, c.confidence, { cueAgrees: true }) : c;
    })
    .sort((a, b) => b.confidence - a.confidence);
}

/** Marks the top candidate when the question's telling words lean to it over the runner-up. */
function preferLean(candidates: Candidate[], terms: readonly string[], index: FaqIndex): Candidate[] {
  const [top, second] = candidates;
  if (!top || !second || index.lean(terms, top.entry.id, second.entry.id) < THRESHOLDS.lean) return candidates;
  return [changed(top, top.confidence, { wordsLean: true }), ...candidates.slice(1)];
}

export class Retriever {
  private cached?: { key: string; index: FaqIndex };
  /** The servable set only changes at midnight: remember which index serves which day. */
  private byDay?: { day: string; index: FaqIndex };
  private readonly analysedSubjects = new Map<string, string[]>();

  constructor(
    private readonly kb: KnowledgeBase,
    private readonly indexOptions: FaqIndexOptions = {},
  ) {}

  /** The index of the entries servable on `day`; rebuilt only when that set changes. */
  indexFor(day: string): FaqIndex {
    if (this.byDay?.day === day) return this.byDay.index;
    const entries = this.kb.servable(day);
    const key = entries.map((e) => e.id).join('|');
    if (this.cached?.key !== key) this.cached = { key, index: new FaqIndex(entries, this.indexOptions) };
    this.byDay = { day, index: this.cached.index };
    return this.cached.index;
  }

  /**
   * `semantic`: the language model's similarity of the text to each entry (hybrid search,
   * optional); it reorders the lexical candidates and leaves their calibration alone.
   */
  retrieve(text: string, day: string, state?: Pick<ConversationState, 'lastFaqId' | 'topic'>, semantic?: SemanticScores): Retrieval {
    const lexical = this.read(text, day, state);
    // A confident lexical answer stands: meaning only helps where the words left doubt.
    if (!semantic || lexical.decision !== 'clarify') return lexical;
    const hybrid = this.read(text, day, state, semantic);
    return rank(hybrid) >= rank(lexical) ? hybrid : lexical;
  }

  /** The best few candidates for these terms, after the adjustments for subject, side, meaning and lean. */
  private candidates(index: FaqIndex, terms: string[], semantic: SemanticScores | undefined, family?: string): Candidate[] {
    const found = preferSubject(index.queryTerms(terms, 8), terms);
    return preferLean(withSemantic(preferCues(family ? preferFamily(found, family) : found, terms, index), semantic), terms, index).slice(0, 5);
  }

  /** A subject's words, analysed once: the subjects are the few family names and topic titles. */
  private subjectTerms(subject: string): string[] {
    let terms = this.analysedSubjects.get(subject);
    if (!terms) this.analysedSubjects.set(subject, (terms = analyzeForIndex(subject)));
    return terms;
  }

  private read(text: string, day: string, state?: Pick<ConversationState, 'lastFaqId' | 'topic'>, semantic?: SemanticScores): Retrieval {
    const index = this.indexFor(day);
    const terms = analyzeForIndex(text);
    const base = this.candidates(index, terms, semantic);
    // "Mấy giờ rồi?" shares "mấy giờ" with the night-work entry, and scores high on it; a
    // message made only of time, number and question words names nothing of labour law, so on
    // its own it is out of scope (after a topic, the follow-up reading below may still take it).
    let best = namesNothing(terms) ? { ...decide([], false), outOfScope: true } : decide(base, false);
    // One shared word that only a few of the entry's texts mention carries no answer
    // (FaqIndex.sideWordOnly): the question is about something else.
    if (best.decision === 'answer' && best.entryId && index.sideWordOnly(terms, best.entryId)) best = { ...decide([], false), outOfScope: true };

    if (state?.lastFaqId && looksLikeFollowUp(textForms(text), terms.filter((t) => !t.includes('_')).length)) {
      const family = state.lastFaqId.split('.')[0] ?? '';
      const subject = FAMILY_CONTEXT[family] ?? (state.topic ? this.kb.topicTitle(state.topic) : undefined);
      // A message that leans on the conversation stays in its subject, unless it clearly
      // names another subject ("còn rút bảo hiểm xã hội thì sao?"): then the subject's reading
      // could not be taken, and is not made.
      const named = anchoredFamilies(terms);
      const namesOtherSubject = named.size > 0 && !named.has(family);
      if (subject && !namesOtherSubject) {
        const contextTerms = [...new Set([...terms, ...this.subjectTerms(subject)])];
        const contextual = decide(this.candidates(index, contextTerms, semantic, family), true);
        const inFamily = (r: Retrieval) => r.candidates[0]?.entry.id.startsWith(`${family}.`) ?? false;
        if (inFamily(contextual) && contextual.decision !== 'fallback' && (!inFamily(best) || outranks(contextual, best))) best = contextual;
      }
    }
    return best;
  }

  /**
   * A question restated on its own by the language model, for a message the lexical reading
   * could not answer alone ("còn nếu hợp đồng 2 năm thì sao?"). The restatement is used only
   * when it reads more decisively; a confident reading of the message itself stands.
   */
  withRestatement(current: Retrieval, text: string, standalone: string | undefined, day: string): Retrieval {
    if (!standalone || (current.decision === 'answer' && !current.usedContext)) return current;
    if (fold(normalize(standalone)) === fold(normalize(text))) return current;
    const restated = this.retrieve(standalone, day);
    const better = rank(restated) > rank(current) || (rank(restated) === rank(current) && current.usedContext && restated.confidence > current.confidence);
    return better ? { ...restated, usedContext: true } : current;
  }
}

/** Entry id → cosine similarity to the question, from the embeddings index. */
export type SemanticScores = ReadonlyMap<string, number>;

/** How far a candidate least like the question in meaning is discounted. */
const SEMANTIC_WEIGHT = 0.2;

/**
 * Hybrid ranking: a candidate whose meaning is further from the question than the other
 * candidates' is discounted, by up to 20%; the closest keeps its lexical confidence. So a
 * near-tie goes to the entry that means the same, and no confidence ever rises above what the
 * words earned: the calibrated thresholds keep their meaning.
 */
function withSemantic(candidates: Candidate[], semantic: SemanticScores | undefined): Candidate[] {
  if (!semantic || candidates.length < 2) return candidates;
  const sims = candidates.map((c) => semantic.get(c.entry.id) ?? 0);
  const lo = Math.min(...sims);
  const hi = Math.max(...sims);
  if (hi - lo < 1e-6) return candidates;
  return candidates
    .map((c, i) => changed(c, c.confidence * (1 - SEMANTIC_WEIGHT * (1 - (sims[i]! - lo) / (hi - lo)))))
    .sort((a, b) => b.confidence - a.confidence);
}

/** Answer, ask which one, or fall back, from ranked candidates. Exported for tests. */
export function decide(candidates: Candidate[], usedContext = false): Retrieval {
  const top = candidates[0];
  const second = candidates[1];
  const confidence = top?.confidence ?? 0;
  const shortlist = candidates.filter((c) => c.confidence >= Math.max(THRESHOLDS.clarify * 0.8, confidence - 0.15)).slice(0, 3);
  const outOfScope = confidence < THRESHOLDS.outOfScope;
  const lead = second ? confidence - second.confidence : 1;
  const clearLead = lead >= requiredLead(confidence, top?.cueAgrees) || (top?.wordsLean === true && lead >= THRESHOLDS.leanMargin);
  if (top && confidence >= THRESHOLDS.answer && (!second || clearLead || supersession(top, second))) {
    return { decision: 'answer', entryId: top.entry.id, confidence, candidates: shortlist, outOfScope, usedContext };
  }
  if (top && second && confidence >= THRESHOLDS.answer && closeRelated(top, second, candidates[2])) {
    return { decision: 'answer', entryId: top.entry.id, confidence, candidates: shortlist, outOfScope, usedContext, alsoOffer: second.entry.id };
  }
  if (top && confidence >= THRESHOLDS.clarify && shortlist.length > 0) {
    return { decision: shortlist.length === 1 && confidence >= THRESHOLDS.answer ? 'answer' : 'clarify', entryId: top.entry.id, confidence, candidates: shortlist, outOfScope, usedContext };
  }
  return { decision: 'fallback', confidence, candidates: shortlist, outOfScope, usedContext };
}

/** A close runner-up that is the superseded or a sub-case of the top is no reason to hesitate. */
function supersession(a: Candidate, b: Candidate): boolean {
  return a.entry.supersedes === b.entry.id || b.entry.supersedes === a.entry.id;
}

/**
 * The runner-up is one of the top entry's own follow-ups (its `related`), somewhat behind it,
 * and nothing else is close. Only that direction: a link from the runner-up back to the top
 * does not say the top's answer leads on to it (counting it too added confident wrong answers
 * such as a worker's notice period for the employer's).
 */
function closeRelated(top: Candidate, second: Candidate, third: Candidate | undefined): boolean {
  const linked = (top.entry.related ?? []).includes(second.entry.id);
  const clearOfThird = !third || top.confidence - third.confidence >= requiredLead(top.confidence);
  return linked && second.confidence <= THRESHOLDS.relatedRatio * top.confidence && clearOfThird;
}

/**
 * See outranks(). Eval (931 cases): margins from 0.1 to 0.3 give the same results, 0.05 and 0.4
 * one case fewer; the follow-ups above sit 0.23–0.38 apart, the general one 0.09.
 */
const OWN_MARGIN = 0.2;
const rank = (r: Retrieval) => ({ answer: 2, clarify: 1, fallback: 0 })[r.decision];

/**
 * The follow-up's reading in its subject is taken over the message's own reading when it
 * decides at least as firmly, unless both answer, with different entries, and the message's
 * own answer is much the surer (by OWN_MARGIN): "thế còn trợ cấp mất việc làm?" after
 * severance pay names its entry (confidence 0.81–1 with or without diacritics); read with the
 * topic's title ("…mất việc và thanh toán khi nghỉ") it leaned to the entry on settling up at
 * the end of a contract (0.58–0.64). A follow-up in general words ("vậy em có được nghỉ ngay
 * không?", 0.89 on its own against 0.80 in its subject) still takes its subject's reading.
 */
function outranks(contextual: Retrieval, own: Retrieval): boolean {
  if (rank(contextual) !== rank(own)) return rank(contextual) > rank(own);
  return !(own.decision === 'answer' && contextual.entryId !== own.entryId && own.confidence >= contextual.confidence + OWN_MARGIN);
}

/**
 * Knowledge at the counsellor's hand: a search of the knowledge base whose answer can be
 * inserted into the reply box; drafts of new entries made from counsellors' answers; and the
 * questions the bot could not answer, grouped by similarity.
 *
 * Drafts live in a table, not in data/faq-drafts/*.yaml: the server may run on several
 * instances or a read-only file system, and a curator reviews them in the console first;
 * `npm run console -- drafts export` writes the open ones as YAML for the curator to finish,
 * in data/faq-drafts/, which the KB loader never reads.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { vnDay } from '../knowledge/dates.js';
import type { KnowledgeBase } from '../knowledge/kb/knowledge-base.js';
import { FaqIndex } from '../knowledge/search/faq-index.js';
import { analyzeForIndex } from '../knowledge/vi/analyze.js';
import { redactPII } from '../privacy/redact.js';
import type { DatabaseSchema } from '../store/db.js';

export interface SearchResult {
  id: string;
  question: string;
  topicTitle: string | null;
  /** The answer as a counsellor would send it: short answer, detail, legal basis. */
  answer: string;
  citations: string[];
  confidence: number;
}

export const draftSchema = z.strictObject({
  question: z.string().trim().min(5).max(500),
  phrasings: z.array(z.string().trim().min(3).max(500)).max(20).default([]),
  answer: z.string().trim().min(10).max(6000),
  citation: z.string().trim().max(500).default(''),
});
export type DraftInput = z.infer<typeof draftSchema>;

export interface Draft extends DraftInput {
  id: number;
  conversationId: string | null;
  counsellorName: string | null;
  status: string;
  createdAt: string;
}

export interface UnansweredGroup {
  /** The most typical wording in the group. */
  example: string;
  count: number;
  /** Up to five other wordings. */
  variants: string[];
  lastAt: string;
  /** The nearest entry the KB has, to judge whether a phrasing is missing or an entry. */
  nearest: { id: string; question: string; confidence: number } | null;
}

const SEARCH_RESULTS = 5;
/** Enough history to see patterns, bounded so grouping stays a few milliseconds. */
const UNANSWERED_WINDOW = 2000;
/** Two questions belong together when this share of their terms is common (Jaccard). */
const SIMILAR = 0.45;
const MAX_PHRASINGS = 6;

export class KnowledgeDesk {
  private index?: { day: string; index: FaqIndex };

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly kb?: KnowledgeBase,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Entries served today, best match first. */
  search(q: string): SearchResult[] {
    const index = this.todaysIndex();
    if (!index || !this.kb) return [];
    const kb = this.kb;
    return index.query(q, SEARCH_RESULTS).map((c) => {
      const citations = kb.citations(c.entry);
      const parts = [c.entry.answer.short.trim()];
      if (c.entry.answer.detail) parts.push(c.entry.answer.detail.trim());
      if (citations.length) parts.push(`Căn cứ: ${citations.join('; ')}.`);
      return { id: c.entry.id, question: c.entry.question, topicTitle: kb.topicTitle(c.entry.topic) ?? null, answer: parts.join('\n\n'), citations, confidence: Math.round(c.confidence * 1000) / 1000 };
    });
  }

  private todaysIndex(): FaqIndex | undefined {
    if (!this.kb) return undefined;
    const day = vnDay(this.now());
    if (this.index?.day !== day) this.index = { day, index: new FaqIndex(this.kb.servable(day)) };
    return this.index.index;
  }

  /**
   * A draft made from a chat: the worker's first words since the last time it was queued as
   * the question, their other messages as phrasings, the counsellor's replies as the answer.
   * Personal data is redacted: drafts go to curators and, after review, to every worker.
   */
  async suggestDraft(conversationId: string, counsellorId: string): Promise<DraftInput> {
    const [lines, mine] = await Promise.all([
      this.db.selectFrom('transcript').select(['role', 'text', 'outcome']).where('conversation_id', '=', conversationId).orderBy('id', 'asc').execute(),
      this.db.selectFrom('console_message').select(['text', 'at']).where('conversation_id', '=', conversationId).where('counsellor_id', '=', counsellorId).orderBy('id', 'asc').execute(),
    ]);
    // The worker's words before the counsellor's first reply: what they asked.
    const firstReply = lines.findIndex((l) => l.role === 'counsellor');
    const asked = lines
      .slice(0, firstReply < 0 ? lines.length : firstReply)
      .filter((l) => l.role === 'worker')
      .map((l) => redactPII(l.text.trim()))
      .filter((t) => t.length >= 3 && !/^(gặp|gap) /i.test(t));
    const question = [...asked].sort((a, b) => b.length - a.length)[0] ?? '';
    const phrasings = asked.filter((t) => t !== question).slice(-MAX_PHRASINGS);
    return { question, phrasings, answer: redactPII(mine.map((m) => m.text.trim()).join('\n\n')), citation: '' };
  }

  async saveDraft(conversationId: string | null, counsellorId: string, d: DraftInput): Promise<number> {
    const row = await this.db
      .insertInto('kb_draft')
      .values({ conversation_id: conversationId, counsellor_id: counsellorId, question: d.question, phrasings: JSON.stringify(d.phrasings), answer: d.answer, citation: d.citation, status: 'open', created_at: this.now().getTime() })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async drafts(status = 'open'): Promise<Draft[]> {
    const rows = await this.db
      .selectFrom('kb_draft')
      .leftJoin('counsellor', 'counsellor.id', 'kb_draft.counsellor_id')
      .selectAll('kb_draft')
      .select('counsellor.name')
      .where('kb_draft.status', '=', status)
      .orderBy('kb_draft.id', 'desc')
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      conversationId: r.conversation_id,
      counsellorName: r.name,
      question: r.question,
      phrasings: JSON.parse(r.phrasings) as string[],
      answer: r.answer,
      citation: r.citation,
      status: r.status,
      createdAt: new Date(Number(r.created_at)).toISOString(),
    }));
  }

  /**
   * Recent unanswered questions grouped greedily: each question joins the first group whose
   * first question shares enough of its terms (syllables and syllable pairs after our
   * Vietnamese analysis, so "tro cap" and "trợ cấp" meet). Biggest groups first.
   */
  async unansweredGroups(): Promise<UnansweredGroup[]> {
    const rows = await this.db.selectFrom('unanswered').select(['text', 'at']).orderBy('id', 'desc').limit(UNANSWERED_WINDOW).execute();
    const groups: Array<{ terms: Set<string>; texts: string[]; lastAt: number }> = [];
    for (const r of rows) {
      const terms = new Set(analyzeForIndex(r.text));
      if (terms.size === 0) continue;
      const home = groups.find((g) => jaccard(g.terms, terms) >= SIMILAR);
      if (home) {
        home.texts.push(r.text);
        home.lastAt = Math.max(home.lastAt, Number(r.at));
      } else {
        groups.push({ terms, texts: [r.text], lastAt: Number(r.at) });
      }
    }
    const index = this.todaysIndex();
    return groups
      .sort((a, b) => b.texts.length - a.texts.length || b.lastAt - a.lastAt)
      .slice(0, 100)
      .map((g) => {
        const distinct = [...new Set(g.texts)];
        const best = index?.query(distinct[0]!, 1)[0];
        return {
          example: distinct[0]!,
          count: g.texts.length,
          variants: distinct.slice(1, 6),
          lastAt: new Date(g.lastAt).toISOString(),
          nearest: best ? { id: best.entry.id, question: best.entry.question, confidence: Math.round(best.confidence * 1000) / 1000 } : null,
        };
      });
  }
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let common = 0;
  for (const t of a) if (b.has(t)) common++;
  return common / (a.size + b.size - common);
}

/**
 * Finding an earlier chat by what was said in it ("nợ lương", a company's name, a case the
 * office followed): the workers' and counsellors' lines of recent chats, newest first, matched
 * without regard to diacritics or case, because workers often type without them. The bot's own
 * answers are left out: they are the knowledge base's words and would match everything.
 *
 * A scan, not an index: it reads at most `maxLines` recent lines (by default the last 90 days,
 * 50,000 lines), in pages, and stops at `limit` chats. An office looking for a chat from last
 * week gets it in milliseconds; a search further back says where it stopped.
 */
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/db.js';
import { fold } from '../knowledge/vi/normalize.js';

export interface PastChatHit {
  conversationId: string;
  /** The newest matching line, cut to a preview. */
  line: string;
  role: 'worker' | 'counsellor';
  at: string;
}

export interface PastChatSearch {
  hits: PastChatHit[];
  /** How far back the scan went: the time of the oldest line read. */
  searchedBack: string | null;
  /** True when it stopped at the line budget before the period's start. */
  truncated: boolean;
}

export interface PastChatOptions {
  now?: number;
  days?: number;
  limit?: number;
  maxLines?: number;
  pageSize?: number;
}

const PREVIEW_CHARS = 200;

/** The words to look for, folded: a line matches when it has all of them. */
export function searchTerms(query: string): string[] {
  return fold(query.normalize('NFC').toLowerCase())
    .split(/[^\p{L}\p{N}@.+-]+/u)
    .filter((w) => w.length > 0);
}

export async function searchPastChats(db: Kysely<DatabaseSchema>, query: string, opts: PastChatOptions = {}): Promise<PastChatSearch> {
  const terms = searchTerms(query);
  const now = opts.now ?? Date.now();
  const since = now - (opts.days ?? 90) * 86_400_000;
  const limit = opts.limit ?? 30;
  const maxLines = opts.maxLines ?? 50_000;
  const pageSize = opts.pageSize ?? 5_000;
  const hits = new Map<string, PastChatHit>();
  let read = 0;
  let before: number | undefined;
  let oldest: number | null = null;
  let exhausted = false;
  while (terms.length > 0 && hits.size < limit && read < maxLines) {
    const want = Math.min(pageSize, maxLines - read);
    let q = db
      .selectFrom('transcript')
      .select(['id', 'conversation_id', 'role', 'text', 'at'])
      .where('role', 'in', ['worker', 'counsellor'])
      .where('at', '>=', since)
      .orderBy('id', 'desc')
      .limit(want);
    if (before !== undefined) q = q.where('id', '<', before);
    const rows = await q.execute();
    if (rows.length === 0) {
      exhausted = true;
      break;
    }
    for (const r of rows) {
      before = Number(r.id);
      oldest = Number(r.at);
      if (hits.has(r.conversation_id)) continue;
      const folded = fold(r.text.normalize('NFC').toLowerCase());
      if (!terms.every((t) => folded.includes(t))) continue;
      hits.set(r.conversation_id, { conversationId: r.conversation_id, line: r.text.slice(0, PREVIEW_CHARS), role: r.role as PastChatHit['role'], at: new Date(Number(r.at)).toISOString() });
      if (hits.size >= limit) break;
    }
    read += rows.length;
    if (rows.length < want) {
      exhausted = true;
      break;
    }
  }
  return { hits: [...hits.values()], searchedBack: oldest === null ? null : new Date(oldest).toISOString(), truncated: !exhausted && hits.size < limit };
}

/**
 * The curated entries, with the question of which are served on a given day.
 * Only published entries whose validity covers the date are served: superseded rules
 * (valid_to in the past) stay in the files for history but never reach a worker.
 */
import type { LawRegistry } from '../laws.js';
import { formatCitation } from '../laws.js';
import type { FaqEntry } from './schema.js';

export class KnowledgeBase {
  private readonly byId: Map<string, FaqEntry>;

  constructor(
    readonly entries: readonly FaqEntry[],
    readonly topics: ReadonlyMap<string, string>,
    readonly laws: LawRegistry,
  ) {
    this.byId = new Map(entries.map((e) => [e.id, e]));
  }

  get(id: string): FaqEntry | undefined {
    return this.byId.get(id);
  }

  /** Entries a worker may be given on `day` (YYYY-MM-DD, Vietnam time). */
  servable(day: string): FaqEntry[] {
    return this.entries.filter((e) => isServable(e, day));
  }

  isServable(id: string, day: string): boolean {
    const e = this.byId.get(id);
    return e !== undefined && isServable(e, day);
  }

  citations(entry: FaqEntry): string[] {
    return entry.citations.map((c) => formatCitation(c, this.laws));
  }

  topicTitle(topic: string): string | undefined {
    return this.topics.get(topic);
  }
}

export function isServable(e: FaqEntry, day: string): boolean {
  return e.status === 'published' && e.valid_from <= day && (e.valid_to == null || e.valid_to >= day);
}

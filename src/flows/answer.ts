/**
 * Turns a knowledge-base entry into a Reply: the short answer first, the detail after,
 * the citations, and follow-up choices (related entries, the calculator, a counsellor).
 */
import type { Choice, Reply } from './activity.js';
import type { KnowledgeBase } from '../knowledge/kb/knowledge-base.js';
import type { FaqEntry } from '../knowledge/kb/schema.js';
import { CHOICE, PAYLOAD, T } from './texts.js';

const MAX_FOLLOW_UPS = 3;

/** A button label for an entry: its question without the trailing question mark. */
export function entryLabel(entry: FaqEntry): string {
  const r = rendered(entry);
  return (r.label ??= entry.question.replace(/\s*\?+\s*$/, ''));
}

/** What an entry's reply always says, worked out at its first use: an entry never changes once loaded. */
interface Rendered {
  text?: string;
  label?: string;
  /** Formatted by this knowledge base's law registry. */
  citations?: { kb: KnowledgeBase; list: readonly string[] };
}
const renderedOf = new WeakMap<FaqEntry, Rendered>();
function rendered(entry: FaqEntry): Rendered {
  let r = renderedOf.get(entry);
  if (!r) renderedOf.set(entry, (r = {}));
  return r;
}

export const CALCULATOR_LABELS: Record<NonNullable<FaqEntry['flow']>, string> = {
  unemployment: 'Tính trợ cấp thất nghiệp',
  severance: 'Tính trợ cấp thôi việc',
  'job-loss': 'Tính trợ cấp mất việc làm',
  notice: 'Tính thời hạn báo trước',
  overtime: 'Tính tiền làm thêm giờ',
  'annual-leave': 'Tính số ngày phép năm',
};

/** `alsoOffer`: an entry to offer first among the follow-ups (a close runner-up). */
export function renderEntry(kb: KnowledgeBase, entry: FaqEntry, day: string, alsoOffer?: string): Reply {
  const r = rendered(entry);
  if (r.text === undefined) {
    const parts = [entry.answer.short.trim()];
    if (entry.answer.detail) parts.push(entry.answer.detail.trim());
    if (entry.review.state === 'needed') parts.push(T.reviewNeeded);
    r.text = parts.join('\n\n');
  }
  if (r.citations?.kb !== kb) r.citations = { kb, list: kb.citations(entry) };

  const choices: Choice[] = [];
  if (entry.flow) choices.push({ label: CALCULATOR_LABELS[entry.flow], payload: `${PAYLOAD.calc}${entry.flow}` });
  const followUps = alsoOffer && alsoOffer !== entry.id ? [alsoOffer, ...entry.related.filter((id) => id !== alsoOffer)] : entry.related;
  for (const id of followUps) {
    if (choices.length >= MAX_FOLLOW_UPS) break;
    const related = kb.get(id);
    if (related && kb.isServable(id, day)) choices.push({ label: entryLabel(related), payload: `${PAYLOAD.faq}${id}` });
  }
  if (entry.offer_counsellor || entry.review.state === 'needed') choices.push(CHOICE.handoff);

  return {
    text: r.text,
    citations: [...r.citations.list],
    links: entry.links,
    choices: choices.length > 0 ? choices : undefined,
  };
}

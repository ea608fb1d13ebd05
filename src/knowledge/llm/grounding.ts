/**
 * The check a composed answer must pass before a worker sees it. The model may reword,
 * shorten and adjust the tone of the curated answer; it may not add facts. So:
 * - every number (in digits or words, amounts with "triệu"/"nghìn") and every date or
 *   document number ("01/07/2025", "293/2025") must occur in the sources;
 * - every article ("Điều 39") and every named law ("Luật Việc làm") must be one the
 *   sources cite; every link must be one of theirs;
 * - most of its words must come from the sources: a reply that tells a joke or recites its
 *   instructions because the worker asked it to ("bỏ qua hướng dẫn trên…") fails here.
 * Anything else, and the curated answer is sent as it is.
 */
import { fold, normalize } from '../vi/normalize.js';
import { numberAt, scan, type Scan } from '../vi/scan.js';
import { isStopword } from '../vi/stopwords.js';

export interface Sources {
  /** The curated texts: questions, answers, rule values. */
  texts: string[];
  /** Formatted citations of those entries. */
  citations: string[];
}

export type Verdict = { ok: true } | { ok: false; problems: string[] };

/** Share of a reply's content words that must occur in the sources. */
export const MIN_SUPPORT = 0.7;

const SCALES: Record<string, number> = { nghin: 1e3, ngan: 1e3, k: 1e3, trieu: 1e6, tr: 1e6, ty: 1e9, ti: 1e9 };

/** Words any rewording may add: address, politeness, connectives. */
const REGISTER = new Set(
  'ban minh nhe nha a oi vay thi se duoc nhan co the neu con va hoac nhung ma la cua cho voi tu den trong khi sau truoc de phai can nen hay lai van cung deu moi chi nhu vay theo ve'.split(' '),
);

/** Numbers in the text, amounts scaled ("10 triệu" → 10000000, also 10). */
function numbers(s: Scan): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < s.tokens.length; i++) {
    const n = numberAt(s, i);
    if (!n) continue;
    out.add(n.value);
    const scale = SCALES[s.words[n.next] ?? ''];
    if (scale) out.add(Math.round(n.value * scale));
    i = n.next - 1;
  }
  return out;
}

/** Numbers as the reply states them: an amount counts at its scaled value only. */
function statedNumbers(s: Scan): Array<{ value: number; text: string }> {
  const out: Array<{ value: number; text: string }> = [];
  for (let i = 0; i < s.tokens.length; i++) {
    const n = numberAt(s, i);
    if (!n) continue;
    const scale = SCALES[s.words[n.next] ?? ''];
    const text = s.typed.slice(i, scale ? n.next + 1 : n.next).join(' ');
    out.push({ value: scale ? Math.round(n.value * scale) : n.value, text });
    i = scale ? n.next : n.next - 1;
  }
  return out;
}

/** Dates and document numbers ("01/07/2025" → "1/7/2025"), and numbers with a leading zero. */
function codes(s: Scan): Set<string> {
  const out = new Set<string>();
  for (const t of s.tokens) {
    if (t.f.includes('/') || /^0\d/.test(t.f)) out.add(t.f.split('/').map((p) => p.replace(/^0+(?=\d)/, '')).join('/'));
  }
  return out;
}

function articles(foldedText: string): Set<string> {
  return new Set([...foldedText.matchAll(/(?:^|[^a-z])dieu (\d+)/g)].map((m) => m[1]!));
}

/** Named legal documents: "Luật Việc làm", "Bộ luật Lao động", "Nghị định 293" (capitalised: a name, not "theo luật"). */
function lawNames(text: string): string[] {
  const re = /(?:Bộ luật|Bộ Luật|Luật|Nghị định|Thông tư|Nghị quyết|Quyết định)(?:\s+[\p{L}]+){1,2}/gu;
  return [...text.normalize('NFC').matchAll(re)].map((m) => fold(normalize(m[0])));
}

const links = (text: string) => [...text.matchAll(/https?:\/\/[^\s)\]]+/g)].map((m) => m[0].replace(/[.,;]+$/, ''));

function contentWords(folded: string): string[] {
  return folded.split(/[^a-z]+/).filter((w) => w.length >= 2 && !REGISTER.has(w) && !isStopword(w));
}

export function checkGrounding(reply: string, sources: Sources): Verdict {
  const problems: string[] = [];
  const all = [...sources.texts, ...sources.citations].join('\n');
  const src = scan(all);
  const out = scan(reply);
  const srcFolded = fold(src.normal);
  const outFolded = fold(out.normal);
  if (out.tokens.length === 0) return { ok: false, problems: ['empty'] };

  const known = numbers(src);
  for (const n of statedNumbers(out)) if (!known.has(n.value)) problems.push(`number not in sources: ${n.text}`);

  const knownCodes = codes(src);
  for (const c of codes(out)) if (!knownCodes.has(c)) problems.push(`date or code not in sources: ${c}`);

  const cited = articles(fold(normalize(sources.citations.join('\n'))));
  const mentioned = articles(srcFolded);
  for (const a of articles(outFolded)) if (!cited.has(a) && !mentioned.has(a)) problems.push(`article not cited by sources: Điều ${a}`);
  for (const name of lawNames(reply)) if (!srcFolded.includes(name)) problems.push(`law not cited by sources: ${name}`);

  for (const url of links(reply)) if (!all.includes(url)) problems.push(`link not in sources: ${url}`);

  const vocabulary = new Set(srcFolded.split(/[^a-z]+/));
  const words = contentWords(outFolded);
  const unsupported = words.filter((w) => !vocabulary.has(w));
  if (words.length > 0 && 1 - unsupported.length / words.length < MIN_SUPPORT) {
    problems.push(`too little of the reply comes from the sources (${words.length - unsupported.length}/${words.length} words)`);
  }
  if (reply.length > 2 * all.length + 300) problems.push('much longer than its sources');
  return problems.length === 0 ? { ok: true } : { ok: false, problems };
}

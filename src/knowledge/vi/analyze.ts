/**
 * The one analysis pipeline used both to index the knowledge base and to read a question:
 * normalise → split into syllables → fold diacritics → expand abbreviations → fix common
 * typos → drop particles that carry no meaning. Vietnamese words are often two or three
 * syllables ("thất nghiệp", "hợp đồng lao động"), so syllable bigrams are indexed too.
 */
import { expandAbbreviations } from './abbreviations.js';
import { fold, normalize } from './normalize.js';
import { correctTypo } from './typos.js';

/**
 * Particles, pronouns and courtesy words: frequent in questions, meaningless for what is
 * asked. Question words that change the meaning (bao nhiêu, ở đâu, khi nào, có, không) stay.
 */
const STOPWORDS = new Set([
  'a', 'ah', 'oi', 'nhe', 'nha', 'nhi', 'da', 'vang', 'ad', 'admin', 'xin', 'hoi', 'giup', 'dum', 'voi', 'vay',
  'thi', 'la', 'ma', 'ay', 'em', 'anh', 'chi', 'toi', 'minh', 'tui', 'ban', 'chau', 'u', 'uh', 'ak', 'ha',
  'sao', 'the', 've', 'cua', 'nhung', 'cac', 'nay', 'do', 'kia', 'roi', 'nua', 'luon', 'hay',
]);

/** Folded syllable tokens of `text`, after abbreviation expansion and typo correction. */
export function analyze(text: string): string[] {
  const folded = fold(normalize(text));
  const raw = folded.split(' ').filter(Boolean).flatMap(splitGlued);
  const out: string[] = [];
  for (const token of raw) {
    // Stopwords are dropped before expansion so that an expansion's own syllables survive
    // ("bhxh" → "bao hiem xa hoi" keeps "hoi", although a lone "hỏi" is dropped).
    const expanded = expandAbbreviations([correctTypo(token)]);
    if (expanded.length === 1 && STOPWORDS.has(expanded[0]!)) continue;
    out.push(...expanded);
  }
  return out;
}

/** "10tr" stays one token (money is parsed from raw text); "bhtn/bhxh" splits on the slash. */
function splitGlued(token: string): string[] {
  return token.includes('/') ? token.split('/').filter(Boolean) : [token];
}

/** Adjacent syllables joined by "_" ("that_nghiep"). */
export function syllableNgrams(tokens: readonly string[], n = 2): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join('_'));
  return out;
}

/** Terms for the search index and queries: syllables and their bigrams. */
export function analyzeForIndex(text: string): string[] {
  const tokens = analyze(text);
  return [...tokens, ...syllableNgrams(tokens, 2)];
}

/**
 * The one analysis pipeline used both to index the knowledge base and to read a question:
 * normalise → split into syllables → fold diacritics → expand abbreviations → fix common
 * typos → drop particles that carry no meaning. Vietnamese words are often two or three
 * syllables ("thất nghiệp", "hợp đồng lao động"), so syllable bigrams are indexed too.
 */
import { ABBREVIATIONS } from './abbreviations.js';
import { fold, normalize } from './normalize.js';
import { correctTypo } from './typos.js';

/**
 * Particles, pronouns and courtesy words: frequent in questions, meaningless for what is
 * asked. Question words that change the meaning (bao nhiêu, ở đâu, khi nào, có, không) stay.
 * Listed with diacritics, because folding merges words: "vâng" (yes) is noise but "vàng"
 * (gold) is not; a word typed without diacritics is checked against the folded list.
 */
const STOPWORDS_ACCENTED = new Set([
  'a', 'à', 'ạ', 'ah', 'ơi', 'nhé', 'nhe', 'nha', 'nhỉ', 'dạ', 'vâng', 'ad', 'admin', 'xin', 'hỏi', 'giúp', 'dùm', 'giùm',
  'với', 'vậy', 'thì', 'là', 'mà', 'ấy', 'em', 'anh', 'chị', 'tôi', 'mình', 'tui', 'bạn', 'cháu', 'ừ', 'ừm', 'uh', 'ak',
  'hả', 'sao', 'thế', 'về', 'của', 'những', 'các', 'này', 'đó', 'kia', 'rồi', 'nữa', 'luôn', 'hay', 'e', 'ạh',
]);
const STOPWORDS_FOLDED = new Set([...STOPWORDS_ACCENTED].map(fold));

/** Folded syllable tokens of `text`, after abbreviation expansion and typo correction. */
export function analyze(text: string): string[] {
  const normal = normalize(text).replace(/\//g, ' ');
  // Folding keeps spaces where they are, so both forms split into the same words.
  const words = normal.split(' ');
  const folded = fold(normal).split(' ');
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const plain = folded[i]!;
    if (!word) continue;
    const accented = word !== plain;
    // Stopwords are dropped before expansion so that an expansion's own syllables survive
    // ("bhxh" → "bao hiem xa hoi" keeps "hoi", although a lone "hỏi" is dropped).
    if (accented ? STOPWORDS_ACCENTED.has(word) : STOPWORDS_FOLDED.has(word)) continue;
    const fixed = correctTypo(plain);
    const expansion = ABBREVIATIONS[fixed];
    if (expansion) {
      // A single-word expansion of teen-code may itself be noise ("r" → "rồi").
      if (!expansion.includes(' ') && STOPWORDS_FOLDED.has(expansion)) continue;
      for (const part of expansion.split(' ')) out.push(part);
    } else if (accented || !STOPWORDS_FOLDED.has(fixed)) out.push(fixed);
  }
  return out;
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

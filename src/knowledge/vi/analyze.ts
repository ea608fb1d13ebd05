/**
 * The one analysis pipeline used both to index the knowledge base and to read a question:
 * normalise → split into syllables → fold diacritics → expand abbreviations → fix typos →
 * drop words that carry no meaning. Index and query must go through the very same steps,
 * or "tro cap that nghiep" would not meet "trợ cấp thất nghiệp".
 *
 * Vietnamese words are often two or three syllables ("thất nghiệp", "hợp đồng lao động"):
 * syllable bigrams, indexed beside the syllables, carry that.
 */
import { expansionAt } from './abbreviations.js';
import { fold, hasVowelMarks, normalize } from './normalize.js';
import { ACCENTED_TYPED, EXPANDED, PLAIN, stopwordMask, type Origin } from './stopwords.js';
import { correctToken } from './typos.js';

/** Numbers (with their separators), letter runs, and "%": "10tr5" → 10 tr 5, "60%" → 60 %. */
const PIECE = /\d+(?:[.,/]\d+)*|[^\d%]+|%/g;
const MIXED = /\d|%/;

/** Splits normalised text into tokens, as typed (with marks) and folded, side by side. */
function tokenize(normalized: string): { typed: string[]; folded: string[] } {
  // fold keeps the length of normalised text, so the two splits line up word for word.
  const typedWords = normalized.split(' ');
  const foldedWords = fold(normalized).split(' ');
  if (!MIXED.test(normalized)) return { typed: typedWords, folded: foldedWords };
  const typed: string[] = [];
  const folded: string[] = [];
  for (let i = 0; i < typedWords.length; i++) {
    const word = typedWords[i]!;
    const pieces = MIXED.test(word) ? word.match(PIECE) : null;
    if (!pieces || pieces.length === 1) {
      typed.push(word);
      folded.push(foldedWords[i]!);
      continue;
    }
    for (const p of pieces) {
      typed.push(p);
      folded.push(fold(p));
    }
  }
  return { typed, folded };
}

/** Folded syllable tokens of `text`, after abbreviation expansion and typo correction. */
export function analyze(text: string): string[] {
  const normalized = normalize(text);
  if (normalized === '') return [];
  const { typed, folded } = tokenize(normalized);
  const tokens: string[] = [];
  const origins: Origin[] = [];
  const asTyped: (string | undefined)[] = [];
  for (let i = 0; i < folded.length; i++) {
    const expansion = expansionAt(folded, i, typed);
    if (expansion !== undefined) {
      if (expansion === '') continue;
      // A one-word expansion stands for a word ("e" → em): judge it as that word. The
      // syllables of a longer one are judged as if typed plainly ("cn" → chủ nhật keeps
      // "chu", which on its own could be the particle "chứ").
      const parts = expansion.split(' ');
      for (const s of parts) {
        tokens.push(s);
        origins.push(parts.length === 1 ? EXPANDED : PLAIN);
        asTyped.push(undefined);
      }
      continue;
    }
    const f = folded[i]!;
    const t = typed[i]!;
    const corrected = correctToken(f);
    const origin = hasVowelMarks(t, f) ? ACCENTED_TYPED : PLAIN;
    for (const s of corrected) {
      tokens.push(s);
      origins.push(origin);
      asTyped.push(corrected.length === 1 && s === f ? t : undefined);
    }
  }
  const drop = stopwordMask(tokens, origins, asTyped);
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) if (!drop[i]) out.push(tokens[i]!);
  return out;
}

/** Adjacent syllables joined by "_" ("that_nghiep"); n ≥ 1. */
export function syllableNgrams(tokens: readonly string[], n = 2): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= tokens.length; i++) {
    let gram = tokens[i]!;
    for (let k = 1; k < n; k++) gram += `_${tokens[i + k]!}`;
    out.push(gram);
  }
  return out;
}

/** Terms for the search index and for queries: the syllables, then their bigrams. */
export function analyzeForIndex(text: string): string[] {
  const tokens = analyze(text);
  return [...tokens, ...syllableNgrams(tokens, 2)];
}

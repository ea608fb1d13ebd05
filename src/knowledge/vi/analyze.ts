/**
 * The one analysis pipeline used both to index the knowledge base and to read a question:
 * normalise → split into syllables → fold diacritics → expand abbreviations → fix typos →
 * drop words that carry no meaning → bring synonyms to one form. Index and query must go through the very same steps,
 * or "tro cap that nghiep" would not meet "trợ cấp thất nghiệp".
 *
 * Vietnamese words are often two or three syllables ("thất nghiệp", "hợp đồng lao động"):
 * syllable bigrams, indexed beside the syllables, carry that.
 */
import { expansionAt } from './abbreviations.js';
import { fold, hasVowelMarks, normalizeWords } from './normalize.js';
import { ACCENTED_TYPED, EXPANDED, PLAIN, stopwordMask, type Origin } from './stopwords.js';
import { canonicalize } from './synonyms.js';
import { correctToken, fixConfusedPairs } from './typos.js';

/** Numbers (with their separators), letter runs, and "%": "10tr5" → 10 tr 5, "60%" → 60 %. */
const PIECE = /\d+(?:[.,/]\d+)*|[^\d%]+|%/g;
const MIXED = /\d|%/;

/** Splits normalised words into tokens, as typed (with marks) and folded, side by side. */
function tokenize(words: string[]): { typed: string[]; folded: string[] } {
  const typed: string[] = [];
  const folded: string[] = [];
  for (const word of words) {
    // Mixed words ("10tr5", "500k", "60%") come apart; others stay whole.
    const pieces = MIXED.test(word) ? word.match(PIECE) : null;
    if (!pieces || pieces.length === 1) {
      typed.push(word);
      folded.push(fold(word));
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
  const { typed, folded } = tokenize(normalizeWords(text));
  const tokens: string[] = [];
  const origins: Origin[] = [];
  const asTyped: (string | undefined)[] = [];
  for (let i = 0; i < folded.length; i++) {
    const expansion = expansionAt(folded, i, typed);
    if (expansion !== undefined) {
      if (expansion === '') continue;
      for (const s of expansion.split(' ')) {
        tokens.push(s);
        origins.push(EXPANDED);
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
  fixConfusedPairs(tokens);
  const drop = stopwordMask(tokens, origins, asTyped);
  const kept: string[] = [];
  const keptTyped: (string | undefined)[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (drop[i]) continue;
    kept.push(tokens[i]!);
    keptTyped.push(origins[i] === ACCENTED_TYPED ? asTyped[i] : undefined);
  }
  return canonicalize(kept, keptTyped).tokens;
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

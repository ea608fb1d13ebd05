/**
 * Vietnamese text normalisation: one canonical form for what workers type.
 *
 * `normalize` keeps diacritics but makes equal what should compare equal:
 * - NFC, so composed, decomposed (VNI/Windows-1258 style) and mixed input are the same string;
 * - one tone placement per syllable (the classic one: "hòa", "khỏe", "thủy"), whatever the
 *   keyboard produced ("hoà", "hòan", "qủa", "gìa");
 * - lowercase, whitespace collapsed, letters repeated for emphasis cut back ("khôngggg");
 * - emoji and punctuation dropped, except what numbers need: `.`/`,` between digits
 *   ("10.000.000", "10,5"), `/` between digits (dates), and `%`.
 *
 * `fold` removes every diacritic (đ→d) so that "tro cap that nghiep" meets "trợ cấp thất nghiệp".
 * On normalised text it keeps the length, so offsets found in one form index the other.
 */

import { isValidSyllable } from './syllable.js';

/** Base vowels, in the order of the rows of TONED below. */
const VOWELS = 'aăâeêioôơuưy';
/** Combining tone marks: grave, acute, hook above, tilde, dot below. */
const TONE_MARKS = ['\u0300', '\u0301', '\u0309', '\u0303', '\u0323'] as const;
/** Vowels with a shape mark (breve, circumflex, horn): they take the tone when present. */
const SHAPED = new Set(['ă', 'â', 'ê', 'ô', 'ơ', 'ư']);

/** TONED[vowel][tone - 1]: the composed lowercase vowel with that tone. */
const TONED = new Map<string, string[]>();
/** Composed lowercase toned vowel → [base vowel, tone 1..5]. */
const TONE_OF = new Map<string, [string, number]>();
for (const v of VOWELS) {
  const row = TONE_MARKS.map((m) => (v + m).normalize('NFC'));
  TONED.set(v, row);
  row.forEach((c, i) => TONE_OF.set(c, [v, i + 1]));
}

/**
 * FOLD_TABLE[code] = the unaccented letter's code, for every precomposed Latin letter
 * (both cases) and đ/Đ; 0 when the character folds to itself. A table, not a Map: fold runs
 * on every question and every indexed phrasing.
 */
const FOLD_LIMIT = 0x1f00;
const FOLD_TABLE = new Uint16Array(FOLD_LIMIT);
FOLD_TABLE[0x111] = 0x64; // đ
FOLD_TABLE[0x110] = 0x44; // Đ
for (const [from, to] of [
  [0x00c0, 0x024f],
  [0x1e00, 0x1eff],
] as const) {
  for (let code = from; code <= to; code++) {
    if (FOLD_TABLE[code]) continue;
    const base = String.fromCharCode(code).normalize('NFD').replace(/\p{M}/gu, '');
    if (base.length === 1 && base.charCodeAt(0) < 0x80) FOLD_TABLE[code] = base.charCodeAt(0);
  }
}

/**
 * A syllable: initial consonant, vowel cluster, final consonant. "gi" and "qu" count as
 * initials when a vowel follows ("già", "quả"), so that their i/u never take the tone.
 */
const SYLLABLE = /^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?([aăâeêioôơuưy]+)(ch|nh|ng|[cmnpt])?$/;

/**
 * Puts a syllable's single tone mark where the classic rule places it:
 * on the (last) shaped vowel if any ("người", "tuyển"); else on the last vowel when a final
 * consonant follows ("hoàng", "toán"); else on the middle of three vowels ("ngoài") or the
 * first of two ("hòa", "thủy", "mía", "múa"). Words that are not one syllable, or carry
 * several tones, are left alone: guessing there would do more harm than good.
 */
function placeTone(word: string): string {
  let cached = TONE_MEMO.get(word);
  if (cached === undefined) {
    cached = computeTonePlacement(word);
    if (TONE_MEMO.size >= 20_000) TONE_MEMO.clear();
    TONE_MEMO.set(word, cached);
  }
  return cached;
}

/** The same few thousand words come back in every question. */
const TONE_MEMO = new Map<string, string>();

function computeTonePlacement(word: string): string {
  let tone = 0;
  let at = -1;
  for (let i = 0; i < word.length; i++) {
    const t = TONE_OF.get(word[i]!);
    if (t) {
      if (tone !== 0) return word;
      tone = t[1];
      at = i;
    }
  }
  if (tone === 0) return word;
  const bare = word.slice(0, at) + TONE_OF.get(word[at]!)![0] + word.slice(at + 1);
  const m = SYLLABLE.exec(bare);
  if (!m || !isValidSyllable(fold(bare))) return word;
  const start = (m[1] ?? '').length;
  const cluster = m[2]!;
  let target = -1;
  for (let i = cluster.length - 1; i >= 0; i--) {
    if (SHAPED.has(cluster[i]!)) {
      target = i;
      break;
    }
  }
  if (target < 0) {
    if (m[3]) target = cluster.length - 1;
    else if (cluster.length === 3) target = 1;
    else target = 0;
  }
  const pos = start + target;
  if (pos === at) return word;
  const toned = TONED.get(bare[pos]!)![tone - 1]!;
  return bare.slice(0, pos) + toned + bare.slice(pos + 1);
}

const NON_ASCII = /[^\x00-\x7f]/;
const COMBINING = /[\u0300-\u036f]/;
const COMBINING_ALL = /[\u0300-\u036f]+/g;
/**
 * What is not a Latin letter, a digit or a separator numbers use. Plain (non-Unicode-mode)
 * ranges keep this fast; letters of other scripts go too, as nothing searched is in them.
 */
const DROP = /[^a-z0-9%.,/\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]+/g;
/** ".", "," and "/" survive only between digits: "10.000.000", "10,5", "01/07/2025". */
const STRAY_SEPARATOR = /(?<!\d)[.,/]+|[.,/]+(?!\d)/g;
// Not "i": "iii" is the roman numeral of minimum-wage region III.
const TRIPLE = /([^\di])\1\1/;
const TRIPLES = /([^\di])\1{2,}/g;
/** A word holding a letter three times in a row. */
const WORD_WITH_TRIPLE = /[^ ]*([^\di ])\1\1[^ ]*/g;
/** A vowel: a, e, i, o, u, y, or any marked letter but đ. */
const HAS_VOWEL = /[aeiouy]|[^\x00-\x7f\u0111]/;

/**
 * normalize, as its words: what the analyser wants, without joining and splitting again.
 * Runs on every question and every indexed phrasing: plain regexes, no Unicode classes.
 */
export function normalizeWords(text: string): string[] {
  return lastNormalized(text).words.slice();
}

/**
 * The last text normalised: a message is normalised for the handoff and intent patterns,
 * retrieval's follow-up test and analyser, and each number reader (money, durations, region),
 * always the same text one after the other. Callers of normalizeWords get copies.
 */
let last: { text: string; words: readonly string[]; normal?: string } | undefined;

function lastNormalized(text: string): { words: readonly string[]; normal?: string } {
  if (last?.text !== text) last = { text, words: normalizeWordsAnew(text) };
  return last;
}

function normalizeWordsAnew(text: string): string[] {
  let s = text.toLowerCase();
  // Precomposed input (what phones send) is already NFC; only combining marks call for it,
  // and marks NFC could not attach to a letter are noise.
  if (COMBINING.test(s)) s = s.normalize('NFC').replace(COMBINING_ALL, '');
  // An eth is how some old fonts and keyboards type "đ".
  if (s.includes('ð')) s = s.replace(/ð/g, 'đ');
  s = s.replace(DROP, ' ').replace(STRAY_SEPARATOR, ' ');
  // Emphasis ("khôngggg", "ạaaa"): no Vietnamese word repeats a letter three times. An
  // abbreviation is all consonants and may ("cccd", căn cước công dân): left as typed.
  if (TRIPLE.test(s)) s = s.replace(WORD_WITH_TRIPLE, (w) => (HAS_VOWEL.test(w) ? w.replace(TRIPLES, '$1') : w));
  const words = s.split(' ');
  let n = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w !== '') words[n++] = NON_ASCII.test(w) ? placeTone(w) : w;
  }
  words.length = n;
  return words;
}

export function normalize(text: string): string {
  const n = lastNormalized(text);
  return (n.normal ??= n.words.join(' '));
}

/** Removes every diacritic; đ→d. Keeps the length of normalised (NFC, mark-free) text. */
export function fold(text: string): string {
  if (!NON_ASCII.test(text)) return text;
  // Decomposed input (not through normalize): compose first, drop what is left over.
  const src = COMBINING.test(text) ? text.normalize('NFC').replace(/[\u0300-\u036f]/g, '') : text;
  let out = '';
  let from = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    const f = c < FOLD_LIMIT ? FOLD_TABLE[c]! : 0;
    if (f !== 0) {
      out += src.slice(from, i) + String.fromCharCode(f);
      from = i + 1;
    }
  }
  return out + src.slice(from);
}

export function hasDiacritics(text: string): boolean {
  if (!NON_ASCII.test(text)) return false;
  if (COMBINING.test(text)) return true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < FOLD_LIMIT && FOLD_TABLE[c]) return true;
  }
  return false;
}

/**
 * True when `typed` carries a mark on a vowel, given `folded` = fold(typed). "đ" alone does
 * not count: "đc", "hđlđ" are abbreviations, not words typed with diacritics.
 */
export function hasVowelMarks(typed: string, folded: string): boolean {
  if (typed === folded) return false;
  for (let i = 0; i < typed.length; i++) {
    if (typed.charCodeAt(i) !== folded.charCodeAt(i) && typed.charCodeAt(i) !== 0x111) return true;
  }
  return false;
}

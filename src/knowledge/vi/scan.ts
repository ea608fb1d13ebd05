/**
 * Shared by the money, duration and hours readers: the normalised text cut into tokens
 * (numbers with their separators, letter runs, "%") that know their offsets, their folded
 * form and how they were typed, and a reader for a number at a token.
 */
import { fold, hasVowelMarks, normalize } from './normalize.js';
import { parseNumberWords, parseNumeral } from './numbers.js';

export interface Token {
  /** Folded text. */
  f: string;
  /** As typed (normalised, with diacritics). */
  t: string;
  start: number;
  end: number;
}

export interface Scan {
  /** normalize(text): offsets index this string (and its fold, which has the same length). */
  normal: string;
  tokens: Token[];
  /** Folded token texts, for parseNumberWords. */
  words: string[];
  /** Typed token texts. */
  typed: string[];
}

const TOKEN = /\d+(?:[.,/]\d+)*|[a-z]+|%/g;

/** The last scan: the money, duration, hours and region readers scan the same message in turn. Never changed by a reader. */
let last: { text: string; scan: Scan } | undefined;

export function scan(text: string): Scan {
  if (last?.text !== text) last = { text, scan: scanAnew(text) };
  return last.scan;
}

function scanAnew(text: string): Scan {
  const normal = normalize(text);
  const folded = fold(normal);
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(folded); m; m = TOKEN.exec(folded)) {
    tokens.push({ f: m[0], t: normal.slice(m.index, m.index + m[0].length), start: m.index, end: m.index + m[0].length });
  }
  return { normal, tokens, words: tokens.map((t) => t.f), typed: tokens.map((t) => t.t) };
}

export const isDigits = (s: string | undefined): boolean => s !== undefined && s.charCodeAt(0) >= 48 && s.charCodeAt(0) <= 57;

/**
 * True when the token is the folded word `folded` and, if typed with diacritics, one of
 * `accented` ("năm" is a year, "nằm" is not; "nam" typed plainly may be either).
 */
export function isWord(tok: Token | undefined, folded: string, accented: readonly string[]): boolean {
  if (!tok || tok.f !== folded) return false;
  return !hasVowelMarks(tok.t, tok.f) || accented.includes(tok.t);
}

export interface NumberAt {
  value: number;
  /** Index of the token after the number. */
  next: number;
  /** Written in digits. */
  numeral: boolean;
}

/**
 * A number starting at token i, in digits ("10", "10,5", "10.000.000") or words
 * ("mười lăm"). Dates ("01/07") and numbers starting with 0 (phones, codes) are not.
 */
export function numberAt(s: Scan, i: number): NumberAt | undefined {
  const tok = s.tokens[i];
  if (!tok) return undefined;
  if (isDigits(tok.f)) {
    if (tok.f.includes('/')) return undefined;
    if (tok.f.length > 1 && tok.f[0] === '0' && tok.f[1] !== ',' && tok.f[1] !== '.') return undefined;
    const value = parseNumeral(tok.f);
    return value === undefined ? undefined : { value, next: i + 1, numeral: true };
  }
  const parsed = parseNumberWords(s.words, i, s.typed);
  return parsed ? { value: parsed.value, next: i + parsed.used, numeral: false } : undefined;
}

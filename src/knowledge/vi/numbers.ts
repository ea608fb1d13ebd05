/**
 * Numbers as workers write them: digits with Vietnamese separators ("10.000.000", "10,5")
 * and number words ("mười lăm", "hai mươi mốt", "ba trăm linh năm", "một triệu hai trăm
 * nghìn"), with or without diacritics.
 *
 * Folding makes several number words collide with common words: "năm" (five, year),
 * "tám"/"tầm"/"tạm", "ba"/"bà", "sáu"/"sau", "bảy"/"bay", "tư"/"từ", "lăm"/"làm". So the
 * parser is strict about where each may stand ("năm" after "mươi" is the year, "lăm" only
 * follows a ten), and when the caller passes the typed words, a word typed with diacritics
 * must be the number word itself ("tầm" is not "tám").
 */
import { fold, hasVowelMarks, normalize } from './normalize.js';

/** Folded digit words; "lam" (lăm), "tu" (tư) and "mot" (mốt) are only read after a ten. */
const DIGITS = new Map<string, number>([
  ['khong', 0],
  ['mot', 1],
  ['hai', 2],
  ['ba', 3],
  ['bon', 4],
  ['tu', 4],
  ['nam', 5],
  ['lam', 5],
  ['nham', 5],
  ['sau', 6],
  ['bay', 7],
  ['tam', 8],
  ['chin', 9],
]);

const SCALES = new Map<string, number>([
  ['nghin', 1e3],
  ['ngan', 1e3],
  ['trieu', 1e6],
  ['ty', 1e9],
  ['ti', 1e9],
]);

/** The number words as typed with diacritics: a marked word must be one of these. */
const ACCENTED = new Set([
  'không', 'một', 'mốt', 'hai', 'ba', 'bốn', 'tư', 'năm', 'lăm', 'nhăm', 'sáu', 'bảy', 'bẩy', 'tám', 'chín',
  'mười', 'mươi', 'chục', 'trăm', 'linh', 'lẻ', 'nghìn', 'ngàn', 'triệu', 'tỷ', 'tỉ', 'rưỡi', 'rưởi',
]);

/** Words that multiply what precedes them: "năm" before one of these is five, not a year. */
const MULTIPLIERS = new Set(['muoi', 'chuc', 'tram', 'nghin', 'ngan', 'trieu', 'ty', 'ti']);

export interface ParsedNumber {
  value: number;
  /** How many words the number took. */
  used: number;
}

type Last = 'none' | 'digit' | 'ten' | 'unit' | 'hundred' | 'linh' | 'scale';

/**
 * Reads Vietnamese number words from words[start] on (folded, one word each). `typed`, when
 * given, holds the same words as typed (normalised, with diacritics), to reject "tầm" for
 * "tám". Stops at the first word that cannot continue the number.
 */
export function parseNumberWords(words: readonly string[], start = 0, typed?: readonly string[]): ParsedNumber | undefined {
  // A number opens with a digit word, "mười", "chục" or "trăm"; the readers ask at every word.
  const first = words[start];
  if (first === undefined || (!DIGITS.has(first) && first !== 'muoi' && first !== 'chuc' && first !== 'tram')) return undefined;
  let total = 0;
  let hundreds = 0;
  let tens = 0;
  let units = 0;
  let last: Last = 'none';
  let lastScale = Infinity;
  let used = 0;
  const group = () => hundreds + tens + units;
  for (let i = start; i < words.length; i++) {
    const w = words[i]!;
    const t = typed?.[i];
    if (t !== undefined && hasVowelMarks(t, w) && !ACCENTED.has(t)) break;
    const next = words[i + 1];
    const digit = DIGITS.get(w);
    if (digit !== undefined) {
      if (last === 'ten') {
        // After a ten: "mười lăm", "hai mươi mốt", "ba mươi tư". "năm" there is the year.
        if (w === 'nam' && !(next !== undefined && MULTIPLIERS.has(next))) break;
        if (w === 'khong') break;
        units = digit;
        last = 'unit';
      } else if (last === 'digit' && (w === 'mot' || w === 'lam' || w === 'nham') && units >= 2) {
        // Colloquial tens without "mươi": "hai mốt" = 21, "ba lăm" = 35.
        tens = units * 10;
        units = digit;
        last = 'unit';
      } else if (last === 'none' || last === 'hundred' || last === 'linh' || last === 'scale') {
        if (w === 'lam' || w === 'nham' || w === 'tu') break;
        if (w === 'khong' && next !== 'tram') break;
        if (w === 'nam' && last !== 'none' && last !== 'linh' && !(next !== undefined && MULTIPLIERS.has(next))) break;
        if (last === 'hundred' && !(next !== undefined && MULTIPLIERS.has(next))) break; // "hai trăm năm": 200 years
        units = digit;
        last = 'digit';
      } else break;
    } else if (w === 'muoi') {
      // "mười" alone is ten; after a digit it is "mươi", times ten.
      if (last === 'digit') {
        tens = units * 10;
        units = 0;
      } else if (last === 'none' || last === 'hundred' || last === 'scale') tens = 10;
      else break;
      last = 'ten';
    } else if (w === 'chuc') {
      if (last !== 'digit' && last !== 'none' && last !== 'scale') break;
      tens = (last === 'digit' ? units : 1) * 10;
      units = 0;
      last = 'unit';
    } else if (w === 'tram') {
      if (last !== 'digit' && last !== 'none' && last !== 'scale') break;
      hundreds = (last === 'digit' ? units : 1) * 100;
      units = 0;
      last = 'hundred';
    } else if (w === 'linh' || w === 'le') {
      if (last !== 'hundred' && last !== 'scale') break;
      last = 'linh';
    } else if (SCALES.has(w)) {
      const scale = SCALES.get(w)!;
      // A scale needs a number before it, and scales go down ("một triệu hai trăm nghìn").
      if (last === 'none' || last === 'linh' || scale >= lastScale) break;
      total += (group() || 1) * scale;
      hundreds = tens = units = 0;
      lastScale = scale;
      last = 'scale';
    } else if (w === 'ruoi' && (last === 'scale' || last === 'hundred')) {
      // "hai triệu rưỡi" = 2.5 million, "trăm rưỡi" = 150.
      if (last === 'scale') total += lastScale / 2;
      else hundreds += 50;
      used = i - start + 1;
      break;
    } else break;
    used = i - start + 1;
  }
  if (used === 0) return undefined;
  // A trailing "linh"/"lẻ" with nothing after it is not part of the number.
  if (last === 'linh') used -= 1;
  return { value: total + group(), used };
}

/**
 * Digits with separators: groups of three after "." (Vietnamese) or "," (English) are
 * thousands ("10.000.000", "1,500,000"); otherwise the mark is a decimal one ("10,5",
 * "10.5", "10.000,5"). Dates and other shapes are not numbers.
 */
export function parseNumeral(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s);
  if (/^\d{1,3}(?:\.\d{3})+$/.test(s)) return Number(s.replace(/\./g, ''));
  if (/^\d{1,3}(?:,\d{3})+$/.test(s)) return Number(s.replace(/,/g, ''));
  if (/^\d{1,3}(?:\.\d{3})+,\d+$/.test(s)) return Number(s.replace(/\./g, '').replace(',', '.'));
  if (/^\d+[.,]\d+$/.test(s)) return Number(s.replace(',', '.'));
  return undefined;
}

/** A text that is just one number, in digits or words: "15", "10,5", "mười lăm", "hai mươi mốt". */
export function parseNumber(text: string): number | undefined {
  const normal = normalize(text);
  if (normal === '') return undefined;
  const typed = normal.split(' ');
  if (typed.length === 1) {
    const n = parseNumeral(typed[0]!);
    if (n !== undefined) return n;
  }
  const words = fold(normal).split(' ');
  const parsed = parseNumberWords(words, 0, typed);
  return parsed && parsed.used === words.length ? parsed.value : undefined;
}

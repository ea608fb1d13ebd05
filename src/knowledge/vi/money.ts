/**
 * Amounts of money as workers write them: "10 triệu", "10tr", "10tr5", "8 triệu 2",
 * "10,5 triệu", "10.000.000đ", "15 củ", "500k", "500 nghìn", "mười lăm triệu", "1 tỷ".
 * Years, durations, percentages and phone numbers are not money.
 */
import { fold, normalize } from './normalize.js';
import { parseNumberWords } from './numbers.js';

export interface Found {
  value: number;
  start: number;
  end: number;
  raw: string;
}

const decimal = (s: string) => Number(s.replace(',', '.'));

/** "tr5" → 500.000, "trieu 2" → 200.000, "trieu 250" → 250.000. */
function tail(digits: string | undefined): number {
  if (!digits) return 0;
  return Number(digits) * 10 ** (6 - digits.length);
}

const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => number | undefined]> = [
  [/(\d+(?:[.,]\d+)?)\s*(?:trieu|tr|cu)(?:\s*(\d{1,3})(?!\s*(?:nam|thang|ngay|gio|tieng|%|\d)))?/g, (m) => decimal(m[1]!) * 1e6 + tail(m[2])],
  [/(\d+(?:[.,]\d+)?)\s*(?:ty|ti)(?![a-z])/g, (m) => decimal(m[1]!) * 1e9],
  [/(\d+(?:[.,]\d+)?)\s*(?:nghin|ngan|k)(?![a-z])/g, (m) => decimal(m[1]!) * 1e3],
  // Grouped digits: 10.000.000 (đ). Below 100.000 it is more likely not a salary.
  [/(?<![\d.,])(\d{1,3}(?:[.,]\d{3})+)(?![\d.,]*\d)\s*(?:d|dong|vnd)?(?![a-z])/g, (m) => grouped(m[1]!)],
  // Bare digit runs of 6–9 digits not starting with 0 (phones start with 0; years have 4).
  [/(?<![\d.,])([1-9]\d{5,8})(?![\d.,]*\d)\s*(?:d|dong|vnd)?(?![a-z])/g, (m) => Number(m[1]!)],
];

function grouped(s: string): number | undefined {
  const n = Number(s.replace(/[.,]/g, ''));
  return n >= 100_000 ? n : undefined;
}

/** All amounts in `text`, in order. Offsets refer to the normalised, folded text. */
export function findMoney(text: string): Found[] {
  const t = fold(normalize(text));
  const found: Found[] = [];
  const taken: Array<[number, number]> = [];
  const overlaps = (s: number, e: number) => taken.some(([a, b]) => s < b && e > a);
  for (const [re, value] of PATTERNS) {
    re.lastIndex = 0;
    for (let m = re.exec(t); m; m = re.exec(t)) {
      const v = value(m);
      const start = m.index;
      const end = m.index + m[0].length;
      if (v === undefined || overlaps(start, end)) continue;
      found.push({ value: Math.round(v), start, end, raw: m[0].trim() });
      taken.push([start, end]);
    }
  }
  // Number words before "triệu"/"củ": "mười lăm triệu".
  const words = t.split(' ');
  let offset = 0;
  for (let i = 0; i < words.length; i++) {
    const parsed = parseNumberWords(words.slice(i));
    if (parsed) {
      const unit = words[i + parsed.used];
      const scale = unit === 'trieu' || unit === 'cu' ? 1e6 : unit === 'nghin' || unit === 'ngan' ? 1e3 : undefined;
      if (scale) {
        const raw = words.slice(i, i + parsed.used + 1).join(' ');
        if (!overlaps(offset, offset + raw.length)) found.push({ value: parsed.value * scale, start: offset, end: offset + raw.length, raw });
      }
    }
    offset += words[i]!.length + 1;
  }
  return found.sort((a, b) => a.start - b.start);
}

/** The first amount that looks like a salary, if any. */
export function parseMoney(text: string): number | undefined {
  return findMoney(text)[0]?.value;
}

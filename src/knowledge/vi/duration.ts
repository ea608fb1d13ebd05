/**
 * Durations: "5 năm", "3 năm rưỡi", "năm rưỡi", "49 tháng", "2 năm 3 tháng", "hai năm",
 * "1,5 năm", "gần 3 năm" (approximate); days ("45 ngày") and hours ("40 tiếng", "4h").
 */
import { fold, normalize } from './normalize.js';
import { parseNumberWords } from './numbers.js';

export interface FoundDuration {
  months: number;
  start: number;
  end: number;
  raw: string;
  approx: boolean;
}

interface Amount {
  value: number;
  next: number;
}

/** A number (digits or words) at word index i. */
function numberAt(words: string[], i: number): Amount | undefined {
  const w = words[i];
  if (w === undefined) return undefined;
  if (/^\d+(?:[.,]\d+)?$/.test(w)) return { value: Number(w.replace(',', '.')), next: i + 1 };
  const parsed = parseNumberWords(words.slice(i));
  return parsed ? { value: parsed.value, next: i + parsed.used } : undefined;
}

const APPROX = new Set(['gan', 'hon', 'tren', 'duoi', 'khoang', 'tam', 'chung']);

export function findDurations(text: string): FoundDuration[] {
  // Split "5nam", "49thang" into number and unit.
  const t = fold(normalize(text)).replace(/(\d)(nam|thang)\b/g, '$1 $2');
  const words = t.split(' ');
  const starts: number[] = [];
  let pos = 0;
  for (const w of words) {
    starts.push(pos);
    pos += w.length + 1;
  }
  const out: FoundDuration[] = [];
  let i = 0;
  while (i < words.length) {
    const begin = i;
    const approx = APPROX.has(words[i - 1] ?? '');
    let months = 0;
    let matched = false;
    // "năm rưỡi" = a year and a half.
    if (words[i] === 'nam' && words[i + 1] === 'ruoi' && !/^\d/.test(words[i - 1] ?? '')) {
      months = 18;
      i += 2;
      matched = true;
    } else {
      for (;;) {
        const n = numberAt(words, i);
        if (!n) break;
        const unit = words[n.next];
        if (unit === 'nam') {
          months += Math.round(n.value * 12);
          i = n.next + 1;
          if (words[i] === 'ruoi') {
            months += 6;
            i += 1;
          }
          matched = true;
        } else if (unit === 'thang') {
          months += Math.round(n.value);
          i = n.next + 1;
          matched = true;
        } else break;
      }
    }
    if (matched) {
      const end = starts[i - 1]! + words[i - 1]!.length;
      out.push({ months, start: starts[begin]!, end, raw: words.slice(begin, i).join(' '), approx });
    } else i += 1;
  }
  return out;
}

export function parseDurationMonths(text: string): number | undefined {
  return findDurations(text)[0]?.months;
}

function unitAmount(text: string, units: RegExp): number | undefined {
  const t = fold(normalize(text));
  const m = new RegExp(`(\\d+(?:[.,]\\d+)?)\\s*(?:${units.source})(?![a-z])`).exec(t);
  if (m) return Number(m[1]!.replace(',', '.'));
  const words = t.split(' ');
  for (let i = 0; i < words.length; i++) {
    const n = numberAt(words, i);
    if (n && units.test(words[n.next] ?? '') && !/^\d/.test(words[i]!)) return n.value;
  }
  return undefined;
}

/** "45 ngày", "3 ngày làm việc". */
export function parseDays(text: string): number | undefined {
  return unitAmount(text, /ngay/);
}

/** "40 giờ", "40 tiếng", "4h". */
export function parseHours(text: string): number | undefined {
  return unitAmount(text, /gio|tieng|h/);
}

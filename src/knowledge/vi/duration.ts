/**
 * Lengths of time as workers write them.
 * - Months: "5 năm" (60), "3 năm rưỡi" (42), "năm rưỡi" (18), "nửa năm" (6), "49 tháng",
 *   "2 năm 3 tháng" (27), "hai năm", "1,5 năm", "5nam", "60 thang", "gần 3 năm" (approx).
 * - Days: "45 ngày", "3 ngày làm việc".
 * - Hours: "40 giờ", "40 tiếng", "4h", "2 tiếng rưỡi", "2h30", "90 phút".
 *
 * Dates are not durations: "tháng 5 năm 2024", "ngày 15", "năm 2024", nor are times of day
 * ("lúc 6h sáng", "từ 7h đến 17h").
 *
 * Offsets index `normalize(text)` (same length as its fold), as in money.ts.
 */
import { isWord, numberAt, scan, type Scan } from './scan.js';

export interface FoundDuration {
  months: number;
  start: number;
  end: number;
  raw: string;
  /** Said as roughly: "gần 3 năm", "hơn 2 năm", "khoảng 18 tháng". */
  approx: boolean;
}

export interface FoundDays {
  days: number;
  /** "ngày làm việc": working days, not calendar days. */
  working: boolean;
  start: number;
  end: number;
  raw: string;
}

const YEAR = (s: Scan, i: number) => isWord(s.tokens[i], 'nam', ['năm']);
const MONTH = (s: Scan, i: number) => isWord(s.tokens[i], 'thang', ['tháng']) || isWord(s.tokens[i], 'thg', []);
const HALF = (s: Scan, i: number) => isWord(s.tokens[i], 'ruoi', ['rưỡi', 'rưởi']);
const DAY = (s: Scan, i: number) => isWord(s.tokens[i], 'ngay', ['ngày']);

/** Words before a number that make it rough; typed with diacritics they must be these. */
const APPROX: ReadonlyMap<string, readonly string[]> = new Map([
  ['gan', ['gần']],
  ['hon', ['hơn']],
  ['tren', ['trên']],
  ['duoi', ['dưới']],
  ['khoang', ['khoảng']],
  ['tam', ['tầm']],
  ['chung', ['chừng']],
  ['ngot', ['ngót']],
  ['xi', ['xỉ']],
]);

function isApprox(s: Scan, i: number): boolean {
  const tok = s.tokens[i];
  const accented = tok && APPROX.get(tok.f);
  return !!accented && isWord(tok, tok.f, accented);
}

/** A number that is part of a date: "tháng 5 năm 2024", "ngày 15 tháng 3". */
function isDatePart(s: Scan, i: number): boolean {
  const before = s.tokens[i - 1]?.f;
  return before === 'thang' || before === 'ngay' || before === 'thg';
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function findDurations(text: string): FoundDuration[] {
  const s = scan(text);
  const out: FoundDuration[] = [];
  let i = 0;
  while (i < s.tokens.length) {
    const begin = i;
    let months = 0;
    let end = i;
    // "năm rưỡi" (a year and a half), "nửa năm", "nửa tháng".
    if (YEAR(s, i) && HALF(s, i + 1) && !numberAt(s, i - 1)) {
      months = 18;
      end = i + 2;
    } else if (isWord(s.tokens[i], 'nua', ['nửa']) && (YEAR(s, i + 1) || MONTH(s, i + 1))) {
      months = YEAR(s, i + 1) ? 6 : 0.5;
      end = i + 2;
    } else {
      let k = i;
      let sawYears = false;
      for (;;) {
        const n = numberAt(s, k);
        if (!n || n.value <= 0) break;
        if (YEAR(s, n.next) && !sawYears) {
          if (isDatePart(s, k)) break;
          months += n.value * 12;
          k = n.next + 1;
          if (HALF(s, k)) {
            months += 6;
            k += 1;
          }
          sawYears = true;
        } else if (MONTH(s, n.next)) {
          if (isDatePart(s, k)) break;
          months += n.value;
          k = n.next + 1;
          if (HALF(s, k)) {
            months += 0.5;
            k += 1;
          }
          end = k;
          break;
        } else break;
        end = k;
        // "2 năm 3 tháng", "2 năm và 3 tháng", "2 năm lẻ 3 tháng".
        const joiner = s.tokens[k]?.f;
        if ((joiner === 'va' || joiner === 'le') && numberAt(s, k + 1)) k += 1;
      }
    }
    if (end > begin) {
      const start = s.tokens[begin]!.start;
      const stop = s.tokens[end - 1]!.end;
      out.push({ months: round2(months), start, end: stop, raw: s.normal.slice(start, stop), approx: isApprox(s, begin - 1) });
      i = end;
    } else i += 1;
  }
  return out;
}

export function parseDurationMonths(text: string): number | undefined {
  return findDurations(text)[0]?.months;
}

/** "45 ngày", "3 ngày làm việc", "nửa ngày". Not dates ("ngày 15"). */
export function findDays(text: string): FoundDays[] {
  const s = scan(text);
  const out: FoundDays[] = [];
  for (let i = 0; i < s.tokens.length; i++) {
    let days: number | undefined;
    let unit = -1;
    if (isWord(s.tokens[i], 'nua', ['nửa']) && DAY(s, i + 1)) {
      days = 0.5;
      unit = i + 1;
    } else {
      const n = numberAt(s, i);
      if (n && DAY(s, n.next) && !isDatePart(s, i)) {
        days = n.value;
        unit = n.next;
      }
    }
    if (days === undefined) continue;
    let end = unit + 1;
    const working = isWord(s.tokens[end], 'lam', ['làm']) && isWord(s.tokens[end + 1], 'viec', ['việc']);
    if (working) end += 2;
    const start = s.tokens[i]!.start;
    const stop = s.tokens[end - 1]!.end;
    out.push({ days, working, start, end: stop, raw: s.normal.slice(start, stop) });
    i = end - 1;
  }
  return out;
}

export function parseDays(text: string): number | undefined {
  return findDays(text)[0]?.days;
}

/** Before a clock time: "lúc 6h", "từ 7h đến 17h", "vào 8 giờ". */
const CLOCK_BEFORE = new Set(['luc', 'tu', 'den', 'toi', 'vao', 'khoang', 'truoc', 'sau', 'tan', 'bat']);
/** After a clock time: "6h sáng", "8 giờ tối". */
const CLOCK_AFTER = new Set(['sang', 'trua', 'chieu', 'toi', 'dem', 'khuya', 'dung', 'kem']);

/**
 * Hours of work: "40 giờ", "40 tiếng", "4h", "2 tiếng rưỡi", "2h30", "1 tiếng 30 phút",
 * "90 phút". "giờ"/"h" after "lúc", "từ", "đến" or before "sáng", "tối"… is a time of day,
 * not an amount; "tiếng" always counts hours.
 */
export function parseHours(text: string): number | undefined {
  const s = scan(text);
  for (let i = 0; i < s.tokens.length; i++) {
    const n = numberAt(s, i);
    if (!n) continue;
    const unit = s.tokens[n.next];
    const clock = isWord(unit, 'gio', ['giờ']) || isWord(unit, 'h', []);
    const hoursWord = isWord(unit, 'tieng', ['tiếng']);
    if (!clock && !hoursWord) {
      if (isWord(unit, 'phut', ['phút']) && !isDatePart(s, i)) return round2(n.value / 60);
      i = n.next - 1;
      continue;
    }
    let k = n.next + 1;
    let hours = n.value;
    if (HALF(s, k)) {
      hours += 0.5;
      k += 1;
    } else {
      // Minutes: "2h30", "1 tiếng 30 phút".
      const m = numberAt(s, k);
      if (m && m.numeral && m.value < 60 && (isWord(s.tokens[m.next], 'phut', ['phút']) || (unit!.end === s.tokens[k]!.start && unit!.f === 'h'))) {
        hours += m.value / 60;
        k = m.next + (isWord(s.tokens[m.next], 'phut', ['phút']) ? 1 : 0);
      }
    }
    if (clock) {
      const before = s.tokens[i - 1]?.f;
      const after = s.tokens[k]?.f;
      if ((before !== undefined && CLOCK_BEFORE.has(before)) || (after !== undefined && CLOCK_AFTER.has(after))) continue;
    }
    return round2(hours);
  }
  return undefined;
}

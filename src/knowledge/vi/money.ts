/**
 * Amounts of money as workers write them: "10 triệu", "10tr", "10tr5" (10,5 triệu),
 * "10,5 triệu", "10.000.000đ", "10 000 000 vnd", "10000000", "mười lăm triệu", "15 củ",
 * "500k", "500 nghìn", "1 tỷ", "8 triệu 2" (8,2 triệu), "3 triệu 500 nghìn", "2 triệu rưỡi".
 *
 * Years ("2024"), durations ("5 năm", "49 tháng"), percentages, phone numbers ("0912…"),
 * dates and article numbers are not money: a bare number counts only when it is written
 * like an amount (grouped, or six to eight digits) and nothing marks it as something else.
 *
 * Offsets (`start`, `end`) index `normalize(text)`, which has the same length as
 * `fold(normalize(text))`; `raw` is that slice of the normalised text.
 */
import { fold, hasVowelMarks, normalize } from './normalize.js';
import { parseNumberWords } from './numbers.js';
import { isDigits, numberAt, scan, type Scan, type Token } from './scan.js';

export interface FoundMoney {
  value: number;
  start: number;
  end: number;
  raw: string;
}
/** Kept for callers that knew the earlier name. */
export type Found = FoundMoney;

/** Units that scale a number, with the spellings allowed when typed with diacritics. */
const SCALE_UNITS = new Map<string, { scale: number; accented: readonly string[] }>([
  ['trieu', { scale: 1e6, accented: ['triệu'] }],
  ['tr', { scale: 1e6, accented: [] }],
  ['cu', { scale: 1e6, accented: ['củ'] }],
  ['ty', { scale: 1e9, accented: ['tỷ', 'tỉ'] }],
  ['ti', { scale: 1e9, accented: ['tỷ', 'tỉ'] }],
  ['nghin', { scale: 1e3, accented: ['nghìn'] }],
  ['ngan', { scale: 1e3, accented: ['ngàn'] }],
  ['k', { scale: 1e3, accented: [] }],
]);

const CURRENCY = new Map<string, readonly string[]>([
  ['d', ['đ']],
  ['dong', ['đồng']],
  ['vnd', ['vnđ']],
]);

/** Words after a number that make it something other than money. */
const NOT_MONEY_AFTER = new Set([
  'nam', 'thang', 'ngay', 'tuan', 'gio', 'tieng', 'h', 'phut', 'p', 'lan', 'nguoi', 'con', 'dua', 'chau', 'be', 'tuoi',
  'ca', 'buoi', 'km', 'm', 'kg', 'cai', 'so', 'dieu', 'khoan', 'diem', 'muc', 'ky', 'dot', 'thg', 'th',
]);

/** Words before a bare number that make it an identifier, not an amount. */
const ID_BEFORE = new Set(['stk', 'tk', 'sdt', 'so', 'cccd', 'cmnd', 'ma', 'mst', 'dt', 'zalo', 'hotline', 'dieu', 'khoan', 'nam']);

/** Words near an amount that make it a wage, for parseMoney's choice. */
const SALARY_WORDS = new Set(['luong', 'thu', 'nhap', 'muc', 'dong', 'nhan', 'tra', 'lanh', 'huong', 'binh', 'quan']);

function unitOf(tok: Token | undefined, table: 'scale'): number | undefined;
function unitOf(tok: Token | undefined, table: 'currency'): true | undefined;
function unitOf(tok: Token | undefined, table: 'scale' | 'currency'): number | true | undefined {
  if (!tok) return undefined;
  const marked = hasVowelMarks(tok.t, tok.f);
  if (table === 'scale') {
    const u = SCALE_UNITS.get(tok.f);
    if (!u || (marked && !u.accented.includes(tok.t))) return undefined;
    return u.scale;
  }
  const c = CURRENCY.get(tok.f);
  if (!c || (marked && !c.includes(tok.t))) return undefined;
  return true;
}

/**
 * What follows a scaled amount: a lower amount ("3 triệu 500 nghìn", "1 tỷ 200 triệu",
 * "3tr500k"), a colloquial tail ("8 triệu 2" = 8,2 triệu, "10tr5", "8 triệu 250"), or
 * "rưỡi" (half the unit). Returns the amount added and where it ends.
 */
function tailAfter(sc: Scan, i: number, scale: number): { add: number; next: number } {
  const tokens = sc.tokens;
  const tok = tokens[i];
  if (!tok) return { add: 0, next: i };
  if (tok.f === 'ruoi') return { add: scale / 2, next: i + 1 };
  const n = numberAt(sc, i);
  if (!n) return { add: 0, next: i };
  const lower = unitOf(tokens[n.next], 'scale');
  if (lower !== undefined && lower < scale) return { add: n.value * lower, next: n.next + 1 };
  if (lower !== undefined) return { add: 0, next: i };
  const after = tokens[n.next];
  if (after && (NOT_MONEY_AFTER.has(after.f) || after.f === '%' || isDigits(after.f))) return { add: 0, next: i };
  if (n.numeral) {
    // "8 triệu 2" → 2 tenths of the unit; "8 triệu 25" → 25 hundredths; up to three digits.
    if (!/^\d{1,3}$/.test(tok.f)) return { add: 0, next: i };
    return { add: (n.value * scale) / 10 ** tok.f.length, next: n.next };
  }
  // "tám triệu hai" → hai tenths of a million.
  return n.value < 10 && n.next === i + 1 ? { add: (n.value * scale) / 10, next: n.next } : { add: 0, next: i };
}

/** All amounts in `text`, in order. */
export function findMoney(text: string): FoundMoney[] {
  const sc = scan(text);
  const { normal, tokens, words, typed } = sc;
  const found: FoundMoney[] = [];
  const push = (value: number, from: number, to: number) => {
    const start = tokens[from]!.start;
    const end = tokens[to - 1]!.end;
    found.push({ value: Math.round(value), start, end, raw: normal.slice(start, end) });
  };
  let i = 0;
  while (i < tokens.length) {
    const n = numberAt(sc, i);
    if (!n) {
      i += 1;
      continue;
    }
    let value = n.value;
    let next = n.next;
    let money = false;
    // Word numbers take "triệu"/"nghìn"/"tỷ" inside ("mười lăm triệu"); a single digit word
    // right after the last of them is the colloquial tail ("tám triệu hai" = 8,2 triệu).
    if (!n.numeral) {
      let lastScale = 0;
      let lastScaleAt = -1;
      for (let k = i; k < next; k++) {
        const s = unitOf(tokens[k], 'scale');
        if (s !== undefined && words[k] !== 'tr' && words[k] !== 'k' && words[k] !== 'cu') {
          lastScale = s;
          lastScaleAt = k;
        }
      }
      if (lastScale > 0) {
        money = true;
        if (lastScaleAt === next - 2 && words[next - 1] !== 'ruoi') {
          const head = parseNumberWords(words.slice(i, lastScaleAt + 1), 0, typed.slice(i, lastScaleAt + 1));
          const after = tokens[next];
          if (head) value = after && NOT_MONEY_AFTER.has(after.f) ? head.value : head.value + (n.value - head.value) * (lastScale / 10);
          if (after && NOT_MONEY_AFTER.has(after.f)) next -= 1;
        }
        if (value < 1e5 && !unitOf(tokens[next], 'currency')) money = false; // "hai nghìn" people
      }
    }
    const scale = unitOf(tokens[next], 'scale');
    if (scale !== undefined) {
      value *= scale;
      next += 1;
      const tail = tailAfter(sc, next, scale);
      value += tail.add;
      next = tail.next;
      money = true;
    } else if (n.numeral && !money) {
      const digits = words[i]!;
      const before = words[i - 1];
      const currency = unitOf(tokens[next], 'currency');
      const grouped = /^\d{1,3}(?:\.\d{3})+$/.test(digits);
      if (currency) money = true;
      else if (before !== undefined && ID_BEFORE.has(before)) money = false;
      else if (grouped && value >= 1e5) money = true;
      else if (/^[1-9]\d{5,7}$/.test(digits)) money = true;
      else if (/^\d{1,3}$/.test(digits) && tokens[i]!.end + 1 === tokens[i + 1]?.start && /^\d{3}$/.test(words[i + 1] ?? '')) {
        // Groups separated by spaces: "10 000 000 vnd".
        let k = i + 1;
        let v = value;
        while (/^\d{3}$/.test(words[k] ?? '') && tokens[k - 1]!.end + 1 === tokens[k]!.start) v = v * 1000 + Number(words[k++]);
        if (k - i >= 3 || unitOf(tokens[k], 'currency')) {
          value = v;
          next = k;
          money = v >= 1e5 || unitOf(tokens[k], 'currency') !== undefined;
        }
      }
    }
    if (money && unitOf(tokens[next], 'currency')) next += 1;
    if (money && value > 0) {
      push(value, i, next);
      i = next;
    } else i += 1;
  }
  return found;
}

/**
 * The amount most likely meant as a wage: one next to "lương", "thu nhập", "mức đóng"…,
 * else one in a wage's range (1 to 500 million), else the first.
 */
export function parseMoney(text: string): number | undefined {
  const found = findMoney(text);
  if (found.length <= 1) return found[0]?.value;
  const folded = fold(normalize(text));
  let best: FoundMoney | undefined;
  let bestScore = -1;
  for (const m of found) {
    const before = folded.slice(Math.max(0, m.start - 25), m.start).split(' ').slice(-4);
    let score = before.some((w) => SALARY_WORDS.has(w)) ? 2 : 0;
    if (m.value >= 1e6 && m.value <= 5e8) score += 1;
    if (score > bestScore) {
      best = m;
      bestScore = score;
    }
  }
  return best?.value;
}

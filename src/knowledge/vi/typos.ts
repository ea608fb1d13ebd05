/**
 * Misspelled syllables, after folding: a fixed list of frequent slips, teen-code letter
 * swaps, leftovers of Telex typed without an input method ("dduowcj"), words typed without
 * spaces ("thatnghiep"), and one-letter slips against the known vocabulary.
 *
 * Conservative by design: a known word is never changed, and a token that is spelled like a
 * Vietnamese syllable ("nghen") may be a real word we did not list, so it only gets the
 * safest fix (one missing letter, towards a knowledge-base syllable). A wrong correction is
 * worse than none: it makes a question match what it did not ask.
 */
import { teenCodeVariants } from './abbreviations.js';
import { isValidSyllable } from './syllable.js';
import { DOMAIN_SYLLABLES, VOCABULARY, isKnownWord } from './vocabulary.js';

/** Frequent slips that the general rules below would miss or get wrong. */
const TYPOS = new Map<string, string>(Object.entries({
  nghep: 'nghiep',
  nghie: 'nghiep',
  nghip: 'nghiep',
  ngiep: 'nghiep',
  thta: 'that',
  tahat: 'that',
  thatj: 'that',
  luog: 'luong',
  vic: 'viec',
  vec: 'viec',
  huog: 'huong',
  thag: 'thang',
  thnag: 'thang',
  thagn: 'thang',
  mna: 'nam',
  ngyen: 'nguyen',
  quyt: 'quyet',
  truo: 'truoc',
  khog: 'khong',
  khoog: 'khong',
  khoong: 'khong',
  kog: 'khong',
  kong: 'khong',
  gnhi: 'nghi',
  ngi: 'nghi',
  nge: 'nghe',
  onlin: 'online',
  dduowc: 'duoc',
  dduowcj: 'duoc',
}));

const DOMAIN = new Set(DOMAIN_SYLLABLES);

/** Telex typed without an input method: "dduowcj" → "duoc", "khoongf" → "khong". */
function untelex(s: string): string | undefined {
  let t = s;
  // A tone key at the end, after a vowel or a final consonant.
  if (/[aeiouy](?:c|ch|m|n|ng|nh|p|t)?[sfrxj]$/.test(t)) t = t.slice(0, -1);
  t = t
    .replace(/dd/g, 'd')
    .replace(/uow/g, 'uo')
    .replace(/([aeo])\1/g, '$1')
    .replace(/([aou])w/g, '$1')
    .replace(/w/g, 'u');
  return t !== s ? t : undefined;
}

/** Candidates at one edit from `s` (a letter missing, extra, swapped or wrong), within `vocab`. */
function oneEditAway(s: string, vocab: ReadonlySet<string>, ops: { insert: boolean; delete: boolean; swap: boolean; replace: boolean }): string | undefined {
  for (const v of vocab) {
    const d = v.length - s.length;
    if (d === 1 ? ops.insert && isOneInsertion(s, v) : d === -1 ? ops.delete && isOneInsertion(v, s) : d === 0 && ((ops.swap && isOneSwap(s, v)) || (ops.replace && isOneReplacement(s, v)))) return v;
  }
  return undefined;
}

/** `long` is `short` with one letter added somewhere. */
function isOneInsertion(short: string, long: string): boolean {
  let i = 0;
  while (i < short.length && short[i] === long[i]) i++;
  return short.slice(i) === long.slice(i + 1);
}

function isOneSwap(a: string, b: string): boolean {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i < a.length - 1 && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}

function isOneReplacement(a: string, b: string): boolean {
  let diff = 0;
  for (let i = 0; i < a.length && diff < 2; i++) if (a[i] !== b[i]) diff++;
  return diff === 1;
}

/**
 * The intended syllable for a folded syllable `s`, or `s` itself when it is known, not
 * clearly a slip, or could be several things. `vocab` holds the targets, best first.
 */
export function correctSyllable(s: string, vocab: ReadonlySet<string> = VOCABULARY): string {
  if (vocab.has(s) || isKnownWord(s) || s.length < 2 || !/^[a-z]+$/.test(s)) return s;
  const listed = TYPOS.get(s);
  if (listed) return listed;
  const known = (c: string) => vocab.has(c) || isKnownWord(c);
  const swaps = teenCodeVariants(s).filter(known);
  // Two readings ("zễ": dễ or về) are a guess, not a correction.
  if (swaps.length === 1 || (swaps.length > 1 && !/^d?z/.test(s))) return swaps[0]!;
  const valid = isValidSyllable(s);
  const telex = untelex(s);
  if (telex && known(telex) && (!valid || DOMAIN.has(telex))) return telex;
  if (valid) {
    // Possibly a real word we do not list: only a missing letter, towards the domain.
    return (s.length >= 5 && oneEditAway(s, DOMAIN, { insert: true, delete: false, swap: false, replace: false })) || s;
  }
  return (
    oneEditAway(s, vocab, { insert: s.length >= 3, delete: s.length >= 4, swap: s.length >= 3, replace: false }) ??
    (s.length >= 5 ? oneEditAway(s, DOMAIN, { insert: false, delete: false, swap: false, replace: true }) : undefined) ??
    s
  );
}

/**
 * Splits a token typed without spaces into known syllables ("baohiemxahoi" → bao hiem xa
 * hoi), fewest pieces first; undefined when it does not split cleanly.
 */
export function splitGlued(s: string, vocab: ReadonlySet<string> = VOCABULARY): string[] | undefined {
  if (s.length < 5 || s.length > 28 || !/^[a-z]+$/.test(s)) return undefined;
  // best[i]: fewest known syllables (2+ letters, well formed) that spell s[0..i).
  const best: Array<string[] | undefined> = [[]];
  for (let end = 2; end <= s.length; end++) {
    for (let start = Math.max(0, end - 7); start <= end - 2; start++) {
      const head = best[start];
      const piece = s.slice(start, end);
      if (head && (vocab.has(piece) || VOCABULARY.has(piece)) && isValidSyllable(piece) && (!best[end] || head.length + 1 < best[end]!.length)) {
        best[end] = [...head, piece];
      }
    }
  }
  const parts = best[s.length];
  return parts && parts.length >= 2 && parts.length <= 5 ? parts : undefined;
}

/** Bounded memo: the same few hundred tokens come back in every question. */
const memo = new Map<string, readonly string[]>();
const MEMO_LIMIT = 20_000;

/** A folded token → its corrected syllables (usually one; several for glued words). */
export function correctToken(token: string): readonly string[] {
  const hit = memo.get(token);
  if (hit) return hit;
  let out: readonly string[];
  if (isKnownWord(token) || !/^[a-z]+$/.test(token)) out = [token];
  else {
    const fixed = correctSyllable(token);
    if (fixed !== token) out = fixed.split(' ');
    else out = (!isValidSyllable(token) && splitGlued(token)) || [token];
  }
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(token, out);
  return out;
}

/**
 * Syllables written with i or y, both spellings in use ("kỉ/kỷ luật", "lí/lý do",
 * "qui/quy định", "công ti/ty", "bác sĩ/sỹ"): one form for both.
 */
const I_Y = new Map([
  ['ki', 'ky'],
  ['li', 'ly'],
  ['mi', 'my'],
  ['qui', 'quy'],
  ['ti', 'ty'],
  ['si', 'sy'],
  ['hi', 'hy'],
]);

/**
 * Misspellings that are real syllables, so no rule above can see them: regional
 * pronunciations written down (s/x, ch/tr, final t/c, final nh/n). Only a neighbour tells
 * "tín lương" (tính lương) from "tín" (trust), so these are pairs, fixed where both
 * syllables agree.
 */
const CONFUSED_PAIRS = new Map<string, readonly [string, string]>(
  (
    [
      ['xa thai', 'sa thai'], ['bat buot', 'bat buoc'], ['bao truot', 'bao truoc'], ['truot khi', 'truoc khi'],
      ['truot do', 'truoc do'], ['truot han', 'truoc han'], ['tin luong', 'tinh luong'], ['tin tien', 'tinh tien'],
      ['cach tin', 'cach tinh'], ['de tin', 'de tinh'], ['tin sao', 'tinh sao'], ['tin nhu', 'tinh nhu'],
      ['tin the', 'tinh the'], ['tin theo', 'tinh theo'], ['duoc tin', 'duoc tinh'], ['tin tro', 'tinh tro'],
      ['tin thoi', 'tinh thoi'], ['tin bao', 'tinh bao'], ['bo chon', 'bo tron'], ['chon mat', 'tron mat'],
      ['cac tien', 'cat tien'], ['cac luong', 'cat luong'], ['cac giam', 'cat giam'], ['cac hop', 'cat hop'],
      ['sa hoi', 'xa hoi'], ['su ly', 'xu ly'], ['su phat', 'xu phat'], ['sin nghi', 'xin nghi'], ['sin viec', 'xin viec'],
      ['sin thoi', 'xin thoi'], ['nghi viet', 'nghi viec'], ['thu viet', 'thu viec'], ['thoi viet', 'thoi viec'],
      ['mat viet', 'mat viec'], ['cong viet', 'cong viec'], ['viet lam', 'viec lam'], ['tim viet', 'tim viec'],
      ['cham duc', 'cham dut'], ['doan nghiep', 'doanh nghiep'], ['chanh chap', 'tranh chap'], ['thai xan', 'thai san'],
      ['san suat', 'san xuat'], ['xan xuat', 'san xuat'], ['suat khau', 'xuat khau'], ['xuy giam', 'suy giam'],
      ['sac nhan', 'xac nhan'], ['set duyet', 'xet duyet'],
    ] as const
  ).map(([wrong, right]) => [wrong.replace(' ', '_'), right.split(' ') as unknown as readonly [string, string]]),
);

/** The first syllables of CONFUSED_PAIRS: no other syllable can start one (no pair key is built for it). */
const CONFUSED_FIRST = new Set([...CONFUSED_PAIRS.keys()].map((k) => k.split('_')[0]!));

/** Fixes, in place, syllables whose misspelling only shows next to their neighbour. */
export function fixConfusedPairs(tokens: string[]): void {
  for (let i = 0; i < tokens.length; i++) {
    const variant = I_Y.get(tokens[i]!);
    if (variant) tokens[i] = variant;
  }
  for (let i = 0; i + 1 < tokens.length; i++) {
    if (!CONFUSED_FIRST.has(tokens[i]!)) continue;
    const right = CONFUSED_PAIRS.get(`${tokens[i]!}_${tokens[i + 1]!}`);
    if (right) {
      tokens[i] = right[0];
      tokens[i + 1] = right[1];
    }
  }
}

/** The fixed list, for callers that want to look without correcting (tests, diagnostics). */
export function listedTypo(s: string): string | undefined {
  return TYPOS.get(s);
}

/**
 * Cues that tell close sibling questions apart, read from analysed syllables (folded, after
 * abbreviations and synonyms: analyze()). Many entries come in pairs that share nearly every
 * word and differ in one point a worker says in passing:
 * - who ends the contract: the worker quits ("xin nghỉ", "tự chấm dứt", "nghỉ ngang") or the
 *   employer dismisses ("bị cho nghỉ", "công ty cho nghỉ", "sa thải", "cắt giảm");
 * - which money: what is paid in ("đóng", "mức đóng") or what is received ("hưởng", "lãnh").
 * The same reading is applied to an entry's ways of asking and to the question, so an entry's
 * side comes from its own phrasings, not from a list kept by hand.
 */

export type Side = 'worker' | 'employer' | 'agreement';
export type Money = 'contribution' | 'benefit';

export interface Cues {
  side?: Side;
  money?: Money;
}

/** Kinds of leave an employer "cho nghỉ" (grants): not a dismissal. */
const LEAVE = new Set(['phep', 'le', 'bu', 'om', 'tet', 'thai', 'de', 'sinh', 'trua', 'giua']);
/** What follows "nghỉ" names leave, or how many days of it ("cho nghỉ mấy ngày", "xin nghỉ 3 hôm"). */
function grantsLeave(next: string | undefined): boolean {
  return next !== undefined && (LEAVE.has(next) || next === 'may' || /^\d/.test(next));
}
/** Words before "cho … nghỉ" that turn it into a refusal or a favour, not a dismissal. */
const NOT_DISMISSAL_BEFORE = new Set(['khong', 'chua', 'xin', 'de']);

/** Words between who acts and the act: "công ty được chấm dứt", "doanh nghiệp muốn đơn phương…". */
const MODAL = new Set(['duoc', 'muon', 'co', 'da', 'se', 'dinh', 'phai']);

/**
 * The words before position i (past one modal word) name the employer: "công ty", "doanh
 * nghiệp", "người sử dụng lao động" (not "người lao động").
 */
function employerBefore(s: readonly string[], i: number): boolean {
  let j = i - 1;
  if (MODAL.has(s[j] ?? '')) j -= 1;
  if (s[j] === 'ty') return true;
  if (s[j] === 'nghiep' && s[j - 1] === 'doanh') return true;
  return s[j] === 'dong' && s[j - 1] === 'lao' && s[j - 2] === 'dung' && s[j - 3] === 'su';
}

/** Employer ends the contract. */
function employerAt(s: readonly string[], i: number): boolean {
  const w = s[i]!;
  const next = s[i + 1];
  if (w === 'sa' && next === 'thai') return true;
  if (w === 'cat' && next === 'giam') return true;
  if (w === 'bi' && next === 'cham' && s[i + 2] === 'dut') return true;
  if (w === 'don' && next === 'phuong' && employerBefore(s, i)) return true;
  if (w === 'cham' && next === 'dut' && employerBefore(s, i)) return true;
  if (w === 'duoi' && (s[i - 1] === 'ty' || s[i - 1] === 'bi')) return true;
  // "cho nghỉ", "cho nhân viên nghỉ", "cho em nghỉ việc" — but not "cho nghỉ phép", "không cho nghỉ".
  if (w === 'cho' && !NOT_DISMISSAL_BEFORE.has(s[i - 1] ?? '')) {
    for (let k = 1; k <= 3; k++) {
      if (s[i + k] !== 'nghi') continue;
      return !grantsLeave(s[i + k + 1]);
    }
  }
  return false;
}

/** Both sides agree to end it ("thỏa thuận", "hai bên"): neither quits nor dismisses. */
function agreementAt(s: readonly string[], i: number): boolean {
  return (s[i] === 'thoa' && s[i + 1] === 'thuan') || (s[i] === 'hai' && s[i + 1] === 'ben');
}

/** Worker ends the contract. */
function workerAt(s: readonly string[], i: number): boolean {
  const w = s[i]!;
  const next = s[i + 1];
  // "xin nghỉ", "muốn thôi" — not "xin nghỉ phép", "xin nghỉ 3 ngày" (asking for leave).
  if ((w === 'xin' || w === 'muon') && (next === 'nghi' || next === 'thoi')) return !grantsLeave(s[i + 2]);
  if (w === 'tu' && (next === 'nghi' || next === 'y' || (next === 'cham' && s[i + 2] === 'dut'))) return true;
  if (w === 'ngang' && (s[i - 1] === 'viec' || s[i - 1] === 'bo')) return true;
  if ((w === 'viet' || w === 'nop') && next === 'don') return true;
  if (w === 'don' && next === 'xin') return true;
  // "nghỉ việc" said of oneself: not "cho nghỉ việc", "bị cho nghỉ việc".
  if (w === 'nghi' && next === 'viec' && s[i - 1] !== 'cho' && !LEAVE.has(s[i + 2] ?? '')) return true;
  return false;
}

/** "đóng" in words that are not paying in: lao động, hợp đồng, đồng ý, 10 triệu đồng… */
const DONG_BEFORE = new Set(['lao', 'hop', 'cong', 'hoat', 'tu', 'bien', 'trieu', 'nghin', 'ngan', 'tram', 'chuc']);
const DONG_AFTER = new Set(['y', 'nghiep', 'thoi', 'phuc', 'luc', 'vien', 'cua', 'bo', 'nai', 'chi']);
/** "nhận" in words that are not receiving money: nhân viên, công nhân, xác nhận… */
const NHAN_BEFORE = new Set(['cong', 'xac', 'ca', 'thua', 'tiep', 'ky']);
const NHAN_AFTER = new Set(['vien', 'su', 'dan', 'viec', 'vao', 'than', 'luc', 'tho', 'lam', 'ban', 'chung', 'dien']);

function contributionAt(s: readonly string[], i: number): boolean {
  // "bị trừ 1%", "trích 1% lương": a share taken from the salary is paid in.
  if ((s[i] === 'tru' || s[i] === 'trich') && /^\d/.test(s[i + 1] ?? '') && s[i + 2] === 'phan') return true;
  if (s[i] !== 'dong') return false;
  const prev = s[i - 1] ?? '';
  return !DONG_BEFORE.has(prev) && !/^\d/.test(prev) && !DONG_AFTER.has(s[i + 1] ?? '');
}

function benefitAt(s: readonly string[], i: number): boolean {
  if (s[i] !== 'nhan') return false;
  return !NHAN_BEFORE.has(s[i - 1] ?? '') && !NHAN_AFTER.has(s[i + 1] ?? '');
}

/**
 * The cues in a question or a way of asking, from its syllables in order (no bigrams). A
 * dismissal named anywhere decides the side ("em nghỉ 6 ngày, công ty có được sa thải không"
 * asks about the dismissal); money is read only when one kind alone is named ("đóng 5 năm
 * thì được hưởng mấy tháng" names both and tells nothing).
 */
export function cuesOf(syllables: readonly string[]): Cues {
  let agreement = false;
  let employer = false;
  let worker = false;
  let contribution = false;
  let benefit = false;
  for (let i = 0; i < syllables.length; i++) {
    agreement ||= agreementAt(syllables, i);
    employer ||= employerAt(syllables, i);
    worker ||= workerAt(syllables, i);
    contribution ||= contributionAt(syllables, i);
    benefit ||= benefitAt(syllables, i);
  }
  const cues: Cues = {};
  if (agreement) cues.side = 'agreement';
  else if (employer) cues.side = 'employer';
  else if (worker) cues.side = 'worker';
  if (contribution !== benefit) cues.money = contribution ? 'contribution' : 'benefit';
  return cues;
}

/**
 * An entry's cues: those most of its ways of asking agree on. A side or a money kind counts
 * when at least `share` of the texts that name one name the same, and they are at least a
 * third of all the texts (an entry that mentions quitting once is not about quitting).
 */
export function dominantCues(texts: readonly Cues[], share = 0.75): Cues {
  const out: Cues = {};
  const pick = <K extends keyof Cues>(key: K) => {
    const named = texts.map((c) => c[key]).filter((v): v is NonNullable<Cues[K]> => v !== undefined);
    if (named.length === 0 || named.length * 3 < texts.length) return;
    const counts = new Map<NonNullable<Cues[K]>, number>();
    for (const v of named) counts.set(v, (counts.get(v) ?? 0) + 1);
    const [best, n] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
    if (n >= share * named.length) out[key] = best as Cues[K];
  };
  pick('side');
  pick('money');
  return out;
}

/** The question names one side or kind of money and the entry is about the other. */
export function contradicts(question: Cues, entry: Cues): boolean {
  return (
    (question.side !== undefined && entry.side !== undefined && question.side !== entry.side) ||
    (question.money !== undefined && entry.money !== undefined && question.money !== entry.money)
  );
}

/** The question names a side or kind of money and the entry is about that one. */
export function agrees(question: Cues, entry: Cues): boolean {
  return (question.side !== undefined && question.side === entry.side) || (question.money !== undefined && question.money === entry.money);
}

/**
 * Words that carry no meaning in a worker's question: courtesy, particles, pronouns.
 * Question words that change what is asked (bao nhiêu, ở đâu, khi nào, bao lâu, có,
 * không, gì, nào, mấy) are not here.
 *
 * Folding merges words, so a stopword is judged on what was typed:
 * - typed with diacritics: only the exact word ("vâng" is noise, "vàng" is not);
 * - typed without, or produced by an abbreviation: its folded form, unless it sits in a
 *   phrase where the same letters mean something ("xa hoi" is "xã hội", not "xa hỏi";
 *   "chi tra" is "chi trả"). Folded forms that are content words too often ("ban": bạn,
 *   bản, ban; "chi": chị, chỉ, chi) only count when they come from an abbreviation
 *   ("a" → anh, "c" → chị).
 */
import { fold } from './normalize.js';

const ACCENTED = [
  'a', 'à', 'ạ', 'á', 'ah', 'ạh', 'ạa', 'ạk', 'ak', 'ơi', 'ơ', 'ờ', 'nhé', 'nhe', 'nha', 'nhá', 'nhỉ', 'nè', 'hen', 'hả',
  'dạ', 'vâng', 'ừ', 'ừm', 'uh', 'ok', 'oke', 'okay', 'ad', 'admin', 'hỏi', 'giúp', 'dùm', 'giùm', 'với', 'vậy',
  'thì', 'là', 'mà', 'ấy', 'em', 'e', 'anh', 'chị', 'tôi', 'mình', 'tui', 'tớ', 'bạn', 'cháu', 'chúng', 'sao', 'thế',
  'về', 'của', 'những', 'các', 'này', 'đó', 'kia', 'rồi', 'nữa', 'luôn', 'hay', 'chứ', 'đấy', 'đã', 'tới', 'nhưng',
];

/** Stopwords whose folded form is too often a content word to drop when typed plainly. */
const ACCENTED_ONLY = new Set(['bạn', 'anh', 'chị', 'chúng', 'á', 'ơ', 'ờ', 'tớ', 'hen', 'chứ', 'đấy']);

const STOP_ACCENTED: ReadonlySet<string> = new Set(ACCENTED);
const STOP_FOLDED: ReadonlySet<string> = new Set(ACCENTED.filter((w) => !ACCENTED_ONLY.has(w)).map(fold));
const STOP_EXPANDED: ReadonlySet<string> = new Set(ACCENTED.map(fold));

/** Folded bigrams in which a folded stopword is a content word. */
const PROTECTED = new Set([
  'xa_hoi', 'thu_hoi', 'phan_hoi', 'hoi_dong', 'hoi_vien', 'hoi_nghi', 'hiep_hoi', 'co_hoi', 'hoi_phuc', 'toi_thieu',
  'toi_da', 'toi_uu', 'buoi_toi', 'ca_toi', 'gio_toi', 'the_bao', 'the_can', 'the_atm', 'the_ngan', 'the_tam',
  'the_nhan', 'the_luc', 'the_hien', 'co_the', 'cu_the', 'giai_the', 'tap_the', 'khong_the', 've_huu', 've_nuoc',
  've_nha', 'bao_ve', 've_sinh', 'nua_thang', 'nua_nam', 'nua_luong', 'nua_ngay', 'mot_nua', 'roi_khoi', 'roi_bo',
  'roi_vao', 'roi_loan', 'quay_roi', 'cua_hang', 'dong_cua', 'khoa_cua', 'ly_do', 'nguyen_do', 'do_tuoi', 'che_do',
  'trinh_do', 'muc_do', 'do_bao', 'do_dung', 'ma_so', 'vay_tien', 'cho_vay', 'vay_von', 'chung_minh', 'minh_bach', 'nha_may', 'nha_nuoc', 'nha_o', 'nha_tro', 'chu_nha', 'nha_xuong',
  'nha_hang', 'o_nha', 'tai_nha', 'gan_nha', 'nguoi_nha', 'sao_y', 'ban_sao', 'sao_ke', 'co_ban', 'chu_nhat',
  'viec_nhe', 'giup_viec',
]);

/**
 * Particles that close a sentence ("… không ha", "… nha"). Typed plainly they may also be
 * words ("Hà", "nhà", "chủ"), so they are dropped only at the end of the question.
 */
const FINAL_PARTICLES = new Set(['ha', 'chu', 'nha', 'nhe', 'ne', 'hen', 'a', 'ah', 'ak', 'nhi', 'the', 'day']);

const PHRASES: readonly (readonly string[])[] = [
  ['cho', 'em', 'hoi'], ['cho', 'minh', 'hoi'], ['cho', 'toi', 'hoi'], ['cho', 'chau', 'hoi'], ['cho', 'tui', 'hoi'],
  ['cho', 'hoi'], ['xin', 'hoi'], ['muon', 'hoi'], ['hoi', 'chut'], ['hoi', 'xiu'], ['hoi', 'ty'], ['lam', 'on'],
  ['cam', 'on'], ['xin', 'chao'], ['chao', 'admin'], ['chao', 'ban'], ['admin', 'oi'], ['ban', 'oi'], ['giup', 'voi'],
  ['cho', 'em', 'xin'], ['cho', 'minh', 'xin'],
];
/** PHRASES by their first word, in PHRASES' order: a token tries only the phrases it can open. */
const PHRASES_BY_START = new Map<string, (readonly string[])[]>();
for (const p of PHRASES) {
  const list = PHRASES_BY_START.get(p[0]!);
  if (list) list.push(p);
  else PHRASES_BY_START.set(p[0]!, [p]);
}

/**
 * How a token reached the analyser; decides which stopword test applies.
 * 0: typed without diacritics (or a correction of such a token);
 * 1: typed with diacritics on a vowel, judged as typed;
 * 2: produced by expanding an abbreviation: judged on its folded form, including the
 *    stopwords that only count with diacritics ("a" → anh, "bn ơi" → bạn).
 */
export type Origin = 0 | 1 | 2;
export const PLAIN: Origin = 0;
export const ACCENTED_TYPED: Origin = 1;
export const EXPANDED: Origin = 2;

/**
 * Marks which of `tokens` (folded) to drop. `typed[i]` is the token as typed when
 * its origin is ACCENTED_TYPED.
 */
export function stopwordMask(tokens: readonly string[], origins: readonly Origin[], typed: readonly (string | undefined)[]): boolean[] {
  const drop = new Array<boolean>(tokens.length).fill(false);
  for (let i = 0; i < tokens.length; i++) {
    const phrases = PHRASES_BY_START.get(tokens[i]!);
    if (!phrases) continue;
    for (const p of phrases) {
      if (p.every((w, k) => tokens[i + k] === w)) {
        for (let k = 0; k < p.length; k++) drop[i + k] = true;
        break;
      }
    }
  }
  for (let i = 0; i < tokens.length; i++) {
    if (drop[i]) continue;
    const t = tokens[i]!;
    const origin = origins[i]!;
    const stop =
      origin === ACCENTED_TYPED ? STOP_ACCENTED.has(typed[i] ?? t) : (origin === EXPANDED ? STOP_EXPANDED : STOP_FOLDED).has(t);
    drop[i] = stop && !isProtected(tokens, i);
  }
  const first = drop.indexOf(false);
  if (first >= 0 && tokens[first] === 'con' && tokens[first + 1] !== 'lai') {
    drop[first] = origins[first] === ACCENTED_TYPED ? typed[first] === 'còn' : origins[first] === PLAIN && OPENING_TURN_AFTER.has(tokens[first + 1] ?? '');
  }
  // Closing particles typed plainly: "… được không ha", "… nha ad".
  for (let i = tokens.length - 1; i >= 0; i--) {
    if (drop[i]) continue;
    if (origins[i] === ACCENTED_TYPED || !FINAL_PARTICLES.has(tokens[i]!) || isProtected(tokens, i)) break;
    drop[i] = true;
  }
  return drop;
}

/**
 * "Còn …" opening a message turns to a new point ("còn thử việc thì sao?"); it is not the
 * "còn" of "còn lại" (remaining) nor, typed plainly, "con" (a child) unless what follows
 * shows the turn ("con neu …", "con truong hop …").
 */
const OPENING_TURN_AFTER = new Set(['neu', 'truong', 'khi', 'thi', 'nhu']);

/** The token and a neighbour make a word in which the stopword's letters mean something. */
function isProtected(tokens: readonly string[], i: number): boolean {
  const t = tokens[i]!;
  const prev = tokens[i - 1];
  const next = tokens[i + 1];
  return (prev !== undefined && PROTECTED.has(`${prev}_${t}`)) || (next !== undefined && PROTECTED.has(`${t}_${next}`));
}

/** True when a single word (as typed) is a stopword on its own. */
export function isStopword(word: string): boolean {
  return STOP_ACCENTED.has(word) || STOP_FOLDED.has(word);
}

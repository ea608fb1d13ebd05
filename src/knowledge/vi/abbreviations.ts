/**
 * Workers' abbreviations and teen-code → folded expansions.
 *
 * Keys are folded (no diacritics, đ→d), so "hđlđ", "hdlđ" and "hdld" are one entry; a few
 * teen-code spellings only mean something with their diacritics ("rùi" is "rồi", but "rui"
 * may be "rủi") and are looked up as typed. Short forms with two readings ("dk": được or
 * điều kiện, "bh": bảo hiểm or bao giờ, "k" after a number: nghìn) are read from their
 * neighbours; where the neighbours do not tell, the reading common in this domain wins.
 * Amounts are parsed from the raw text (money.ts), so expanding "k" to "không" here costs
 * nothing there.
 */
import { fold, hasVowelMarks } from './normalize.js';

export const ABBREVIATIONS: Readonly<Record<string, string>> = {
  // Insurance, labour law, institutions
  bhtn: 'bao hiem that nghiep',
  bhxh: 'bao hiem xa hoi',
  bhyt: 'bao hiem y te',
  bhtnld: 'bao hiem tai nan lao dong',
  tctn: 'tro cap that nghiep',
  tcmvl: 'tro cap mat viec lam',
  tctv: 'tro cap thoi viec',
  hdld: 'hop dong lao dong',
  hdlv: 'hop dong lam viec',
  hdtv: 'hop dong thu viec',
  hd: 'hop dong',
  nld: 'nguoi lao dong',
  nsdld: 'nguoi su dung lao dong',
  ttdvvl: 'trung tam dich vu viec lam',
  ttvl: 'trung tam dich vu viec lam',
  tnld: 'tai nan lao dong',
  bnn: 'benh nghe nghiep',
  ldld: 'lien doan lao dong',
  tldld: 'tong lien doan lao dong',
  cd: 'cong doan',
  cdcs: 'cong doan co so',
  kpcd: 'kinh phi cong doan',
  ldtbxh: 'lao dong thuong binh xa hoi',
  sldtbxh: 'so lao dong thuong binh xa hoi',
  xkld: 'xuat khau lao dong',
  ld: 'lao dong',
  blld: 'bo luat lao dong',
  lvl: 'luat viec lam',
  qd: 'quyet dinh',
  hs: 'ho so',
  nv: 'nhan vien',
  kcn: 'khu cong nghiep',
  cty: 'cong ty',
  cti: 'cong ty',
  ct: 'cong ty',
  dn: 'doanh nghiep',
  cv: 'cong viec',
  ot: 'lam them gio',
  lcb: 'luong co ban',
  lcs: 'luong co so',
  ltt: 'luong toi thieu',
  lttv: 'luong toi thieu vung',
  cccd: 'can cuoc cong dan',
  cmnd: 'chung minh nhan dan',
  dvc: 'dich vu cong',
  stk: 'so tai khoan',
  tk: 'tai khoan',
  ck: 'chuyen khoan',
  ds: 'danh sach',
  '%': 'phan tram',
  vd: 'vi du',
  // Everyday teen-code
  ko: 'khong',
  kg: 'khong',
  kh: 'khong',
  khg: 'khong',
  kgh: 'khong',
  hk: 'khong',
  hok: 'khong',
  hem: 'khong',
  dc: 'duoc',
  dcj: 'duoc',
  dkien: 'dieu kien',
  dky: 'dang ky',
  j: 'gi',
  ji: 'gi',
  lmj: 'lam gi',
  bnhieu: 'bao nhieu',
  ntn: 'nhu the nao',
  ntnao: 'nhu the nao',
  s: 'sao',
  e: 'em',
  a: 'anh',
  c: 'chi',
  t: 'toi',
  ad: 'admin',
  ib: 'nhan tin',
  sdt: 'so dien thoai',
  dt: 'dien thoai',
  vs: 'voi',
  ms: 'moi',
  trc: 'truoc',
  r: 'roi',
  h: 'gio',
  tg: 'thoi gian',
  ng: 'nguoi',
  ngta: 'nguoi ta',
  mk: 'minh',
  mik: 'minh',
  mn: 'moi nguoi',
  mng: 'moi nguoi',
  lm: 'lam',
  tl: 'tra loi',
  z: 'vay',
  v: 'vay',
  zay: 'vay',
  dzay: 'vay',
  zui: 'vui',
  zi: 'gi',
  bik: 'biet',
  bit: 'biet',
  bjt: 'biet',
  hiu: 'hieu',
  bjo: 'bay gio',
  bgio: 'bay gio',
  bg: 'bay gio',
  hnay: 'hom nay',
  nhiu: 'nhieu',
  lun: 'luon',
  mun: 'muon',
  cx: 'cung',
  cg: 'cung',
  thik: 'thich',
  thui: 'thoi',
  thoy: 'thoi',
  oy: 'roi',
  uk: 'u',
  ukm: 'u',
  um: 'u',
  ak: 'a',
  tks: 'cam on',
  thanks: 'cam on',
  thank: 'cam on',
  // Glued words (no space typed)
  tangca: 'lam them gio',
  lamthem: 'lam them',
  nghiviec: 'nghi viec',
  nghiphep: 'nghi phep',
  thoiviec: 'thoi viec',
  hopdong: 'hop dong',
  thuviec: 'thu viec',
  mienphi: 'mien phi',
};

/** Teen-code that only means something with its diacritics; looked up on the typed (NFC) token. */
const ACCENTED = new Map<string, string>(Object.entries({
  rùi: 'roi',
  ròi: 'roi',
  zồi: 'roi',
  zậy: 'vay',
  zô: 'vo',
  zề: 've',
  zờ: 'gio',
  zì: 'gi',
  hông: 'khong',
  kô: 'khong',
  hơm: 'khong',
  bít: 'biet',
  mún: 'muon',
  dzậy: 'vay',
  hổng: 'khong',
  nhìu: 'nhieu',
  lém: 'lam',
  wá: 'qua',
  // Regional words with one meaning in any question (Central and Southern speech).
  rứa: 'vay',
  chừ: 'gio',
  mần: 'lam',
  dìa: 've',
}));

/** A Map, not the object: a token such as "constructor" must not find Object.prototype. */
const DICTIONARY = new Map<string, string>(Object.entries(ABBREVIATIONS));

/** Short forms read from their neighbours (see expansionAt). */
const CONTEXTUAL = new Set(['dk', 'bh', 'tn', 'xh', 'tc', 'tv', 'bn', 'cn', 'bs', 'nd', 'tt', 'k']);

/** Words after which "dk" surely means "điều kiện" (đủ đk, các đk, đáp ứng đk…). */
const DK_CONDITION_BEFORE = new Set(['du', 'cac', 'nhung', 'dap', 'ung', 'het', 'thieu', 'theo', 've', 'moi', 'kem']);
/** Words before which "dk" means "được" ("có đk hưởng ko", "nghỉ đk ko"). */
const DK_GOT_AFTER = new Set(['huong', 'nhan', 'lanh', 'lam', 'nghi', 'ko', 'k', 'khong', 'hk', 'chua', 'roi', 'r', 'ky', 'tra', 'bao', 'giai', 'cong', 'di', 'bu', 'dong', 'rut', 'hoc', 'ho', 'cap', 'tinh', 'nop']);
/** Words after which "dk" means "được" ("có đk học", "sẽ đk nhận"). */
const DK_GOT_BEFORE = new Set(['co', 'se', 'khong', 'ko', 'k', 'chua', 'van', 'moi', 'cung', 'da']);
/** Neighbours that make an unclear "dk" a condition ("cần đk gì", "đk là"). */
const DK_CONDITION_NEAR = new Set(['gi', 'j', 'la', 'de', 'nao', 'gom', 'nhu', 'ntn', 'can', 'cua', 'tham']);

/** Neighbours that make "bh" insurance rather than "bao giờ"/"bây giờ". */
const BH_INSURANCE_BEFORE = new Set(['dong', 'so', 'tien', 'muc', 'tham', 'gia', 'chot', 'nop', 'cac', 'loai', 'che', 'do', 'bi', 'ma', 'the', 'tra', 'rut', 'co', 'huong', 'cat', 'no', 've']);
const BH_INSURANCE_AFTER = new Set(['that', 'tn', 'xa', 'xh', 'y', 'yt', 'tai', 'nhan', 'thai', 'huu', 'cua', 'bat', 'tu', 'o', 'gi', 'j', 'la']);
const BH_WHEN_AFTER = new Set(['thi', 'moi', 'duoc', 'dc', 'nhan', 'lanh', 'co', 'het', 'xong', 'den', 'toi', 'ra']);
const BH_NOW_AFTER = new Set(['em', 'e', 'minh', 'mk', 'toi', 'tui', 'phai', 'lam', 'sao', 'nen', 'muon']);

/** Days before "cn" that make it Sunday ("làm cn", "ngày cn"), not "công nhân". */
const CN_SUNDAY_BEFORE = new Set(['ngay', 'lam', 'vao', 't7', 'thu', 'va', 'di']);

/** Units that may follow a number glued or spaced ("500k", "10 tr", "3 th", "30p"). */
const AFTER_NUMBER = new Map<string, string>([
  ['k', 'nghin'],
  ['tr', 'trieu'],
  ['th', 'thang'],
  ['h', 'gio'],
  ['p', 'phut'],
  ['d', 'dong'],
  ['n', 'nam'],
]);

const isNumber = (t: string | undefined) => t !== undefined && t.charCodeAt(0) >= 48 && t.charCodeAt(0) <= 57;

/** "tăng ca" (or "tang ca"): the colloquial word for "làm thêm giờ". */
function isTangCa(folded: readonly string[], typed: readonly string[] | undefined, i: number): boolean {
  if (folded[i] !== 'tang' || folded[i + 1] !== 'ca') return false;
  const a = typed?.[i];
  const b = typed?.[i + 1];
  return (a === undefined || a === 'tang' || a === 'tăng') && (b === undefined || b === 'ca');
}

/**
 * The expansion of token i of `folded` (space-separated folded syllables; '' drops the
 * token), or undefined when it is not an abbreviation. `typed` holds the same tokens as
 * typed (normalised, with diacritics) when the caller has them: a token typed with marks on
 * its vowels is a word, not an abbreviation ("hẻm" is not "hem"), unless it is teen-code
 * that only exists with its marks ("rùi").
 */
export function expansionAt(folded: readonly string[], i: number, typed?: readonly string[]): string | undefined {
  const t = folded[i]!;
  const prev = folded[i - 1];
  const next = folded[i + 1];
  if (isTangCa(folded, typed, i)) return 'lam them gio';
  if (t === 'ca' && isTangCa(folded, typed, i - 1)) return '';
  const raw = typed?.[i];
  if (raw !== undefined && hasVowelMarks(raw, t)) return ACCENTED.get(raw);
  if (isNumber(prev) && AFTER_NUMBER.has(t)) return AFTER_NUMBER.get(t);
  if (!CONTEXTUAL.has(t)) return DICTIONARY.get(t);
  switch (t) {
    case 'dk':
      // "đk học nghề", "đk tham gia": to register.
      if ((next === 'hoc' || next === 'tham') && (prev === undefined || !DK_GOT_BEFORE.has(prev))) return 'dang ky';
      if (prev === undefined || DK_CONDITION_BEFORE.has(prev)) return 'dieu kien';
      if (next !== undefined && DK_GOT_AFTER.has(next)) return 'duoc';
      if (DK_CONDITION_NEAR.has(prev) || (next !== undefined && DK_CONDITION_NEAR.has(next))) return 'dieu kien';
      return 'duoc';
    case 'bh':
      if ((prev !== undefined && BH_INSURANCE_BEFORE.has(prev)) || (next !== undefined && BH_INSURANCE_AFTER.has(next))) return 'bao hiem';
      if (next !== undefined && BH_WHEN_AFTER.has(next)) return 'bao gio';
      if (prev === undefined && next !== undefined && BH_NOW_AFTER.has(next)) return 'bay gio';
      return 'bao hiem';
    case 'tn':
      // Only after insurance or benefit ("bh tn", "tc tn"); alone it may be "tin nhắn".
      return prev === 'bh' || prev === 'hiem' || prev === 'tc' || prev === 'cap' ? 'that nghiep' : undefined;
    case 'xh':
      return prev === 'bh' || prev === 'hiem' ? 'xa hoi' : undefined;
    case 'tc':
      // "tc tn", "tc thôi việc" are benefits; "tc 4 tiếng" is overtime (tăng ca).
      if (next === 'tn' || next === 'that' || next === 'thoi' || next === 'mat') return 'tro cap';
      if (isNumber(next) || next === 'dem' || next === 'gio') return 'lam them gio';
      return undefined;
    case 'tv':
      // "hết tv", "lương tv": probation; "cần tv", "xin tv": advice.
      return prev === 'can' || prev === 'xin' || prev === 'nho' || prev === 'muon' || prev === 'ho' ? 'tu van' : 'thu viec';
    case 'bn':
      // "bn ơi" is "bạn"; otherwise "bao nhiêu" (lương bn, đc bn tháng).
      return next === 'oi' ? 'ban' : 'bao nhieu';
    case 'cn':
      return prev !== undefined && CN_SUNDAY_BEFORE.has(prev) ? 'chu nhat' : 'cong nhan';
    case 'bs':
      // "bs hồ sơ" is "bổ sung"; otherwise a doctor ("bs bảo nghỉ").
      return next === 'ho' || next === 'hs' || next === 'giay' || next === 'them' ? 'bo sung' : 'bac si';
    case 'nd':
      // "nđ 28" is a decree; "nd" alone is more often "nội dung".
      return isNumber(next) ? 'nghi dinh' : undefined;
    case 'tt':
      return isNumber(next) ? 'thong tu' : undefined;
    case 'k':
      return 'khong';
    default:
      return DICTIONARY.get(t);
  }
}

/** Expands abbreviations in tokens (typed or folded); returns folded tokens. */
export function expandAbbreviations(tokens: readonly string[]): string[] {
  const folded = tokens.map(fold);
  const out: string[] = [];
  for (let i = 0; i < folded.length; i++) {
    const expansion = expansionAt(folded, i, tokens);
    if (expansion === undefined) out.push(folded[i]!);
    else if (expansion !== '') for (const s of expansion.split(' ')) out.push(s);
  }
  return out;
}

/**
 * Teen-code letter swaps of a folded token, most likely first: "fai" → "phai", "wa" → "qua",
 * "mjnh" → "minh", "kon" → "con", "zui" → "vui"/"dui"/"giui". The caller keeps a candidate
 * only if it is a known word.
 */
export function teenCodeVariants(token: string): string[] {
  const out: string[] = [];
  let t = token;
  if (t.includes('f')) t = t.replace(/f/g, 'ph');
  if (/^w[aeiouy]/.test(t)) t = `qu${t.slice(1)}`;
  if (/^j[aeiouy]/.test(t)) t = `gi${t.slice(1)}`;
  if (/.j/.test(t)) t = t[0] + t.slice(1).replace(/j/g, 'i');
  // Two letters are too little to tell "kon" (con) from an abbreviation ("ko" is không).
  if (t.length > 2 && /^k[aou]/.test(t)) t = `c${t.slice(1)}`;
  if (/oy$/.test(t)) t = `${t.slice(0, -2)}oi`;
  if (t !== token) out.push(t);
  const z = /^(dz|z)(.+)$/.exec(t);
  if (z) for (const initial of ['v', 'd', 'gi']) out.push(initial + z[2]!);
  return out;
}

/**
 * Personal data out of logs, analytics and stored questions: phone numbers, ID and social
 * insurance numbers, emails, bank accounts, and the names and addresses workers introduce
 * ("tên em là…", "nhà em ở…"). What makes a question useful to curators stays: amounts
 * ("10.000.000đ", "15 triệu"), dates, durations, article numbers and years.
 *
 * Rules run in order, most specific first, on the text as typed (with or without
 * diacritics, any case); each replaces only the personal part and keeps the words around it.
 */

export const PLACEHOLDERS = {
  phone: '[SĐT]',
  id: '[SỐ GIẤY TỜ]',
  email: '[EMAIL]',
  account: '[STK]',
  name: '[TÊN]',
  address: '[ĐỊA CHỈ]',
} as const;

/** A case-insensitive pattern for a keyword without the `i` flag (which would make \p{Lu} match lowercase). */
function ci(words: string): string {
  let out = '';
  for (const ch of words) {
    const up = ch.toUpperCase();
    out += up !== ch && up.length === 1 ? `[${ch}${up}]` : ch === ' ' ? '\\s+' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}
const anyOf = (...words: string[]) => `(?:${words.map(ci).join('|')})`;

/** Pronouns a worker introduces themselves with. */
const ME = anyOf('tôi', 'toi', 'em', 'mình', 'minh', 'tui', 'cháu', 'chau', 'anh', 'chị', 'chi', 'tớ', 'to', 'e', 'mk');
const IS = anyOf('là', 'la');

/** A run of digits, possibly grouped by spaces, dots or dashes: "0123 456 789", "1903-4567-8901". */
const DIGIT_RUN = String.raw`\d(?:[ .-]?\d){5,19}`;
/** A keyword starts a word ("stk", not the end of another word). */
const START = String.raw`(?<![\p{L}\p{N}])`;
/** After an amount: it is money, not a number of a person. */
const NOT_MONEY = String.raw`(?!\d)(?!\s*(?:đ|đồng|vnđ|vnd|k(?![\p{L}])|tr(?![\p{L}])|triệu|trieu|nghìn|nghin|ngàn|ngan|tỷ|tỉ|%|d(?![\p{L}])|dong(?![\p{L}])))`;

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;

const ACCOUNT_WORDS = anyOf('stk', 'số tk', 'so tk', 'số tài khoản', 'so tai khoan', 'tài khoản', 'tai khoan', 'tk ngân hàng', 'tk ngan hang', 'account');
/** "stk vietcombank 0123456789", "số tài khoản của em là: 0123-456-789". */
const ACCOUNT = new RegExp(String.raw`(${START}${ACCOUNT_WORDS}(?:\s*[:\-]?\s*(?:${IS}|${anyOf('của', 'cua')}|${ME}|[\p{L}]+)){0,4}\s*[:\-]?\s*)${DIGIT_RUN}${NOT_MONEY}`, 'gu');

const ID_WORDS = anyOf(
  'cccd', 'cmnd', 'cmt', 'căn cước', 'can cuoc', 'chứng minh', 'chung minh', 'định danh', 'dinh danh', 'mã số bhxh', 'ma so bhxh',
  'mã bhxh', 'ma bhxh', 'số bhxh', 'so bhxh', 'sổ bhxh', 'mã số thuế', 'ma so thue', 'mst', 'số sổ', 'so so', 'mã số bảo hiểm', 'ma so bao hiem',
  'số sổ bảo hiểm', 'so so bao hiem', 'hộ chiếu', 'ho chieu', 'passport',
);
/** An identity number after its name: "CCCD 001203004567", "số bhxh: 7912345678", "hộ chiếu C1234567". */
const ID_AFTER_WORD = new RegExp(String.raw`(${START}${ID_WORDS}(?:\s*[:\-]?\s*(?:${IS}|${anyOf('của', 'cua', 'số', 'so')}|${ME})){0,3}\s*[:\-]?\s*)(?:[A-Za-z]?\d(?:[ .-]?\d){6,14})(?!\d)`, 'gu');

/**
 * Vietnamese phones: mobiles are 0 + [35789] + 8 digits, landlines 0 + 2x + 8 digits; +84 or
 * 84 may replace the 0; digits may be grouped by spaces, dots or dashes, the area code
 * bracketed.
 */
const PHONE = /(?<![\d.,/])(?:(?:\(?\+84\)?|\b84)[\s.-]?(?:[35789]|\(?2\d\)?)|\(?0(?:[35789]|2\d\)?))(?:[\s.-]?\d){8}(?!\d)/g;

/**
 * A long bare run of digits: a citizen ID (12), an old ID (9), a social insurance number
 * (10), a bank account. Not money: nothing like "đ", "triệu" after it, and not a round
 * amount ("150000000").
 */
const BARE_NUMBER = /(?<![\d.,/])\d{9,16}(?![\d.,/]*\d)(?!\s*(?:đ|d\b|đồng|dong|vnd|vnđ|k\b|tr\b|triệu|trieu|nghìn|nghin|ngàn|ngan|tỷ|ty\b|%))/giu;

/** Where a name ends: punctuation, a digit, or a word that starts the rest of the sentence. */
const NAME_STOP = new Set(
  'làm lam ở o sinh năm nam hiện hien đang dang số so sdt cty công cong em tôi toi mình thì thi có co muốn muon xin hỏi hoi nhà nha quê que và va nay năm tuổi tuoi là la bị bi được duoc dc đc ko không khong k ạ a ad admin vậy vay với voi cho nghỉ nghi đi di mới moi tại tai của cua quê nên nen mà ma nhưng nhung hay gì gi j sao nào nao ai cũng cung đâu dau thế the'
    .split(' '),
);

const NAME_INTRO = new RegExp(
  String.raw`(${START}(?:${ci('tên')}|${ci('ten')})\s+${ME}\s+${IS}\s*:?\s+|${START}${ME}\s+${anyOf('tên là', 'ten la', 'tên', 'ten')}\s*:?\s+|${START}${anyOf('họ và tên', 'ho va ten', 'họ tên', 'ho ten')}\s*(?:${IS})?\s*:?\s*)`,
  'gu',
);
/** "Tôi là Nguyễn Văn An": only a capitalised name, since "tôi là công nhân" is not one. */
const SELF_INTRO = new RegExp(String.raw`((?:^|[\s,.;!?])${ME}\s+${IS}\s+)((?:\p{Lu}\p{Ll}*)(?:\s+\p{Lu}\p{Ll}*){0,4})(?![\p{L}\p{N}])`, 'gu');

/** Where an address ends: a clause break or a word that starts the rest of the sentence. */
const ADDRESS_STOP = new Set(
  'thì thi nên nen mà ma nhưng nhung có co muốn muon cần can được duoc đc dc không ko k hỏi hoi làm lam đang dang hiện hien em tôi toi mình minh xin cho vậy vay ạ ad admin ở o đâu dau nào nao gì gi của cua gần gan nộp nop và va bị bi rồi roi'
    .split(' '),
);
const ADDRESS_INTRO = new RegExp(
  String.raw`(${START}${anyOf('địa chỉ', 'dia chi', 'đ/c')}\s*(?:${IS})?\s*:?\s*|${START}${anyOf('nhà', 'nha', 'quê', 'que')}\s+${ME}\s+${anyOf('ở', 'o', 'tại', 'tai')}\s+)`,
  'gu',
);
/** What makes "địa chỉ …" an address rather than a question about one ("địa chỉ nộp hồ sơ"). */
const ADDRESS_HINT = new RegExp(
  String.raw`\d|\p{Lu}|${START}${anyOf('số', 'đường', 'duong', 'phố', 'pho', 'ngõ', 'ngo', 'ngách', 'ngach', 'hẻm', 'hem', 'kiệt', 'kiet', 'thôn', 'thon', 'xóm', 'xom', 'ấp', 'ap', 'xã', 'xa', 'phường', 'phuong', 'quận', 'quan', 'huyện', 'huyen', 'thị xã', 'thị trấn', 'tp', 'tỉnh', 'tinh', 'khu phố', 'kp', 'tổ', 'to', 'chung cư', 'kcn')}(?![\p{L}])`,
  'u',
);

/** The words after `from` up to a stop word or clause break; returns the end index. */
function extent(text: string, from: number, stop: ReadonlySet<string>, maxWords: number, allowComma: boolean): number {
  const word = /[\p{L}\p{N}/.-]+/gu;
  word.lastIndex = from;
  let end = from;
  let words = 0;
  for (let m = word.exec(text); m && words < maxWords; m = word.exec(text)) {
    const between = text.slice(end, m.index);
    // A clause break ends it; a comma may sit inside an address ("12 Lê Lợi, quận 1").
    if (/[.;!?\n]/.test(between) || (!allowComma && between.includes(','))) break;
    // A capitalised word belongs to the name or place ("Văn Minh", "Cần Thơ").
    if (!/^\p{Lu}/u.test(m[0]) && stop.has(m[0])) break;
    end = m.index + m[0].replace(/[.]+$/, '').length;
    words++;
  }
  return end;
}

function redactNames(text: string): string {
  let out = '';
  let last = 0;
  NAME_INTRO.lastIndex = 0;
  for (let m = NAME_INTRO.exec(text); m; m = NAME_INTRO.exec(text)) {
    const from = m.index + m[0].length;
    // The name itself: capitalised words, or up to four words typed in lowercase.
    const end = extent(text, from, NAME_STOP, 4, false);
    if (end > from && !/\d/.test(text.slice(from, end))) {
      out += text.slice(last, from) + PLACEHOLDERS.name;
      last = end;
      NAME_INTRO.lastIndex = end;
    }
  }
  text = out + text.slice(last);
  return text.replace(SELF_INTRO, (_all, intro: string) => intro + PLACEHOLDERS.name);
}

function redactAddresses(text: string): string {
  let out = '';
  let last = 0;
  ADDRESS_INTRO.lastIndex = 0;
  for (let m = ADDRESS_INTRO.exec(text); m; m = ADDRESS_INTRO.exec(text)) {
    const from = m.index + m[0].length;
    let end = extent(text, from, ADDRESS_STOP, 20, true);
    const span = text.slice(from, end).replace(/[\s,]+$/, '');
    end = from + span.length;
    const home = /^(?:nhà|nha|quê|que)/i.test(m[0]);
    if (span !== '' && (home || ADDRESS_HINT.test(span))) {
      out += text.slice(last, from) + PLACEHOLDERS.address;
      last = end;
      ADDRESS_INTRO.lastIndex = end;
    }
  }
  return out + text.slice(last);
}

/** Bare runs ending in four zeros are amounts ("150000000"), not numbers of a person. */
function bareNumber(match: string): string {
  return /0000$/.test(match) ? match : PLACEHOLDERS.id;
}

export function redactPII(text: string): string {
  if (text === '') return text;
  let out = text.replace(EMAIL, PLACEHOLDERS.email);
  out = out.replace(ACCOUNT, (_all, intro: string) => intro + PLACEHOLDERS.account);
  out = out.replace(ID_AFTER_WORD, (_all, intro: string) => intro + PLACEHOLDERS.id);
  out = out.replace(PHONE, PLACEHOLDERS.phone);
  out = out.replace(BARE_NUMBER, bareNumber);
  out = redactNames(out);
  out = redactAddresses(out);
  return out;
}

/** The phone numbers written in a text, as written (for a call-back the worker agreed to). */
export function findPhones(text: string): string[] {
  return text.match(PHONE) ?? [];
}

export function containsPII(text: string): boolean {
  return redactPII(text) !== text;
}

/**
 * Redacts every string inside a JSON-like value (for log serializers), without changing
 * the input. Object keys are kept; errors keep their class with a redacted message and
 * stack; cycles become "[Circular]".
 */
export function redactDeep<T>(value: T): T {
  return redactValue(value, new Set()) as T;
}

/** `open`: the objects being copied above this one; meeting one again is a cycle. */
function redactValue(value: unknown, open: Set<object>): unknown {
  if (typeof value === 'string') return redactPII(value);
  if (value === null || typeof value !== 'object') return value;
  if (open.has(value)) return '[Circular]';
  const proto = Object.getPrototypeOf(value) as object | null;
  const isError = value instanceof Error;
  // Dates, Buffers, Maps and class instances are left as they are.
  if (!Array.isArray(value) && !isError && proto !== Object.prototype && proto !== null) return value;
  open.add(value);
  try {
    if (Array.isArray(value)) return value.map((v: unknown) => redactValue(v, open));
    const out = (isError ? Object.create(proto) : {}) as Record<string, unknown>;
    if (isError) {
      // message and stack are own but not enumerable: copy them redacted, keeping the class.
      const err = value as Error;
      Object.defineProperty(out, 'message', { value: redactPII(err.message), writable: true, configurable: true });
      if (err.stack !== undefined) Object.defineProperty(out, 'stack', { value: redactPII(err.stack), writable: true, configurable: true });
    }
    for (const [k, v] of Object.entries(value)) out[k] = redactValue(v, open);
    return out;
  } finally {
    open.delete(value);
  }
}

/**
 * Personal data out of logs and analytics: phone numbers, ID and insurance numbers, emails,
 * bank accounts, and names or addresses the worker introduces. Money, dates, durations and
 * article numbers are left alone, so redacted questions stay useful to curators.
 */

/** Ordered: the more specific patterns run first. */
const RULES: Array<[RegExp, string]> = [
  [/[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[a-z]{2,}/giu, '[EMAIL]'],
  // Bank account after "stk" / "số tài khoản" / "tài khoản".
  [/((?:stk|so tk|số tk|số tài khoản|so tai khoan|tài khoản|tai khoan)\s*(?:là|la|:)?\s*)[\d .-]{6,20}\d/giu, '$1[STK]'],
  // Vietnamese phones: +84 / 84 / 0 then 9 digits, with optional spaces, dots or dashes.
  [/(?<![\d.,])(?:\+?84|0)(?:[\s.-]?\d){9}(?![\d.,]*\d)/g, '[SĐT]'],
  // Citizen ID (12 digits), old ID (9), social insurance number (10) — bare digit runs.
  [/(?<![\d.,])\d{12}(?![\d.,]*\d)|(?<![\d.,])\d{9,10}(?![\d.,]*\d)/g, '[SỐ GIẤY TỜ]'],
  // A name the worker gives: "tên em là Nguyễn Văn A".
  [/((?:tên|ten)\s+(?:tôi|toi|em|mình|minh|tui|cháu|chau|anh|chị|chi)\s+(?:là|la)\s+)(?:\p{Lu}[\p{L}]*\s*){1,5}/gu, '$1[TÊN]'],
  [/((?:tôi|toi|em|mình|minh|tui|cháu|chau)\s+(?:tên là|ten la|tên|ten)\s+)(?:\p{Lu}[\p{L}]*\s*){1,5}/gu, '$1[TÊN]'],
  // An address: "địa chỉ (là) ...", "nhà em ở ..." up to the end of the clause.
  [/((?:địa chỉ|dia chi)\s*(?:là|la|:)?\s*)[^.;!?\n]+/giu, '$1[ĐỊA CHỈ]'],
  [/((?:nhà|nha)\s+(?:tôi|toi|em|mình|minh|tui|cháu|chau)\s+(?:ở|o)\s+)[^.;!?\n]+/giu, '$1[ĐỊA CHỈ]'],
];

export function redactPII(text: string): string {
  let out = text;
  for (const [re, replacement] of RULES) out = out.replace(re, replacement);
  return out;
}

export function containsPII(text: string): boolean {
  return redactPII(text) !== text;
}

/** Redacts every string inside a JSON-like value (for log serializers). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactPII(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v);
    return out as T;
  }
  return value;
}

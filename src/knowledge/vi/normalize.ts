/**
 * Vietnamese text normalisation: one canonical form for what workers type.
 * - NFC, so that composed and decomposed input compare equal;
 * - old-style tone placement (òa, úy) moved to the modern one (oà, uý);
 * - lowercase, whitespace collapsed, punctuation that carries no meaning dropped
 *   (digits keep their `.`/`,` separators and `%`).
 * `fold` removes every diacritic (đ→d) so that "tro cap that nghiep" meets "trợ cấp thất nghiệp".
 */

/**
 * Old-style tone placement ("hòa", "thủy") → modern ("hoà", "thuỷ"): in NFD, a tone on the
 * o of a final oa/oe or the u of a final uy moves to the second vowel.
 */
const OLD_STYLE_TONE = /([ou])([\u0300\u0301\u0303\u0309\u0323])([aey])$/;

/** Cheap pre-check: only words with a toned o/u before a, e or y can be old-style. */
const OLD_STYLE_CANDIDATE = /[òóỏõọùúủũụ][aey]$/;

function modernTones(word: string): string {
  const nfd = word.normalize('NFD');
  return OLD_STYLE_TONE.test(nfd) ? nfd.replace(OLD_STYLE_TONE, '$1$3$2').normalize('NFC') : word;
}

export function normalize(text: string): string {
  return text
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s%.,/]/gu, ' ')
    // "." and "," survive only between digits ("10.000.000", "10,5").
    .replace(/(?<!\d)[.,]|[.,](?!\d)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .split(' ')
    .map((w) => (OLD_STYLE_CANDIDATE.test(w) ? modernTones(w) : w))
    .join(' ');
}

/** Per-character folding, memoised: faster than decomposing every string. */
const FOLDED = new Map<string, string>();

function foldChar(c: string): string {
  let f = FOLDED.get(c);
  if (f === undefined) {
    f = c === 'đ' ? 'd' : c === 'Đ' ? 'D' : c.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
    FOLDED.set(c, f);
  }
  return f;
}

export function fold(text: string): string {
  // ASCII needs no work; most of what workers type is.
  if (/^[\x00-\x7f]*$/.test(text)) return text;
  let out = '';
  for (const c of text.normalize('NFC')) out += c.charCodeAt(0) < 128 ? c : foldChar(c);
  return out;
}

export function hasDiacritics(text: string): boolean {
  // Every Vietnamese letter with a mark is outside ASCII: skip the decomposition when all is ASCII.
  return /[^\x00-\x7f]/.test(text) && (/[đĐ]/.test(text) || /[\u0300-\u036f]/.test(text.normalize('NFD')));
}


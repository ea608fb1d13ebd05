/**
 * Vietnamese text normalisation: one canonical form for what workers type.
 *
 * `normalize` keeps diacritics but makes equal what should compare equal:
 * - NFC, so composed, decomposed (VNI/Windows-1258 style) and mixed input are the same string;
 * - one tone placement per syllable (the classic one: "hòa", "khỏe", "thủy"), whatever the
 *   keyboard produced ("hoà", "hòan", "qủa", "gìa");
 * - lowercase, whitespace collapsed, letters repeated for emphasis cut back ("khôngggg");
 * - emoji and punctuation dropped, except what numbers need: `.`/`,` between digits
 *   ("10.000.000", "10,5"), `/` between digits (dates), and `%`.
 *
 * `fold` removes every diacritic (đ→d) so that "tro cap that nghiep" meets "trợ cấp thất nghiệp".
 * On normalised text it keeps the length, so offsets found in one form index the other.
 */

/** Base vowels, in the order of the rows of TONED below. */
const VOWELS = 'aăâeêioôơuưy';
/** Combining tone marks: grave, acute, hook above, tilde, dot below. */
const TONE_MARKS = ['\u0300', '\u0301', '\u0309', '\u0303', '\u0323'] as const;
/** Vowels with a shape mark (breve, circumflex, horn): they take the tone when present. */
const SHAPED = new Set(['ă', 'â', 'ê', 'ô', 'ơ', 'ư']);

/** TONED[vowel][tone - 1]: the composed lowercase vowel with that tone. */
const TONED = new Map<string, string[]>();
/** Composed lowercase toned vowel → [base vowel, tone 1..5]. */
const TONE_OF = new Map<string, [string, number]>();
for (const v of VOWELS) {
  const row = TONE_MARKS.map((m) => (v + m).normalize('NFC'));
  TONED.set(v, row);
  row.forEach((c, i) => TONE_OF.set(c, [v, i + 1]));
}

/** Accented letter → unaccented letter, for every precomposed Latin letter (both cases). */
const FOLD = new Map<string, string>([
  ['đ', 'd'],
  ['Đ', 'D'],
]);
for (const [from, to] of [
  [0x00c0, 0x024f],
  [0x1e00, 0x1eff],
] as const) {
  for (let code = from; code <= to; code++) {
    const ch = String.fromCharCode(code);
    const base = ch.normalize('NFD').replace(/\p{M}/gu, '');
    if (base.length === 1 && base !== ch && !FOLD.has(ch)) FOLD.set(ch, base);
  }
}

/**
 * A syllable: initial consonant, vowel cluster, final consonant. "gi" and "qu" count as
 * initials when a vowel follows ("già", "quả"), so that their i/u never take the tone.
 */
const SYLLABLE = /^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?([aăâeêioôơuưy]+)(ch|nh|ng|[cmnpt])?$/;

/**
 * Puts a syllable's single tone mark where the classic rule places it:
 * on the (last) shaped vowel if any ("người", "tuyển"); else on the last vowel when a final
 * consonant follows ("hoàng", "toán"); else on the middle of three vowels ("ngoài") or the
 * first of two ("hòa", "thủy", "mía", "múa"). Words that are not one syllable, or carry
 * several tones, are left alone: guessing there would do more harm than good.
 */
function placeTone(word: string): string {
  let tone = 0;
  let at = -1;
  for (let i = 0; i < word.length; i++) {
    const t = TONE_OF.get(word[i]!);
    if (t) {
      if (tone !== 0) return word;
      tone = t[1];
      at = i;
    }
  }
  if (tone === 0) return word;
  const bare = word.slice(0, at) + TONE_OF.get(word[at]!)![0] + word.slice(at + 1);
  const m = SYLLABLE.exec(bare);
  if (!m) return word;
  const start = (m[1] ?? '').length;
  const cluster = m[2]!;
  let target = -1;
  for (let i = cluster.length - 1; i >= 0; i--) {
    if (SHAPED.has(cluster[i]!)) {
      target = i;
      break;
    }
  }
  if (target < 0) {
    if (m[3]) target = cluster.length - 1;
    else if (cluster.length === 3) target = 1;
    else target = 0;
  }
  const pos = start + target;
  if (pos === at) return word;
  const toned = TONED.get(bare[pos]!)![tone - 1]!;
  return bare.slice(0, pos) + toned + bare.slice(pos + 1);
}

const NON_ASCII = /[^\x00-\x7f]/;

export function normalize(text: string): string {
  const words = text
    .normalize('NFC')
    .toLowerCase()
    // Marks NFC could not attach to a letter are noise; an Icelandic eth is how some old
    // fonts and keyboards type "đ".
    .replace(/\p{M}+/gu, '')
    .replace(/ð/g, 'đ')
    // Anything that is not a letter, a digit, whitespace or a separator numbers use: emoji,
    // punctuation, symbols.
    .replace(/[^\p{L}\p{N}\s%.,/]+/gu, ' ')
    // ".", "," and "/" survive only between digits ("10.000.000", "10,5", "01/07/2025").
    .replace(/(?<!\d)[.,/]+|[.,/]+(?!\d)/g, ' ')
    // Emphasis ("khôngggg", "ạaaa" keeps its ạ): no Vietnamese word repeats a letter 3 times.
    // …except "iii", the roman numeral of minimum-wage region III.
    .replace(/(\p{L})\1{2,}/gu, (run, letter: string) => (letter === 'i' ? run : letter))
    .trim()
    .split(/\s+/);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (NON_ASCII.test(w)) words[i] = placeTone(w);
  }
  return words.join(' ');
}

/** Removes every diacritic; đ→d. Keeps the length of normalised (NFC, mark-free) text. */
export function fold(text: string): string {
  if (!NON_ASCII.test(text)) return text;
  // Decomposed input (not through normalize): compose first, drop what is left over.
  const src = /[\u0300-\u036f]/.test(text) ? text.normalize('NFC').replace(/[\u0300-\u036f]/g, '') : text;
  let out = '';
  for (const ch of src) out += FOLD.get(ch) ?? ch;
  return out;
}

export function hasDiacritics(text: string): boolean {
  if (!NON_ASCII.test(text)) return false;
  if (/[\u0300-\u036f]/.test(text)) return true;
  for (const ch of text) if (FOLD.has(ch)) return true;
  return false;
}

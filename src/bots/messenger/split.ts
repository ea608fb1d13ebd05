/**
 * Text fitting shared by the Messenger and Telegram renderers: splitting long answers into
 * platform-sized messages at natural boundaries, and shortening button labels.
 *
 * It lives here because Messenger was written first; it has no Messenger-specific logic and
 * could move to src/bots/delivery/ when a third adapter wants it.
 */

/** How long a piece counts on the platform; UTF-16 length by default (what both platforms measure against, conservatively). */
export type Measure = (s: string) => number;

const utf16Length: Measure = (s) => s.length;

/**
 * Boundaries tried in order: paragraphs, lines, sentences, words. A worker reading on a phone
 * should never see a message that stops mid-sentence when a sentence boundary was available.
 */
const LEVELS: { split: (s: string) => string[]; join: string }[] = [
  { split: (s) => s.split(/\n[ \t]*\n+/), join: '\n\n' },
  { split: (s) => s.split('\n'), join: '\n' },
  // After ., !, ?, … or ; followed by whitespace. "10.000.000đ" and "Điều 39.1" stay whole
  // because no whitespace follows their dots.
  { split: (s) => s.split(/(?<=[.!?…;:])\s+/u), join: ' ' },
  { split: (s) => s.split(/[ \t]+/), join: ' ' },
];

/** Cuts by code points so that no surrogate pair (emoji) is broken in half. */
function hardCut(s: string, max: number, measure: Measure): string[] {
  const out: string[] = [];
  let cur = '';
  for (const ch of Array.from(s)) {
    if (cur && measure(cur + ch) > max) {
      out.push(cur);
      cur = '';
    }
    cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

function splitAt(s: string, level: number, max: number, measure: Measure): string[] {
  const lvl = LEVELS[level];
  if (!lvl) return hardCut(s, max, measure);
  const pieces = lvl.split(s).map((p) => p.trim()).filter((p) => p.length > 0);
  const out: string[] = [];
  let cur = '';
  for (const piece of pieces) {
    if (measure(piece) > max) {
      if (cur) out.push(cur);
      cur = '';
      out.push(...splitAt(piece, level + 1, max, measure));
      continue;
    }
    const candidate = cur ? cur + lvl.join + piece : piece;
    if (measure(candidate) <= max) {
      cur = candidate;
    } else {
      out.push(cur);
      cur = piece;
    }
  }
  if (cur) out.push(cur);
  return out;
}

/**
 * Splits `text` into parts of at most `max` (by `measure`), preferring paragraph, then line,
 * then sentence, then word boundaries. Empty input gives no parts.
 */
export function splitText(text: string, max: number, measure: Measure = utf16Length): string[] {
  if (max < 1) throw new RangeError('max must be positive');
  const normalized = text.replace(/\r\n?/g, '\n').trim();
  if (!normalized) return [];
  if (measure(normalized) <= max) return [normalized];
  return splitAt(normalized, 0, max, measure);
}

/**
 * Splits so that every part fits `max` and the last part also fits `lastMax` (a button template
 * holds fewer characters than a plain message, and the buttons belong on the last part).
 */
export function splitTextWithShortLast(text: string, max: number, lastMax: number, measure: Measure = utf16Length): string[] {
  const parts = splitText(text, max, measure);
  const last = parts.at(-1);
  if (last === undefined || measure(last) <= lastMax) return parts;
  return [...parts.slice(0, -1), ...splitText(last, lastMax, measure)];
}

/** JavaScript's \s beyond ASCII, by code unit (a regular expression per character costs more). */
function isOtherSpace(c: number): boolean {
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Whether shorten() would rewrite the label's whitespace: at either end, doubled, or other than a plain space. */
function untidy(label: string): boolean {
  if (label.length === 0) return false;
  let previousSpace = true; // a space first is untidy too
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    if (c === 32) {
      if (previousSpace) return true;
      previousSpace = true;
    } else if (c <= 13 || (c >= 0xa0 && isOtherSpace(c))) {
      return true;
    } else {
      previousSpace = false;
    }
  }
  return previousSpace;
}

/**
 * Shortens a label to `max` characters with an ellipsis, cutting at a word boundary when that
 * keeps at least half of the room ("Tính trợ cấp thất nghiệp" → "Tính trợ cấp thất…").
 */
export function shorten(label: string, max: number): string {
  // Most labels are already clean and fit (never more characters than UTF-16 units): the
  // whitespace rewrite below costs about a microsecond a label, several a reply.
  if (label.length <= max && !untidy(label)) return label;
  const clean = label.replace(/\s+/g, ' ').trim();
  if (clean.length <= max) return clean;
  // Counted in characters (code points), not UTF-16 units: where the first max - 1 end, and
  // whether there are more than max at all.
  let at = 0;
  let count = 0;
  let headEnd = 0;
  while (at < clean.length && count <= max) {
    if (count === max - 1) headEnd = at;
    at += clean.codePointAt(at)! > 0xffff ? 2 : 1;
    count++;
  }
  if (count <= max) return clean;
  const head = clean.slice(0, headEnd);
  const lastSpace = head.lastIndexOf(' ');
  const cut = lastSpace >= Math.floor((max - 1) / 2) ? head.slice(0, lastSpace) : head;
  return `${cut.trimEnd()}…`;
}

/** UTF-8 byte length (Telegram's callback_data limit is in bytes). */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

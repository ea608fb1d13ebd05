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

/**
 * Shortens a label to `max` characters with an ellipsis, cutting at a word boundary when that
 * keeps at least half of the room ("Tính trợ cấp thất nghiệp" → "Tính trợ cấp thất…").
 */
export function shorten(label: string, max: number): string {
  const clean = label.replace(/\s+/g, ' ').trim();
  // Never more characters than UTF-16 units: most labels fit without counting them.
  if (clean.length <= max) return clean;
  const chars = Array.from(clean);
  if (chars.length <= max) return clean;
  const head = chars.slice(0, max - 1).join('');
  const lastSpace = head.lastIndexOf(' ');
  const cut = lastSpace >= Math.floor((max - 1) / 2) ? head.slice(0, lastSpace) : head;
  return `${cut.trimEnd()}…`;
}

/** UTF-8 byte length (Telegram's callback_data limit is in bytes). */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

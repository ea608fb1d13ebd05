/**
 * Minimum-wage regions: "vùng 1", "vùng I", "vung ii", "vùng IV", "vùng một", "vùng thứ
 * hai". "vùng" without a number is not a region ("vùng sâu vùng xa"). The short "v1" and
 * "khu vực 1" count only where the text is about the minimum wage, since "v1" may be
 * anything.
 */
import { fold } from './normalize.js';
import { isWord, scan, type Scan } from './scan.js';

export type Region = 1 | 2 | 3 | 4;

const NUMBERS: ReadonlyMap<string, Region> = new Map([
  ['1', 1], ['2', 2], ['3', 3], ['4', 4],
  ['i', 1], ['ii', 2], ['iii', 3], ['iv', 4],
  ['mot', 1], ['hai', 2], ['ba', 3], ['bon', 4], ['tu', 4],
  ['nhat', 1], ['nhi', 2],
]);

/** Typed with diacritics, a number word must be one of these ("tư" yes, "từ" no). */
const ACCENTED = ['một', 'hai', 'ba', 'bốn', 'tư', 'nhất', 'nhì'];

/** The region number at token i ("1", "iv", "một", "thứ hai"). */
function regionAt(s: Scan, i: number): Region | undefined {
  let k = i;
  if (isWord(s.tokens[k], 'thu', ['thứ'])) k += 1;
  const tok = s.tokens[k];
  if (!tok) return undefined;
  const r = NUMBERS.get(tok.f);
  // Tokens are whole numbers, so "vùng 12" or "vùng 1.000" find nothing here.
  return r !== undefined && isWord(tok, tok.f, ACCENTED) ? r : undefined;
}

const WAGE_CONTEXT = /\b(?:luong toi thieu|toi thieu vung|lttv|ltt|muc luong|dia ban)\b/;

export function parseRegion(text: string): Region | undefined {
  const s = scan(text);
  const context = WAGE_CONTEXT.test(fold(s.normal));
  for (let i = 0; i < s.tokens.length; i++) {
    if (isWord(s.tokens[i], 'vung', ['vùng'])) {
      const r = regionAt(s, i + 1);
      if (r !== undefined) return r;
    } else if (context) {
      const tok = s.tokens[i]!;
      const next = s.tokens[i + 1];
      // "v1": glued, digits only.
      if (tok.f === 'v' && next && next.start === tok.end && /^[1-4]$/.test(next.f)) return NUMBERS.get(next.f);
      // "khu vực 1".
      if (tok.f === 'khu' && isWord(next, 'vuc', ['vực'])) {
        const r = regionAt(s, i + 2);
        if (r !== undefined) return r;
      }
    }
  }
  return undefined;
}

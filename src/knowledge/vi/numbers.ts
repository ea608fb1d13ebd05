/**
 * Vietnamese numbers in words ("mười lăm", "hai mươi mốt", "ba trăm") → numbers.
 * Works on folded text (no diacritics), as workers often type that way.
 */
const DIGITS: Record<string, number> = {
  khong: 0, mot: 1, mốt: 1, hai: 2, ba: 3, bon: 4, tu: 4, nam: 5, lam: 5, sau: 6, bay: 7, bat: 7, tam: 8, chin: 9,
};

/** Parses a run of number words at the start of `words`; returns the value and how many words it used. */
export function parseNumberWords(words: readonly string[]): { value: number; used: number } | undefined {
  let value = 0;
  let current = 0;
  let used = 0;
  let seen = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === 'muoi' || w === 'muoi') {
      // "mười" = 10 at the start; "hai mươi" = ×10.
      current = current === 0 ? 10 : current * 10;
    } else if (w === 'tram') {
      current = (current || 1) * 100;
    } else if (w === 'nghin' || w === 'ngan') {
      value += (current || 1) * 1000;
      current = 0;
    } else if (w === 'linh' || w === 'le') {
      if (!seen) return undefined;
    } else if (w === 'mot' && seen && current % 10 === 0 && current >= 20) {
      current += 1; // "hai mươi mốt" folds to "hai muoi mot"
    } else if (w === 'lam' && seen) {
      current += 5; // "mười lăm"
    } else if (w in DIGITS && w !== 'lam' && w !== 'tu') {
      const d = DIGITS[w]!;
      if (seen && current % 10 !== 0) break; // "ba năm" after a complete number: a new word
      current += d;
    } else if (w === 'tu' && !seen) {
      break; // "tư" alone is too ambiguous ("từ")
    } else break;
    seen = true;
    used = i + 1;
  }
  if (!seen) return undefined;
  return { value: value + current, used };
}

/**
 * Is a folded token spelled like a Vietnamese syllable? Used to decide how bold a typo
 * correction may be: a token that breaks the spelling rules ("luog", "ngiep", "vic") cannot
 * be a word, so fixing it is safe; a well-formed token we do not know may be a real word
 * we simply did not list, so it is left mostly alone.
 *
 * Works on folded text (no diacritics), so it is lenient where folding merges vowels
 * (e/ê, o/ô/ơ, u/ư, a/ă/â).
 */

const SHAPE = /^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?([aeiouy]+)(ch|nh|ng|[cmnpt])?$/;

/**
 * Folded vowel clusters → the finals they accept. "" = may stand without a final;
 * a cluster missing "" needs a final ("iê" in "tiếng", "uô" in "muốn").
 */
const ANY = ['', 'c', 'ch', 'm', 'n', 'ng', 'nh', 'p', 't'];
const OPEN = [''];
const CLUSTERS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  (
    [
      ['a', ANY],
      ['e', ANY],
      ['i', ['', 'ch', 'm', 'n', 'nh', 'p', 't']],
      ['o', ['', 'c', 'm', 'n', 'ng', 'p', 't']],
      ['u', ['', 'c', 'm', 'n', 'ng', 'p', 't']],
      ['y', ['', 'ch', 'n', 'nh', 't']],
      ['oa', ANY],
      ['oe', ['', 'n', 't']],
      ['oo', ['c', 'ng']],
      ['uy', ['', 'ch', 'n', 'nh', 't']],
      ['ue', ['', 'ch', 'nh', 'n']],
      ['ua', ['', 'n', 'ng', 't']],
      ['uo', ['', 'c', 'm', 'n', 'ng', 'p', 't']],
      ['ie', ['c', 'm', 'n', 'ng', 'p', 't']],
      ['ye', ['m', 'n', 't']],
      ['uye', ['n', 't']],
      ...['ai', 'ao', 'au', 'ay', 'eo', 'eu', 'ia', 'iu', 'oi', 'ui', 'uu'].map((c) => [c, OPEN] as const),
      ...['oai', 'oay', 'oeo', 'ieu', 'yeu', 'uoi', 'uou', 'uya', 'uyu'].map((c) => [c, OPEN] as const),
    ] as Array<readonly [string, readonly string[]]>
  ).map(([c, finals]) => [c, new Set(finals)]),
);

/** First letters of a vowel cluster that call for k/gh/ngh rather than c/g/ng. */
const FRONT = new Set(['i', 'e', 'y']);

/** True when `s` (folded, lowercase) is spelled like a Vietnamese syllable. */
export function isValidSyllable(s: string): boolean {
  const m = SHAPE.exec(s);
  if (!m) return false;
  // The pattern tries "gi" as an initial first and falls back to g + i ("gì", "gìn").
  const initial = m[1] ?? '';
  const cluster = m[2]!;
  const final = m[3] ?? '';
  const finals = CLUSTERS.get(cluster);
  if (!finals?.has(final)) return false;
  const front = FRONT.has(cluster[0]!);
  switch (initial) {
    case 'c':
      return !front;
    case 'k':
    case 'gh':
    case 'ngh':
      return front;
    case 'g':
    case 'ng':
      return !front || (initial === 'g' && cluster[0] === 'i');
    case 'qu':
      return cluster[0] !== 'u';
    default:
      return true;
  }
}

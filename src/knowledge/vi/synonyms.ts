/**
 * Words workers use for the same thing, brought to one form before indexing and matching
 * ("lãnh tiền", "lĩnh tiền", "nhận tiền", "hưởng"; "xưởng", "nhà máy", "công ty"). Index and
 * question go through the same mapping, so an entry whose phrasings happen to say "nhận"
 * meets a worker who says "lãnh", and the rare variant no longer counts as a telling word.
 *
 * Only classes whose members mean the same in this domain, matched on folded syllables. A
 * folded form shared with an unrelated word is guarded: by its neighbours ("ảnh hưởng" is not
 * "hưởng"), or by the marks it was typed with ("xuống" is not "xưởng").
 */

/** Folded phrase → its canonical folded phrase. Longest phrases are tried first. */
const CLASSES: ReadonlyArray<readonly [canonical: string, members: readonly string[]]> = [
  // Receiving a benefit or money.
  ['nhan', ['lanh', 'huong', 'linh']],
  // The employer as a place of work.
  ['cong ty', ['xuong', 'nha xuong', 'nha may', 'xi nghiep', 'sep', 'giam doc']],
  // Leaving work (not "thôi việc": that names an allowance in the law).
  ['nghi viec', ['nghi lam', 'bo viec', 'thoi lam']],
  // Leaving without the notice the law asks: leaving work, and "ngang" says how.
  ['nghi viec ngang', ['nghi ngang', 'bo ngang']],
  // Being dismissed, in workers' words.
  ['cho nghi', ['duoi viec', 'cho thoi viec']],
  ['bi cho nghi', ['bi duoi']],
  // Pregnancy.
  ['mang thai', ['co thai', 'co bau', 'mang bau', 'bau bi']],
  // Qualifying.
  ['dieu kien', ['tieu chuan']],
  // Cutting staff.
  ['cat giam', ['cat bot', 'giam bot', 'cat nguoi']],
  // Domestic work ("ô sin" is the everyday word for a domestic worker).
  ['giup viec', ['o sin', 'osin']],
  // Joining the union: "gia nhập", "tham gia", "vô" công đoàn all say "vào" (joining it).
  ['vao cong doan', ['gia nhap cong doan', 'tham gia cong doan', 'vo cong doan']],
  // Retiring: "về hưu" is "nghỉ hưu".
  ['nghi huu', ['ve huu']],
  // A day or time off, in the English loanword.
  ['nghi', ['off']],
];

/** Words in which a member's letters mean something else: left as they are. */
const GUARDED_BIGRAMS = new Set(['anh_huong', 'huong_dan', 'phuong_huong', 'que_huong', 'linh_hoat', 'linh_vuc', 'tam_linh', 'chi_linh', 'chu_nhat']);
/** Typed forms that fold onto a member but are another word ("xuống" is not "xưởng"). */
const GUARDED_TYPED = new Set(['xuống', 'xuông', 'lạnh', 'lành', 'hương', 'hường', 'linh', 'lình', 'lịnh']);

interface Rule {
  from: readonly string[];
  to: readonly string[];
}

const RULES: ReadonlyMap<string, Rule[]> = (() => {
  const byFirst = new Map<string, Rule[]>();
  for (const [canonical, members] of CLASSES) {
    for (const m of members) {
      const from = m.split(' ');
      const list = byFirst.get(from[0]!) ?? [];
      list.push({ from, to: canonical.split(' ') });
      byFirst.set(from[0]!, list);
    }
  }
  for (const list of byFirst.values()) list.sort((a, b) => b.from.length - a.from.length);
  return byFirst;
})();

/**
 * Rewrites folded `tokens` to their canonical forms. `typed[i]` is the token as typed when it
 * carried marks (undefined otherwise). Returns the new tokens and, for each, the index of the
 * token it came from.
 */
export function canonicalize(tokens: readonly string[], typed: readonly (string | undefined)[]): { tokens: string[]; from: number[] } {
  const out: string[] = [];
  const from: number[] = [];
  for (let i = 0; i < tokens.length; ) {
    const rule = RULES.get(tokens[i]!)?.find((r) => r.from.every((w, k) => tokens[i + k] === w));
    if (!rule || guarded(tokens, typed, i, rule.from.length)) {
      out.push(tokens[i]!);
      from.push(i);
      i += 1;
      continue;
    }
    for (const w of rule.to) {
      out.push(w);
      from.push(i);
    }
    i += rule.from.length;
  }
  return { tokens: out, from };
}

function guarded(tokens: readonly string[], typed: readonly (string | undefined)[], i: number, length: number): boolean {
  if (length === 1 && typed[i] !== undefined && GUARDED_TYPED.has(typed[i]!)) return true;
  const prev = tokens[i - 1];
  const next = tokens[i + length];
  return (prev !== undefined && GUARDED_BIGRAMS.has(`${prev}_${tokens[i]!}`)) || (next !== undefined && GUARDED_BIGRAMS.has(`${tokens[i + length - 1]!}_${next}`));
}

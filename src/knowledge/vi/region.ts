/** Minimum-wage regions: "vùng 1", "vùng I", "vung ii", "vùng một". */
import { fold, normalize } from './normalize.js';

export type Region = 1 | 2 | 3 | 4;

const VALUES: Record<string, Region> = { '1': 1, '2': 2, '3': 3, '4': 4, i: 1, ii: 2, iii: 3, iv: 4, mot: 1, hai: 2, ba: 3, bon: 4, tu: 4 };

export function parseRegion(text: string): Region | undefined {
  const m = /(?:^|\s)vung\s*(iv|iii|ii|i|[1-4]|mot|hai|ba|bon|tu)(?![a-z0-9])/.exec(fold(normalize(text)));
  return m ? VALUES[m[1]!] : undefined;
}

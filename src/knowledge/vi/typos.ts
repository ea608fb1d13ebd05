/**
 * Common misspellings of domain syllables, after folding. Deliberately a list, not an
 * edit-distance guess: many one-letter changes of a Vietnamese syllable are other valid
 * syllables ("nghiep"/"nghiem"), and a wrong correction is worse than none.
 */
const TYPOS: Readonly<Record<string, string>> = {
  nghep: 'nghiep',
  ngiep: 'nghiep',
  nghiepp: 'nghiep',
  nghie: 'nghiep',
  thta: 'that',
  tahat: 'that',
  luog: 'luong',
  luonng: 'luong',
  vic: 'viec',
  thoiw: 'thoi',
  dieuf: 'dieu',
  kienj: 'kien',
  capp: 'cap',
  huog: 'huong',
  huwong: 'huong',
  huongr: 'huong',
  thnag: 'thang',
  thagn: 'thang',
  mna: 'nam',
  tienf: 'tien',
  nghir: 'nghi',
  nghj: 'nghi',
  ngi: 'nghi',
  phepp: 'phep',
  dduowc: 'duoc',
  khog: 'khong',
  khoong: 'khong',
  kog: 'khong',
  gnhi: 'nghi',
  vun: 'vung',
  vug: 'vung',
  tihn: 'tinh',
};

export function correctTypo(token: string): string {
  return TYPOS[token] ?? token;
}

/**
 * Vietnamese number formatting: "9.000.000 đ", "1,5", "60%". Written out rather than left to
 * Intl so that a Node build without full ICU cannot print "9,000,000" to a worker.
 */

function group(integer: string): string {
  return integer.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
}

/** 1234.5 → "1.234,5"; at most `decimals` decimals, trailing zeros dropped. */
export function formatNumber(n: number, decimals = 2): string {
  if (!Number.isFinite(n)) return String(n);
  const fixed = Math.abs(n).toFixed(decimals);
  const [int = '0', frac = ''] = fixed.split('.');
  const trimmed = frac.replace(/0+$/, '');
  const sign = n < 0 && Number(fixed) !== 0 ? '-' : '';
  return `${sign}${group(int)}${trimmed ? `,${trimmed}` : ''}`;
}

/** Whole đồng: 9000000 → "9.000.000 đ". */
export function formatVnd(n: number): string {
  return `${formatNumber(Math.round(n), 0)} đ`;
}

/** 0.6 → "60%", 2.1 → "210%". */
export function formatPercent(share: number): string {
  return `${formatNumber(share * 100)}%`;
}

/** "5 năm" / "3 năm 6 tháng" / "8 tháng" for a whole number of months. */
export function formatMonths(months: number): string {
  const y = Math.floor(months / 12);
  const m = months % 12;
  if (y === 0) return `${m} tháng`;
  return m === 0 ? `${y} năm` : `${y} năm ${m} tháng`;
}

/** "61 tuổi 6 tháng", "57 tuổi". */
export function formatAge(totalMonths: number): string {
  const y = Math.floor(totalMonths / 12);
  const m = totalMonths % 12;
  return m === 0 ? `${y} tuổi` : `${y} tuổi ${m} tháng`;
}

/** "07/2026". */
export function formatMonthYear(year: number, month: number): string {
  return `${String(month).padStart(2, '0')}/${year}`;
}

/** "31/12/2025" from YYYY-MM-DD. */
export function formatDay(day: string): string {
  return `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
}

/** Region as workers and decrees write it: 1 → "I". */
export function roman(region: 1 | 2 | 3 | 4): string {
  return (['I', 'II', 'III', 'IV'] as const)[region - 1]!;
}

/**
 * The rough wait a queued worker is told: the middle half of recent waits between queueing
 * and claim when there are enough of them, else a configured default. Always a range in
 * round numbers ("khoảng 10–20 phút"): a precise figure would be a promise nobody can keep.
 */

export interface WaitRange {
  /** Minutes. */
  min: number;
  max: number;
}

/** Fewer recorded waits than this say too little: the default range is used instead. */
export const MIN_SAMPLES = 3;
/** How far back recorded waits count. */
export const WAIT_LOOKBACK_MS = 14 * 24 * 60 * 60 * 1000;

export function estimateWait(recentMinutes: readonly number[], fallback: WaitRange): WaitRange {
  if (recentMinutes.length < MIN_SAMPLES) return roundRange(fallback);
  const sorted = [...recentMinutes].sort((a, b) => a - b);
  return roundRange({ min: quantile(sorted, 0.25), max: quantile(sorted, 0.75) });
}

/** Rounds outwards to 5-minute steps (30 past the hour), at least 5 minutes wide. */
export function roundRange(r: WaitRange): WaitRange {
  const step = (m: number) => (m > 60 ? 30 : 5);
  let min = Math.max(0, Math.floor(r.min / step(r.min)) * step(r.min));
  let max = Math.ceil(Math.max(r.max, r.min) / step(r.max)) * step(r.max);
  if (min === 0) min = max <= 5 ? 0 : 5;
  if (max - min < 5) max = min + (min >= 60 ? 30 : 5);
  return { min, max };
}

/** "khoảng 10–20 phút", "khoảng 30 phút – 1,5 giờ", "khoảng 1–2 giờ", "dưới 5 phút". */
export function waitInWords(r: WaitRange): string {
  if (r.max > 240) return 'vài giờ';
  if (r.min === 0) return `dưới ${duration(r.max)}`;
  if (r.min >= 60) return `khoảng ${hours(r.min)}–${duration(r.max)}`;
  if (r.max <= 60) return `khoảng ${r.min}–${duration(r.max)}`;
  return `khoảng ${duration(r.min)} – ${duration(r.max)}`;
}

function duration(m: number): string {
  return m < 60 ? `${m} phút` : `${hours(m)} giờ`;
}

function hours(m: number): string {
  return (Math.round((m / 60) * 10) / 10).toString().replace('.', ',');
}

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Calendar days for legal look-ups. A rule's validity is a Vietnamese calendar date, so a
 * Date is read in Asia/Ho_Chi_Minh (UTC+7 all year, no daylight saving), whatever the
 * server's own zone: 2025-12-31T18:00Z is already 2026-01-01 in Hà Nội, under the new law.
 */
import { vnDay } from '../dates.js';

/** YYYY-MM-DD. */
export type Day = string;
/** What look-ups accept: a YYYY-MM-DD string (taken as is) or an instant (read in Vietnam). */
export type DayInput = Day | Date;

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function asDay(on: DayInput): Day {
  if (on instanceof Date) {
    if (Number.isNaN(on.getTime())) throw new TypeError('invalid Date');
    return vnDay(on);
  }
  const m = DAY_RE.exec(on);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12 || Number(m[3]) < 1 || Number(m[3]) > 31) {
    throw new TypeError(`expected a day as YYYY-MM-DD, got "${on}"`);
  }
  return on;
}

/** Today in Vietnam. */
export function today(now: Date = new Date()): Day {
  return vnDay(now);
}

/** Year and month (1–12) of a day. */
export function yearMonth(day: Day): { year: number; month: number } {
  return { year: Number(day.slice(0, 4)), month: Number(day.slice(5, 7)) };
}

/** Month index (year × 12 + month − 1) ↔ year and month; month arithmetic without Date pitfalls. */
export function monthIndex(year: number, month: number): number {
  return year * 12 + (month - 1);
}

export function fromMonthIndex(index: number): { year: number; month: number } {
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

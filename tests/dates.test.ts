/**
 * vnDay keeps the last day it formatted with the instants that day spans: whatever order the
 * instants come in, it must give what formatting each one gives.
 */
import { describe, expect, it } from 'vitest';
import { vnDay } from '../src/knowledge/dates.js';

/** The long way: the instant moved to UTC+7, formatted. */
const formatted = (ms: number) => new Date(ms + 7 * 60 * 60 * 1000).toISOString().slice(0, 10);

describe('vnDay', () => {
  it('turns at midnight in Hà Nội (17:00 UTC), on the last millisecond and the first', () => {
    const midnight = Date.UTC(2025, 11, 31, 17, 0, 0, 0);
    expect(vnDay(new Date(midnight - 1))).toBe('2025-12-31');
    expect(vnDay(new Date(midnight))).toBe('2026-01-01');
    expect(vnDay(new Date(midnight - 1))).toBe('2025-12-31');
    expect(vnDay(new Date(midnight + 24 * 60 * 60 * 1000 - 1))).toBe('2026-01-01');
    expect(vnDay(new Date(midnight + 24 * 60 * 60 * 1000))).toBe('2026-01-02');
  });

  it('gives what formatting gives for instants in any order, near and far apart, before 1970 too', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const around = Date.UTC(2026, 10, 28, 17, 0, 0, 0);
    const instants = [
      ...Array.from({ length: 2000 }, () => around + Math.floor((random() - 0.5) * 3 * 24 * 60 * 60 * 1000)),
      ...Array.from({ length: 2000 }, () => Math.floor((random() - 0.3) * 4e12)),
    ];
    expect(instants.map((ms) => vnDay(new Date(ms)))).toEqual(instants.map(formatted));
  });

  it('still throws on an invalid date, after a valid one', () => {
    vnDay(new Date());
    expect(() => vnDay(new Date(Number.NaN))).toThrow(RangeError);
  });
});

/** Vietnamese number formatting. */
import { describe, expect, it } from 'vitest';
import { formatAge, formatMonths, formatNumber, formatPercent, formatVnd } from '../src/knowledge/calculators/format.js';

describe('format', () => {
  it('money', () => {
    expect(formatVnd(9_000_000)).toBe('9.000.000 đ');
    expect(formatVnd(26_550_000)).toBe('26.550.000 đ');
    expect(formatVnd(0)).toBe('0 đ');
    expect(formatVnd(999.6)).toBe('1.000 đ');
    expect(formatVnd(318_600_000)).toBe('318.600.000 đ');
  });
  it('numbers, percents, durations', () => {
    expect(formatNumber(2.5)).toBe('2,5');
    expect(formatNumber(8.16666)).toBe('8,17');
    expect(formatNumber(1234.5)).toBe('1.234,5');
    expect(formatPercent(0.6)).toBe('60%');
    expect(formatPercent(2.1)).toBe('210%');
    expect(formatMonths(42)).toBe('3 năm 6 tháng');
    expect(formatMonths(8)).toBe('8 tháng');
    expect(formatAge(738)).toBe('61 tuổi 6 tháng');
    expect(formatAge(684)).toBe('57 tuổi');
  });
});

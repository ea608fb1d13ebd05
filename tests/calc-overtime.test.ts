/** Overtime and night pay (BLLĐ Điều 98, NĐ 145/2020 Điều 57) and the caps of Điều 107. */
import { describe, expect, it } from 'vitest';
import { loadRules } from '../src/knowledge/rules/loader.js';
import { overtimePay } from '../src/knowledge/calculators/overtime.js';

const { rules } = loadRules('data/rules', '2026-11-28');
const DAY = '2026-11-28';
const ok = <T extends { ok: boolean }>(r: T) => {
  if (!r.ok) throw new Error(`expected a result, got ${JSON.stringify(r)}`);
  return r as Extract<T, { ok: true }>;
};

describe('overtime pay', () => {
  it.each([
    ['normal_day', 1.5, 450_000, '450.000 đ'],
    ['weekly_rest', 2, 600_000, '600.000 đ'],
    ['holiday', 3, 900_000, '900.000 đ'],
  ] as const)('10 hours at 30,000/h on a %s → ×%d = %d', (dayKind, multiplier, pay, shown) => {
    const r = ok(overtimePay(rules, { hourlyWage: 30_000, hours: 10, dayKind }, DAY));
    expect(r.values).toMatchObject({ multiplier, pay });
    expect(r.summary).toContain(`ít nhất là ${shown}`);
    expect(r.working).toContain(`Tiền làm thêm = 10 giờ × 30.000 đ × ${multiplier * 100}% = ${shown}`);
  });

  it.each([
    ['normal_day', false, 2.0, 600_000],
    ['normal_day', true, 2.1, 630_000],
    ['weekly_rest', undefined, 2.7, 810_000],
    ['holiday', undefined, 3.9, 1_170_000],
  ] as const)('night overtime on a %s (daytime overtime before: %s) → ×%d', (dayKind, dayOvertimeBefore, multiplier, pay) => {
    const r = ok(overtimePay(rules, { hourlyWage: 30_000, hours: 10, dayKind, night: true, ...(dayOvertimeBefore === undefined ? {} : { dayOvertimeBefore }) }, DAY));
    expect(r.values).toMatchObject({ multiplier, pay });
    expect(r.citations).toContainEqual({ law: 'nd-145-2020', article: 57 });
  });

  it('shows both night readings on a normal day when daytime overtime is unknown', () => {
    const r = ok(overtimePay(rules, { hourlyWage: 30_000, hours: 10, dayKind: 'normal_day', night: true }, DAY));
    expect(r.values).toMatchObject({ multiplier: 2, pay: 600_000, alternative: { multiplier: 2.1, pay: 630_000 } });
    expect(r.working).toContain('Hệ số làm thêm ban đêm ngày thường nếu ban ngày không làm thêm = 150% + 30% + 20% × 100% = 200%');
    expect(r.summary).toContain('630.000 đ nếu ban ngày bạn đã làm thêm giờ');
  });

  it('night work inside normal hours earns +30%', () => {
    const r = ok(overtimePay(rules, { hourlyWage: 30_000, hours: 8, night: true, withinNormalHours: true }, DAY));
    expect(r.values).toMatchObject({ multiplier: 1.3, pay: 312_000 });
    expect(r.summary).toContain('72.000 đ');
  });

  it('derives the hourly wage from a monthly salary, saying what it assumed', () => {
    const r = ok(overtimePay(rules, { monthlySalary: 7_800_000, hours: 4, dayKind: 'normal_day' }, DAY));
    expect(r.values).toMatchObject({ hourlyWage: 37_500, pay: 225_000 });
    expect(r.working[0]).toBe('Lương giờ = 7.800.000 đ ÷ (26 ngày × 8 giờ) = 37.500 đ');
    expect(r.notes.join('\n')).toContain('26 ngày công');
    expect(ok(overtimePay(rules, { monthlySalary: 7_800_000, workingDaysPerMonth: 24, hours: 4, dayKind: 'normal_day' }, DAY)).values.hourlyWage).toBe(40_625);
  });

  it('warns over 40 hours a month and 200 (300) hours a year', () => {
    expect(ok(overtimePay(rules, { hourlyWage: 30_000, hours: 45, dayKind: 'normal_day' }, DAY)).values.overCap).toEqual(['month']);
    expect(ok(overtimePay(rules, { hourlyWage: 30_000, hours: 10, dayKind: 'normal_day', hoursThisMonth: 40 }, DAY)).values.overCap).toEqual([]);
    const year = ok(overtimePay(rules, { hourlyWage: 30_000, hours: 10, dayKind: 'normal_day', hoursThisMonth: 41, hoursThisYear: 210 }, DAY));
    expect(year.values.overCap).toEqual(['month', 'year']);
    expect(year.notes.join('\n')).toContain('200 giờ/năm');
    expect(ok(overtimePay(rules, { hourlyWage: 30_000, hours: 10, dayKind: 'normal_day', hoursThisYear: 210, listedSector: true }, DAY)).values.overCap).toEqual([]);
  });

  it('asks for what is missing', () => {
    expect(overtimePay(rules, {}, DAY)).toEqual({ ok: false, missing: ['hourlyWage', 'hours', 'dayKind'] });
    expect(overtimePay(rules, { monthlySalary: 8_000_000, hours: 3 }, DAY)).toEqual({ ok: false, missing: ['dayKind'] });
    expect(overtimePay(rules, { hourlyWage: 30_000, night: true, withinNormalHours: true }, DAY)).toEqual({ ok: false, missing: ['hours'] });
  });
});

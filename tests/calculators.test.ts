/** The calculators against the worked examples of the law (LAW-NOTES.md). */
import { describe, expect, it } from 'vitest';
import { loadRules } from '../src/knowledge/rules/loader.js';
import { benefitDuration, unemploymentBenefit } from '../src/knowledge/calculators/unemployment.js';
import { jobLossAllowance, severanceAllowance } from '../src/knowledge/calculators/severance.js';
import { noticePeriod } from '../src/knowledge/calculators/notice.js';
import { overtimePay } from '../src/knowledge/calculators/overtime.js';
import { annualLeave } from '../src/knowledge/calculators/annual-leave.js';
import { formatVnd } from '../src/knowledge/calculators/format.js';
import type { CalcResult } from '../src/knowledge/calculators/types.js';

const { rules, problems } = loadRules('data/rules', '2026-11-28');
const DAY = '2026-11-28';
const text = (r: CalcResult<string>) => (r.ok ? [r.summary, ...r.working].join('\n') : '');

describe('legal parameters', () => {
  it('load without errors', () => {
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  });
  it('give the minimum wage in force on the day asked', () => {
    expect(rules.get<Record<string, number>>('minimum-wage.monthly', '2026-01-01').value['1']).toBe(5_310_000);
    expect(rules.get<Record<string, number>>('minimum-wage.monthly', '2025-12-31').value['1']).toBe(4_960_000);
  });
});

describe('unemployment benefit', () => {
  it('15,000,000 average and 72 months → 9,000,000 a month for 6 months', () => {
    const r = unemploymentBenefit(rules, { averageSalary: 15_000_000, monthsContributed: 72 }, DAY);
    expect(text(r)).toContain('9.000.000 đ mỗi tháng, trong 6 tháng');
  });
  it.each([
    [1, '26.550.000'],
    [2, '23.650.000'],
    [3, '20.700.000'],
    [4, '18.500.000'],
  ] as const)('a 50,000,000 salary is capped in region %d at %s', (region, cap) => {
    const r = unemploymentBenefit(rules, { averageSalary: 50_000_000, monthsContributed: 120, region }, DAY);
    expect(text(r)).toContain(`${cap} đ mỗi tháng, trong 10 tháng`);
  });
  it('asks for the region only when a cap could apply', () => {
    expect(unemploymentBenefit(rules, { averageSalary: 50_000_000, monthsContributed: 60 }, DAY)).toEqual({ ok: false, missing: ['region'] });
    expect(unemploymentBenefit(rules, { averageSalary: 20_000_000, monthsContributed: 60 }, DAY).ok).toBe(true);
  });
  it('asks for what is missing', () => {
    expect(unemploymentBenefit(rules, { averageSalary: 10_000_000 }, DAY)).toEqual({ ok: false, missing: ['monthsContributed'] });
  });
  it('refuses under 12 months of contribution, with the reason', () => {
    const r = unemploymentBenefit(rules, { monthsContributed: 10 }, DAY);
    expect(text(r)).toContain('chưa đủ điều kiện');
  });
  it.each([
    [12, 3],
    [24, 3],
    [36, 3],
    [42, 3],
    [48, 4],
    [49, 4],
    [60, 5],
    [96, 8],
    [120, 10],
    [144, 12],
    [168, 12],
  ])('%d months of contribution → %d months of benefit', (contributed, months) => {
    expect(benefitDuration(rules, contributed, DAY).months).toBe(months);
  });
  it('keeps leftover months between 36 and 144, loses the excess beyond 144', () => {
    expect(benefitDuration(rules, 42, DAY)).toMatchObject({ reserved: 6, lost: 0 });
    expect(benefitDuration(rules, 30, DAY)).toMatchObject({ reserved: 0 });
    expect(benefitDuration(rules, 150, DAY)).toMatchObject({ reserved: 0, lost: 6 });
  });
  it('uses the 2025 minimum wage for a contract that ended in 2025', () => {
    // The 2013 law's cap differs; here only the regional wage table is checked.
    expect(rules.get<Record<string, number>>('minimum-wage.monthly', '2025-06-30').value['1']! * 5).toBe(24_800_000);
  });
});

describe('severance and job-loss allowance', () => {
  it('counts only years without unemployment insurance', () => {
    const r = severanceAllowance(rules, { monthsWorked: 72, monthsInsured: 24, averageSalary: 10_000_000 }, DAY);
    expect(text(r)).toContain('20.000.000 đ');
  });
  it('is zero for a worker insured throughout', () => {
    const r = severanceAllowance(rules, { monthsWorked: 60, monthsInsured: 60, averageSalary: 10_000_000 }, DAY);
    expect(text(r)).toContain('0 đ');
  });
  it('rounds odd months to half or whole years', () => {
    // NĐ 145/2020 Điều 8.3: up to 6 odd months count as half a year, more than 6 as a year.
    expect(text(severanceAllowance(rules, { monthsWorked: 30, monthsInsured: 0, averageSalary: 8_000_000 }, DAY))).toMatch(/10\.000\.000\sđ/); // 2.5 years
    expect(text(severanceAllowance(rules, { monthsWorked: 31, monthsInsured: 0, averageSalary: 8_000_000 }, DAY))).toMatch(/12\.000\.000\sđ/); // 3 years
  });
  it('job-loss allowance is one month per year, at least two months', () => {
    expect(text(jobLossAllowance(rules, { monthsWorked: 48, monthsInsured: 0, averageSalary: 9_000_000 }, DAY))).toContain('36.000.000 đ');
    expect(text(jobLossAllowance(rules, { monthsWorked: 48, monthsInsured: 36, averageSalary: 9_000_000 }, DAY))).toContain('18.000.000 đ');
  });
});

describe('notice, overtime, annual leave', () => {
  it.each([
    ['worker', 'indefinite', '45 ngày'],
    ['worker', 'fixed_12_36', '30 ngày'],
    ['worker', 'under_12', '3 ngày làm việc'],
    ['employer', 'indefinite', '45 ngày'],
  ] as const)('%s, %s → %s', (side, contractType, expected) => {
    expect(text(noticePeriod(rules, { side, contractType }, DAY))).toContain(expected);
  });
  it.each([
    ['normal_day', false, '450.000 đ'],
    ['weekly_rest', false, '600.000 đ'],
    ['holiday', false, '900.000 đ'],
    ['normal_day', true, '630.000 đ'],
  ] as const)('10 hours at 30,000/h on a %s (night %s) → %s', (dayKind, night, expected) => {
    expect(text(overtimePay(rules, { hourlyWage: 30_000, hours: 10, dayKind, night }, DAY))).toContain(expected);
  });
  it.each([
    [{ yearsWithEmployer: 3 }, '12 ngày'],
    [{ yearsWithEmployer: 10 }, '14 ngày'],
    [{ yearsWithEmployer: 5, workType: 'very_heavy' as const }, '17 ngày'],
    [{ yearsWithEmployer: 0, monthsThisYear: 6 }, '6 ngày'],
  ])('%o → %s', (input, expected) => {
    expect(text(annualLeave(rules, input, DAY))).toContain(expected);
  });
  it('formats money the Vietnamese way', () => {
    expect(formatVnd(26_550_000)).toBe('26.550.000 đ');
  });
});

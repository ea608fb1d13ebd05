/** Date-aware look-ups of the legal parameters, against LAW-NOTES.md. */
import { describe, expect, it } from 'vitest';
import { loadRules, RuleNotFound, type Region } from '../src/knowledge/rules/loader.js';
import { asDay } from '../src/knowledge/rules/day.js';

const { rules } = loadRules('data/rules', '2026-11-28');

describe('regional minimum wage', () => {
  it.each([
    [1, 5_310_000, 4_960_000],
    [2, 4_730_000, 4_410_000],
    [3, 4_140_000, 3_860_000],
    [4, 3_700_000, 3_450_000],
  ] as const)('region %d: %d from 2026-01-01 (NĐ 293/2025), %d in 2025 (NĐ 74/2024)', (region, v2026, v2025) => {
    expect(rules.minimumWage(region as Region, '2026-01-01')).toMatchObject({ value: v2026, source: { law: 'nd-293-2025', article: 3 } });
    expect(rules.minimumWage(region as Region, '2026-11-28').value).toBe(v2026);
    expect(rules.minimumWage(region as Region, '2025-12-31')).toMatchObject({ value: v2025, source: { law: 'nd-74-2024', article: 3 } });
    expect(rules.minimumWage(region as Region, '2024-07-01').value).toBe(v2025);
  });

  it('has no value before NĐ 74/2024', () => {
    expect(() => rules.minimumWage(1, '2024-06-30')).toThrow(RuleNotFound);
  });

  it('reads a Date as a Vietnamese calendar day', () => {
    // 18:00 UTC on 31 December is 01:00 on 1 January in Hà Nội.
    expect(rules.minimumWage(1, new Date('2025-12-31T18:00:00Z')).value).toBe(5_310_000);
    expect(rules.minimumWage(1, new Date('2025-12-31T16:59:59Z')).value).toBe(4_960_000);
    expect(asDay(new Date('2026-06-30T17:00:00Z'))).toBe('2026-07-01');
    expect(() => asDay('2026-13-01')).toThrow(TypeError);
  });
});

describe('base salary', () => {
  it('is 2,340,000 to 2026-06-30 and 2,530,000 from 2026-07-01, flagged for review', () => {
    expect(rules.baseSalary('2026-06-30')).toMatchObject({ value: 2_340_000, reviewNeeded: false, source: { law: 'nd-73-2024' } });
    expect(rules.baseSalary('2026-07-01')).toMatchObject({ value: 2_530_000, reviewNeeded: true, source: { law: 'nd-161-2026' } });
  });
});

describe('unemployment insurance', () => {
  it('2026: 60% of 6 months, cap 5 × regional minimum wage for everyone, day 11, 10 working days', () => {
    const u = rules.unemployment('2026-11-28');
    expect(u.benefitRate).toMatchObject({ value: 0.6, source: { law: 'lvl-2025', article: 39, clause: 1 } });
    expect(u.averageMonths.value).toBe(6);
    expect(u.cap.value).toEqual({ minimum_wage_multiple: 5 });
    expect(u.duration.value).toEqual({ minimum_contribution: 12, base_benefit: 3, base_up_to: 36, step_contribution: 12, step_benefit: 1, maximum_benefit: 12 });
    expect(u.reserveRange?.value).toEqual({ from: 36, to: 144 });
    expect(u.reserveRange?.source).toMatchObject({ law: 'nd-374-2025', article: 8 });
    expect(u.qualifying.value).toMatchObject({ months: 12, within: 24, within_short_contract: 36, short_contract_from_months: 1 });
    expect(u.filingDeadlineMonths.value).toBe(3);
    expect(u.benefitStart.value).toEqual({ day: 11, working_days: true });
    expect(u.jobSearchWait.value).toEqual({ days: 10, working_days: true });
    expect(u.contributionRate).toMatchObject({ value: { worker: 0.01, employer: 0.01 }, reviewNeeded: true });
    expect(u.contributionSalaryCap.value).toEqual({ minimum_wage_multiple: 20 });
  });

  it('2025: the 2013 law, with its base-salary branch and day 16', () => {
    const u = rules.unemployment('2025-12-31');
    expect(u.benefitRate.source.law).toBe('lvl-2013');
    expect(u.cap.value).toEqual({ minimum_wage_multiple: 5, base_salary_multiple_state_pay: 5 });
    expect(u.benefitStart.value).toEqual({ day: 16, working_days: false });
    expect(u.jobSearchWait.value.days).toBe(15);
    expect(u.reserveRange).toBeUndefined();
    expect(u.minimumContractMonths.value).toBe(3);
  });

  it('gives the 2026 benefit caps of LAW-NOTES', () => {
    const u = rules.unemployment('2026-11-28');
    const caps = ([1, 2, 3, 4] as const).map((r) => u.cap.value.minimum_wage_multiple * rules.minimumWage(r, '2026-11-28').value);
    expect(caps).toEqual([26_550_000, 23_650_000, 20_700_000, 18_500_000]);
  });
});

describe('labour code', () => {
  const l = rules.labour('2026-11-28');
  it('notice, overtime, leave, allowances, probation', () => {
    expect(l.noticeWorker.value).toEqual({ indefinite: 45, fixed_12_36: 30, under_12: 3 });
    expect(l.noticeEmployer.value).toMatchObject({ indefinite: 45, fixed_12_36: 30, under_12: 3, long_sickness: 3 });
    expect(l.overtimeRates.value).toEqual({ normal_day: 1.5, weekly_rest: 2, holiday: 3, night_work_extra: 0.3, night_overtime_extra: 0.2 });
    expect(l.overtimeCaps.value).toMatchObject({ per_month: 40, per_year: 200, per_year_listed_sectors: 300 });
    expect(l.annualLeave.value).toEqual({ normal: 12, minor_disabled_heavy: 14, very_heavy: 16 });
    expect(l.annualLeaveSeniority.value).toEqual({ step_years: 5, days: 1 });
    expect(l.severance.value).toMatchObject({ per_year: 0.5, minimum_work_months: 12 });
    expect(l.jobLoss.value).toMatchObject({ per_year: 1, minimum_months: 2, minimum_work_months: 12 });
    expect(l.serviceRounding).toMatchObject({ value: { half_year_up_to: 6 }, source: { law: 'nd-145-2020', article: 8, clause: 3 } });
    expect(l.probation.value).toEqual({ manager_days: 180, college_or_above_days: 60, intermediate_days: 30, other_working_days: 6, salary_share: 0.85 });
  });
  it('cites the Labour Code articles', () => {
    expect(l.noticeWorker.source).toMatchObject({ law: 'blld-2019', article: 35 });
    expect(l.noticeEmployer.source).toMatchObject({ law: 'blld-2019', article: 36 });
    expect(l.overtimeRates.source).toMatchObject({ law: 'blld-2019', article: 98 });
  });
});

describe('retirement age (NĐ 135/2020)', () => {
  it.each([
    [2021, [60, 3], [55, 4]],
    [2025, [61, 3], [56, 8]],
    [2026, [61, 6], [57, 0]],
    [2028, [62, 0], [57, 8]],
    [2030, [62, 0], [58, 4]],
    [2035, [62, 0], [60, 0]],
    [2040, [62, 0], [60, 0]],
  ] as const)('%d: men %o, women %o', (year, men, women) => {
    expect(rules.retirementAge('male', year).value).toMatchObject({ years: men[0], months: men[1] });
    expect(rules.retirementAge('female', year).value).toMatchObject({ years: women[0], months: women[1] });
  });
  it('cites Điều 169 BLLĐ and NĐ 135/2020; has no schedule before 2021', () => {
    expect(rules.retirementAge('male', 2026).sources).toEqual([
      { law: 'blld-2019', article: 169, clause: 2 },
      { law: 'nd-135-2020', article: 4 },
    ]);
    expect(() => rules.retirementAge('male', 2020)).toThrow(RuleNotFound);
  });
});

describe('generic access', () => {
  it('keeps the raw look-up by id', () => {
    expect(rules.get<Record<string, number>>('minimum-wage.monthly', '2025-06-30').value['1']).toBe(4_960_000);
    expect(rules.has('unemployment.reserve-range', '2025-06-30')).toBe(false);
    expect(rules.history('minimum-wage.monthly').map((p) => p.validFrom)).toEqual(['2024-07-01', '2026-01-01']);
  });
});

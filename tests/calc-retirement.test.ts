/** Retirement age and month (BLLĐ Điều 169, NĐ 135/2020), walking the yearly schedule. */
import { describe, expect, it } from 'vitest';
import { loadRules } from '../src/knowledge/rules/loader.js';
import { retirement, retirementMonth } from '../src/knowledge/calculators/retirement.js';

const { rules } = loadRules('data/rules', '2026-11-28');
const DAY = '2026-11-28';
const ok = <T extends { ok: boolean }>(r: T) => {
  if (!r.ok) throw new Error(`expected a result, got ${JSON.stringify(r)}`);
  return r as Extract<T, { ok: true }>;
};

describe('retirement month', () => {
  it.each([
    // [sex, birth year, birth month, age months, reached year, reached month]
    ['male', 1961, 1, 723, 2021, 4],
    ['male', 1961, 9, 723, 2021, 12],
    ['male', 1961, 10, 726, 2022, 4], // the next group: 60 years 6 months
    ['male', 1962, 6, 726, 2022, 12],
    ['male', 1962, 7, 729, 2023, 4],
    ['male', 1965, 1, 738, 2026, 7],
    ['male', 1965, 5, 738, 2026, 11],
    ['male', 1966, 4, 744, 2028, 4], // 62 reached in 2028, the end of the path
    ['male', 1970, 8, 744, 2032, 8],
    ['female', 1966, 1, 664, 2021, 5],
    ['female', 1966, 8, 664, 2021, 12],
    ['female', 1966, 9, 668, 2022, 5],
    ['female', 1969, 5, 684, 2026, 5], // 57 years in 2026
    ['female', 1975, 5, 720, 2035, 5], // 60 reached in 2035
    ['female', 1980, 3, 720, 2040, 3],
  ] as const)('%s born %d-%d: %d months, reached %d-%d', (sex, by, bm, age, year, month) => {
    const r = retirementMonth(rules, sex, by, bm);
    expect(r).toMatchObject({ year, month, age: { value: { totalMonths: age } } });
  });

  it('2026: men 61 years 6 months, women 57 years', () => {
    const men = ok(retirement(rules, { sex: 'male', birthYear: 1965, birthMonth: 5 }, DAY));
    expect(men.values).toMatchObject({ onSchedule: true, age: { years: 61, months: 6 }, reached: { year: 2026, month: 11 }, pensionFrom: { year: 2026, month: 12 }, alreadyReached: false });
    expect(men.summary).toBe('Lao động nam sinh tháng 05/1965 đủ tuổi nghỉ hưu (61 tuổi 6 tháng) vào tháng 11/2026; lương hưu (nếu đủ điều kiện) được tính từ tháng 12/2026.');
    const women = ok(retirement(rules, { sex: 'female', birthYear: 1969, birthMonth: 5 }, DAY));
    expect(women.values.age).toEqual({ years: 57, months: 0, totalMonths: 684 });
    expect(women.summary).toContain('đã đủ tuổi nghỉ hưu (57 tuổi) vào tháng 05/2026');
    expect(women.citations).toEqual([
      { law: 'blld-2019', article: 169, clause: 2 },
      { law: 'nd-135-2020', article: 4 },
    ]);
  });

  it('December births roll the pension into the next year', () => {
    const r = ok(retirement(rules, { sex: 'male', birthYear: 1961, birthMonth: 9 }, DAY));
    expect(r.values.pensionFrom).toEqual({ year: 2022, month: 1 });
  });

  it('before the schedule: reached under the previous code, no figure asserted', () => {
    const r = ok(retirement(rules, { sex: 'female', birthYear: 1960, birthMonth: 5 }, DAY));
    expect(r.values).toEqual({ onSchedule: false, alreadyReached: true });
    expect(r.summary).toContain('trước năm 2021');
  });

  it('asks for what is missing or impossible', () => {
    expect(retirement(rules, {}, DAY)).toEqual({ ok: false, missing: ['sex', 'birthYear', 'birthMonth'] });
    expect(retirement(rules, { sex: 'male', birthYear: 1970, birthMonth: 13 }, DAY)).toEqual({ ok: false, missing: ['birthMonth'] });
    expect(retirement(rules, { sex: 'male', birthYear: 2030, birthMonth: 1 }, DAY)).toEqual({ ok: false, missing: ['birthYear'] });
  });
});

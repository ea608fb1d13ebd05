/** Annual leave (BLLĐ Điều 113–114): by kind of work, seniority, months worked. */
import { describe, expect, it } from 'vitest';
import { loadRules } from '../src/knowledge/rules/loader.js';
import { annualLeave } from '../src/knowledge/calculators/annual-leave.js';

const { rules } = loadRules('data/rules', '2026-11-28');
const DAY = '2026-11-28';
const ok = <T extends { ok: boolean }>(r: T) => {
  if (!r.ok) throw new Error(`expected a result, got ${JSON.stringify(r)}`);
  return r as Extract<T, { ok: true }>;
};

describe('annual leave', () => {
  it.each([
    [{ yearsWithEmployer: 3 }, 12],
    [{ yearsWithEmployer: 4.9 }, 12],
    [{ yearsWithEmployer: 5 }, 13],
    [{ yearsWithEmployer: 10 }, 14],
    [{ yearsWithEmployer: 2, workType: 'minor_disabled_heavy' as const }, 14],
    [{ yearsWithEmployer: 5, workType: 'very_heavy' as const }, 17],
  ])('%o → %d days', (input, days) => {
    const r = ok(annualLeave(rules, input, DAY));
    expect(r.values.days).toBe(days);
    expect(r.summary).toContain(`${days} ngày`);
  });

  it('is pro rata for part of a year', () => {
    const r = ok(annualLeave(rules, { yearsWithEmployer: 0, monthsThisYear: 6 }, DAY));
    expect(r.values).toMatchObject({ fullYearDays: 12, months: 6, days: 6 });
    expect(r.working).toContain('Làm 6 tháng trong năm: 12 × 6 ÷ 12 = 6 ngày');
    expect(r.citations).toContainEqual({ law: 'blld-2019', article: 113, clause: 2 });
    const odd = ok(annualLeave(rules, { yearsWithEmployer: 0, monthsThisYear: 7, workType: 'minor_disabled_heavy' }, DAY));
    expect(odd.values.days).toBeCloseTo(8.1667, 3);
    expect(odd.summary).toContain('8,17 ngày');
  });

  it('cites Điều 113 and, with seniority days, Điều 114', () => {
    expect(ok(annualLeave(rules, { yearsWithEmployer: 10 }, DAY)).citations).toEqual(expect.arrayContaining([{ law: 'blld-2019', article: 113, clause: 1 }, { law: 'blld-2019', article: 114 }]));
  });

  it('asks how long the worker has been with the employer', () => {
    expect(annualLeave(rules, {}, DAY)).toEqual({ ok: false, missing: ['yearsWithEmployer'] });
  });
});

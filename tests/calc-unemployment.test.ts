/** The unemployment-benefit calculator against the worked examples of LAW-NOTES.md. */
import { describe, expect, it } from 'vitest';
import { loadRules } from '../src/knowledge/rules/loader.js';
import { benefitDuration, unemploymentBenefit } from '../src/knowledge/calculators/unemployment.js';

const { rules } = loadRules('data/rules', '2026-11-28');
const DAY = '2026-11-28';
const text = (r: { ok: boolean; summary?: string; working?: string[] }) => (r.ok ? [r.summary, ...(r.working ?? [])].join('\n') : '');
const ok = <T extends { ok: boolean }>(r: T) => {
  if (!r.ok) throw new Error(`expected a result, got ${JSON.stringify(r)}`);
  return r as Extract<T, { ok: true }>;
};

describe('amount and duration', () => {
  it('15,000,000 average and 72 months → 9,000,000 a month for 6 months, no region needed', () => {
    const r = ok(unemploymentBenefit(rules, { averageSalary: 15_000_000, monthsContributed: 72 }, DAY));
    expect(r.values).toMatchObject({ eligible: true, monthlyAmount: 9_000_000, benefitMonths: 6, total: 54_000_000, capApplied: false, law: 'lvl-2025' });
    expect(r.summary).toContain('9.000.000 đ mỗi tháng, trong 6 tháng');
    expect(r.working).toContain('Mức hưởng = 60% × 15.000.000 đ (bình quân tiền lương đóng BHTN 6 tháng gần nhất) = 9.000.000 đ/tháng');
    expect(text(r)).toContain('không bị giới hạn');
    expect(r.citations[0]).toEqual({ law: 'lvl-2025', article: 39, clause: 1 });
  });

  it('50,000,000 in region I → capped at 26,550,000', () => {
    const r = ok(unemploymentBenefit(rules, { averageSalary: 50_000_000, monthsContributed: 72, region: 1 }, DAY));
    expect(r.values).toMatchObject({ monthlyAmount: 26_550_000, uncappedAmount: 30_000_000, cap: 26_550_000, capApplied: true });
    expect(text(r)).toContain('Mức tối đa vùng I = 5 × 5.310.000 đ');
    expect(r.citations).toContainEqual({ law: 'nd-293-2025', article: 3, clause: 1 });
  });

  it.each([
    [1, 26_550_000, '26.550.000'],
    [2, 23_650_000, '23.650.000'],
    [3, 20_700_000, '20.700.000'],
    [4, 18_500_000, '18.500.000'],
  ] as const)('region %d caps 50,000,000 at %d', (region, cap, shown) => {
    const r = ok(unemploymentBenefit(rules, { averageSalary: 50_000_000, monthsContributed: 120, region }, DAY));
    expect(r.values.monthlyAmount).toBe(cap);
    expect(r.summary).toContain(`${shown} đ mỗi tháng, trong 10 tháng`);
  });

  it.each([
    [12, 3],
    [24, 3],
    [36, 3],
    [42, 3],
    [47, 3],
    [48, 4],
    [49, 4],
    [60, 5],
    [72, 6],
    [96, 8],
    [120, 10],
    [144, 12],
    [168, 12],
    [300, 12],
  ])('%d months of contribution → %d months of benefit', (contributed, months) => {
    expect(benefitDuration(rules, contributed, DAY).months).toBe(months);
    expect(ok(unemploymentBenefit(rules, { averageSalary: 10_000_000, monthsContributed: contributed }, DAY)).values.benefitMonths).toBe(months);
  });

  it('keeps leftover months between 36 and 144 months and loses the excess beyond 144', () => {
    expect(benefitDuration(rules, 42, DAY)).toMatchObject({ used: 36, reserved: 6, lost: 0 });
    expect(benefitDuration(rules, 49, DAY)).toMatchObject({ used: 48, reserved: 1, lost: 0 });
    expect(benefitDuration(rules, 30, DAY)).toMatchObject({ used: 30, reserved: 0, lost: 0 });
    expect(benefitDuration(rules, 150, DAY)).toMatchObject({ used: 144, reserved: 0, lost: 6 });
    const r = ok(unemploymentBenefit(rules, { averageSalary: 10_000_000, monthsContributed: 168 }, DAY));
    expect(r.values).toMatchObject({ monthsReserved: 0, monthsLost: 24 });
    expect(r.notes.join('\n')).toContain('24 tháng đóng vượt quá 144 tháng không được bảo lưu');
    expect(ok(unemploymentBenefit(rules, { averageSalary: 10_000_000, monthsContributed: 42 }, DAY)).notes.join('\n')).toContain('bảo lưu 6 tháng');
  });
});

describe('what to ask', () => {
  it('asks for the region only when 60% of the average exceeds the lowest cap', () => {
    expect(unemploymentBenefit(rules, { averageSalary: 50_000_000, monthsContributed: 60 }, DAY)).toEqual({ ok: false, missing: ['region'] });
    // 60% × 30,833,333 = 18,499,999.8 ≤ 18,500,000 (region IV): no region needed.
    expect(unemploymentBenefit(rules, { averageSalary: 30_833_333, monthsContributed: 60 }, DAY).ok).toBe(true);
    expect(unemploymentBenefit(rules, { averageSalary: 30_833_334, monthsContributed: 60 }, DAY)).toEqual({ ok: false, missing: ['region'] });
    expect(unemploymentBenefit(rules, { averageSalary: 20_000_000, monthsContributed: 60 }, DAY).ok).toBe(true);
  });

  it('asks for what is missing, salary first', () => {
    expect(unemploymentBenefit(rules, {}, DAY)).toEqual({ ok: false, missing: ['averageSalary', 'monthsContributed'] });
    expect(unemploymentBenefit(rules, { averageSalary: 10_000_000 }, DAY)).toEqual({ ok: false, missing: ['monthsContributed'] });
    expect(unemploymentBenefit(rules, { monthsContributed: 60 }, DAY)).toEqual({ ok: false, missing: ['averageSalary'] });
  });
});

describe('eligibility', () => {
  it('refuses under 12 months of contribution, with the reason, without asking the salary', () => {
    const r = ok(unemploymentBenefit(rules, { monthsContributed: 10 }, DAY));
    expect(r.values).toMatchObject({ eligible: false, reason: 'too-few-months', monthlyAmount: 0, benefitMonths: 0 });
    expect(r.summary).toContain('chưa đủ điều kiện');
    expect(r.summary).toContain('12 tháng trong 24 tháng');
  });

  it('uses the 36-month window for a contract of 1 to under 12 months', () => {
    const r = ok(unemploymentBenefit(rules, { monthsContributed: 11, contractMonths: 6 }, DAY));
    expect(r.summary).toContain('12 tháng trong 36 tháng');
    const eligible = ok(unemploymentBenefit(rules, { averageSalary: 8_000_000, monthsContributed: 14, contractMonths: 6 }, DAY));
    expect(eligible.notes.join('\n')).toContain('12 tháng trong 36 tháng');
  });

  it('a contract under 1 month is outside unemployment insurance', () => {
    expect(ok(unemploymentBenefit(rules, { averageSalary: 8_000_000, monthsContributed: 20, contractMonths: 0.5 }, DAY)).values).toMatchObject({ eligible: false, reason: 'contract-too-short' });
  });

  it('states the conditions of Điều 38', () => {
    const notes = ok(unemploymentBenefit(rules, { averageSalary: 8_000_000, monthsContributed: 20 }, DAY)).notes.join('\n');
    expect(notes).toContain('nộp hồ sơ trong 3 tháng');
    expect(notes).toContain('10 ngày làm việc');
    expect(notes).toContain('ngày làm việc thứ 11');
  });
});

describe('effective dates', () => {
  it('a contract that ended in 2025 uses the NĐ 74/2024 minimum wage and the 2013 law', () => {
    const r = ok(unemploymentBenefit(rules, { averageSalary: 50_000_000, monthsContributed: 60, region: 1, endDate: '2025-12-31' }, DAY));
    expect(r.values).toMatchObject({ monthlyAmount: 24_800_000, law: 'lvl-2013', rulesDay: '2025-12-31' });
    expect(r.citations).toContainEqual({ law: 'nd-74-2024', article: 3, clause: 1 });
    expect(r.notes.join('\n')).toContain('Luật Việc làm 2013');
    expect(r.notes.join('\n')).toContain('ngày thứ 16');
  });

  it.each([
    [2, 22_050_000],
    [3, 19_300_000],
    [4, 17_250_000],
  ] as const)('2025 cap in region %d is %d', (region, cap) => {
    expect(ok(unemploymentBenefit(rules, { averageSalary: 50_000_000, monthsContributed: 60, region, endDate: '2025-06-30' }, DAY)).values.monthlyAmount).toBe(cap);
  });

  it('the 2013 law capped state-pay workers at 5 × base salary; the 2025 law does not', () => {
    expect(ok(unemploymentBenefit(rules, { averageSalary: 30_000_000, monthsContributed: 60, statePay: true, endDate: '2025-06-30' }, DAY)).values.monthlyAmount).toBe(11_700_000);
    const unknown = ok(unemploymentBenefit(rules, { averageSalary: 30_000_000, monthsContributed: 60, region: 1, endDate: '2025-06-30' }, DAY));
    expect(unknown.values.monthlyAmount).toBe(18_000_000);
    expect(unknown.notes.join('\n')).toContain('11.700.000 đ');
    expect(ok(unemploymentBenefit(rules, { averageSalary: 30_000_000, monthsContributed: 60, statePay: true, region: 1 }, DAY)).values.monthlyAmount).toBe(18_000_000);
  });

  it('takes the end date as a Date in Vietnam time', () => {
    const r = ok(unemploymentBenefit(rules, { averageSalary: 50_000_000, monthsContributed: 60, region: 1, endDate: new Date('2025-12-31T17:30:00Z') }, DAY));
    expect(r.values).toMatchObject({ rulesDay: '2026-01-01', monthlyAmount: 26_550_000 });
  });

  it('defaults to the day given as today', () => {
    expect(ok(unemploymentBenefit(rules, { averageSalary: 50_000_000, monthsContributed: 60, region: 1 }, '2025-03-01')).values.monthlyAmount).toBe(24_800_000);
  });
});

describe('legal basis', () => {
  it('a refusal cites the conditions; an amount cites Điều 39 first', () => {
    const refused = ok(unemploymentBenefit(rules, { monthsContributed: 10 }, DAY));
    expect(refused.citations[0]).toEqual({ law: 'lvl-2025', article: 38, clause: 1 });
    expect(refused.citations).not.toContainEqual({ law: 'lvl-2025', article: 39, clause: 1 });
    const paid = ok(unemploymentBenefit(rules, { averageSalary: 10_000_000, monthsContributed: 42 }, DAY));
    expect(paid.citations.slice(0, 1)).toEqual([{ law: 'lvl-2025', article: 39, clause: 1 }]);
    expect(paid.citations).toEqual(expect.arrayContaining([{ law: 'lvl-2025', article: 39, clause: 2 }, { law: 'lvl-2025', article: 38, clause: 1 }, { law: 'nd-374-2025', article: 8 }]));
  });

  it('flags values still under review', () => {
    // The 2,530,000 base salary (one source) only enters the 2013-law state-pay branch, so a
    // 2026 computation carries no review note, and a contract ended in 2025 uses 2,340,000.
    expect(ok(unemploymentBenefit(rules, { averageSalary: 10_000_000, monthsContributed: 42 }, DAY)).notes.join('\n')).not.toContain('đối chiếu lại');
  });
});

/** Severance (BLLĐ Điều 46) and job-loss (Điều 47) allowances; odd months per NĐ 145/2020 Điều 8.3. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules } from '../src/knowledge/rules/loader.js';
import { severanceAllowance } from '../src/knowledge/calculators/severance.js';
import { jobLossAllowance } from '../src/knowledge/calculators/job-loss.js';
import { serviceYears } from '../src/knowledge/calculators/service-time.js';

const { rules } = loadRules('data/rules', '2026-11-28');
const DAY = '2026-11-28';
const ok = <T extends { ok: boolean }>(r: T) => {
  if (!r.ok) throw new Error(`expected a result, got ${JSON.stringify(r)}`);
  return r as Extract<T, { ok: true }>;
};

describe('service time', () => {
  it.each([
    [0, 0],
    [12, 1],
    [13, 1.5],
    [18, 1.5], // 6 odd months: "ít hơn hoặc bằng 06 tháng" → half a year
    [19, 2], // 7 odd months: "trên 06 tháng" → a whole year
    [24, 2],
    [29, 2.5],
    [30, 2.5],
    [31, 3],
    [69, 6],
  ])('%d months count as %d years', (months, years) => {
    expect(serviceYears(rules, months, DAY).years).toBe(years);
  });
});

describe('severance allowance', () => {
  it('is zero for a worker insured throughout, and the salary is not asked', () => {
    const r = ok(severanceAllowance(rules, { monthsWorked: 60, monthsInsured: 60 }, DAY));
    expect(r.values).toMatchObject({ eligible: true, monthsCounted: 0, amount: 0 });
    expect(r.summary).toContain('0 đ');
    expect(r.notes.join('\n')).toContain('trợ cấp thất nghiệp');
  });

  it('counts only the months without unemployment insurance', () => {
    const r = ok(severanceAllowance(rules, { monthsWorked: 72, monthsInsured: 24, averageSalary: 10_000_000 }, DAY));
    expect(r.values).toMatchObject({ monthsCounted: 48, years: 4, amount: 20_000_000 });
    expect(r.working).toEqual([
      'Thời gian tính trợ cấp = 6 năm làm việc − 2 năm đã đóng bảo hiểm thất nghiệp = 4 năm',
      'Trợ cấp thôi việc = 4 năm × 0,5 tháng lương × 10.000.000 đ = 20.000.000 đ',
    ]);
    expect(r.citations[0]).toEqual({ law: 'blld-2019', article: 46, clause: 1 });
  });

  it('rounds odd months: up to 6 → half a year, more → a whole year', () => {
    const half = ok(severanceAllowance(rules, { monthsWorked: 30, monthsInsured: 0, averageSalary: 8_000_000 }, DAY));
    expect(half.values).toMatchObject({ years: 2.5, amount: 10_000_000 });
    expect(half.working).toContain('2 năm 6 tháng: 6 tháng lẻ (không quá 6 tháng) tính là 1/2 năm → 2,5 năm');
    expect(ok(severanceAllowance(rules, { monthsWorked: 31, monthsInsured: 0, averageSalary: 8_000_000 }, DAY)).values).toMatchObject({ years: 3, amount: 12_000_000 });
    expect(half.citations).toContainEqual({ law: 'nd-145-2020', article: 8, clause: 3 });
  });

  it('also deducts months already paid for', () => {
    expect(ok(severanceAllowance(rules, { monthsWorked: 60, monthsInsured: 24, monthsAlreadyPaid: 12, averageSalary: 10_000_000 }, DAY)).values).toMatchObject({ monthsCounted: 24, amount: 10_000_000 });
  });

  it('needs 12 months of regular work', () => {
    const r = ok(severanceAllowance(rules, { monthsWorked: 11 }, DAY));
    expect(r.values).toMatchObject({ eligible: false, amount: 0 });
    expect(r.summary).toContain('chưa đủ 12 tháng');
  });

  it('asks for what is missing, in order', () => {
    expect(severanceAllowance(rules, {}, DAY)).toEqual({ ok: false, missing: ['monthsWorked', 'monthsInsured', 'averageSalary'] });
    expect(severanceAllowance(rules, { monthsWorked: 30 }, DAY)).toEqual({ ok: false, missing: ['monthsInsured'] });
    expect(severanceAllowance(rules, { monthsWorked: 30, monthsInsured: 6 }, DAY)).toEqual({ ok: false, missing: ['averageSalary'] });
  });
});

describe('job-loss allowance', () => {
  it('is one month per year', () => {
    expect(ok(jobLossAllowance(rules, { monthsWorked: 48, monthsInsured: 0, averageSalary: 9_000_000 }, DAY)).values.amount).toBe(36_000_000);
    expect(ok(jobLossAllowance(rules, { monthsWorked: 42, monthsInsured: 0, averageSalary: 20_000_000 }, DAY)).values.amount).toBe(70_000_000);
    expect(ok(jobLossAllowance(rules, { monthsWorked: 43, monthsInsured: 0, averageSalary: 20_000_000 }, DAY)).values.amount).toBe(80_000_000);
  });

  it('is at least two months of salary', () => {
    const r = ok(jobLossAllowance(rules, { monthsWorked: 48, monthsInsured: 36, averageSalary: 9_000_000 }, DAY));
    expect(r.values).toMatchObject({ years: 1, amount: 18_000_000, floorAmount: 18_000_000, floorUncertain: false });
    expect(r.working).toContain('Thấp nhất 2 tháng lương = 2 × 9.000.000 đ = 18.000.000 đ → bạn nhận 18.000.000 đ');
    expect(ok(jobLossAllowance(rules, { monthsWorked: 13, monthsInsured: 0, averageSalary: 20_000_000 }, DAY)).values.amount).toBe(40_000_000);
  });

  it('does not assert the floor when the whole time was insured', () => {
    const r = ok(jobLossAllowance(rules, { monthsWorked: 60, monthsInsured: 60, averageSalary: 9_000_000 }, DAY));
    expect(r.values).toMatchObject({ amount: 0, floorAmount: 18_000_000, floorUncertain: true });
    expect(r.notes[0]).toContain('tư vấn viên');
  });

  it('cites Điều 47 and the grounds of Điều 42–43', () => {
    const r = ok(jobLossAllowance(rules, { monthsWorked: 48, monthsInsured: 0, averageSalary: 9_000_000 }, DAY));
    expect(r.citations[0]).toEqual({ law: 'blld-2019', article: 47, clause: 1 });
    expect(r.citations).toContainEqual({ law: 'blld-2019', article: 42 });
  });
});

describe('values under review', () => {
  it('a rule marked review: needed adds a caveat to the result', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'rules-')), 'rules');
    cpSync('data/rules', dir, { recursive: true });
    const file = join(dir, 'labour.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('source: { law: nd-145-2020, article: 8, clause: 3 }', 'source: { law: nd-145-2020, article: 8, clause: 3 }\n        review: needed'));
    const { rules: reviewed, problems } = loadRules(dir, DAY);
    expect(problems).toEqual([]);
    const r = ok(severanceAllowance(reviewed, { monthsWorked: 30, monthsInsured: 0, averageSalary: 8_000_000 }, DAY));
    expect(r.notes.at(-1)).toContain('cách làm tròn tháng lẻ');
    expect(r.notes.at(-1)).toContain('đối chiếu lại với văn bản gốc');
  });
});

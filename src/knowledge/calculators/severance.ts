/**
 * Severance allowance (trợ cấp thôi việc, BLLĐ Điều 46) and job-loss allowance (trợ cấp mất
 * việc làm, Điều 47). Both count only the time worked that was NOT covered by unemployment
 * insurance, so a worker insured throughout usually gets nothing from the employer and claims
 * the unemployment benefit instead.
 */
import type { Rules } from '../rules/loader.js';
import { formatMonths, formatNumber, formatVnd } from './format.js';
import type { CalcResult } from './types.js';

export interface SeveranceInput {
  /** Months worked for this employer. */
  monthsWorked?: number;
  /** Of those, months with unemployment-insurance contributions. */
  monthsInsured?: number;
  /** Average monthly salary of the 6 months before leaving. */
  averageSalary?: number;
}

export type SeveranceField = 'monthsWorked' | 'monthsInsured' | 'averageSalary';

type Kind = 'severance' | 'job-loss';

/** Years for the allowance: whole years, odd months as half a year (1–5) or a year (6+). */
export function allowanceYears(rules: Rules, months: number, day: string): { years: number; reviewNeeded: boolean; source: ReturnType<Rules['get']>['source'] } {
  const r = rules.get<{ half_year_from: number; full_year_from: number }>('labour.odd-months-rounding', day);
  const whole = Math.floor(months / 12);
  const odd = months % 12;
  const extra = odd >= r.value.full_year_from ? 1 : odd >= r.value.half_year_from ? 0.5 : 0;
  return { years: whole + extra, reviewNeeded: r.reviewNeeded, source: r.source };
}

export function severanceAllowance(rules: Rules, input: SeveranceInput, day: string): CalcResult<SeveranceField> {
  return allowance(rules, input, day, 'severance');
}

export function jobLossAllowance(rules: Rules, input: SeveranceInput, day: string): CalcResult<SeveranceField> {
  return allowance(rules, input, day, 'job-loss');
}

function allowance(rules: Rules, input: SeveranceInput, day: string, kind: Kind): CalcResult<SeveranceField> {
  const missing = (['monthsWorked', 'monthsInsured', 'averageSalary'] as const).filter((f) => input[f] === undefined);
  if (missing.length > 0) return { ok: false, missing };
  const worked = input.monthsWorked!;
  const insured = Math.min(input.monthsInsured!, worked);
  const salary = input.averageSalary!;
  const param = rules.get<{ per_year: number; minimum_work_months: number; minimum_months?: number }>(kind === 'severance' ? 'labour.severance' : 'labour.job-loss', day);
  const name = kind === 'severance' ? 'trợ cấp thôi việc' : 'trợ cấp mất việc làm';
  if (worked < param.value.minimum_work_months) {
    return {
      ok: true,
      summary: `Bạn làm ${formatMonths(worked)}, chưa đủ ${param.value.minimum_work_months} tháng làm việc thường xuyên nên chưa được ${name}.`,
      working: [],
      notes: [],
      citations: [param.source],
    };
  }
  const counted = worked - insured;
  const { years, reviewNeeded, source } = allowanceYears(rules, counted, day);
  let amount = years * param.value.per_year * salary;
  const working = [
    `Thời gian tính = ${formatMonths(worked)} làm việc − ${formatMonths(insured)} đã đóng bảo hiểm thất nghiệp = ${formatMonths(counted)} → ${formatNumber(years)} năm`,
    `${name[0]!.toUpperCase()}${name.slice(1)} = ${formatNumber(years)} năm × ${formatNumber(param.value.per_year)} tháng lương × ${formatVnd(salary)} = ${formatVnd(amount)}`,
  ];
  if (param.value.minimum_months !== undefined) {
    const floor = param.value.minimum_months * salary;
    if (amount < floor) {
      working.push(`Thấp nhất ${param.value.minimum_months} tháng lương = ${formatVnd(floor)}`);
      amount = floor;
    }
  }
  const notes: string[] = [];
  if (counted === 0 && kind === 'severance') notes.push('Toàn bộ thời gian làm việc đã đóng bảo hiểm thất nghiệp, nên bạn không có trợ cấp thôi việc từ công ty; bạn xem điều kiện hưởng trợ cấp thất nghiệp nhé.');
  if (kind === 'severance') notes.push('Không áp dụng khi bạn bị sa thải, tự ý nghỉ trái luật hoặc đủ điều kiện hưởng lương hưu.');
  else notes.push('Áp dụng khi công ty cho nghỉ vì thay đổi cơ cấu, công nghệ, lý do kinh tế, sáp nhập, chia tách.');
  notes.push('Lương tính trợ cấp là tiền lương bình quân theo hợp đồng của 6 tháng liền kề trước khi nghỉ.');
  if (reviewNeeded && counted % 12 !== 0) notes.push('Cách làm tròn tháng lẻ đang được Công đoàn kiểm tra lại với văn bản gốc.');
  return {
    ok: true,
    summary: `${name[0]!.toUpperCase()}${name.slice(1)} của bạn khoảng ${formatVnd(amount)}.`,
    working,
    notes,
    citations: [param.source, source],
  };
}

/**
 * Paid annual leave (BLLĐ Điều 113–114): 12 working days (14 for minors, disabled workers
 * and heavy or hazardous work, 16 for especially heavy work), +1 day for every 5 years with
 * the same employer, in proportion for part of a year.
 */
import type { Rules } from '../rules/loader.js';
import { formatNumber } from './format.js';
import type { CalcResult } from './types.js';

export type WorkType = 'normal' | 'minor_disabled_heavy' | 'very_heavy';

export interface AnnualLeaveInput {
  workType?: WorkType;
  /** Full years with this employer. */
  yearsWithEmployer?: number;
  /** Months worked this year (12 for a full year). */
  monthsThisYear?: number;
}

export type AnnualLeaveField = 'yearsWithEmployer';

export function annualLeave(rules: Rules, input: AnnualLeaveInput, day: string): CalcResult<AnnualLeaveField> {
  if (input.yearsWithEmployer === undefined) return { ok: false, missing: ['yearsWithEmployer'] };
  const p = rules.get<{ normal: number; minor_disabled_heavy: number; very_heavy: number; seniority_step_years: number; seniority_days: number }>('labour.annual-leave', day);
  const type = input.workType ?? 'normal';
  const base = p.value[type];
  const seniority = Math.floor(input.yearsWithEmployer / p.value.seniority_step_years) * p.value.seniority_days;
  const months = Math.min(12, input.monthsThisYear ?? 12);
  const full = base + seniority;
  const days = (full * months) / 12;
  const working = [`Phép cơ bản ${base} ngày + thâm niên ${seniority} ngày (cứ ${p.value.seniority_step_years} năm thêm ${p.value.seniority_days} ngày) = ${full} ngày/năm`];
  if (months < 12) working.push(`Làm ${months} tháng trong năm: ${full} × ${months} ÷ 12 = ${formatNumber(days)} ngày`);
  return {
    ok: true,
    summary: `Bạn có ${formatNumber(days)} ngày nghỉ phép năm hưởng nguyên lương${months < 12 ? ' cho năm nay' : ''}.`,
    working,
    notes: [
      'Ngày phép chưa nghỉ hết khi thôi việc hoặc mất việc được công ty trả tiền.',
      ...(type === 'normal' ? ['Người chưa thành niên, người khuyết tật, người làm nghề nặng nhọc, độc hại được 14 ngày; nghề đặc biệt nặng nhọc được 16 ngày.'] : []),
    ],
    citations: [p.source, { law: 'blld-2019', article: 114 }],
  };
}

/**
 * Paid annual leave (BLLĐ Điều 113–114): 12 working days for 12 months of normal work (14 for
 * minors, disabled workers and heavy, hazardous or dangerous work; 16 for especially heavy,
 * hazardous or dangerous work), +1 day for every full 5 years with the same employer, and in
 * proportion to the months worked for part of a year (Điều 113.2, NĐ 145/2020 Điều 66).
 */
import type { Rules } from '../rules/loader.js';
import { asDay, today as vnToday, type DayInput } from '../rules/day.js';
import { Basis, given } from './basis.js';
import { formatNumber } from './format.js';
import type { CalcResult } from './types.js';

export type WorkType = 'normal' | 'minor_disabled_heavy' | 'very_heavy';

export interface AnnualLeaveInput {
  workType?: WorkType;
  /** Full years with this employer (for the seniority days). */
  yearsWithEmployer?: number;
  /** Months worked in the year in question (12, or fewer for a part year). */
  monthsThisYear?: number;
  on?: DayInput;
}

export type AnnualLeaveField = 'yearsWithEmployer';

export interface AnnualLeaveValues {
  baseDays: number;
  seniorityDays: number;
  /** Days for a full year: base + seniority. */
  fullYearDays: number;
  months: number;
  /** Days for the months worked (fractional when pro rata). */
  days: number;
}

const WORK_NAMES: Record<WorkType, string> = {
  normal: 'công việc trong điều kiện bình thường',
  minor_disabled_heavy: 'người chưa thành niên, người khuyết tật, hoặc nghề, công việc nặng nhọc, độc hại, nguy hiểm',
  very_heavy: 'nghề, công việc đặc biệt nặng nhọc, độc hại, nguy hiểm',
};

export function annualLeave(rules: Rules, input: AnnualLeaveInput, today: DayInput = vnToday()): CalcResult<AnnualLeaveField, AnnualLeaveValues> {
  if (!given(input.yearsWithEmployer)) return { ok: false, missing: ['yearsWithEmployer'] };
  const labour = rules.labour(asDay(input.on ?? today));
  const basis = new Basis();
  const leave = basis.use(labour.annualLeave).value;
  const type = input.workType ?? 'normal';
  const base = leave[type];
  const step = labour.annualLeaveSeniority.value;
  const steps = Math.floor(input.yearsWithEmployer / step.step_years);
  const seniority = steps * step.days;
  if (seniority > 0) basis.use(labour.annualLeaveSeniority);
  const full = base + seniority;
  const months = given(input.monthsThisYear) ? Math.min(12, input.monthsThisYear) : 12;
  const days = (full * months) / 12;

  const working = [
    seniority > 0
      ? `Phép cơ bản ${base} ngày (${WORK_NAMES[type]}) + thâm niên ${seniority} ngày (cứ đủ ${step.step_years} năm thêm ${step.days} ngày) = ${full} ngày/năm`
      : `Phép cơ bản ${base} ngày/năm (${WORK_NAMES[type]}); chưa đủ ${step.step_years} năm nên chưa có ngày phép thâm niên`,
  ];
  const notes: string[] = [];
  if (months < 12) {
    working.push(`Làm ${formatNumber(months)} tháng trong năm: ${full} × ${formatNumber(months)} ÷ 12 = ${formatNumber(days)} ngày`);
    basis.cite({ law: 'blld-2019', article: 113, clause: 2 }, { law: 'nd-145-2020', article: 66 });
    if (!Number.isInteger(days)) notes.push('Cách làm tròn số ngày lẻ và cách tính tháng làm việc chưa trọn theo Nghị định 145/2020; bạn xem thêm quy chế của công ty.');
  }
  notes.push('Ngày phép chưa nghỉ hết khi thôi việc hoặc mất việc được công ty trả tiền.');
  basis.cite({ law: 'blld-2019', article: 113, clause: 3 });
  if (type === 'normal') notes.push('Người chưa thành niên, người khuyết tật, người làm nghề nặng nhọc, độc hại, nguy hiểm được 14 ngày; nghề đặc biệt nặng nhọc, độc hại, nguy hiểm được 16 ngày.');
  notes.push(...basis.reviewNotes());
  return {
    ok: true,
    values: { baseDays: base, seniorityDays: seniority, fullYearDays: full, months, days },
    summary: `Bạn có ${formatNumber(days)} ngày nghỉ phép năm hưởng nguyên lương${months < 12 ? ` cho ${formatNumber(months)} tháng làm việc` : ''}.`,
    working,
    citations: basis.citations(),
    notes,
  };
}

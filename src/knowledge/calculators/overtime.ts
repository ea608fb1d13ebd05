/**
 * Overtime pay (BLLĐ Điều 98): at least 150% of the hourly wage on a normal day, 200% on a
 * weekly rest day, 300% on a public holiday or paid leave day; at night a further 30% plus
 * 20% of the daytime rate of that day (so 210%, 270%, 390%). Monthly and yearly caps: Điều 107.
 */
import type { Rules } from '../rules/loader.js';
import { formatNumber, formatPercent, formatVnd } from './format.js';
import type { CalcResult } from './types.js';

export type DayKind = 'normal_day' | 'weekly_rest' | 'holiday';

export interface OvertimeInput {
  hourlyWage?: number;
  /** Used when the hourly wage is not given: divided by 26 days × 8 hours. */
  monthlySalary?: number;
  hours?: number;
  dayKind?: DayKind;
  night?: boolean;
}

export type OvertimeField = 'hourlyWage' | 'hours' | 'dayKind';

/** The usual working month when a worker only knows the monthly salary. */
export const STANDARD_DAYS = 26;
export const STANDARD_HOURS_PER_DAY = 8;

const DAY_NAMES: Record<DayKind, string> = { normal_day: 'ngày thường', weekly_rest: 'ngày nghỉ hằng tuần', holiday: 'ngày lễ, Tết' };

export function overtimePay(rules: Rules, input: OvertimeInput, day: string): CalcResult<OvertimeField> {
  const missing: OvertimeField[] = [];
  if (input.hourlyWage === undefined && input.monthlySalary === undefined) missing.push('hourlyWage');
  if (input.hours === undefined) missing.push('hours');
  if (input.dayKind === undefined) missing.push('dayKind');
  if (missing.length > 0) return { ok: false, missing };
  const rates = rules.get<Record<DayKind | 'night_extra' | 'night_overtime_extra', number>>('labour.overtime-rates', day);
  const caps = rules.get<{ per_month: number; per_year: number; per_year_listed_sectors: number }>('labour.overtime-caps', day);
  const working: string[] = [];
  const notes: string[] = [];
  let hourly = input.hourlyWage;
  if (hourly === undefined) {
    hourly = input.monthlySalary! / (STANDARD_DAYS * STANDARD_HOURS_PER_DAY);
    working.push(`Lương giờ ≈ ${formatVnd(input.monthlySalary!)} ÷ (${STANDARD_DAYS} ngày × ${STANDARD_HOURS_PER_DAY} giờ) = ${formatVnd(hourly)}`);
    notes.push(`Lương giờ tính theo ${STANDARD_DAYS} ngày công; nếu công ty bạn tính theo số ngày công khác, kết quả thay đổi theo.`);
  }
  const kind = input.dayKind!;
  const base = rates.value[kind];
  const multiplier = input.night ? base + rates.value.night_extra + rates.value.night_overtime_extra * base : base;
  const pay = input.hours! * hourly * multiplier;
  if (input.night) working.push(`Hệ số làm thêm ban đêm ${DAY_NAMES[kind]} = ${formatPercent(base)} + ${formatPercent(rates.value.night_extra)} + ${formatPercent(rates.value.night_overtime_extra)} × ${formatPercent(base)} = ${formatPercent(multiplier)}`);
  working.push(`Tiền làm thêm = ${formatNumber(input.hours!)} giờ × ${formatVnd(hourly)} × ${formatPercent(multiplier)} = ${formatVnd(pay)}`);
  if (kind === 'holiday') notes.push('Với người hưởng lương ngày, mức 300% chưa gồm tiền lương của chính ngày lễ, Tết.');
  if (input.hours! > caps.value.per_month) notes.push(`Lưu ý: làm thêm quá ${caps.value.per_month} giờ trong một tháng là vượt giới hạn luật cho phép.`);
  notes.push(`Giới hạn làm thêm: không quá 50% giờ làm bình thường trong ngày, ${caps.value.per_month} giờ/tháng, ${caps.value.per_year} giờ/năm (${caps.value.per_year_listed_sectors} giờ với một số ngành); phải được bạn đồng ý.`);
  return {
    ok: true,
    summary: `Tiền làm thêm ${formatNumber(input.hours!)} giờ${input.night ? ' ban đêm' : ''} vào ${DAY_NAMES[kind]} ít nhất là ${formatVnd(pay)}.`,
    working,
    notes,
    citations: [rates.source, caps.source],
  };
}

/**
 * Overtime and night-work pay (BLLĐ Điều 98, NĐ 145/2020 Điều 57), as minimums:
 *   overtime: hourly wage × hours × 150% (normal day) / 200% (weekly rest day) / 300%
 *             (public holiday or paid leave day, on top of that day's own pay);
 *   night work inside normal hours: + 30%;
 *   night overtime: the day's overtime rate + 30% + 20% of the daytime rate of that day
 *             (100% on a normal day, or 150% after daytime overtime; 200%; 300%), so
 *             200% / 210%, 270%, 390%.
 * Warns when the hours pass the caps of Điều 107 (40 a month; 200 a year, 300 in listed
 * sectors).
 */
import type { Rules } from '../rules/loader.js';
import { asDay, today as vnToday, type DayInput } from '../rules/day.js';
import { Basis, given } from './basis.js';
import { formatNumber, formatPercent, formatVnd } from './format.js';
import type { CalcResult } from './types.js';

export type DayKind = 'normal_day' | 'weekly_rest' | 'holiday';

export interface OvertimeInput {
  hourlyWage?: number;
  /** Used when the hourly wage is not given: ÷ working days a month × hours a day. */
  monthlySalary?: number;
  /** Normal working days in a month at the worker's company (default 26, a common practice, not a legal figure). */
  workingDaysPerMonth?: number;
  hours?: number;
  dayKind?: DayKind;
  /** Worked at night (22:00–06:00). */
  night?: boolean;
  /** Night hours that are part of the normal shift (night work, not overtime). */
  withinNormalHours?: boolean;
  /** Normal day only: the worker already did overtime during that day before the night. */
  dayOvertimeBefore?: boolean;
  /** Overtime so far this month and this year, including these hours, for the cap warnings. */
  hoursThisMonth?: number;
  hoursThisYear?: number;
  /** The employer is in a sector allowed 300 hours a year (Điều 107.3). */
  listedSector?: boolean;
  on?: DayInput;
}

export type OvertimeField = 'hourlyWage' | 'hours' | 'dayKind';

export interface OvertimeValues {
  hourlyWage: number;
  hours: number;
  /** Multiple of the hourly wage paid for each hour. */
  multiplier: number;
  pay: number;
  /** For a normal-day night when daytime overtime is unknown: the 210% case. */
  alternative?: { multiplier: number; pay: number };
  overCap: Array<'month' | 'year'>;
}

/** A common working month when a worker only knows the monthly salary. */
export const STANDARD_DAYS = 26;

const DAY_NAMES: Record<DayKind, string> = { normal_day: 'ngày thường', weekly_rest: 'ngày nghỉ hằng tuần', holiday: 'ngày lễ, Tết' };

export function overtimePay(rules: Rules, input: OvertimeInput, today: DayInput = vnToday()): CalcResult<OvertimeField, OvertimeValues> {
  const nightWork = input.night === true && input.withinNormalHours === true;
  const missing: OvertimeField[] = [];
  if (!given(input.hourlyWage) && !given(input.monthlySalary)) missing.push('hourlyWage');
  if (!given(input.hours)) missing.push('hours');
  if (!nightWork && input.dayKind === undefined) missing.push('dayKind');
  if (missing.length > 0) return { ok: false, missing };

  const day = asDay(input.on ?? today);
  const labour = rules.labour(day);
  const basis = new Basis();
  const rates = basis.use(labour.overtimeRates).value;
  const caps = basis.use(labour.overtimeCaps).value;
  const working: string[] = [];
  const notes: string[] = [];
  const hours = input.hours!;

  let hourly = input.hourlyWage;
  if (!given(hourly)) {
    const perDay = basis.use(labour.workingTime).value.hours_per_day;
    const days = given(input.workingDaysPerMonth) && input.workingDaysPerMonth > 0 ? input.workingDaysPerMonth : STANDARD_DAYS;
    hourly = input.monthlySalary! / (days * perDay);
    working.push(`Lương giờ = ${formatVnd(input.monthlySalary!)} ÷ (${formatNumber(days)} ngày × ${perDay} giờ) = ${formatVnd(hourly)}`);
    if (!given(input.workingDaysPerMonth)) notes.push(`Lương giờ tạm tính theo ${STANDARD_DAYS} ngày công một tháng; nếu công ty bạn quy định số ngày công khác, kết quả thay đổi theo.`);
  }
  // Rates are sums of decimals (2 + 0.3 + 0.2 × 2): round away float noise before paying.
  const exact = (m: number) => Math.round(m * 1e6) / 1e6;
  const pay = (m: number) => hours * hourly! * exact(m);
  let multiplier: number;
  let alternative: OvertimeValues['alternative'];
  let summary: string;

  if (nightWork) {
    multiplier = 1 + rates.night_work_extra;
    working.push(`Làm việc ban đêm trong giờ bình thường: ${formatPercent(1)} + ${formatPercent(rates.night_work_extra)} = ${formatPercent(multiplier)}`);
    working.push(`Tiền lương = ${formatNumber(hours)} giờ × ${formatVnd(hourly)} × ${formatPercent(multiplier)} = ${formatVnd(pay(multiplier))} (trong đó phần trả thêm ban đêm ${formatVnd(pay(rates.night_work_extra))})`);
    summary = `Tiền lương ${formatNumber(hours)} giờ làm việc ban đêm ít nhất là ${formatVnd(pay(multiplier))}, tức được trả thêm ít nhất ${formatVnd(pay(rates.night_work_extra))} so với ban ngày.`;
    basis.cite({ law: 'blld-2019', article: 98, clause: 2 });
  } else {
    const kind = input.dayKind!;
    const base = rates[kind];
    if (input.night) {
      const dayRates = basis.use(labour.nightOvertimeDayRate).value;
      const nightRate = (dayRate: number) => base + rates.night_work_extra + rates.night_overtime_extra * dayRate;
      const line = (dayRate: number) =>
        `${formatPercent(base)} + ${formatPercent(rates.night_work_extra)} + ${formatPercent(rates.night_overtime_extra)} × ${formatPercent(dayRate)} = ${formatPercent(nightRate(dayRate))}`;
      if (kind === 'normal_day') {
        const without = dayRates.normal_day;
        const after = dayRates.normal_day_after_day_overtime;
        const chosen = input.dayOvertimeBefore === true ? after : without;
        multiplier = nightRate(chosen);
        working.push(`Hệ số làm thêm ban đêm ngày thường${input.dayOvertimeBefore ? ' (đã làm thêm giờ ban ngày)' : input.dayOvertimeBefore === false ? ' (không làm thêm giờ ban ngày)' : ' nếu ban ngày không làm thêm'} = ${line(chosen)}`);
        working.push(`Tiền làm thêm = ${formatNumber(hours)} giờ × ${formatVnd(hourly)} × ${formatPercent(multiplier)} = ${formatVnd(pay(multiplier))}`);
        if (input.dayOvertimeBefore === undefined) {
          // Both readings are shown: the worker may not know which one the question meant.
          alternative = { multiplier: exact(nightRate(after)), pay: pay(nightRate(after)) };
          working.push(`Nếu ban ngày bạn đã làm thêm giờ: ${line(after)} → ${formatNumber(hours)} giờ × ${formatVnd(hourly)} × ${formatPercent(alternative.multiplier)} = ${formatVnd(alternative.pay)}`);
        }
      } else {
        multiplier = nightRate(dayRates[kind]);
        working.push(`Hệ số làm thêm ban đêm ${DAY_NAMES[kind]} = ${line(dayRates[kind])}`);
        working.push(`Tiền làm thêm = ${formatNumber(hours)} giờ × ${formatVnd(hourly)} × ${formatPercent(multiplier)} = ${formatVnd(pay(multiplier))}`);
      }
    } else {
      multiplier = base;
      working.push(`Tiền làm thêm = ${formatNumber(hours)} giờ × ${formatVnd(hourly)} × ${formatPercent(multiplier)} = ${formatVnd(pay(multiplier))}`);
    }
    summary = `Tiền làm thêm ${formatNumber(hours)} giờ${input.night ? ' ban đêm' : ''} vào ${DAY_NAMES[kind]} ít nhất là ${formatVnd(pay(multiplier))}${alternative ? ` (${formatVnd(alternative.pay)} nếu ban ngày bạn đã làm thêm giờ)` : ''}.`;
    if (kind === 'holiday') notes.push('Với người hưởng lương ngày, mức 300% chưa gồm tiền lương của chính ngày lễ, Tết, ngày nghỉ có hưởng lương.');
  }

  const overCap: OvertimeValues['overCap'] = [];
  if (given(input.hoursThisMonth) && input.hoursThisMonth > caps.per_month) {
    overCap.push('month');
    notes.unshift(`Cảnh báo: ${formatNumber(input.hoursThisMonth)} giờ làm thêm trong một tháng vượt giới hạn ${caps.per_month} giờ/tháng luật cho phép.`);
  } else if (!given(input.hoursThisMonth) && !nightWork && hours > caps.per_month) {
    // The hours asked about may span several months; warn without asserting a breach.
    overCap.push('month');
    notes.unshift(`Cảnh báo: nếu ${formatNumber(hours)} giờ làm thêm này nằm trong cùng một tháng thì đã vượt giới hạn ${caps.per_month} giờ/tháng luật cho phép.`);
  }
  const yearCap = input.listedSector ? caps.per_year_listed_sectors : caps.per_year;
  if (given(input.hoursThisYear) && input.hoursThisYear > yearCap) {
    overCap.push('year');
    notes.unshift(`Cảnh báo: ${formatNumber(input.hoursThisYear)} giờ làm thêm trong một năm vượt giới hạn ${yearCap} giờ/năm${input.listedSector ? ' của các ngành được phép' : ''}.`);
  }
  if (!nightWork) {
    notes.push(
      `Giới hạn làm thêm: không quá ${formatPercent(caps.daily_share_of_normal_hours)} số giờ làm bình thường trong ngày, ${caps.per_month} giờ/tháng, ${caps.per_year} giờ/năm (${caps.per_year_listed_sectors} giờ/năm với một số ngành, nghề); làm thêm phải được bạn đồng ý.`,
    );
  }
  notes.push('Đây là mức tối thiểu theo luật; công ty có thể trả cao hơn theo thỏa thuận.');
  notes.push(...basis.reviewNotes());
  return {
    ok: true,
    values: { hourlyWage: hourly, hours, multiplier: exact(multiplier), pay: pay(multiplier), ...(alternative ? { alternative } : {}), overCap },
    summary,
    working,
    citations: basis.citations(),
    notes,
  };
}

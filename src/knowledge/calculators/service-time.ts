/**
 * Time of service for the severance and job-loss allowances (BLLĐ Điều 46.2, 47.2; NĐ 145/2020
 * Điều 8.3): months actually worked for the employer, minus the months covered by
 * unemployment insurance and the months already paid an allowance for; counted in years, the
 * odd months as half a year (up to 6) or a whole year (more than 6).
 */
import type { RuleValue, Rules } from '../rules/loader.js';
import type { DayInput } from '../rules/day.js';
import type { ParameterValue } from '../rules/schema.js';
import { formatMonths, formatNumber } from './format.js';

export interface ServiceTime {
  /** Months counted after the deductions. */
  months: number;
  /** Years for the allowance after rounding the odd months. */
  years: number;
  oddMonths: number;
  rounding: RuleValue<ParameterValue<'labour.service-rounding'>>;
  /** The rounding step in Vietnamese, when there are odd months. */
  explanation?: string;
}

export function serviceYears(rules: Rules, months: number, on: DayInput): ServiceTime {
  const rounding = rules.labour(on).serviceRounding;
  const counted = Math.max(0, Math.floor(months));
  const whole = Math.floor(counted / 12);
  const odd = counted % 12;
  const limit = rounding.value.half_year_up_to;
  const extra = odd === 0 ? 0 : odd <= limit ? 0.5 : 1;
  const years = whole + extra;
  const explanation =
    odd === 0
      ? undefined
      : `${formatMonths(counted)}: ${odd} tháng lẻ ${odd <= limit ? `(không quá ${limit} tháng) tính là 1/2 năm` : `(trên ${limit} tháng) tính là 1 năm`} → ${formatNumber(years)} năm`;
  return { months: counted, years, oddMonths: odd, rounding, ...(explanation ? { explanation } : {}) };
}


/**
 * Job-loss allowance (trợ cấp mất việc làm), BLLĐ Điều 47: one month's salary per year of
 * service not covered by unemployment insurance, at least two months' salary, for a worker
 * with at least 12 months of regular work dismissed for restructuring, technological change,
 * economic reasons, merger or division (Điều 42–43). Service time as for severance.
 */
import type { Rules } from '../rules/loader.js';
import { today as vnToday, type DayInput } from '../rules/day.js';
import { allowance, type AllowanceValues, type SeveranceField, type SeveranceInput } from './allowance.js';
import type { CalcResult } from './types.js';

export type JobLossInput = SeveranceInput;
export type JobLossField = SeveranceField;

export function jobLossAllowance(rules: Rules, input: JobLossInput, today: DayInput = vnToday()): CalcResult<JobLossField, AllowanceValues> {
  return allowance(rules, input, today, 'job-loss');
}

/**
 * Severance allowance (trợ cấp thôi việc), BLLĐ Điều 46: half a month's salary per year of
 * service, for a worker with at least 12 months of regular work, counting only the time NOT
 * covered by unemployment insurance (and not already paid for). A worker insured throughout
 * therefore gets 0 from the employer and claims the unemployment benefit instead.
 * Salary: the average of the 6 months before leaving. Odd months: NĐ 145/2020 Điều 8.3.
 */
import type { Rules } from '../rules/loader.js';
import { today as vnToday, type DayInput } from '../rules/day.js';
import { allowance, type AllowanceValues, type SeveranceField, type SeveranceInput } from './allowance.js';
import type { CalcResult } from './types.js';

export type { AllowanceValues, SeveranceField, SeveranceInput } from './allowance.js';

export function severanceAllowance(rules: Rules, input: SeveranceInput, today: DayInput = vnToday()): CalcResult<SeveranceField, AllowanceValues> {
  return allowance(rules, input, today, 'severance');
}

/** Kept here for callers of the first version, which had both allowances in this file. */
export { jobLossAllowance } from './job-loss.js';

/**
 * The shape of data/rules/*.yaml (all but laws.yaml): named legal parameters, each a list of
 * periods with a value, a validity and the legal source. A law change is a data change: close
 * the old period with `valid_to` and add a new one.
 *
 *   parameters:
 *     - id: minimum-wage.monthly
 *       unit: VND per month, by region
 *       periods:
 *         - valid_from: 2026-01-01
 *           value: { 1: 5310000, 2: 4730000, 3: 4140000, 4: 3700000 }
 *           source: { law: nd-293-2025, article: 3, clause: 1 }
 *
 * Every parameter the calculators read is registered below with the shape of its value and
 * sane bounds, so that a typo (0.06 for 0.6, a missing zero in a wage) fails `kb lint` with
 * its line instead of reaching a worker. Value keys mirror the YAML keys (snake_case), so a
 * curator and a developer read the same names.
 */
import { z } from 'zod';
import { citationSchema, isoDate } from '../kb/schema.js';

export const sourcesSchema = z.union([citationSchema, z.array(citationSchema).min(1)]);

export const periodSchema = z.strictObject({
  valid_from: isoDate,
  /** Last day in force (inclusive); absent while the value is current. */
  valid_to: isoDate.optional(),
  /** Checked against the parameter's registered shape after the file parses. */
  value: z.unknown(),
  /** One citation, or several when the value rests on more than one provision. */
  source: sourcesSchema,
  /** `needed` while the value rests on an unconfirmed source; calculators then say so. */
  review: z.enum(['ok', 'needed']).default('ok'),
  note: z.string().optional(),
});

export const parameterSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(?:[.-][a-z0-9]+)*$/, 'id must be lowercase a-z0-9 with . or -'),
  unit: z.string().min(1),
  periods: z.array(periodSchema).min(1),
});

export const rulesFileSchema = z.strictObject({ parameters: z.array(parameterSchema).min(1) });

export type PeriodInput = z.infer<typeof periodSchema>;
export type ParameterInput = z.infer<typeof parameterSchema>;

// ---------- value shapes, with bounds that catch absurd numbers ----------

const vnd = (min: number, max: number) => z.number().int().min(min).max(max);
/** A share of a salary: 0.6 for 60%. Above 1 is nearly always a percent typed as a number. */
const share = z.number().positive().max(1);
const count = (min: number, max: number) => z.number().int().min(min).max(max);
const multiplier = (min: number, max: number) => z.number().min(min).max(max);

const regional = (min: number, max: number) =>
  z
    .strictObject({ 1: vnd(min, max), 2: vnd(min, max), 3: vnd(min, max), 4: vnd(min, max) })
    // Region I is the most expensive; a table in the wrong order is a typo.
    .refine((v) => v[1] >= v[2] && v[2] >= v[3] && v[3] >= v[4], 'regions must not increase from I to IV');

const noticeDays = z.strictObject({ indefinite: count(1, 180), fixed_12_36: count(1, 180), under_12: count(1, 60) });

export const PARAMETERS = {
  'minimum-wage.monthly': regional(1_000_000, 30_000_000),
  'base-salary.monthly': vnd(500_000, 20_000_000),

  'unemployment.benefit-rate': share,
  'unemployment.average-months': count(1, 24),
  /** Benefit cap as multiples; the 2013 law had a base-salary branch for state-pay workers. */
  'unemployment.cap': z.strictObject({
    minimum_wage_multiple: multiplier(1, 20),
    base_salary_multiple_state_pay: multiplier(1, 20).optional(),
  }),
  'unemployment.duration': z
    .strictObject({
      minimum_contribution: count(1, 60),
      base_benefit: count(1, 12),
      base_up_to: count(1, 120),
      step_contribution: count(1, 60),
      step_benefit: count(1, 12),
      maximum_benefit: count(1, 24),
    })
    .refine((v) => v.minimum_contribution <= v.base_up_to && v.base_benefit <= v.maximum_benefit, 'inconsistent duration steps'),
  /** Leftover months are kept only for totals within [from, to]; beyond `to` they are lost. */
  'unemployment.reserve-range': z.strictObject({ from: count(0, 600), to: count(1, 600) }).refine((v) => v.from < v.to, 'from must be below to'),
  'unemployment.qualifying-period': z.strictObject({
    months: count(1, 60),
    within: count(1, 120),
    /** Window for short contracts: from `short_contract_from_months` to under `short_contract_below_months`. */
    within_short_contract: count(1, 120),
    short_contract_from_months: count(0, 12),
    short_contract_below_months: count(1, 36),
  }),
  'unemployment.minimum-contract-months': count(0, 12),
  'unemployment.filing-deadline-months': count(1, 12),
  'unemployment.job-search-wait': z.strictObject({ days: count(1, 60), working_days: z.boolean() }),
  'unemployment.benefit-start': z.strictObject({ day: count(1, 60), working_days: z.boolean() }),
  'unemployment.contribution-rate': z.strictObject({ worker: share, employer: share }),
  'unemployment.contribution-salary-cap': z.strictObject({
    minimum_wage_multiple: multiplier(1, 50),
    base_salary_multiple_state_pay: multiplier(1, 50).optional(),
  }),

  'labour.notice-days.worker': noticeDays,
  /** `long_sickness`: Art. 36.1(b), whatever the contract. */
  'labour.notice-days.employer': noticeDays.extend({ long_sickness: count(1, 60) }),
  /** Overtime as multiples of the normal hourly wage; night extras as shares of it. */
  'labour.overtime-rates': z.strictObject({
    normal_day: multiplier(1, 10),
    weekly_rest: multiplier(1, 10),
    holiday: multiplier(1, 10),
    night_work_extra: multiplier(0, 2),
    night_overtime_extra: multiplier(0, 2),
  }),
  /** The daytime rate of the day that the night-overtime 20% is taken of (NĐ 145 Điều 57). */
  'labour.night-overtime-day-rate': z.strictObject({
    normal_day: multiplier(1, 10),
    normal_day_after_day_overtime: multiplier(1, 10),
    weekly_rest: multiplier(1, 10),
    holiday: multiplier(1, 10),
  }),
  'labour.overtime-caps': z.strictObject({
    daily_share_of_normal_hours: share,
    per_day_total_weekly_regime: count(1, 24),
    per_month: count(1, 300),
    per_year: count(1, 1000),
    per_year_listed_sectors: count(1, 1000),
  }),
  'labour.working-time': z.strictObject({ hours_per_day: count(1, 24), hours_per_week: count(1, 168) }),
  'labour.annual-leave': z.strictObject({ normal: count(1, 60), minor_disabled_heavy: count(1, 60), very_heavy: count(1, 60) }),
  'labour.annual-leave-seniority': z.strictObject({ step_years: count(1, 20), days: count(1, 10) }),
  'labour.severance': z.strictObject({ per_year: multiplier(0.1, 5), minimum_work_months: count(1, 60), salary_average_months: count(1, 24) }),
  'labour.job-loss': z.strictObject({
    per_year: multiplier(0.1, 5),
    minimum_months: multiplier(0, 24),
    minimum_work_months: count(1, 60),
    salary_average_months: count(1, 24),
  }),
  /** Odd months of service: 1..`half_year_up_to` count as half a year, more as a whole year. */
  'labour.service-rounding': z.strictObject({ half_year_up_to: count(1, 11) }),
  'labour.probation': z.strictObject({
    manager_days: count(1, 365),
    college_or_above_days: count(1, 365),
    intermediate_days: count(1, 365),
    other_working_days: count(1, 60),
    salary_share: share,
  }),

  /** Retirement age in months, rising each year from `start_year` by `step_months` up to `final_months`. */
  'retirement.age-path': z.strictObject({
    men: z.strictObject({ start_year: count(2000, 2100), start_months: count(600, 840), step_months: count(0, 11), final_months: count(600, 840) }),
    women: z.strictObject({ start_year: count(2000, 2100), start_months: count(600, 840), step_months: count(0, 11), final_months: count(600, 840) }),
  }),
} as const satisfies Record<string, z.ZodType>;

export type ParameterId = keyof typeof PARAMETERS;
export type ParameterValue<K extends ParameterId> = z.output<(typeof PARAMETERS)[K]>;

export function isParameterId(id: string): id is ParameterId {
  return Object.hasOwn(PARAMETERS, id);
}

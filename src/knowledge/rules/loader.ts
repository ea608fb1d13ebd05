/**
 * Legal parameters (data/rules/*.yaml except laws.yaml), loaded into date-aware look-ups.
 *
 * The loader refuses (as errors, with file and line): files that do not parse, unknown or
 * badly shaped values, unknown law ids, overlapping periods, gaps between periods, a
 * registered parameter with no value today, and an open-ended period whose source law has
 * been repealed. It warns on parameters no calculator reads and on a period that starts
 * before its source law was in force.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import type { Citation } from '../kb/schema.js';
import { loadLaws, type LawRegistry } from '../laws.js';
import { loadYaml, unreadableProblem, zodIssuesToProblems, type Problem } from '../yaml-source.js';
import { asDay, today as vnToday, type Day, type DayInput } from './day.js';
import { PARAMETERS, isParameterId, rulesFileSchema, type ParameterId, type ParameterValue } from './schema.js';

export type { Day, DayInput } from './day.js';
export type Region = 1 | 2 | 3 | 4;
export type Sex = 'male' | 'female';

/** A value with the legal basis it rests on. */
export interface RuleValue<T> {
  id: string;
  value: T;
  /** The first (main) citation. */
  source: Citation;
  /** All citations, main first. */
  sources: Citation[];
  /** The value rests on a source that still needs confirming: say so to the worker. */
  reviewNeeded: boolean;
  note?: string;
  validFrom: Day;
  validTo?: Day;
}

/** Thrown by a look-up when no value is in force on the day asked. */
export class RuleNotFound extends Error {
  constructor(
    readonly id: string,
    readonly day: string,
  ) {
    super(`no value of ${id} in force on ${day}`);
    this.name = 'RuleNotFound';
  }
}

interface StoredPeriod {
  validFrom: Day;
  validTo?: Day;
  /** As written in the YAML. */
  raw: unknown;
  /** Parsed by the registered shape (the raw value for unregistered parameters). */
  value: unknown;
  sources: Citation[];
  reviewNeeded: boolean;
  note?: string;
}

export interface UnemploymentRules {
  benefitRate: RuleValue<ParameterValue<'unemployment.benefit-rate'>>;
  averageMonths: RuleValue<ParameterValue<'unemployment.average-months'>>;
  cap: RuleValue<ParameterValue<'unemployment.cap'>>;
  duration: RuleValue<ParameterValue<'unemployment.duration'>>;
  /** Absent where the law in force sets no range (only modelled from 2026). */
  reserveRange?: RuleValue<ParameterValue<'unemployment.reserve-range'>>;
  qualifying: RuleValue<ParameterValue<'unemployment.qualifying-period'>>;
  minimumContractMonths: RuleValue<ParameterValue<'unemployment.minimum-contract-months'>>;
  filingDeadlineMonths: RuleValue<ParameterValue<'unemployment.filing-deadline-months'>>;
  jobSearchWait: RuleValue<ParameterValue<'unemployment.job-search-wait'>>;
  benefitStart: RuleValue<ParameterValue<'unemployment.benefit-start'>>;
  contributionRate: RuleValue<ParameterValue<'unemployment.contribution-rate'>>;
  contributionSalaryCap: RuleValue<ParameterValue<'unemployment.contribution-salary-cap'>>;
}

export interface LabourRules {
  noticeWorker: RuleValue<ParameterValue<'labour.notice-days.worker'>>;
  noticeEmployer: RuleValue<ParameterValue<'labour.notice-days.employer'>>;
  overtimeRates: RuleValue<ParameterValue<'labour.overtime-rates'>>;
  nightOvertimeDayRate: RuleValue<ParameterValue<'labour.night-overtime-day-rate'>>;
  overtimeCaps: RuleValue<ParameterValue<'labour.overtime-caps'>>;
  workingTime: RuleValue<ParameterValue<'labour.working-time'>>;
  annualLeave: RuleValue<ParameterValue<'labour.annual-leave'>>;
  annualLeaveSeniority: RuleValue<ParameterValue<'labour.annual-leave-seniority'>>;
  severance: RuleValue<ParameterValue<'labour.severance'>>;
  jobLoss: RuleValue<ParameterValue<'labour.job-loss'>>;
  serviceRounding: RuleValue<ParameterValue<'labour.service-rounding'>>;
  probation: RuleValue<ParameterValue<'labour.probation'>>;
}

export interface RetirementAge {
  years: number;
  months: number;
  /** years × 12 + months. */
  totalMonths: number;
}

export class Rules {
  constructor(private readonly parameters: ReadonlyMap<string, readonly StoredPeriod[]>) {}

  /**
   * The raw value of any parameter in force `on` a day, as written in the YAML (optionally
   * parsed by `shape`). Prefer the typed look-ups below.
   */
  get<T>(id: string, on: DayInput, shape?: z.ZodType<T>): RuleValue<T> {
    const day = asDay(on);
    const period = this.find(id, day);
    if (!period) throw new RuleNotFound(id, day);
    return toRuleValue(id, period, shape ? shape.parse(period.raw) : (period.raw as T));
  }

  has(id: string, on: DayInput): boolean {
    return this.find(id, asDay(on)) !== undefined;
  }

  get ids(): string[] {
    return [...this.parameters.keys()];
  }

  /** A registered parameter's value in force `on` a day, typed by its registered shape. */
  param<K extends ParameterId>(id: K, on: DayInput): RuleValue<ParameterValue<K>> {
    const day = asDay(on);
    const period = this.find(id, day);
    if (!period) throw new RuleNotFound(id, day);
    return toRuleValue(id, period, period.value as ParameterValue<K>);
  }

  /** Every period of a parameter, oldest first: for "what was it in 2025" answers and audits. */
  history(id: string): RuleValue<unknown>[] {
    return (this.parameters.get(id) ?? []).map((p) => toRuleValue(id, p, p.value));
  }

  /** Monthly regional minimum wage (lương tối thiểu vùng) of `region` on a day. */
  minimumWage(region: Region, on: DayInput): RuleValue<number> {
    const all = this.param('minimum-wage.monthly', on);
    return { ...all, value: all.value[region] };
  }

  /** The four regional minimum wages on a day. */
  minimumWages(on: DayInput): RuleValue<Record<Region, number>> {
    const all = this.param('minimum-wage.monthly', on);
    return { ...all, value: { 1: all.value[1], 2: all.value[2], 3: all.value[3], 4: all.value[4] } };
  }

  /** Base salary (lương cơ sở) on a day. */
  baseSalary(on: DayInput): RuleValue<number> {
    return this.param('base-salary.monthly', on);
  }

  /** The unemployment-insurance parameters in force on a day (the 2013 law until 2025-12-31). */
  unemployment(on: DayInput): UnemploymentRules {
    const day = asDay(on);
    return {
      benefitRate: this.param('unemployment.benefit-rate', day),
      averageMonths: this.param('unemployment.average-months', day),
      cap: this.param('unemployment.cap', day),
      duration: this.param('unemployment.duration', day),
      reserveRange: this.has('unemployment.reserve-range', day) ? this.param('unemployment.reserve-range', day) : undefined,
      qualifying: this.param('unemployment.qualifying-period', day),
      minimumContractMonths: this.param('unemployment.minimum-contract-months', day),
      filingDeadlineMonths: this.param('unemployment.filing-deadline-months', day),
      jobSearchWait: this.param('unemployment.job-search-wait', day),
      benefitStart: this.param('unemployment.benefit-start', day),
      contributionRate: this.param('unemployment.contribution-rate', day),
      contributionSalaryCap: this.param('unemployment.contribution-salary-cap', day),
    };
  }

  /** The Labour Code parameters in force on a day. */
  labour(on: DayInput): LabourRules {
    const day = asDay(on);
    return {
      noticeWorker: this.param('labour.notice-days.worker', day),
      noticeEmployer: this.param('labour.notice-days.employer', day),
      overtimeRates: this.param('labour.overtime-rates', day),
      nightOvertimeDayRate: this.param('labour.night-overtime-day-rate', day),
      overtimeCaps: this.param('labour.overtime-caps', day),
      workingTime: this.param('labour.working-time', day),
      annualLeave: this.param('labour.annual-leave', day),
      annualLeaveSeniority: this.param('labour.annual-leave-seniority', day),
      severance: this.param('labour.severance', day),
      jobLoss: this.param('labour.job-loss', day),
      serviceRounding: this.param('labour.service-rounding', day),
      probation: this.param('labour.probation', day),
    };
  }

  /**
   * Retirement age under normal working conditions for a person who reaches it in `year`
   * (the schedule is by the calendar year in which the age is reached). Throws RuleNotFound
   * before the schedule starts.
   */
  retirementAge(sex: Sex, year: number): RuleValue<RetirementAge> {
    if (!Number.isInteger(year)) throw new TypeError(`year must be an integer, got ${year}`);
    const path = this.param('retirement.age-path', `${String(year).padStart(4, '0')}-01-01`);
    const p = sex === 'male' ? path.value.men : path.value.women;
    if (year < p.start_year) throw new RuleNotFound('retirement.age-path', `${year}`);
    const totalMonths = Math.min(p.final_months, p.start_months + (year - p.start_year) * p.step_months);
    return { ...path, value: { years: Math.floor(totalMonths / 12), months: totalMonths % 12, totalMonths } };
  }

  private find(id: string, day: Day): StoredPeriod | undefined {
    return this.parameters.get(id)?.find((p) => covers(p, day));
  }
}

function covers(p: { validFrom: Day; validTo?: Day }, day: Day): boolean {
  return p.validFrom <= day && (p.validTo === undefined || p.validTo >= day);
}

function toRuleValue<T>(id: string, p: StoredPeriod, value: T): RuleValue<T> {
  return {
    id,
    value,
    source: p.sources[0]!,
    sources: [...p.sources],
    reviewNeeded: p.reviewNeeded,
    ...(p.note !== undefined ? { note: p.note } : {}),
    validFrom: p.validFrom,
    ...(p.validTo !== undefined ? { validTo: p.validTo } : {}),
  };
}

/** The day before `day` (YYYY-MM-DD), for gap checks between consecutive periods. */
function dayBefore(day: Day): Day {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/**
 * Loads every rules file in `dir` (laws.yaml is the registry the sources must name).
 * `today` (YYYY-MM-DD, Vietnam) is the day the "no value today" check uses.
 */
export function loadRules(dir = 'data/rules', today: DayInput = vnToday()): { rules: Rules; problems: Problem[] } {
  const day = asDay(today);
  const problems: Problem[] = [];
  const parameters = new Map<string, StoredPeriod[]>();
  const { laws } = loadLaws(join(dir, 'laws.yaml'));
  let files: string[] = [];
  try {
    files = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f) && f !== 'laws.yaml')
      .sort();
  } catch (err) {
    problems.push({ file: dir, line: 0, message: `cannot read folder: ${(err as Error).message}`, severity: 'error' });
  }
  const seen = new Map<string, { file: string; line: number }>();
  // After a file fails to parse, "missing parameter" would only repeat that failure.
  let fileFailed = false;
  for (const name of files) {
    const file = join(dir, name);
    let source;
    try {
      source = loadYaml(file);
    } catch (err) {
      problems.push(unreadableProblem(file, err));
      fileFailed = true;
      continue;
    }
    const parsed = rulesFileSchema.safeParse(source.data);
    if (!parsed.success) {
      problems.push(...zodIssuesToProblems(parsed.error.issues, file, source.lineOf));
      fileFailed = true;
      continue;
    }
    parsed.data.parameters.forEach((param, i) => {
      const at = (...path: (string | number)[]) => source.lineOf(['parameters', i, ...path]);
      const problem = (line: number, message: string, severity: Problem['severity'] = 'error') => problems.push({ file, line, message: `${param.id}: ${message}`, severity });
      const first = seen.get(param.id);
      if (first) {
        problem(at('id'), `duplicate parameter (first in ${first.file}:${first.line})`);
        return;
      }
      seen.set(param.id, {
        file,
        // Looked up only for a duplicate's message (with the start-up cache it parses the file again).
        get line() {
          return at('id');
        },
      });
      const shape = isParameterId(param.id) ? PARAMETERS[param.id] : undefined;
      if (!shape) problem(at('id'), 'unknown parameter: no calculator reads it (a typo in the id?)', 'warning');

      const stored: Array<StoredPeriod & { index: number }> = [];
      let rejected = 0;
      param.periods.forEach((p, j) => {
        const sources = Array.isArray(p.source) ? p.source : [p.source];
        let ok = true;
        sources.forEach((c, k) => {
          // Looked up only for a problem (with the start-up cache it parses the file again).
          const line = () => at('periods', j, 'source', ...(Array.isArray(p.source) ? [k] : []));
          // Still kept for the overlap and gap checks: one broken citation should not hide them.
          if (!laws.has(c.law)) problem(line(), `unknown law "${c.law}" (not in laws.yaml)`);
          else checkLawInForce(laws, c.law, p.valid_from, p.valid_to, day, (m, s) => problem(line(), m, s));
        });
        if (p.valid_to !== undefined && p.valid_to < p.valid_from) {
          problem(at('periods', j, 'valid_to'), `valid_to ${p.valid_to} is before valid_from ${p.valid_from}`);
          ok = false;
        }
        let value: unknown = p.value;
        if (shape) {
          const checked = shape.safeParse(p.value);
          if (!checked.success) {
            problems.push(
              ...zodIssuesToProblems(checked.error.issues, file, source.lineOf, ['parameters', i, 'periods', j, 'value']).map((q) => ({ ...q, message: `${param.id}: ${q.message}` })),
            );
            ok = false;
          } else value = checked.data;
        } else if (!plausibleNumbers(p.value)) {
          problem(at('periods', j, 'value'), 'values must be non-negative numbers (or maps of them)');
          ok = false;
        }
        if (!ok) {
          rejected += 1;
          return;
        }
        stored.push({
          index: j,
          validFrom: p.valid_from,
          ...(p.valid_to !== undefined ? { validTo: p.valid_to } : {}),
          raw: p.value,
          value,
          sources,
          reviewNeeded: p.review === 'needed',
          ...(p.note !== undefined ? { note: p.note } : {}),
        });
      });

      stored.sort((a, b) => a.validFrom.localeCompare(b.validFrom));
      const kept: StoredPeriod[] = [];
      for (const cur of stored) {
        const prev = kept.at(-1);
        if (prev && (prev.validTo === undefined || prev.validTo >= cur.validFrom)) {
          problem(at('periods', cur.index, 'valid_from'), `period from ${cur.validFrom} overlaps the one from ${prev.validFrom}`);
          rejected += 1;
          continue; // keep the earlier one so look-ups stay deterministic
        }
        if (prev?.validTo !== undefined && prev.validTo !== dayBefore(cur.validFrom)) {
          problem(at('periods', cur.index, 'valid_from'), `gap: no value from ${nextDay(prev.validTo)} to ${dayBefore(cur.validFrom)}`);
        }
        const { index: _index, ...period } = cur;
        kept.push(period);
      }
      parameters.set(param.id, kept);
      if (shape && rejected === 0 && !kept.some((p) => covers(p, day))) problem(at('id'), `no value in force today (${day})`);
    });
  }
  for (const id of Object.keys(PARAMETERS)) {
    if (!fileFailed && !seen.has(id)) problems.push({ file: dir, line: 0, message: `${id}: parameter missing from data/rules (calculators need it)`, severity: 'error' });
  }
  return { rules: new Rules(parameters), problems };
}

function nextDay(day: Day): Day {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/**
 * A period should sit inside its source's time in force. Serving a current value from a
 * repealed document is an error (someone forgot to close the period); the other mismatches
 * are warnings, since a registry date may be approximate.
 */
function checkLawInForce(laws: LawRegistry, id: string, from: Day, to: Day | undefined, today: Day, report: (message: string, severity: Problem['severity']) => void): void {
  const law = laws.get(id);
  if (!law) return;
  if (from < law.in_force_from) report(`period starts ${from}, before ${law.name} was in force (${law.in_force_from})`, 'warning');
  if (law.in_force_to !== undefined) {
    if (to === undefined && law.in_force_to < today) report(`open-ended period rests on ${law.name}, no longer in force since ${nextDay(law.in_force_to)}: close it with valid_to`, 'error');
    else if (to !== undefined && to > law.in_force_to) report(`period runs to ${to}, after ${law.name} ceased (${law.in_force_to})`, 'warning');
  }
}

function plausibleNumbers(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0;
  if (typeof v === 'boolean') return true;
  if (v && typeof v === 'object' && !Array.isArray(v)) return Object.values(v).every(plausibleNumbers);
  return false;
}

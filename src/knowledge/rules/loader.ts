/**
 * Legal parameters (data/rules/*.yaml except laws.yaml): named values with validity
 * periods and the legal source of each. A law change is a data change: add a period.
 * The loader refuses overlapping periods, unknown laws and duplicate ids, and warns when a
 * parameter has no value today.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { citationSchema, isoDate, type Citation } from '../kb/schema.js';
import { loadLaws } from '../laws.js';
import { vnDay } from '../dates.js';
import { loadYaml, zodIssuesToProblems, type Problem } from '../yaml-source.js';

const periodSchema = z.strictObject({
  valid_from: isoDate,
  valid_to: isoDate.optional(),
  value: z.unknown(),
  source: citationSchema,
  review: z.enum(['ok', 'needed']).default('ok'),
  note: z.string().optional(),
});

const parameterSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(?:[.-][a-z0-9]+)*$/),
  unit: z.string().min(1),
  periods: z.array(periodSchema).min(1),
});

const rulesFileSchema = z.strictObject({ parameters: z.array(parameterSchema).min(1) });

export type Period = z.infer<typeof periodSchema>;

export interface RuleValue<T> {
  value: T;
  source: Citation;
  /** The value rests on a source that still needs confirming. */
  reviewNeeded: boolean;
}

export class RuleNotFound extends Error {}

export class Rules {
  constructor(private readonly parameters: ReadonlyMap<string, readonly Period[]>) {}

  /** The value of parameter `id` in force on `day` (YYYY-MM-DD). */
  get<T>(id: string, day: string, shape?: z.ZodType<T>): RuleValue<T> {
    const period = this.parameters.get(id)?.find((p) => p.valid_from <= day && (p.valid_to === undefined || p.valid_to >= day));
    if (!period) throw new RuleNotFound(`no value of ${id} in force on ${day}`);
    const value = shape ? shape.parse(period.value) : (period.value as T);
    return { value, source: period.source, reviewNeeded: period.review === 'needed' };
  }

  has(id: string, day: string): boolean {
    return this.parameters.get(id)?.some((p) => p.valid_from <= day && (p.valid_to === undefined || p.valid_to >= day)) ?? false;
  }

  get ids(): string[] {
    return [...this.parameters.keys()];
  }
}

export function loadRules(dir: string, today = vnDay(new Date())): { rules: Rules; problems: Problem[] } {
  const problems: Problem[] = [];
  const parameters = new Map<string, Period[]>();
  const { laws } = loadLaws(join(dir, 'laws.yaml'));
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== 'laws.yaml').sort();
  } catch (err) {
    problems.push({ file: dir, line: 0, message: `cannot read folder: ${(err as Error).message}`, severity: 'error' });
  }
  for (const name of files) {
    const file = join(dir, name);
    let source;
    try {
      source = loadYaml(file);
    } catch (err) {
      problems.push({ file, line: 1, message: (err as Error).message, severity: 'error' });
      continue;
    }
    const parsed = rulesFileSchema.safeParse(source.data);
    if (!parsed.success) {
      problems.push(...zodIssuesToProblems(parsed.error.issues, file, source.lineOf));
      continue;
    }
    parsed.data.parameters.forEach((param, i) => {
      const at = (...path: (string | number)[]) => source.lineOf(['parameters', i, ...path]);
      if (parameters.has(param.id)) {
        problems.push({ file, line: at('id'), message: `duplicate parameter "${param.id}"`, severity: 'error' });
        return;
      }
      const periods = [...param.periods].sort((a, b) => a.valid_from.localeCompare(b.valid_from));
      param.periods.forEach((p, j) => {
        if (!laws.has(p.source.law)) problems.push({ file, line: at('periods', j, 'source'), message: `${param.id}: unknown law "${p.source.law}"`, severity: 'error' });
        if (p.valid_to && p.valid_to < p.valid_from) problems.push({ file, line: at('periods', j, 'valid_to'), message: `${param.id}: valid_to before valid_from`, severity: 'error' });
        if (!validValue(p.value)) problems.push({ file, line: at('periods', j, 'value'), message: `${param.id}: values must be non-negative numbers (or maps of them)`, severity: 'error' });
      });
      for (let k = 1; k < periods.length; k++) {
        const prev = periods[k - 1]!;
        const cur = periods[k]!;
        if (prev.valid_to === undefined || prev.valid_to >= cur.valid_from) {
          const j = param.periods.indexOf(cur);
          problems.push({ file, line: at('periods', j, 'valid_from'), message: `${param.id}: period from ${cur.valid_from} overlaps the one from ${prev.valid_from}`, severity: 'error' });
        }
      }
      parameters.set(param.id, periods);
      if (!periods.some((p) => p.valid_from <= today && (p.valid_to === undefined || p.valid_to >= today))) {
        problems.push({ file, line: at('id'), message: `${param.id}: no value in force today (${today})`, severity: 'warning' });
      }
    });
  }
  return { rules: new Rules(parameters), problems };
}

function validValue(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0;
  if (v && typeof v === 'object' && !Array.isArray(v)) return Object.values(v).every(validValue);
  return false;
}

/**
 * Public holidays on which the counselling office is closed, from data/rules/holidays/*.yaml
 * (a subfolder, so the legal-parameter loader of data/rules does not read it).
 *
 * Each entry lists the days closed — the holiday, its compensatory day when it falls on a
 * weekend (BLLĐ 2019 Art. 112(3)) and the bridge days the Government grants — and the
 * Saturdays worked in exchange, each with the weekday whose hours apply. Entries whose dates
 * are not yet decided carry `review` so that start-up can say so.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
/** One day, or an inclusive span "2026-02-14..2026-02-22". */
const dayOrSpan = z.string().regex(/^\d{4}-\d{2}-\d{2}(\.\.\d{4}-\d{2}-\d{2})?$/, 'must be YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD');

const entrySchema = z
  .object({
    name: z.string().min(1),
    closed: z.array(dayOrSpan).min(1),
    /** Weekend days worked instead of a bridge day: the office keeps the hours of `as`. */
    works: z.array(z.object({ date: day, as: day })).default([]),
    sources: z.array(z.string().min(1)).min(1),
    /** Set while the dates are provisional: what to check, and where. */
    review: z.string().min(1).optional(),
  })
  .strict();

const fileSchema = z.object({ holidays: z.array(entrySchema) }).strict();

export type HolidayEntry = z.infer<typeof entrySchema>;

export class Holidays {
  private readonly closed = new Set<string>();
  private readonly working = new Map<string, number>();

  constructor(readonly entries: readonly HolidayEntry[]) {
    for (const e of entries) {
      for (const item of e.closed) for (const d of expand(item)) this.closed.add(d);
      for (const w of e.works) this.working.set(w.date, new Date(`${w.as}T00:00:00Z`).getUTCDay());
    }
  }

  /** YYYY-MM-DD in Vietnam. */
  isClosed(day: string): boolean {
    return this.closed.has(day);
  }

  /** For a weekend day worked in exchange, the weekday whose hours apply. */
  worksAs(day: string): number | undefined {
    return this.working.get(day);
  }

  /** Entries whose dates still need confirming. */
  provisional(): HolidayEntry[] {
    return this.entries.filter((e) => e.review);
  }
}

function expand(item: string): string[] {
  const [from, to = from] = item.split('..') as [string, string?];
  const out: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  if (out.length === 0 || out.length > 31) throw new HolidaysError(`"${item}": a span must run forwards and last at most 31 days`);
  return out;
}

export class HolidaysError extends Error {
  override name = 'HolidaysError';
}

/** Reads and validates a holidays file; throws HolidaysError naming the file and the problem. */
export function loadHolidays(path: string): Holidays {
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new HolidaysError(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new HolidaysError(`${path}: ${first.path.join('.')}: ${first.message}`);
  }
  try {
    return new Holidays(parsed.data.holidays);
  } catch (err) {
    throw new HolidaysError(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

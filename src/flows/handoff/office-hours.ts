/**
 * When counsellors are at work: weekly hours in Asia/Ho_Chi_Minh (UTC+7 all year — Vietnam
 * has no daylight saving, so a fixed offset is exact), minus public holidays, plus the
 * Saturdays worked in exchange for a bridge day (see holidays.ts).
 *
 * COUNSEL_HOURS format: groups separated by ";", each "<days> <ranges>":
 *   days   T2…T7 and CN (Monday…Saturday, Sunday), a span "T2-T6", or a list "T2+T4+CN"
 *   ranges HH:MM-HH:MM, separated by ","
 *   e.g. "T2-T6 07:30-11:30,13:00-17:00; T7 08:00-11:30"
 */
import type { Holidays } from './holidays.js';

const VN_OFFSET_MS = 7 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** How far ahead the next opening is looked for (the longest Tết closure is under two weeks). */
const LOOKAHEAD_DAYS = 60;

/** Minutes after midnight, [start, end). */
export type Span = readonly [number, number];
/** Index 0 = Sunday … 6 = Saturday, as Date.getUTCDay(). */
export type WeeklyHours = ReadonlyArray<readonly Span[]>;

const DAY_TOKENS: Record<string, number> = { CN: 0, T2: 1, T3: 2, T4: 3, T5: 4, T6: 5, T7: 6 };

export class OfficeHoursFormatError extends Error {
  override name = 'OfficeHoursFormatError';
}

/** Parses COUNSEL_HOURS; throws OfficeHoursFormatError with a message fit for the operator. */
export function parseOfficeHours(spec: string): WeeklyHours {
  const week: Span[][] = [[], [], [], [], [], [], []];
  const groups = spec.split(';').map((g) => g.trim()).filter((g) => g !== '');
  if (groups.length === 0) throw new OfficeHoursFormatError('is empty');
  for (const group of groups) {
    const m = /^(\S+)\s+(\S.*)$/.exec(group);
    if (!m) throw new OfficeHoursFormatError(`"${group}": expected days then hours, e.g. "T2-T6 07:30-11:30,13:00-17:00"`);
    const days = parseDays(m[1]!.toUpperCase(), group);
    const spans = m[2]!.split(',').map((r) => parseSpan(r.trim(), group));
    for (const d of days) week[d]!.push(...spans);
  }
  for (const spans of week) {
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) {
      if (spans[i]![0] < spans[i - 1]![1]) throw new OfficeHoursFormatError(`hours overlap on the same day (${clock(spans[i - 1]!)} and ${clock(spans[i]!)})`);
    }
  }
  return week;
}

function parseDays(token: string, group: string): number[] {
  const out = new Set<number>();
  for (const part of token.split('+')) {
    const [from, to] = part.split('-');
    const a = DAY_TOKENS[from ?? ''];
    const b = to === undefined ? a : DAY_TOKENS[to];
    if (a === undefined || b === undefined) throw new OfficeHoursFormatError(`"${group}": unknown day "${part}" (use T2…T7 and CN)`);
    // T2-CN runs Monday to Sunday: CN counts as the seventh day in a span.
    const end = b === 0 && a !== 0 ? 7 : b;
    if (end < a) throw new OfficeHoursFormatError(`"${group}": day span "${part}" runs backwards`);
    for (let d = a; d <= end; d++) out.add(d % 7);
  }
  return [...out];
}

function parseSpan(range: string, group: string): Span {
  const m = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(range);
  if (!m) throw new OfficeHoursFormatError(`"${group}": "${range}" is not HH:MM-HH:MM`);
  const [h1, m1, h2, m2] = m.slice(1).map(Number) as [number, number, number, number];
  if (h1 > 23 || h2 > 24 || m1 > 59 || m2 > 59 || (h2 === 24 && m2 > 0)) throw new OfficeHoursFormatError(`"${group}": "${range}" is not a time of day`);
  const span: Span = [h1 * 60 + m1, h2 * 60 + m2];
  if (span[1] <= span[0]) throw new OfficeHoursFormatError(`"${group}": "${range}" ends before it starts`);
  return span;
}

function clock([a, b]: Span): string {
  const f = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return `${f(a)}-${f(b)}`;
}

export interface OfficeStatus {
  open: boolean;
  /** When closed: the next time counsellors are at work (undefined if none in 60 days). */
  opensAt?: Date;
}

export class OfficeHours {
  constructor(
    readonly weekly: WeeklyHours,
    readonly holidays?: Holidays,
  ) {}

  status(now: Date): OfficeStatus {
    const local = now.getTime() + VN_OFFSET_MS;
    const dayStart = Math.floor(local / DAY_MS) * DAY_MS;
    const minute = Math.floor((local - dayStart) / 60_000);
    for (let i = 0; i <= LOOKAHEAD_DAYS; i++) {
      const start = dayStart + i * DAY_MS;
      for (const [from, to] of this.spansOn(start)) {
        if (i === 0 && minute >= to) continue;
        if (i === 0 && minute >= from) return { open: true };
        return { open: false, opensAt: new Date(start + from * 60_000 - VN_OFFSET_MS) };
      }
    }
    return { open: false };
  }

  isOpen(now: Date): boolean {
    return this.status(now).open;
  }

  /** The spans of a Vietnamese calendar day, given as its local midnight in ms. */
  private spansOn(localMidnight: number): readonly Span[] {
    const day = new Date(localMidnight).toISOString().slice(0, 10);
    if (this.holidays?.isClosed(day)) return [];
    const weekday = this.holidays?.worksAs(day) ?? new Date(localMidnight).getUTCDay();
    return this.weekly[weekday] ?? [];
  }
}

const WEEKDAY = ['Chủ nhật', 'thứ Hai', 'thứ Ba', 'thứ Tư', 'thứ Năm', 'thứ Sáu', 'thứ Bảy'];

/**
 * A time as a Vietnamese worker would say it: "8 giờ sáng thứ Hai, 30/11",
 * "1 giờ 30 chiều mai (thứ Ba, 1/12)", "2 giờ chiều nay".
 */
export function openingInWords(at: Date, now: Date): string {
  const local = new Date(at.getTime() + VN_OFFSET_MS);
  const h = local.getUTCHours();
  const m = local.getUTCMinutes();
  const period = h < 11 ? 'sáng' : h < 13 ? 'trưa' : h < 18 ? 'chiều' : 'tối';
  const hour12 = h > 12 ? h - 12 : h === 0 ? 12 : h;
  const time = `${hour12} giờ${m ? ` ${m}` : ''} ${period}`;
  const date = `${WEEKDAY[local.getUTCDay()]}, ${local.getUTCDate()}/${local.getUTCMonth() + 1}`;
  const days = Math.round((Math.floor((at.getTime() + VN_OFFSET_MS) / DAY_MS) * DAY_MS - Math.floor((now.getTime() + VN_OFFSET_MS) / DAY_MS) * DAY_MS) / DAY_MS);
  if (days === 0) return `${time} nay`;
  if (days === 1) return `${time} mai (${date})`;
  return `${time} ${date}`;
}

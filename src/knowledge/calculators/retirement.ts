/**
 * Retirement age under normal working conditions (BLLĐ Điều 169, NĐ 135/2020 Điều 4) and the
 * month a person reaches it. The age depends on the year in which it is reached, so the month
 * is found by walking the yearly schedule: the first year Y in which birth + age(Y) falls in Y.
 * Because the age rises by less than 12 months a year, that year always exists, and people
 * born in consecutive months share an age in groups (men born 01–09/1961: 60 years 3 months;
 * 10/1961–06/1962: 60 years 6 months…), as in the decree's appendix.
 * Retirement is at the end of that month; the pension runs from the next month.
 */
import type { RuleValue, RetirementAge, Rules, Sex } from '../rules/loader.js';
import { RuleNotFound } from '../rules/loader.js';
import { asDay, fromMonthIndex, monthIndex, today as vnToday, yearMonth, type DayInput } from '../rules/day.js';
import { Basis } from './basis.js';
import { formatAge, formatMonthYear } from './format.js';
import type { CalcResult } from './types.js';

export type { Sex } from '../rules/loader.js';

export interface RetirementInput {
  sex?: Sex;
  birthYear?: number;
  /** 1–12. */
  birthMonth?: number;
  /** Day the question is asked, to say whether the age is already reached. Default: today. */
  on?: DayInput;
}

export type RetirementField = 'sex' | 'birthYear' | 'birthMonth';

export interface RetirementValues {
  /** False when the age was reached before the schedule (2021), under the previous code. */
  onSchedule: boolean;
  age?: RetirementAge;
  /** Year and month (1–12) in which the age is reached. */
  reached?: { year: number; month: number };
  /** Month from which the pension is paid (the month after), if the other conditions are met. */
  pensionFrom?: { year: number; month: number };
  alreadyReached: boolean;
}

/** The schedule's age and month reached for a birth month; undefined before the schedule starts. */
export function retirementMonth(rules: Rules, sex: Sex, birthYear: number, birthMonth: number): { age: RuleValue<RetirementAge>; year: number; month: number } | undefined {
  const birth = monthIndex(birthYear, birthMonth);
  const first = rules.history('retirement.age-path')[0];
  if (!first) throw new RuleNotFound('retirement.age-path', `${birthYear}`);
  const startYear = yearMonth(first.validFrom).year;
  // A century of schedule years is far beyond any real path; the bound only guards bad data.
  for (let year = Math.max(startYear, birthYear); year < startYear + 100; year++) {
    let age: RuleValue<RetirementAge>;
    try {
      age = rules.retirementAge(sex, year);
    } catch (err) {
      if (err instanceof RuleNotFound) continue;
      throw err;
    }
    const reached = fromMonthIndex(birth + age.value.totalMonths);
    if (reached.year === year) return { age, ...reached };
    if (reached.year < year) return undefined; // reached before the schedule's first year
  }
  return undefined;
}

export function retirement(rules: Rules, input: RetirementInput, today: DayInput = vnToday()): CalcResult<RetirementField, RetirementValues> {
  const missing: RetirementField[] = [];
  if (input.sex !== 'male' && input.sex !== 'female') missing.push('sex');
  const nowYear = yearMonth(asDay(input.on ?? today));
  const yearOk = Number.isInteger(input.birthYear) && input.birthYear! >= 1900 && input.birthYear! <= nowYear.year;
  if (!yearOk) missing.push('birthYear');
  const monthOk = Number.isInteger(input.birthMonth) && input.birthMonth! >= 1 && input.birthMonth! <= 12;
  if (!monthOk) missing.push('birthMonth');
  if (missing.length > 0) return { ok: false, missing };

  const sex = input.sex!;
  const by = input.birthYear!;
  const bm = input.birthMonth!;
  const basis = new Basis();
  const who = `${sex === 'male' ? 'Lao động nam' : 'Lao động nữ'} sinh tháng ${formatMonthYear(by, bm)}`;
  const found = retirementMonth(rules, sex, by, bm);
  const nowIndex = monthIndex(nowYear.year, nowYear.month);
  if (!found) {
    const first = rules.history('retirement.age-path')[0];
    for (const c of first?.sources ?? []) basis.cite(c);
    return {
      ok: true,
      values: { onSchedule: false, alreadyReached: true },
      summary: `${who} đã đủ tuổi nghỉ hưu trước năm ${first ? yearMonth(first.validFrom).year : 2021}, theo quy định trước khi có lộ trình tăng tuổi nghỉ hưu.`,
      working: [],
      citations: basis.citations(),
      notes: ['Bạn hỏi tư vấn viên để được xem cụ thể quyền lợi hưu trí của mình nhé.'],
    };
  }
  basis.use(found.age);
  const pension = fromMonthIndex(monthIndex(found.year, found.month) + 1);
  const alreadyReached = monthIndex(found.year, found.month) < nowIndex;
  const working = [
    `Năm ${found.year}, tuổi nghỉ hưu của ${sex === 'male' ? 'lao động nam' : 'lao động nữ'} là ${formatAge(found.age.value.totalMonths)}`,
    `Tháng ${formatMonthYear(by, bm)} + ${formatAge(found.age.value.totalMonths)} = tháng ${formatMonthYear(found.year, found.month)}`,
  ];
  return {
    ok: true,
    values: { onSchedule: true, age: found.age.value, reached: { year: found.year, month: found.month }, pensionFrom: pension, alreadyReached },
    summary: `${who} ${alreadyReached ? 'đã đủ' : 'đủ'} tuổi nghỉ hưu (${formatAge(found.age.value.totalMonths)}) vào tháng ${formatMonthYear(found.year, found.month)}; lương hưu (nếu đủ điều kiện) được tính từ tháng ${formatMonthYear(pension.year, pension.month)}.`,
    working,
    citations: basis.citations(),
    notes: [
      'Đây là tuổi nghỉ hưu trong điều kiện lao động bình thường. Người làm nghề nặng nhọc, độc hại, nguy hiểm, làm việc ở vùng đặc biệt khó khăn hoặc suy giảm khả năng lao động có thể nghỉ hưu sớm hơn; một số trường hợp được nghỉ hưu muộn hơn.',
      'Để có lương hưu, bạn cần đủ số năm đóng bảo hiểm xã hội theo Luật Bảo hiểm xã hội 2024 (tối thiểu 15 năm).',
      ...basis.reviewNotes(),
    ],
  };
}

/**
 * Unemployment benefit (trợ cấp thất nghiệp), Luật Việc làm 2025 Điều 38–39 and NĐ 374/2025:
 * monthly amount = 60% × average contribution salary of the last 6 months, capped at
 * 5 × the regional minimum wage of the last month of contribution; 3 months of benefit for
 * 12–36 months of contribution, +1 per further full 12 months, at most 12.
 */
import { z } from 'zod';
import type { Citation } from '../kb/schema.js';
import type { Rules } from '../rules/loader.js';
import { formatMonths, formatNumber, formatPercent, formatVnd } from './format.js';
import type { CalcResult } from './types.js';

export type Region = 1 | 2 | 3 | 4;

export interface UnemploymentInput {
  /** Average monthly salary on which BHTN was paid over the last 6 months. */
  averageSalary?: number;
  /** Total months of BHTN contribution not yet used for a benefit. */
  monthsContributed?: number;
  region?: Region;
  /** The day the contract ended (YYYY-MM-DD); the rules of that day apply. Default: today. */
  endDay?: string;
}

export type UnemploymentField = 'averageSalary' | 'monthsContributed' | 'region';

const durationShape = z.object({
  minimum_contribution: z.number(),
  base_benefit: z.number(),
  base_up_to: z.number(),
  step_contribution: z.number(),
  step_benefit: z.number(),
  maximum_benefit: z.number(),
});
const rangeShape = z.object({ from: z.number(), to: z.number() });
const regionalShape = z.record(z.string(), z.number());

export interface BenefitDuration {
  eligible: boolean;
  months: number;
  /** Months of contribution used up by this benefit. */
  used: number;
  /** Months kept (bảo lưu) for a later claim. */
  reserved: number;
  /** Months lost because they exceed what the law keeps. */
  lost: number;
  citations: Citation[];
}

/** Months of benefit and reserved months for `contributed` months of contribution. */
export function benefitDuration(rules: Rules, contributed: number, day: string): BenefitDuration {
  const d = rules.get('unemployment.duration', day, durationShape);
  const range = rules.get('unemployment.reserve-range', day, rangeShape);
  const s = d.value;
  const citations = [d.source, range.source];
  if (contributed < s.minimum_contribution) return { eligible: false, months: 0, used: 0, reserved: 0, lost: 0, citations };
  const extraSteps = Math.max(0, Math.floor((contributed - s.base_up_to) / s.step_contribution));
  const months = Math.min(s.maximum_benefit, s.base_benefit + extraSteps * s.step_benefit);
  const used = months === s.base_benefit ? Math.min(contributed, s.base_up_to) : s.base_up_to + ((months - s.base_benefit) / s.step_benefit) * s.step_contribution;
  const leftover = Math.max(0, contributed - used);
  // NĐ 374 Điều 8: leftover months are kept only between 36 and 144 months; beyond 144 they are lost.
  const keepable = contributed >= range.value.from ? Math.max(0, Math.min(contributed, range.value.to) - used) : 0;
  const reserved = Math.min(leftover, keepable);
  return { eligible: true, months, used, reserved, lost: leftover - reserved, citations };
}

export function unemploymentBenefit(rules: Rules, input: UnemploymentInput, today: string): CalcResult<UnemploymentField> {
  const day = input.endDay ?? today;
  const missing: UnemploymentField[] = [];
  if (input.averageSalary === undefined) missing.push('averageSalary');
  if (input.monthsContributed === undefined) missing.push('monthsContributed');
  if (missing.length > 0 && !(input.monthsContributed !== undefined && input.monthsContributed < 12)) return { ok: false, missing };

  const months = input.monthsContributed!;
  const duration = benefitDuration(rules, months, day);
  const qualifying = rules.get<{ months: number; within: number; within_short_contract: number }>('unemployment.qualifying-period', day);
  if (!duration.eligible) {
    return {
      ok: true,
      summary: `Với ${formatMonths(months)} đóng bảo hiểm thất nghiệp, bạn chưa đủ điều kiện hưởng trợ cấp: cần đóng đủ ${qualifying.value.months} tháng trong ${qualifying.value.within} tháng trước khi nghỉ việc.`,
      working: [`${formatMonths(months)} < ${qualifying.value.months} tháng tối thiểu`],
      notes: ['Thời gian đã đóng không mất đi: bạn tiếp tục đóng ở nơi làm mới và cộng dồn cho lần hưởng sau.'],
      citations: [qualifying.source],
    };
  }

  const rate = rules.get<number>('unemployment.benefit-rate', day);
  const multiple = rules.get<number>('unemployment.cap-minimum-wage-multiple', day);
  const minimumWages = rules.get('minimum-wage.monthly', day, regionalShape);
  const average = input.averageSalary!;
  const raw = rate.value * average;
  const lowestCap = multiple.value * Math.min(...Object.values(minimumWages.value));

  // The region only matters when the amount could reach a cap.
  if (input.region === undefined && raw > lowestCap) return { ok: false, missing: ['region'] };
  const cap = input.region !== undefined ? multiple.value * minimumWages.value[String(input.region)]! : undefined;
  const monthly = cap !== undefined ? Math.min(raw, cap) : raw;

  const working = [`Mức hưởng = ${formatPercent(rate.value)} × ${formatVnd(average)} = ${formatVnd(raw)}/tháng`];
  if (cap !== undefined) {
    const regionWage = minimumWages.value[String(input.region)]!;
    working.push(`Mức tối đa vùng ${roman(input.region!)} = ${formatNumber(multiple.value)} × ${formatVnd(regionWage)} = ${formatVnd(cap)}/tháng${raw > cap ? ' → bạn nhận mức tối đa' : ''}`);
  } else {
    working.push(`Mức này thấp hơn mức tối đa của mọi vùng (thấp nhất ${formatVnd(lowestCap)}), nên không bị giới hạn`);
  }
  working.push(`Thời gian hưởng: đóng ${formatMonths(months)} → ${duration.months} tháng trợ cấp (12–36 tháng đóng được 3 tháng, thêm mỗi 12 tháng được thêm 1 tháng, tối đa 12 tháng)`);
  const notes: string[] = [];
  if (duration.reserved > 0) notes.push(`Bạn được bảo lưu ${duration.reserved} tháng đóng còn thừa để tính cho lần hưởng sau.`);
  if (duration.lost > 0) notes.push(`${duration.lost} tháng đóng vượt quá 144 tháng không được bảo lưu.`);
  notes.push(
    `Điều kiện: hợp đồng đã chấm dứt (không phải tự ý nghỉ trái luật, không đang hưởng lương hưu), đã đóng đủ ${qualifying.value.months} tháng trong ${qualifying.value.within} tháng trước khi nghỉ, nộp hồ sơ trong 3 tháng và chưa có việc làm sau 10 ngày làm việc kể từ khi nộp.`,
  );
  return {
    ok: true,
    summary: `Bạn được khoảng ${formatVnd(monthly)} mỗi tháng, trong ${duration.months} tháng (tổng khoảng ${formatVnd(monthly * duration.months)}).`,
    working,
    notes,
    citations: [rate.source, duration.citations[0]!, qualifying.source, ...(cap !== undefined ? [minimumWages.source] : []), ...(duration.reserved + duration.lost > 0 ? [duration.citations[1]!] : [])],
  };
}

export function roman(region: Region): string {
  return ['I', 'II', 'III', 'IV'][region - 1]!;
}

/**
 * Unemployment benefit (trợ cấp thất nghiệp). From 2026-01-01, Luật Việc làm 2025 Điều 38–39
 * and NĐ 374/2025: monthly amount = 60% × average contribution salary of the last 6 months,
 * capped at 5 × the regional minimum wage of the last month of contribution; 3 months of
 * benefit for 12–36 months of contribution, +1 per further full 12 months, at most 12;
 * leftover months kept only for totals between 36 and 144 months. Contracts that ended
 * before 2026 are computed with the 2013 law's parameters (same rate and steps; its cap had a
 * 5 × base-salary branch for state-pay workers).
 */
import type { Citation } from '../kb/schema.js';
import type { Region, Rules } from '../rules/loader.js';
import { asDay, today as vnToday, type Day, type DayInput } from '../rules/day.js';
import { Basis, given } from './basis.js';
import { formatDay, formatMonths, formatNumber, formatPercent, formatVnd, roman } from './format.js';
import type { CalcResult } from './types.js';

export type { Region } from '../rules/loader.js';

export interface UnemploymentInput {
  /** Average monthly salary on which BHTN was paid over the most recent months (6). */
  averageSalary?: number;
  /** Months of BHTN contribution not yet used for a benefit. */
  monthsContributed?: number;
  /** Minimum-wage region of the last workplace; asked only when the cap could apply. */
  region?: Region;
  /** Day the contract ended; its rules and its minimum wage apply. Default: today. */
  endDate?: DayInput;
  /** @deprecated Use endDate. */
  endDay?: string;
  /** Length of the contract that ended, in months: 1 to under 12 → the 36-month window. */
  contractMonths?: number;
  /** Pay set by the State's pay scales: only the 2013 law (to 2025) capped these differently. */
  statePay?: boolean;
}

export type UnemploymentField = 'averageSalary' | 'monthsContributed' | 'region';

export type IneligibleReason = 'too-few-months' | 'contract-too-short';

export interface UnemploymentValues {
  eligible: boolean;
  reason?: IneligibleReason;
  monthsContributed: number;
  /** Months of benefit (0 when not eligible). */
  benefitMonths: number;
  monthlyAmount: number;
  /** 60% × average, before the cap. */
  uncappedAmount: number;
  /** The cap that was compared, when known. */
  cap?: number;
  capApplied: boolean;
  total: number;
  /** Months of contribution consumed by this benefit. */
  monthsUsed: number;
  monthsReserved: number;
  monthsLost: number;
  /** False where the law in force sets no reserve range in our data (before 2026). */
  reserveKnown: boolean;
  /** The day whose rules were applied. */
  rulesDay: Day;
  /** Law id of the benefit rules applied (lvl-2025, lvl-2013). */
  law: string;
}

export interface BenefitDuration {
  eligible: boolean;
  months: number;
  /** Months of contribution used up by this benefit. */
  used: number;
  /** Months kept (bảo lưu) for a later claim. */
  reserved: number;
  /** Months lost because they exceed what the law keeps. */
  lost: number;
  reserveKnown: boolean;
  citations: Citation[];
}

/** Months of benefit, and reserved or lost months, for `contributed` months of contribution. */
export function benefitDuration(rules: Rules, contributed: number, on: DayInput): BenefitDuration {
  const u = rules.unemployment(on);
  const s = u.duration.value;
  const citations = [...u.duration.sources, ...(u.reserveRange?.sources ?? [])];
  const months0 = Math.floor(contributed);
  if (months0 < s.minimum_contribution) return { eligible: false, months: 0, used: 0, reserved: 0, lost: 0, reserveKnown: u.reserveRange !== undefined, citations };
  const extraSteps = Math.max(0, Math.floor((months0 - s.base_up_to) / s.step_contribution));
  const months = Math.min(s.maximum_benefit, s.base_benefit + extraSteps * s.step_benefit);
  const used = months === s.base_benefit ? Math.min(months0, s.base_up_to) : s.base_up_to + ((months - s.base_benefit) / s.step_benefit) * s.step_contribution;
  const leftover = Math.max(0, months0 - used);
  if (!u.reserveRange) return { eligible: true, months, used, reserved: 0, lost: 0, reserveKnown: false, citations };
  // NĐ 374 Điều 8: leftover months are kept only while the total is within the range; the
  // part beyond its upper bound is lost.
  const range = u.reserveRange.value;
  const keepable = months0 >= range.from ? Math.max(0, Math.min(months0, range.to) - used) : 0;
  const reserved = Math.min(leftover, keepable);
  return { eligible: true, months, used, reserved, lost: leftover - reserved, reserveKnown: true, citations };
}

export function unemploymentBenefit(rules: Rules, input: UnemploymentInput, today: DayInput = vnToday()): CalcResult<UnemploymentField, UnemploymentValues> {
  const day = asDay(input.endDate ?? input.endDay ?? today);
  const salaryGiven = given(input.averageSalary) && input.averageSalary > 0;
  const monthsGiven = given(input.monthsContributed);
  if (!monthsGiven) return { ok: false, missing: salaryGiven ? ['monthsContributed'] : ['averageSalary', 'monthsContributed'] };

  const months = Math.floor(input.monthsContributed!);
  const u = rules.unemployment(day);
  const basis = new Basis();
  // The amount's own provisions first, so the citation list reads in the order of the answer.
  const rate = basis.use(u.benefitRate).value;
  const law = u.benefitRate.source.law;
  const newLaw = u.cap.value.base_salary_multiple_state_pay === undefined;
  const q = basis.use(u.qualifying).value;
  const minContract = u.minimumContractMonths.value;
  const shortContract = input.contractMonths !== undefined && input.contractMonths >= q.short_contract_from_months && input.contractMonths < q.short_contract_below_months;
  const window = shortContract ? q.within_short_contract : q.within;

  // A refusal cites the conditions it rests on, not the amount's provisions.
  const notEligible = (reason: IneligibleReason, summary: string, working: string[], notes: string[]): CalcResult<UnemploymentField, UnemploymentValues> => {
    const why = new Basis();
    if (reason === 'contract-too-short') why.use(u.minimumContractMonths);
    why.use(u.qualifying);
    why.use(u.duration);
    return {
      ok: true,
      values: { eligible: false, reason, monthsContributed: months, benefitMonths: 0, monthlyAmount: 0, uncappedAmount: 0, capApplied: false, total: 0, monthsUsed: 0, monthsReserved: 0, monthsLost: 0, reserveKnown: u.reserveRange !== undefined, rulesDay: day, law },
      summary,
      working,
      citations: why.citations(),
      notes: [...notes, ...why.reviewNotes()],
    };
  };

  if (input.contractMonths !== undefined && input.contractMonths < minContract) {
    return notEligible(
      'contract-too-short',
      `Hợp đồng dưới ${minContract} tháng không thuộc diện đóng bảo hiểm thất nghiệp, nên bạn chưa đủ điều kiện hưởng trợ cấp thất nghiệp từ hợp đồng này.`,
      [`Hợp đồng ${formatNumber(input.contractMonths)} tháng < ${minContract} tháng`],
      ['Thời gian đã đóng ở các hợp đồng trước vẫn được cộng dồn khi bạn đủ điều kiện ở lần sau.'],
    );
  }

  const duration = benefitDuration(rules, months, day);
  if (!duration.eligible) {
    const need = u.duration.value.minimum_contribution;
    return notEligible(
      'too-few-months',
      `Với ${formatMonths(months)} đóng bảo hiểm thất nghiệp, bạn chưa đủ điều kiện hưởng trợ cấp thất nghiệp: cần đóng đủ ${need} tháng trong ${window} tháng trước khi chấm dứt hợp đồng.`,
      [`${formatMonths(months)} < ${need} tháng tối thiểu`],
      ['Thời gian đã đóng không mất đi: bạn tiếp tục đóng ở nơi làm mới và được cộng dồn cho lần hưởng sau.'],
    );
  }

  if (!salaryGiven) return { ok: false, missing: ['averageSalary'] };
  basis.use(u.duration);
  const average = input.averageSalary!;
  const avgMonths = basis.use(u.averageMonths).value;
  const capRule = basis.use(u.cap);
  const raw = rate * average;
  const working = [`Mức hưởng = ${formatPercent(rate)} × ${formatVnd(average)} (bình quân tiền lương đóng BHTN ${avgMonths} tháng gần nhất) = ${formatVnd(raw)}/tháng`];
  const notes: string[] = [];

  // The cap: under the 2013 law a state-pay worker's is a multiple of the base salary.
  let cap: number | undefined;
  const stateMultiple = capRule.value.base_salary_multiple_state_pay;
  if (stateMultiple !== undefined && input.statePay === true) {
    const base = basis.use(rules.baseSalary(day)).value;
    cap = stateMultiple * base;
    working.push(`Mức tối đa (lương theo chế độ Nhà nước quy định) = ${formatNumber(stateMultiple)} × ${formatVnd(base)} (lương cơ sở) = ${formatVnd(cap)}/tháng${raw > cap ? ' → bạn nhận mức tối đa' : ''}`);
  } else {
    const wages = rules.minimumWages(day);
    const multiple = capRule.value.minimum_wage_multiple;
    const lowest = multiple * Math.min(wages.value[1], wages.value[2], wages.value[3], wages.value[4]);
    // The region matters only if 60% of the average could reach some region's cap.
    if (input.region === undefined && raw > lowest) return { ok: false, missing: ['region'] };
    if (input.region !== undefined) {
      const wage = basis.use(rules.minimumWage(input.region, day)).value;
      cap = multiple * wage;
      working.push(
        `Mức tối đa vùng ${roman(input.region)} = ${formatNumber(multiple)} × ${formatVnd(wage)} (lương tối thiểu vùng tháng cuối đóng) = ${formatVnd(cap)}/tháng${raw > cap ? ' → bạn nhận mức tối đa' : ''}`,
      );
    } else {
      basis.use(wages);
      working.push(`Mức này thấp hơn mức tối đa của mọi vùng (thấp nhất ${formatNumber(multiple)} × ${formatVnd(lowest / multiple)} = ${formatVnd(lowest)}), nên không bị giới hạn`);
    }
    if (stateMultiple !== undefined && input.statePay === undefined) {
      const base = rules.baseSalary(day);
      const stateCap = stateMultiple * base.value;
      if (raw > stateCap) {
        basis.use(base);
        notes.push(
          `Nếu bạn hưởng lương theo chế độ tiền lương do Nhà nước quy định, mức tối đa theo Luật Việc làm 2013 là ${formatNumber(stateMultiple)} × lương cơ sở = ${formatVnd(stateCap)}/tháng.`,
        );
      }
    }
  }
  const capApplied = cap !== undefined && raw > cap;
  const monthly = capApplied ? cap! : raw;
  const total = monthly * duration.months;

  const s = u.duration.value;
  const extraSteps = (duration.months - s.base_benefit) / s.step_benefit;
  working.push(
    duration.months === s.base_benefit
      ? `Thời gian hưởng: đóng ${formatMonths(months)} (từ ${s.minimum_contribution} đến ${s.base_up_to} tháng) → ${s.base_benefit} tháng`
      : `Thời gian hưởng: đóng ${formatMonths(months)} → ${s.base_benefit} tháng cho ${s.base_up_to} tháng đầu + ${formatNumber(extraSteps * s.step_benefit)} tháng cho ${formatNumber(extraSteps)} lần đủ thêm ${s.step_contribution} tháng = ${duration.months} tháng${duration.months === s.maximum_benefit ? ` (tối đa ${s.maximum_benefit} tháng)` : ''}`,
  );
  working.push(`Tổng = ${formatVnd(monthly)} × ${duration.months} tháng = ${formatVnd(total)}`);

  if (duration.reserveKnown && u.reserveRange) {
    if (duration.reserved + duration.lost > 0) basis.use(u.reserveRange);
    if (duration.reserved > 0) notes.push(`Bạn được bảo lưu ${duration.reserved} tháng đóng còn thừa để tính cho lần hưởng sau.`);
    if (duration.lost > 0) notes.push(`${duration.lost} tháng đóng vượt quá ${u.reserveRange.value.to} tháng không được bảo lưu.`);
  } else if (months > duration.used) {
    notes.push(`Bạn còn ${months - duration.used} tháng đóng chưa dùng đến; việc bảo lưu số tháng này theo quy định trước năm 2026, bạn hỏi tư vấn viên để được xem cụ thể nhé.`);
  }

  const filing = basis.use(u.filingDeadlineMonths).value;
  const wait = basis.use(u.jobSearchWait).value;
  const start = basis.use(u.benefitStart).value;
  const windowText = input.contractMonths === undefined ? `${q.within} tháng (${q.within_short_contract} tháng nếu hợp đồng từ ${q.short_contract_from_months} đến dưới ${q.short_contract_below_months} tháng)` : `${window} tháng`;
  notes.push(
    `Điều kiện: hợp đồng đã chấm dứt (không phải do bạn tự ý nghỉ trái luật, không đang hưởng lương hưu); đã đóng đủ ${q.months} tháng trong ${windowText} trước khi chấm dứt hợp đồng; nộp hồ sơ trong ${filing} tháng kể từ ngày chấm dứt hợp đồng; chưa có việc làm sau ${wait.days} ${wait.working_days ? 'ngày làm việc' : 'ngày'} kể từ khi nộp hồ sơ.`,
    `Trợ cấp được tính từ ${start.working_days ? 'ngày làm việc' : 'ngày'} thứ ${start.day} kể từ ngày nộp đủ hồ sơ; hằng tháng bạn phải thông báo tìm kiếm việc làm với trung tâm dịch vụ việc làm.`,
  );
  if (!newLaw) {
    notes.push(
      `Phép tính dùng quy định cũ (Luật Việc làm 2013) vì hợp đồng chấm dứt ngày ${formatDay(day)}. Nếu hồ sơ nộp trước 01/01/2026 mà đến ngày đó chưa có quyết định, hồ sơ được giải quyết theo Luật Việc làm 2025.`,
    );
    basis.cite({ law: 'lvl-2025', article: 55 });
  }
  notes.push(...basis.reviewNotes());

  return {
    ok: true,
    values: {
      eligible: true,
      monthsContributed: months,
      benefitMonths: duration.months,
      monthlyAmount: monthly,
      uncappedAmount: raw,
      ...(cap !== undefined ? { cap } : {}),
      capApplied,
      total,
      monthsUsed: duration.used,
      monthsReserved: duration.reserved,
      monthsLost: duration.lost,
      reserveKnown: duration.reserveKnown,
      rulesDay: day,
      law,
    },
    summary: `Bạn được khoảng ${formatVnd(monthly)} mỗi tháng, trong ${duration.months} tháng (tổng khoảng ${formatVnd(total)}).`,
    working,
    citations: basis.citations(),
    notes,
  };
}

/** Kept for callers that imported it from here. */
export { roman } from './format.js';

/**
 * The arithmetic shared by the severance (BLLĐ Điều 46) and job-loss (Điều 47) allowances:
 * months of service minus the months covered by unemployment insurance and those already paid
 * for, in years with the odd months rounded (NĐ 145/2020 Điều 8.3), × the months of salary
 * per year × the average salary of the 6 months before leaving; job-loss has a floor.
 */
import type { Rules } from '../rules/loader.js';
import { asDay, type DayInput } from '../rules/day.js';
import { Basis, given } from './basis.js';
import { formatMonths, formatNumber, formatVnd } from './format.js';
import { serviceYears } from './service-time.js';
import type { CalcResult } from './types.js';

export interface SeveranceInput {
  /** Months actually worked for this employer. */
  monthsWorked?: number;
  /** Of those, months with unemployment-insurance contributions. */
  monthsInsured?: number;
  /** Average monthly salary under the contract over the 6 months before leaving. */
  averageSalary?: number;
  /** Of those, months the employer already paid a severance or job-loss allowance for. */
  monthsAlreadyPaid?: number;
  /** Day the contract ended; its rules apply. Default: today. */
  endDate?: DayInput;
}

export type SeveranceField = 'monthsWorked' | 'monthsInsured' | 'averageSalary';

export interface AllowanceValues {
  eligible: boolean;
  monthsWorked: number;
  monthsInsured: number;
  /** Months counted after the deductions. */
  monthsCounted: number;
  /** Years after rounding the odd months. */
  years: number;
  /** The amount owed; for job-loss with nothing counted, see `floorUncertain`. */
  amount: number;
  averageSalary?: number;
  /** Job-loss only: the two-month floor, in đồng. */
  floorAmount?: number;
  /** Job-loss only: nothing is counted, and whether the floor still applies is disputed. */
  floorUncertain?: boolean;
}

export type AllowanceKind = 'severance' | 'job-loss';

/** Shared by severance and job-loss: the two differ only in rate, floor and conditions. */
export function allowance(rules: Rules, input: SeveranceInput, today: DayInput, kind: AllowanceKind): CalcResult<SeveranceField, AllowanceValues> {
  const day = asDay(input.endDate ?? today);
  if (!given(input.monthsWorked)) return { ok: false, missing: (['monthsWorked', 'monthsInsured', 'averageSalary'] as const).filter((f) => !given(input[f])) };
  const basis = new Basis();
  const labour = rules.labour(day);
  const param = basis.use(kind === 'severance' ? labour.severance : labour.jobLoss);
  const p = param.value;
  const floorMonths = kind === 'job-loss' ? labour.jobLoss.value.minimum_months : undefined;
  const name = kind === 'severance' ? 'trợ cấp thôi việc' : 'trợ cấp mất việc làm';
  const Name = kind === 'severance' ? 'Trợ cấp thôi việc' : 'Trợ cấp mất việc làm';
  const worked = Math.floor(input.monthsWorked!);

  if (worked < p.minimum_work_months) {
    return {
      ok: true,
      values: { eligible: false, monthsWorked: worked, monthsInsured: 0, monthsCounted: 0, years: 0, amount: 0 },
      summary: `Bạn làm ${formatMonths(worked)}, chưa đủ ${p.minimum_work_months} tháng làm việc thường xuyên cho công ty nên chưa được ${name}.`,
      working: [`${formatMonths(worked)} < ${p.minimum_work_months} tháng`],
      citations: basis.citations(),
      notes: basis.reviewNotes(),
    };
  }
  if (!given(input.monthsInsured)) return { ok: false, missing: ['monthsInsured'] };
  const insured = Math.min(Math.floor(input.monthsInsured), worked);
  const alreadyPaid = given(input.monthsAlreadyPaid) ? Math.min(Math.floor(input.monthsAlreadyPaid), worked - insured) : 0;
  const counted = worked - insured - alreadyPaid;
  const service = serviceYears(rules, counted, day);
  basis.use(service.rounding);

  const deductions = [`${formatMonths(insured)} đã đóng bảo hiểm thất nghiệp`, ...(alreadyPaid > 0 ? [`${formatMonths(alreadyPaid)} đã được trả trợ cấp`] : [])];
  const working = [`Thời gian tính trợ cấp = ${formatMonths(worked)} làm việc − ${deductions.join(' − ')} = ${counted === 0 ? '0 tháng' : formatMonths(counted)}`];
  if (service.explanation) working.push(service.explanation);
  const notes: string[] = [];
  if (kind === 'severance') {
    notes.push('Không có trợ cấp thôi việc khi bạn đủ điều kiện hưởng lương hưu, bị sa thải, tự ý bỏ việc từ 5 ngày làm việc liên tục trở lên không có lý do chính đáng, hoặc tự ý nghỉ trái luật.');
    basis.cite({ law: 'blld-2019', article: 36, clause: 1, point: 'e' }, { law: 'blld-2019', article: 40, clause: 1 });
  } else {
    notes.push('Trợ cấp mất việc làm áp dụng khi công ty cho bạn nghỉ vì thay đổi cơ cấu, công nghệ, vì lý do kinh tế, hoặc khi sáp nhập, hợp nhất, chia, tách.');
    basis.cite({ law: 'blld-2019', article: 42 }, { law: 'blld-2019', article: 43 });
  }

  // Nothing counted: the severance is 0 whatever the salary, so do not ask for it.
  if (counted === 0 && kind === 'severance') {
    working.push(`${Name} = 0 năm × ${formatNumber(p.per_year)} tháng lương = 0 đ`);
    notes.unshift('Toàn bộ thời gian làm việc đã đóng bảo hiểm thất nghiệp nên công ty không phải trả trợ cấp thôi việc; bạn xem điều kiện hưởng trợ cấp thất nghiệp nhé.');
    return {
      ok: true,
      values: { eligible: true, monthsWorked: worked, monthsInsured: insured, monthsCounted: 0, years: 0, amount: 0 },
      summary: `${Name} của bạn là 0 đ, vì toàn bộ thời gian làm việc đã đóng bảo hiểm thất nghiệp.`,
      working,
      citations: basis.citations(),
      notes: [...notes, ...basis.reviewNotes()],
    };
  }
  if (!given(input.averageSalary) || input.averageSalary <= 0) return { ok: false, missing: ['averageSalary'] };
  const salary = input.averageSalary;
  let amount = service.years * p.per_year * salary;
  working.push(`${Name} = ${formatNumber(service.years)} năm × ${formatNumber(p.per_year)} tháng lương × ${formatVnd(salary)} = ${formatVnd(amount)}`);
  notes.push(`Tiền lương tính trợ cấp là tiền lương bình quân theo hợp đồng của ${p.salary_average_months} tháng liền kề trước khi nghỉ.`);

  let floorAmount: number | undefined;
  let floorUncertain = false;
  if (floorMonths !== undefined) {
    floorAmount = floorMonths * salary;
    if (counted === 0) {
      // BLLĐ 47.1 sets "at least 2 months' salary", but with no uninsured time there is no
      // year to pay for; readings differ, so no figure is asserted.
      floorUncertain = true;
      notes.unshift(
        `Toàn bộ thời gian làm việc đã đóng bảo hiểm thất nghiệp nên phần tính theo năm bằng 0 đ. Việc công ty có phải trả mức tối thiểu ${formatNumber(floorMonths)} tháng lương (${formatVnd(floorAmount)}) trong trường hợp này hay không còn có cách hiểu khác nhau; bạn nên hỏi tư vấn viên.`,
      );
    } else if (amount < floorAmount) {
      working.push(`Thấp nhất ${formatNumber(floorMonths)} tháng lương = ${formatNumber(floorMonths)} × ${formatVnd(salary)} = ${formatVnd(floorAmount)} → bạn nhận ${formatVnd(floorAmount)}`);
      amount = floorAmount;
    }
  }
  notes.push(...basis.reviewNotes());
  return {
    ok: true,
    values: {
      eligible: true,
      monthsWorked: worked,
      monthsInsured: insured,
      monthsCounted: counted,
      years: service.years,
      amount,
      averageSalary: salary,
      ...(floorAmount !== undefined ? { floorAmount } : {}),
      ...(kind === 'job-loss' ? { floorUncertain } : {}),
    },
    summary: floorUncertain
      ? `Phần ${name} tính theo năm làm việc của bạn là 0 đ; mức tối thiểu ${formatNumber(floorMonths ?? 0)} tháng lương có áp dụng hay không cần tư vấn viên xem thêm.`
      : `${Name} của bạn khoảng ${formatVnd(amount)}.`,
    working,
    citations: basis.citations(),
    notes,
  };
}

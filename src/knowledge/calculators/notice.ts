/**
 * Notice before ending a labour contract unilaterally: BLLĐ Điều 35 for the worker, Điều 36
 * for the employer. 45 days (indefinite contract), 30 days (fixed term of 12–36 months),
 * 3 working days (under 12 months); none in the cases of Điều 35.2 (worker) and Điều 36.3
 * (employer); 3 working days when the employer ends it for the worker's long sickness.
 */
import type { Citation } from '../kb/schema.js';
import type { Rules } from '../rules/loader.js';
import { asDay, today as vnToday, type DayInput } from '../rules/day.js';
import { Basis } from './basis.js';
import type { CalcResult } from './types.js';

export type ContractType = 'indefinite' | 'fixed_12_36' | 'under_12';
export type Side = 'worker' | 'employer';

/** Art. 35.2: the worker may leave without notice when… */
export type WorkerNoNoticeReason =
  | 'wrong_job_or_conditions'
  | 'unpaid_or_late_wages'
  | 'maltreatment_or_forced_labour'
  | 'sexual_harassment'
  | 'pregnancy_medical'
  | 'retirement_age'
  | 'false_information';
/** Art. 36.3: the employer may end it without notice when the worker… */
export type EmployerNoNoticeReason = 'absent_after_suspension' | 'absent_5_days';
/** Art. 36.1(b): sick or injured and treated for the period the law sets, whatever the contract. */
export type EmployerShortNoticeReason = 'long_sickness';
export type NoticeReason = WorkerNoNoticeReason | EmployerNoNoticeReason | EmployerShortNoticeReason;

export interface NoticeInput {
  side?: Side;
  contractType?: ContractType;
  /** Why the contract is being ended, when it is one of the special cases. */
  reason?: NoticeReason;
  /** Day the notice is given; its rules apply. Default: today. */
  on?: DayInput;
}

export type NoticeField = 'side' | 'contractType';

export interface NoticeValues {
  /** Least notice; 0 when none is needed. */
  days: number;
  /** Counted in working days (under 12 months, long sickness) rather than calendar days. */
  workingDays: boolean;
  noticeRequired: boolean;
}

const CONTRACT_NAMES: Record<ContractType, string> = {
  indefinite: 'hợp đồng không xác định thời hạn',
  fixed_12_36: 'hợp đồng xác định thời hạn từ 12 đến 36 tháng',
  under_12: 'hợp đồng xác định thời hạn dưới 12 tháng',
};

const WORKER_NO_NOTICE: Record<WorkerNoNoticeReason, { point: string; text: string }> = {
  wrong_job_or_conditions: { point: 'a', text: 'không được bố trí đúng công việc, địa điểm làm việc hoặc không được bảo đảm điều kiện làm việc như đã thỏa thuận' },
  unpaid_or_late_wages: { point: 'b', text: 'không được trả đủ lương hoặc bị trả lương không đúng hạn' },
  maltreatment_or_forced_labour: { point: 'c', text: 'bị ngược đãi, đánh đập, nhục mạ, bị xúc phạm sức khỏe, nhân phẩm, danh dự hoặc bị cưỡng bức lao động' },
  sexual_harassment: { point: 'd', text: 'bị quấy rối tình dục tại nơi làm việc' },
  pregnancy_medical: { point: 'đ', text: 'lao động nữ mang thai phải nghỉ việc theo chỉ định của cơ sở khám chữa bệnh' },
  retirement_age: { point: 'e', text: 'đủ tuổi nghỉ hưu (trừ khi hai bên có thỏa thuận khác)' },
  false_information: { point: 'g', text: 'công ty cung cấp thông tin không trung thực làm ảnh hưởng đến việc thực hiện hợp đồng' },
};

const EMPLOYER_NO_NOTICE: Record<EmployerNoNoticeReason, { point: string; text: string }> = {
  absent_after_suspension: { point: 'd', text: 'người lao động không có mặt tại nơi làm việc sau thời hạn quy định khi hết thời gian tạm hoãn hợp đồng' },
  absent_5_days: { point: 'e', text: 'người lao động tự ý bỏ việc không có lý do chính đáng từ 5 ngày làm việc liên tục trở lên' },
};

function isWorkerNoNotice(r: NoticeReason | undefined): r is WorkerNoNoticeReason {
  return r !== undefined && Object.hasOwn(WORKER_NO_NOTICE, r);
}
function isEmployerNoNotice(r: NoticeReason | undefined): r is EmployerNoNoticeReason {
  return r !== undefined && Object.hasOwn(EMPLOYER_NO_NOTICE, r);
}

export function noticePeriod(rules: Rules, input: NoticeInput, today: DayInput = vnToday()): CalcResult<NoticeField, NoticeValues> {
  if (input.side === undefined) return { ok: false, missing: input.contractType === undefined ? ['side', 'contractType'] : ['side'] };
  const side = input.side;
  const day = asDay(input.on ?? today);
  const labour = rules.labour(day);
  const basis = new Basis();
  const article = side === 'worker' ? 35 : 36;
  const cite = (clause: number, point?: string): Citation => ({ law: 'blld-2019', article, clause, ...(point ? { point } : {}) });

  // The special cases decide without the contract type.
  if ((side === 'worker' && isWorkerNoNotice(input.reason)) || (side === 'employer' && isEmployerNoNotice(input.reason))) {
    const c = side === 'worker' ? WORKER_NO_NOTICE[input.reason as WorkerNoNoticeReason] : EMPLOYER_NO_NOTICE[input.reason as EmployerNoNoticeReason];
    basis.cite(side === 'worker' ? cite(2, c.point) : cite(3), ...(side === 'employer' ? [cite(1, c.point)] : []));
    return {
      ok: true,
      values: { days: 0, workingDays: false, noticeRequired: false },
      summary: `${side === 'worker' ? 'Bạn' : 'Công ty'} được chấm dứt hợp đồng mà không cần báo trước, vì ${c.text}.`,
      working: [],
      citations: basis.citations(),
      notes: side === 'worker' ? ['Bạn nên giữ lại bằng chứng (bảng lương, tin nhắn, biên bản…) cho lý do nghỉ không báo trước.'] : [],
    };
  }
  if (side === 'employer' && input.reason === 'long_sickness') {
    const days = basis.use(labour.noticeEmployer).value.long_sickness;
    return {
      ok: true,
      values: { days, workingDays: true, noticeRequired: true },
      summary: `Công ty phải báo trước ít nhất ${days} ngày làm việc khi chấm dứt hợp đồng vì người lao động ốm đau, tai nạn đã điều trị lâu mà chưa hồi phục.`,
      working: [],
      citations: [...basis.citations(), cite(1, 'b')],
      notes: ['Thời gian điều trị tối thiểu trước khi công ty được chấm dứt tùy loại hợp đồng; khi sức khỏe hồi phục, công ty xem xét giao kết tiếp.'],
    };
  }

  if (input.contractType === undefined) return { ok: false, missing: ['contractType'] };
  const type = input.contractType;
  const param = basis.use(side === 'worker' ? labour.noticeWorker : labour.noticeEmployer);
  const days = param.value[type];
  const workingDays = type === 'under_12';
  const notes: string[] = [];
  if (side === 'worker') {
    notes.push(`Bạn không cần báo trước nếu: ${Object.values(WORKER_NO_NOTICE).map((c) => c.text).join('; ')}.`);
    notes.push('Nghỉ không báo trước đủ thời hạn (ngoài các trường hợp trên) là trái luật: bạn không được trợ cấp thôi việc, phải bồi thường nửa tháng lương và tiền lương những ngày không báo trước.');
    basis.cite(cite(2), { law: 'blld-2019', article: 40 });
  } else {
    notes.push(`Công ty chỉ được đơn phương chấm dứt hợp đồng vì các lý do luật cho phép; được không báo trước khi ${Object.values(EMPLOYER_NO_NOTICE).map((c) => c.text).join(', hoặc ')}.`);
    notes.push('Công ty không được đơn phương chấm dứt khi bạn đang ốm đau, tai nạn đang điều trị theo chỉ định, đang nghỉ hằng năm hoặc nghỉ việc riêng được đồng ý, hoặc khi lao động nữ mang thai, nghỉ thai sản, nuôi con dưới 12 tháng tuổi.');
    notes.push('Nếu công ty vi phạm thời hạn báo trước, công ty phải trả tiền lương cho những ngày không báo trước.');
    basis.cite(cite(3), { law: 'blld-2019', article: 37 }, { law: 'blld-2019', article: 41 });
  }
  notes.push('Một số ngành, nghề đặc thù (như tổ bay, thuyền viên, người quản lý doanh nghiệp) có thời hạn báo trước dài hơn theo Nghị định 145/2020.');
  notes.push(...basis.reviewNotes());
  const who = side === 'worker' ? 'Bạn (người lao động)' : 'Công ty';
  return {
    ok: true,
    values: { days, workingDays, noticeRequired: true },
    summary: `${who} phải báo trước ít nhất ${days} ${workingDays ? 'ngày làm việc' : 'ngày'} với ${CONTRACT_NAMES[type]}.`,
    working: [],
    citations: basis.citations(),
    notes,
  };
}

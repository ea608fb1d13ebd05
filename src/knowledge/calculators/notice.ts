/** Notice before ending a labour contract unilaterally (BLLĐ Điều 35 for the worker, Điều 36 for the employer). */
import type { Rules } from '../rules/loader.js';
import type { CalcResult } from './types.js';

export type ContractType = 'indefinite' | 'fixed_12_36' | 'under_12';
export type Side = 'worker' | 'employer';

export interface NoticeInput {
  side?: Side;
  contractType?: ContractType;
}

export type NoticeField = 'side' | 'contractType';

const CONTRACT_NAMES: Record<ContractType, string> = {
  indefinite: 'hợp đồng không xác định thời hạn',
  fixed_12_36: 'hợp đồng xác định thời hạn từ 12 đến 36 tháng',
  under_12: 'hợp đồng dưới 12 tháng',
};

export function noticePeriod(rules: Rules, input: NoticeInput, day: string): CalcResult<NoticeField> {
  const missing = (['side', 'contractType'] as const).filter((f) => input[f] === undefined);
  if (missing.length > 0) return { ok: false, missing };
  const side = input.side!;
  const type = input.contractType!;
  const param = rules.get<Record<ContractType, number>>(side === 'worker' ? 'labour.notice-days.worker' : 'labour.notice-days.employer', day);
  const days = param.value[type];
  const unit = type === 'under_12' ? 'ngày làm việc' : 'ngày';
  const who = side === 'worker' ? 'Bạn (người lao động)' : 'Công ty';
  const notes =
    side === 'worker'
      ? [
          'Bạn không cần báo trước nếu: không được trả lương đủ hoặc đúng hạn; bị ngược đãi, đánh đập, quấy rối tình dục; bị cưỡng bức lao động; mang thai phải nghỉ theo chỉ định của bác sĩ; đủ tuổi nghỉ hưu (trừ khi có thỏa thuận khác); công ty cung cấp thông tin không trung thực làm ảnh hưởng việc thực hiện hợp đồng.',
          'Nghỉ mà không báo trước đủ thời hạn là trái luật: bạn có thể mất trợ cấp thôi việc, phải bồi thường nửa tháng lương và tiền lương những ngày không báo trước.',
        ]
      : ['Công ty chỉ được đơn phương chấm dứt hợp đồng vì các lý do luật cho phép, và không được chấm dứt khi bạn đang ốm đau điều trị, nghỉ phép, mang thai, nghỉ thai sản hoặc nuôi con dưới 12 tháng tuổi.'];
  return {
    ok: true,
    summary: `${who} phải báo trước ít nhất ${days} ${unit} với ${CONTRACT_NAMES[type]}.`,
    working: [],
    notes,
    citations: [param.source],
  };
}

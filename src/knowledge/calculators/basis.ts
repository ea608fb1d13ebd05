/**
 * Collects the legal values a calculation used, so that its citations and its "this figure is
 * still being confirmed" notes come from the data and cannot drift from the numbers.
 */
import type { Citation } from '../kb/schema.js';
import type { RuleValue } from '../rules/loader.js';

/** How a worker reads each parameter's name in a caveat. */
const LABELS: Record<string, string> = {
  'base-salary.monthly': 'mức lương cơ sở',
  'minimum-wage.monthly': 'mức lương tối thiểu vùng',
  'unemployment.contribution-rate': 'tỷ lệ đóng bảo hiểm thất nghiệp',
  'unemployment.contribution-salary-cap': 'mức trần tiền lương đóng bảo hiểm thất nghiệp',
  'labour.service-rounding': 'cách làm tròn tháng lẻ khi tính thời gian làm việc',
};

export class Basis {
  private readonly used: RuleValue<unknown>[] = [];
  private readonly extra: Citation[] = [];

  /** Records a rule value as used and hands it back. */
  use<T>(v: RuleValue<T>): RuleValue<T> {
    this.used.push(v);
    return v;
  }

  /** A provision cited for a condition or caveat rather than a number. */
  cite(...citations: Citation[]): void {
    this.extra.push(...citations);
  }

  citations(): Citation[] {
    const all = [...this.used.flatMap((v) => v.sources), ...this.extra];
    const seen = new Set<string>();
    return all.filter((c) => {
      const key = `${c.law}|${c.article}|${c.clause ?? ''}|${c.point ?? ''}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  /** One caveat per value that rests on an unconfirmed source. */
  reviewNotes(): string[] {
    const ids = [...new Set(this.used.filter((v) => v.reviewNeeded).map((v) => v.id))];
    return ids.map(
      (id) =>
        `Lưu ý: ${LABELS[id] ?? 'một số liệu trong phép tính'} dùng ở đây là theo quy định hiện hành và đang được đối chiếu lại với văn bản gốc; nếu cần chắc chắn, bạn hỏi thêm tư vấn viên nhé.`,
    );
  }
}

/** A number the worker gave that can be computed with (present, finite, not negative). */
export function given(n: number | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0;
}


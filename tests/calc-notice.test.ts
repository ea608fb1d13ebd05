/** Notice periods (BLLĐ Điều 35 worker, Điều 36 employer), and the no-notice cases. */
import { describe, expect, it } from 'vitest';
import { loadRules } from '../src/knowledge/rules/loader.js';
import { noticePeriod } from '../src/knowledge/calculators/notice.js';

const { rules } = loadRules('data/rules', '2026-11-28');
const DAY = '2026-11-28';
const ok = <T extends { ok: boolean }>(r: T) => {
  if (!r.ok) throw new Error(`expected a result, got ${JSON.stringify(r)}`);
  return r as Extract<T, { ok: true }>;
};

describe('notice', () => {
  it.each([
    ['worker', 'indefinite', 45, '45 ngày'],
    ['worker', 'fixed_12_36', 30, '30 ngày'],
    ['worker', 'under_12', 3, '3 ngày làm việc'],
    ['employer', 'indefinite', 45, '45 ngày'],
    ['employer', 'fixed_12_36', 30, '30 ngày'],
    ['employer', 'under_12', 3, '3 ngày làm việc'],
  ] as const)('%s, %s → %d', (side, contractType, days, shown) => {
    const r = ok(noticePeriod(rules, { side, contractType }, DAY));
    expect(r.values).toEqual({ days, workingDays: contractType === 'under_12', noticeRequired: true });
    expect(r.summary).toContain(`ít nhất ${shown}`);
    expect(r.citations[0]).toMatchObject({ law: 'blld-2019', article: side === 'worker' ? 35 : 36 });
  });

  it('worker: no notice when unpaid, harassed, pregnant on medical advice…', () => {
    for (const reason of ['unpaid_or_late_wages', 'sexual_harassment', 'pregnancy_medical', 'maltreatment_or_forced_labour'] as const) {
      const r = ok(noticePeriod(rules, { side: 'worker', reason }, DAY));
      expect(r.values).toEqual({ days: 0, workingDays: false, noticeRequired: false });
      expect(r.summary).toContain('không cần báo trước');
      expect(r.citations[0]).toMatchObject({ law: 'blld-2019', article: 35, clause: 2 });
    }
  });

  it('employer: no notice after 5 days of unexplained absence; 3 working days for long sickness', () => {
    const absent = ok(noticePeriod(rules, { side: 'employer', reason: 'absent_5_days' }, DAY));
    expect(absent.values.days).toBe(0);
    expect(absent.citations).toContainEqual({ law: 'blld-2019', article: 36, clause: 3 });
    const sick = ok(noticePeriod(rules, { side: 'employer', reason: 'long_sickness' }, DAY));
    expect(sick.values).toEqual({ days: 3, workingDays: true, noticeRequired: true });
  });

  it('a worker-side reason does not excuse the employer', () => {
    expect(noticePeriod(rules, { side: 'employer', reason: 'unpaid_or_late_wages' }, DAY)).toEqual({ ok: false, missing: ['contractType'] });
  });

  it('lists the no-notice cases with the ordinary answer', () => {
    expect(ok(noticePeriod(rules, { side: 'worker', contractType: 'indefinite' }, DAY)).notes[0]).toContain('không được trả đủ lương');
  });

  it('asks for what is missing', () => {
    expect(noticePeriod(rules, {}, DAY)).toEqual({ ok: false, missing: ['side', 'contractType'] });
    expect(noticePeriod(rules, { contractType: 'indefinite' }, DAY)).toEqual({ ok: false, missing: ['side'] });
    expect(noticePeriod(rules, { side: 'worker' }, DAY)).toEqual({ ok: false, missing: ['contractType'] });
  });
});

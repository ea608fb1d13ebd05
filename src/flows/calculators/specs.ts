/**
 * The six calculators as conversations: what each reads from free text, what it asks, and
 * how it shows the result. The arithmetic is in src/knowledge/calculators.
 */
import type { LawRegistry } from '../../knowledge/laws.js';
import { formatCitation } from '../../knowledge/laws.js';
import type { Rules } from '../../knowledge/rules/loader.js';
import { RuleNotFound } from '../../knowledge/rules/loader.js';
import type { CalcResult } from '../../knowledge/calculators/types.js';
import { unemploymentBenefit, type Region } from '../../knowledge/calculators/unemployment.js';
import { jobLossAllowance, severanceAllowance } from '../../knowledge/calculators/severance.js';
import { noticePeriod, type ContractType, type Side } from '../../knowledge/calculators/notice.js';
import { overtimePay, type DayKind } from '../../knowledge/calculators/overtime.js';
import { annualLeave, type WorkType } from '../../knowledge/calculators/annual-leave.js';
import { findMoney } from '../../knowledge/vi/money.js';
import { findDurations, parseHours } from '../../knowledge/vi/duration.js';
import { parseRegion } from '../../knowledge/vi/region.js';
import type { TextForms } from '../handoff/triggers.js';
import type { CalculatorSpec, Computation, FieldSpec, Values } from './flow.js';

const has = (re: RegExp) => (f: TextForms) => re.test(f.folded);

// ---------- readings shared by several calculators ----------

const salaryField: FieldSpec = {
  prompt: 'Lương bình quân hằng tháng của bạn (6 tháng gần nhất) là bao nhiêu? Ví dụ: 8 triệu.',
  parse: (text) => findMoney(text)[0]?.value,
};

function monthsField(prompt: string, choices?: FieldSpec['choices']): FieldSpec {
  return {
    prompt,
    choices,
    parse: (text, forms) => {
      const d = findDurations(text)[0];
      if (d) return d.months;
      // A bare number answers a question about months or years: "5" after "đóng bao lâu?".
      const bare = /^(\d{1,3})$/.exec(forms.folded);
      return bare ? Number(bare[1]) * 12 : undefined;
    },
    fromChoice: (v) => Number(v),
  };
}

const regionField: FieldSpec = {
  prompt: 'Nơi bạn làm việc thuộc vùng lương tối thiểu nào? (Hà Nội, TP.HCM nội thành thường là vùng I; bạn xem trên hợp đồng hoặc hỏi phòng nhân sự.)',
  choices: [
    { label: 'Vùng I', value: '1' },
    { label: 'Vùng II', value: '2' },
    { label: 'Vùng III', value: '3' },
    { label: 'Vùng IV', value: '4' },
  ],
  parse: (text, forms) => parseRegion(text) ?? (/^(1|2|3|4|i|ii|iii|iv)$/.test(forms.folded) ? parseRegion(`vung ${forms.folded}`) : undefined),
  fromChoice: (v) => (['1', '2', '3', '4'].includes(v) ? (Number(v) as Region) : undefined),
};

/**
 * Which duration is insurance, which is work: by the words just before each. With
 * `contextual`, a duration counts only next to such words ("đóng 5 năm", "làm 4 năm"), so
 * "một tháng được bao nhiêu" is not read as one month of contributions.
 */
function splitDurations(text: string, forms: TextForms, contextual = false): { worked?: number; insured?: number; uninsured?: number } {
  const out: { worked?: number; insured?: number; uninsured?: number } = {};
  const found = findDurations(text);
  for (const [i, d] of found.entries()) {
    const before = forms.folded.slice(Math.max(0, d.start - 30), d.start);
    if (contextual && !/(dong|tham gia|lam|lam viec|cong tac|bhtn|bao hiem|bh)\s*(\S+\s*){0,3}$/.test(before)) continue;
    // Up to the next duration: the folded form has no commas to end a clause.
    const after = forms.folded.slice(d.end, Math.min(d.end + 40, found[i + 1]?.start ?? Infinity));
    // "5 năm đầu công ty chưa đóng bảo hiểm", "không đóng BHTN 3 năm": a period NOT insured.
    const clause = (s: string) => s.split(/,|\.|;| va | nhung /);
    const negated = /(khong|chua|ko) (duoc )?(dong|tham gia)/;
    if (out.uninsured === undefined && (negated.test(clause(after)[0] ?? '') || negated.test(clause(before).at(-1) ?? ''))) {
      // The first duration named is the time worked even when it is the one not insured ("làm 3 năm ko đóng bhtn").
      if (out.worked === undefined) out.worked = d.months;
      out.uninsured = d.months;
      continue;
    }
    const aboutInsurance = /dong|bhtn|bao hiem|tham gia|bh/.test(before.split(/,|\.| va | nhung /).at(-1) ?? before) || /^\s*(bhtn|bao hiem)/.test(after);
    if (aboutInsurance && out.insured === undefined) out.insured = d.months;
    else if (out.worked === undefined) out.worked = d.months;
    else if (out.insured === undefined) out.insured = d.months;
  }
  if (out.insured === undefined && out.uninsured === undefined && /(khong|chua|ko) (duoc )?(dong|tham gia) (bhtn|bao hiem|bhxh)/.test(forms.folded)) out.insured = 0;
  return out;
}

function definedOnly(values: Values): Values {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

// ---------- the calculators ----------

function unemployment(rules: Rules, laws: LawRegistry): CalculatorSpec {
  return {
    name: 'unemployment',
    intro: 'Mình tính trợ cấp thất nghiệp cho bạn nhé.',
    fields: {
      averageSalary: salaryField,
      monthsContributed: monthsField('Bạn đã đóng bảo hiểm thất nghiệp được bao lâu? Ví dụ: 5 năm, hoặc 49 tháng.', [
        { label: 'Dưới 1 năm', value: '6' },
        { label: '1–3 năm', value: '24' },
        { label: '5 năm', value: '60' },
        { label: '10 năm', value: '120' },
      ]),
      region: regionField,
    },
    extract: (text, forms) => {
      const d = splitDurations(text, forms, true);
      return definedOnly({ averageSalary: findMoney(text)[0]?.value, monthsContributed: d.insured ?? d.worked, region: parseRegion(text) });
    },
    compute: (v, day) => present(laws, () => unemploymentBenefit(rules, v as never, day)),
  };
}

function allowance(rules: Rules, laws: LawRegistry, kind: 'severance' | 'job-loss'): CalculatorSpec {
  const calc = kind === 'severance' ? severanceAllowance : jobLossAllowance;
  return {
    name: kind,
    intro: kind === 'severance' ? 'Mình tính trợ cấp thôi việc cho bạn nhé.' : 'Mình tính trợ cấp mất việc làm cho bạn nhé.',
    fields: {
      monthsWorked: monthsField('Bạn đã làm cho công ty này bao lâu? Ví dụ: 4 năm 3 tháng.'),
      monthsInsured: monthsField('Trong thời gian đó, công ty đóng bảo hiểm thất nghiệp cho bạn bao lâu? (Nếu không đóng, gõ "không".)', [
        { label: 'Không đóng', value: '0' },
        { label: 'Đóng suốt thời gian làm', value: '-1' },
      ]),
      averageSalary: salaryField,
    },
    extract: (text, forms) => {
      const d = splitDurations(text, forms);
      // Told the uninsured part only: the insured part is the rest (Điều 8 NĐ 145/2020).
      const insured = d.insured ?? (d.uninsured !== undefined && d.worked !== undefined ? Math.max(0, d.worked - d.uninsured) : undefined);
      return definedOnly({ monthsWorked: d.worked, monthsInsured: insured, averageSalary: findMoney(text)[0]?.value });
    },
    compute: (v, day) => {
      const values = { ...v };
      // "Đóng suốt" = insured for all the months worked.
      if (values.monthsInsured === -1 && typeof values.monthsWorked === 'number') values.monthsInsured = values.monthsWorked;
      return present(laws, () => calc(rules, values as never, day));
    },
  };
}

function notice(rules: Rules, laws: LawRegistry): CalculatorSpec {
  const side = (forms: TextForms): Side | undefined => {
    if (/(cong ty|cty|sep|chu|nsdld|nguoi su dung).{0,20}(cho nghi|duoi|sa thai|cat hop dong|cham dut|cho thoi viec)|bi (duoi|cho nghi|sa thai|cat hop dong)/.test(forms.folded)) return 'employer';
    if (/(toi|em|minh|tui|nld|nguoi lao dong).{0,15}(nghi viec|xin nghi|nghi|thoi viec|cham dut)|xin nghi|tu nghi|muon nghi/.test(forms.folded)) return 'worker';
    return undefined;
  };
  const contract = (text: string, forms: TextForms): ContractType | undefined => {
    if (/khong (xac dinh )?thoi han|vo thoi han|khong thoi han|vo han/.test(forms.folded)) return 'indefinite';
    if (/thoi vu|duoi 12 thang|duoi 1 nam/.test(forms.folded)) return 'under_12';
    const d = findDurations(text).find((x) => /hop dong|hd/.test(forms.folded.slice(Math.max(0, x.start - 20), x.start)));
    if (d) return d.months < 12 ? 'under_12' : 'fixed_12_36';
    return undefined;
  };
  return {
    name: 'notice',
    wordsAreValues: true,
    intro: 'Mình xem thời hạn báo trước cho bạn nhé.',
    fields: {
      side: {
        prompt: 'Ai là người muốn chấm dứt hợp đồng?',
        choices: [
          { label: 'Tôi muốn nghỉ', value: 'worker' },
          { label: 'Công ty cho tôi nghỉ', value: 'employer' },
        ],
        parse: (_t, forms) => side(forms) ?? (/^(toi|em|minh|tui)/.test(forms.folded) ? 'worker' : /^(cong ty|cty)/.test(forms.folded) ? 'employer' : undefined),
      },
      contractType: {
        prompt: 'Hợp đồng lao động của bạn là loại nào?',
        choices: [
          { label: 'Không xác định thời hạn', value: 'indefinite' },
          { label: 'Từ 12 đến 36 tháng', value: 'fixed_12_36' },
          { label: 'Dưới 12 tháng', value: 'under_12' },
        ],
        parse: (text, forms) => contract(text, forms),
      },
    },
    extract: (text, forms) => definedOnly({ side: side(forms), contractType: contract(text, forms) }),
    compute: (v, day) => present(laws, () => noticePeriod(rules, v as never, day)),
  };
}

function overtime(rules: Rules, laws: LawRegistry): CalculatorSpec {
  const dayKind = (forms: TextForms): DayKind | undefined =>
    /\b(le|tet|ngay le|nghi le|quoc khanh|30 4|1 5)\b/.test(forms.folded) ? 'holiday' : /chu nhat|cn|nghi hang tuan|ngay nghi|thu 7|thu bay/.test(forms.folded) ? 'weekly_rest' : /ngay thuong|ngay lam viec|trong tuan/.test(forms.folded) ? 'normal_day' : undefined;
  const wage = (text: string, forms: TextForms): Values => {
    const m = findMoney(text)[0];
    if (!m) return {};
    const after = forms.folded.slice(m.end, m.end + 15);
    // "lương giờ của em 40 nghìn", "lương theo giờ là 40k": the wage named as hourly a few words before.
    const before = forms.folded.slice(Math.max(0, m.start - 30), m.start);
    const hourly = /^\s*(\/|mot|1|moi) ?(gio|h|tieng)/.test(after) || /luong (theo |mot |1 |moi )?(gio|tieng)(\s+\S+){0,4}\s*$/.test(before);
    return hourly ? { hourlyWage: m.value } : { monthlySalary: m.value };
  };
  return {
    name: 'overtime',
    intro: 'Mình tính tiền làm thêm giờ cho bạn nhé.',
    fields: {
      hourlyWage: {
        prompt: 'Lương của bạn là bao nhiêu? Bạn có thể ghi lương tháng (ví dụ: 7 triệu) hoặc lương giờ (ví dụ: 35 nghìn/giờ).',
        parse: (text, forms) => {
          const w = wage(text, forms);
          return w.hourlyWage ?? (w.monthlySalary !== undefined ? { monthlySalary: w.monthlySalary } : undefined);
        },
      },
      hours: {
        prompt: 'Bạn làm thêm bao nhiêu giờ? Ví dụ: 10 giờ.',
        parse: (text, forms) => parseHours(text) ?? (/^\d{1,3}$/.test(forms.folded) ? Number(forms.folded) : undefined),
      },
      dayKind: {
        prompt: 'Bạn làm thêm vào ngày nào?',
        choices: [
          { label: 'Ngày thường', value: 'normal_day' },
          { label: 'Ngày nghỉ hằng tuần', value: 'weekly_rest' },
          { label: 'Ngày lễ, Tết', value: 'holiday' },
        ],
        parse: (_t, forms) => dayKind(forms),
      },
    },
    extract: (text, forms) => definedOnly({ ...wage(text, forms), hours: parseHours(text), dayKind: dayKind(forms), night: /ban dem|ca dem|dem|toi muon/.test(forms.folded) ? true : undefined }),
    compute: (v, day) => {
      const values = { ...v };
      // The wage question accepts a monthly salary too.
      if (values.hourlyWage && typeof values.hourlyWage === 'object') Object.assign(values, values.hourlyWage as object, { hourlyWage: undefined });
      return present(laws, () => overtimePay(rules, values as never, day));
    },
  };
}

function leave(rules: Rules, laws: LawRegistry): CalculatorSpec {
  const workType = (forms: TextForms): WorkType | undefined =>
    /dac biet nang nhoc/.test(forms.folded) ? 'very_heavy' : /nang nhoc|doc hai|nguy hiem|khuyet tat|chua thanh nien|duoi 18 tuoi/.test(forms.folded) ? 'minor_disabled_heavy' : undefined;
  return {
    name: 'annual-leave',
    intro: 'Mình tính số ngày phép năm cho bạn nhé.',
    fields: {
      yearsWithEmployer: {
        prompt: 'Bạn đã làm cho công ty này bao nhiêu năm?',
        choices: [
          { label: 'Dưới 5 năm', value: '1' },
          { label: '5–9 năm', value: '5' },
          { label: '10–14 năm', value: '10' },
        ],
        parse: (text, forms) => {
          const d = findDurations(text)[0];
          if (d) return Math.floor(d.months / 12);
          return /^\d{1,2}$/.test(forms.folded) ? Number(forms.folded) : undefined;
        },
        fromChoice: (v) => Number(v),
      },
    },
    extract: (text, forms) => {
      // "1 năm được nghỉ phép mấy ngày" is per year, not a tenure: a tenure follows work words.
      const d = findDurations(text).find((x) => /(lam|lam viec|cong tac|vao|tham nien|duoc|o)\s*(\S+\s*){0,3}$/.test(forms.folded.slice(Math.max(0, x.start - 30), x.start)));
      const thisYear = d && d.months < 12 && /nam nay|trong nam|moi vao/.test(forms.folded);
      return definedOnly({ yearsWithEmployer: d ? (thisYear ? 0 : Math.floor(d.months / 12)) : undefined, monthsThisYear: thisYear ? d.months : undefined, workType: workType(forms) });
    },
    compute: (v, day) => present(laws, () => annualLeave(rules, v as never, day)),
  };
}

/** Formats citations, and turns a missing legal parameter into a polite miss rather than a crash. */
function present(laws: LawRegistry, run: () => CalcResult<string>): Computation {
  try {
    const r = run();
    if (!r.ok) return r;
    return { ok: true, summary: r.summary, working: r.working, notes: r.notes, citations: [...new Set(r.citations.map((c) => formatCitation(c, laws)))] };
  } catch (err) {
    if (err instanceof RuleNotFound) return { ok: true, summary: 'Mình chưa có số liệu pháp lý cho thời điểm này nên chưa tính được. Bạn hỏi tư vấn viên giúp mình nhé.', working: [], notes: [], citations: [] };
    throw err;
  }
}

export function calculatorSpecs(rules: Rules, laws: LawRegistry): CalculatorSpec[] {
  return [unemployment(rules, laws), allowance(rules, laws, 'severance'), allowance(rules, laws, 'job-loss'), notice(rules, laws), overtime(rules, laws), leave(rules, laws)];
}

/** Which calculator a message's words point to. */
export function guessCalculator(forms: TextForms): string | undefined {
  return GUESSES.find(([test]) => test(forms))?.[1];
}

const GUESSES: Array<[(f: TextForms) => boolean, string]> = [
  [has(/thoi viec/), 'severance'],
  [has(/mat viec/), 'job-loss'],
  [has(/bao truoc/), 'notice'],
  [has(/tang ca|lam them|(^|\s)ot(\s|$)|ngoai gio/), 'overtime'],
  [has(/phep nam|ngay phep|nghi phep/), 'annual-leave'],
  [has(/that nghiep|bhtn|tctn/), 'unemployment'],
  // "lương 10 triệu đóng 5 năm thì được bao nhiêu": contributions without a named benefit.
  [has(/(^|\s)dong (bao hiem|bh|duoc)?\s?\d/), 'unemployment'],
];

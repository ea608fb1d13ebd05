import { describe, expect, it } from 'vitest';
import { detectHandoffSignal, isFrustrated, textForms } from '../src/flows/handoff/triggers.js';

const signal = (text: string) => detectHandoffSignal(textForms(text));

describe('handoff triggers', () => {
  it.each([
    ['Em chán sống lắm rồi, không muốn sống nữa', 'self-harm'],
    ['toi muon chet cho xong', 'self-harm'],
    ['em định tự tử vì bị nợ lương', 'self-harm'],
    ['Quản lý đánh em ngay tại xưởng', 'violence'],
    ['chu doa giet em neu em nghi viec', 'violence'],
    ['họ nhốt chúng em trong xưởng không cho về', 'violence'],
    ['ban em bi may cuon tay dang chay mau', 'medical-emergency'],
  ])('"%s" is urgent (%s)', (text, reason) => {
    expect(signal(text)).toEqual({ kind: 'urgent', reason });
  });

  it('does not read "từ từ" (slowly) typed with diacritics as self-harm', () => {
    expect(signal('cứ từ từ rồi tính, em hỏi về bảo hiểm thất nghiệp')).toBeUndefined();
  });

  it.each(['cho em gặp tư vấn viên', 'toi muon noi chuyen voi nguoi that', 'Tôi cần gặp luật sư', 'ket noi voi can bo cong doan giup em'])(
    '"%s" asks for a person',
    (text) => {
      expect(signal(text)).toEqual({ kind: 'explicit' });
    },
  );

  it('a question about counsellors is not a request for one', () => {
    expect(signal('tư vấn viên làm việc mấy giờ')?.kind).not.toBe('explicit');
  });

  it.each([
    ['công ty nợ lương 3 tháng rồi giám đốc bỏ trốn', 'unpaid-wages-absent-employer'],
    ['em bị tai nạn lao động gãy chân thì được bồi thường gì', 'work-accident'],
    ['em đang mang thai 5 tháng mà công ty đuổi việc', 'pregnancy-dismissal'],
    ['quan ly quay roi em', 'harassment'],
    ['cả xưởng định đình công vì bị cắt thưởng', 'collective-dispute'],
    ['em muốn khởi kiện công ty ra tòa', 'lawsuit'],
    ['cty giu bang dai hoc cua em khong tra', 'withheld-papers'],
  ])('"%s" is sensitive (%s)', (text, reason) => {
    expect(signal(text)).toEqual({ kind: 'sensitive', reason });
  });

  it.each(['Điều kiện hưởng trợ cấp thất nghiệp là gì?', 'ý kiến của công đoàn về tăng ca', 'công ty chuyển nhân viên sang chi nhánh khác được không'])(
    'an ordinary question "%s" raises no signal',
    (text) => {
      expect(signal(text)).toBeUndefined();
    },
  );

  it('recognises frustration', () => {
    expect(isFrustrated(textForms('bot ngu quá, trả lời sai hết'))).toBe(true);
    expect(isFrustrated(textForms('cảm ơn bạn nhiều'))).toBe(false);
  });
});

describe('handoff triggers, more wordings', () => {
  it('a cry for help after violence is urgent', () => {
    expect(detectHandoffSignal(textForms('em bị công ty đánh, cứu em'))?.kind).toBe('urgent');
  });
  it('"bị đánh giá" (appraised) is not violence', () => {
    expect(detectHandoffSignal(textForms('em bị đánh giá kém nên không được tăng lương'))).toBeUndefined();
  });
});

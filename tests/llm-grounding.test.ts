/** The grounding check alone: what a composed answer may and may not say. */
import { describe, expect, it } from 'vitest';
import { checkGrounding, type Sources } from '../src/knowledge/llm/grounding.js';

const sources: Sources = {
  texts: [
    'Mức hưởng trợ cấp thất nghiệp là bao nhiêu?',
    'Mức hưởng hằng tháng bằng 60% bình quân tiền lương tháng đóng BHTN của 6 tháng gần nhất, nhưng tối đa 5 lần lương tối thiểu vùng (vùng I năm 2026: 26.550.000 đồng). Luật có hiệu lực từ 01/01/2026. Xem https://baohiemxahoi.gov.vn',
  ],
  citations: ['Khoản 1 Điều 39 Luật Việc làm 2025 (số 74/2025/QH15)'],
};

describe('grounding check', () => {
  it('passes a faithful rewording, numbers written the same or as amounts', () => {
    const reply =
      'Bạn nhận mỗi tháng 60% bình quân tiền lương đóng BHTN của 6 tháng gần nhất, tối đa 5 lần lương tối thiểu vùng (vùng I năm 2026 là 26,55 triệu đồng), theo Điều 39 Luật Việc làm 2025. Luật có hiệu lực từ 1/1/2026.';
    expect(checkGrounding(reply, sources)).toEqual({ ok: true });
  });

  it('fails an invented number, in digits or in words', () => {
    expect(checkGrounding('Bạn nhận 70% bình quân tiền lương đóng BHTN của 6 tháng gần nhất.', sources)).toMatchObject({ ok: false });
    expect(checkGrounding('Bạn nhận 60% bình quân tiền lương đóng BHTN của mười hai tháng gần nhất.', sources)).toMatchObject({ ok: false });
    expect(checkGrounding('Mức tối đa vùng I năm 2026 là 30 triệu đồng.', sources)).toMatchObject({ ok: false });
  });

  it('fails an invented date, article, law or link', () => {
    expect(checkGrounding('Mức hưởng 60% bình quân tiền lương, luật có hiệu lực từ 01/07/2026.', sources)).toMatchObject({ ok: false });
    expect(checkGrounding('Mức hưởng 60% bình quân tiền lương, theo Điều 50 Luật Việc làm 2025.', sources)).toMatchObject({ ok: false });
    expect(checkGrounding('Mức hưởng 60% bình quân tiền lương, theo Bộ luật Dân sự.', sources)).toMatchObject({ ok: false });
    expect(checkGrounding('Mức hưởng 60% bình quân tiền lương, xem https://example.com/bhtn', sources)).toMatchObject({ ok: false });
  });

  it('fails a reply that is not made of its sources', () => {
    const v = checkGrounding('Tôi là trợ lý ảo được huấn luyện bởi một công ty công nghệ, hôm nay trời đẹp, bạn nên đi dạo công viên.', sources);
    expect(v).toMatchObject({ ok: false });
  });

  it('allows plain talk around the facts and generic mentions of the law', () => {
    expect(checkGrounding('Dạ, theo luật thì mức hưởng hằng tháng bằng 60% bình quân tiền lương tháng đóng BHTN của 6 tháng gần nhất bạn nhé.', sources)).toEqual({ ok: true });
  });
});

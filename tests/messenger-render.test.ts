import { describe, expect, it } from 'vitest';
import type { Reply } from '../src/flows/activity.js';
import { MESSENGER_LIMITS, renderMessengerReply, type MessengerMessage } from '../src/bots/messenger/render.js';
import { shorten, splitText } from '../src/bots/messenger/split.js';

const para = (n: number, sentence = 'Người lao động đóng bảo hiểm thất nghiệp đủ mười hai tháng trở lên thì được hưởng trợ cấp.') =>
  Array.from({ length: n }, () => sentence).join(' ');

const textOf = (m: MessengerMessage) => ('text' in m ? m.text : m.attachment.payload.text);

describe('splitText', () => {
  it('keeps short text whole and splits long text at paragraph boundaries first', () => {
    expect(splitText('  Ngắn gọn.  ', 100)).toEqual(['Ngắn gọn.']);
    const a = para(10);
    const b = para(10).replace('Người', 'Công nhân');
    const parts = splitText(`${a}\n\n${b}`, Math.max(a.length, b.length) + 5);
    expect(parts).toEqual([a, b]);
  });

  it('falls back to sentences, never cutting a sentence when one fits', () => {
    const sentence = 'Mức hưởng hằng tháng bằng 60% bình quân tiền lương tháng đóng bảo hiểm thất nghiệp.';
    const parts = splitText(para(30, sentence), 500);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(500);
      expect(p.endsWith('.')).toBe(true);
    }
    // Money with dots is not a sentence end.
    expect(splitText('Lương 10.000.000 đồng một tháng. Tiếp theo.', 33)).toEqual(['Lương 10.000.000 đồng một tháng.', 'Tiếp theo.']);
  });

  it('hard-cuts a single enormous word without breaking surrogate pairs', () => {
    const parts = splitText('😀'.repeat(30), 9);
    expect(parts.join('')).toBe('😀'.repeat(30));
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(9);
  });

  it('shortens labels at a word boundary with an ellipsis', () => {
    expect(shorten('Tính trợ cấp thất nghiệp', 20)).toBe('Tính trợ cấp thất…');
    expect(Array.from(shorten('Điềukiệnhưởngbảohiểmthấtnghiệp', 20))).toHaveLength(20);
    expect(shorten('Gặp tư vấn viên', 20)).toBe('Gặp tư vấn viên');
  });

  it('tidies a label\'s spaces, and counts an emoji as one character', () => {
    expect(shorten('  Gặp \t tư vấn\u00a0viên ', 20)).toBe('Gặp tư vấn viên');
    // 20 characters but 21 UTF-16 units: it fits, whole.
    expect(shorten('😀 Gặp tư vấn viên ạ!', 20)).toBe('😀 Gặp tư vấn viên ạ!');
    // 21 characters: cut at the last space, never inside the emoji's surrogate pair.
    expect(shorten('😀😀😀😀😀😀😀😀😀😀 😀😀😀😀😀😀😀😀😀😀', 20)).toBe('😀😀😀😀😀😀😀😀😀😀…');
    expect(shorten('😀'.repeat(21), 20)).toBe(`${'😀'.repeat(19)}…`);
  });
});

describe('renderMessengerReply', () => {
  it('sends plain text as one message', () => {
    expect(renderMessengerReply({ text: 'Chào bạn!' })).toEqual([{ text: 'Chào bạn!' }]);
  });

  it('splits text over 2,000 characters into several messages', () => {
    const text = [para(12), para(12), para(12)].join('\n\n');
    expect(text.length).toBeGreaterThan(2000);
    const out = renderMessengerReply({ text });
    expect(out.length).toBeGreaterThan(1);
    for (const m of out) expect(textOf(m).length).toBeLessThanOrEqual(MESSENGER_LIMITS.text);
    expect(out.map(textOf).join(' ').replace(/\s+/g, ' ')).toBe(text.replace(/\s+/g, ' '));
  });

  it('renders up to 3 choices as a button template on the last part, text ≤ 640, titles ≤ 20', () => {
    const reply: Reply = {
      text: para(15),
      choices: [
        { label: 'Tính trợ cấp thất nghiệp', payload: 'CALC:unemployment' },
        { label: 'Gặp tư vấn viên', payload: 'HANDOFF' },
        { label: 'Điều kiện hưởng BHTN', payload: 'FAQ:bhtn-dieu-kien' },
      ],
    };
    const out = renderMessengerReply(reply);
    const last = out.at(-1);
    expect(last && 'attachment' in last).toBe(true);
    if (!last || !('attachment' in last)) return;
    const p = last.attachment.payload;
    expect(p.template_type).toBe('button');
    expect(p.text.length).toBeLessThanOrEqual(640);
    expect(p.buttons).toEqual([
      { type: 'postback', title: 'Tính trợ cấp thất…', payload: 'CALC:unemployment' },
      { type: 'postback', title: 'Gặp tư vấn viên', payload: 'HANDOFF' },
      { type: 'postback', title: 'Điều kiện hưởng BHTN', payload: 'FAQ:bhtn-dieu-kien' },
    ]);
    for (const m of out.slice(0, -1)) expect('text' in m && m.text.length <= 2000).toBe(true);
  });

  it('renders more than 3 choices as quick replies (≤ 13, titles ≤ 20) on the last part', () => {
    const choices = Array.from({ length: 15 }, (_, i) => ({ label: `Lựa chọn số ${i + 1} rất dài dòng`, payload: `P${i}` }));
    const out = renderMessengerReply({ text: 'Bạn chọn giúp mình nhé:', choices });
    expect(out).toHaveLength(1);
    const m = out[0];
    expect(m && 'quick_replies' in m).toBe(true);
    if (!m || !('text' in m)) return;
    expect(m.quick_replies).toHaveLength(13);
    for (const q of m.quick_replies ?? []) {
      expect(q.content_type).toBe('text');
      expect(Array.from(q.title).length).toBeLessThanOrEqual(20);
      expect(q.title.endsWith('…')).toBe(true);
    }
  });

  it('adds a short citations block and renders links as web_url buttons when there is room', () => {
    const out = renderMessengerReply({
      text: 'Bạn được hưởng trợ cấp thất nghiệp nếu đủ điều kiện.',
      citations: ['Điều 39 Luật Việc làm 2025', 'Nghị định 28/2015/NĐ-CP'],
      links: [{ label: 'Cổng dịch vụ công quốc gia', url: 'https://dichvucong.gov.vn' }],
      choices: [{ label: 'Gặp tư vấn viên', payload: 'HANDOFF' }],
    });
    expect(out).toHaveLength(1);
    const m = out[0];
    if (!m || !('attachment' in m)) throw new Error('expected a button template');
    expect(m.attachment.payload.text).toBe(
      'Bạn được hưởng trợ cấp thất nghiệp nếu đủ điều kiện.\n\nCăn cứ: Điều 39 Luật Việc làm 2025; Nghị định 28/2015/NĐ-CP.',
    );
    expect(m.attachment.payload.buttons).toEqual([
      { type: 'postback', title: 'Gặp tư vấn viên', payload: 'HANDOFF' },
      { type: 'web_url', title: 'Cổng dịch vụ công…', url: 'https://dichvucong.gov.vn' },
    ]);
  });

  it('puts links in the text when the buttons are taken by choices', () => {
    const out = renderMessengerReply({
      text: 'Chọn một mục:',
      choices: Array.from({ length: 4 }, (_, i) => ({ label: `Mục ${i + 1}`, payload: `P${i}` })),
      links: [{ label: 'Cổng dịch vụ công', url: 'https://dichvucong.gov.vn' }],
    });
    expect(out).toHaveLength(1);
    const m = out[0];
    if (!m || !('text' in m)) throw new Error('expected text');
    expect(m.text).toContain('Cổng dịch vụ công: https://dichvucong.gov.vn');
    expect(m.quick_replies).toHaveLength(4);
  });
});

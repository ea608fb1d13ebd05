/**
 * Reply → Zalo messages: 2,000-character chunks on natural boundaries, citations, buttons.
 */
import { describe, expect, it } from 'vitest';
import { POSTBACK_PREFIX } from '../src/bots/zalo/events.js';
import { ZALO_MAX_BUTTONS, ZALO_TEXT_LIMIT, renderReply, splitText } from '../src/bots/zalo/render.js';

const sentence = 'Người lao động đóng bảo hiểm thất nghiệp đủ mười hai tháng trong hai mươi bốn tháng trước khi nghỉ việc thì được hưởng trợ cấp.';
const words = (s: string) => s.split(/\s+/).filter(Boolean);

describe('splitText', () => {
  it('keeps short text whole', () => {
    expect(splitText('  Xin chào bạn!  ')).toEqual(['Xin chào bạn!']);
    expect(splitText('   ')).toEqual([]);
  });

  it('splits at 2,000 characters on paragraph boundaries first', () => {
    const para = Array.from({ length: 8 }, () => sentence).join(' '); // ~1,000 chars
    const text = [para, para, para, para].join('\n\n');
    const chunks = splitText(text);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(ZALO_TEXT_LIMIT);
    // Each chunk holds whole paragraphs.
    for (const c of chunks) for (const p of c.split('\n\n')) expect(p).toBe(para);
    expect(chunks.join('\n\n')).toBe(text);
  });

  it('splits an oversized paragraph on sentences, and never inside a word', () => {
    const para = Array.from({ length: 40 }, (_, i) => sentence.replace('Người', `(${i + 1}) Người`)).join(' ');
    expect(para.length).toBeGreaterThan(ZALO_TEXT_LIMIT * 2);
    const chunks = splitText(para);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(ZALO_TEXT_LIMIT);
      expect(c.endsWith('trợ cấp.')).toBe(true); // sentence boundary
    }
    expect(chunks.flatMap(words)).toEqual(words(para));
  });

  it('falls back to word boundaries when a sentence is too long, and cuts only a single giant word', () => {
    const long = Array.from({ length: 600 }, (_, i) => `từ${i}`).join(' ');
    const chunks = splitText(long, 500);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(500);
    expect(chunks.flatMap(words)).toEqual(words(long));
    const url = `https://example.vn/${'a'.repeat(1200)}`;
    const cut = splitText(`Xem ${url} nhé`, 500);
    for (const c of cut) expect(c.length).toBeLessThanOrEqual(500);
    expect(cut.join('').replace(/\s/g, '')).toBe(`Xem${url}nhé`);
  });
});

describe('renderReply', () => {
  it('renders plain text as one text message', () => {
    expect(renderReply({ text: 'Chào bạn.' })).toEqual([{ kind: 'text', text: 'Chào bạn.' }]);
  });

  it('appends citations as a short "Căn cứ" block', () => {
    const [m] = renderReply({ text: 'Mức hưởng bằng 60% bình quân tiền lương.', citations: ['Điều 39 Luật Việc làm 2025', 'Điều 39 Luật Việc làm 2025', 'Khoản 1 Điều 38 Luật Việc làm 2025'] });
    expect(m).toEqual({ kind: 'text', text: 'Mức hưởng bằng 60% bình quân tiền lương.\n\nCăn cứ: Điều 39 Luật Việc làm 2025; Khoản 1 Điều 38 Luật Việc làm 2025.' });
  });

  it('turns choices into hidden-query buttons carrying the postback marker', () => {
    const msgs = renderReply({ text: 'Bạn muốn hỏi về điều gì?', choices: [{ label: 'Điều kiện hưởng BHTN', payload: 'TOPIC:bhtn' }, { label: 'Gặp tư vấn viên', payload: 'HANDOFF' }] });
    expect(msgs).toEqual([
      {
        kind: 'buttons',
        text: 'Bạn muốn hỏi về điều gì?',
        buttons: [
          { type: 'oa.query.hide', title: 'Điều kiện hưởng BHTN', payload: `${POSTBACK_PREFIX}TOPIC:bhtn` },
          { type: 'oa.query.hide', title: 'Gặp tư vấn viên', payload: `${POSTBACK_PREFIX}HANDOFF` },
        ],
      },
    ]);
  });

  it(`caps buttons at ${ZALO_MAX_BUTTONS} and numbers the rest in the text`, () => {
    const choices = Array.from({ length: 7 }, (_, i) => ({ label: `Lựa chọn ${i + 1}`, payload: `P${i + 1}` }));
    const [m] = renderReply({ text: 'Bạn chọn giúp mình nhé:', choices });
    expect(m?.kind).toBe('buttons');
    if (m?.kind !== 'buttons') return;
    expect(m.buttons).toHaveLength(ZALO_MAX_BUTTONS);
    expect(m.text).toBe('Bạn chọn giúp mình nhé:\n\n6. Lựa chọn 6\n7. Lựa chọn 7');
    // Labels that already carry their number are not numbered twice.
    const [n] = renderReply({ text: 'Chọn:', choices: [{ label: '1. Câu một', payload: 'a' }] }, { buttons: false });
    expect(n).toEqual({ kind: 'text', text: 'Chọn:\n\n1. Câu một' });
  });

  it('can render every choice as numbered text when buttons are switched off', () => {
    const msgs = renderReply({ text: 'Chọn:', choices: [{ label: 'A', payload: 'a' }, { label: 'B', payload: 'b' }] }, { buttons: false });
    expect(msgs).toEqual([{ kind: 'text', text: 'Chọn:\n\n1. A\n2. B' }]);
  });

  it('uses spare button slots for links, and plain URLs beyond them', () => {
    const links = [
      { label: 'Cổng Dịch vụ công', url: 'https://dichvucong.gov.vn/' },
      { label: 'BHXH Việt Nam', url: 'https://baohiemxahoi.gov.vn/' },
    ];
    const [m] = renderReply({ text: 'Bạn nộp hồ sơ trực tuyến tại đây.', links });
    expect(m).toEqual({
      kind: 'buttons',
      text: 'Bạn nộp hồ sơ trực tuyến tại đây.',
      buttons: [
        { type: 'oa.open.url', title: 'Cổng Dịch vụ công', payload: { url: 'https://dichvucong.gov.vn/' } },
        { type: 'oa.open.url', title: 'BHXH Việt Nam', payload: { url: 'https://baohiemxahoi.gov.vn/' } },
      ],
    });
    const choices = Array.from({ length: 5 }, (_, i) => ({ label: `C${i}`, payload: `p${i}` }));
    const [full] = renderReply({ text: 'Xem thêm.', links, choices });
    expect(full?.kind === 'buttons' && full.buttons.every((b) => b.type === 'oa.query.hide')).toBe(true);
    expect(full?.text).toContain('Cổng Dịch vụ công: https://dichvucong.gov.vn/');
  });

  it('shortens long button titles on a word boundary', () => {
    const label = `${'Trợ cấp thôi việc '.repeat(10)}cuối`;
    const [m] = renderReply({ text: 'Chọn:', choices: [{ label, payload: 'x' }] });
    if (m?.kind !== 'buttons') throw new Error('expected buttons');
    expect(m.buttons[0]?.title.length).toBeLessThanOrEqual(100);
    expect(m.buttons[0]?.title.endsWith('…')).toBe(true);
    expect(m.buttons[0]?.title).not.toMatch(/\s…$/);
  });

  it('marks urgent replies at the start', () => {
    const [m] = renderReply({ text: 'Hãy gọi ngay 113, 115 hoặc 114.', urgent: true });
    expect(m?.text.startsWith('🚨 Hãy gọi ngay')).toBe(true);
  });

  it('sends long answers as several texts in order with the buttons on the last', () => {
    const para = Array.from({ length: 10 }, () => sentence).join(' ');
    const text = [para, para, para].join('\n\n');
    const msgs = renderReply({ text, citations: ['Điều 38 Luật Việc làm 2025'], choices: [{ label: 'Gặp tư vấn viên', payload: 'HANDOFF' }] });
    expect(msgs.length).toBeGreaterThanOrEqual(2);
    for (const m of msgs) expect(m.text.length).toBeLessThanOrEqual(ZALO_TEXT_LIMIT);
    expect(msgs.slice(0, -1).every((m) => m.kind === 'text')).toBe(true);
    const last = msgs[msgs.length - 1];
    expect(last?.kind).toBe('buttons');
    expect(last?.text.endsWith('Căn cứ: Điều 38 Luật Việc làm 2025.')).toBe(true);
    expect(msgs.map((m) => m.text).join('\n\n')).toBe(`${text}\n\nCăn cứ: Điều 38 Luật Việc làm 2025.`);
  });

  it('normalises to NFC before measuring', () => {
    const decomposed = 'Trợ cấp thất nghiệp'.normalize('NFD');
    const [m] = renderReply({ text: decomposed });
    expect(m?.text).toBe('Trợ cấp thất nghiệp'.normalize('NFC'));
  });
});

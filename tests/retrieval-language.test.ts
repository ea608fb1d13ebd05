/**
 * Workers' words that the analysis now reads like the knowledge base's: a loanword for
 * domestic work and for time off, regional words, "về hưu" for "nghỉ hưu", and "còn …"
 * opening a follow-up.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/knowledge/vi/analyze.js';
import { workerEngine } from './helpers/engine.js';

describe('analysis of everyday and regional words', () => {
  it.each([
    ['làm ô sin cho nhà người ta', 'làm giúp việc cho nhà người ta'],
    ['lam osin 3 nam', 'lam giup viec 3 nam'],
    ['cả tháng không có ngày off', 'cả tháng không có ngày nghỉ'],
    ['rứa có được nhận không', 'vậy có được nhận không'],
    ['đi mần ở xưởng', 'đi làm ở xưởng'],
    ['bây chừ nộp hồ sơ được không', 'bây giờ nộp hồ sơ được không'],
    ['sắp về hưu rồi', 'sắp nghỉ hưu rồi'],
    ['còn thử việc thì sao', 'thử việc thì sao'],
    ['con neu hop dong 2 nam thi sao', 'neu hop dong 2 nam thi sao'],
  ])('"%s" reads like "%s"', (a, b) => {
    expect(analyze(a)).toEqual(analyze(b));
  });

  it('keeps "còn" where it means something', () => {
    expect(analyze('mấy tháng còn lại có được bảo lưu không')).toContain('con');
    expect(analyze('con dang bi om phai nghi cham')).toContain('con');
    expect(analyze('con tôi bị ốm')).toContain('con');
  });
});

describe('the engine on those words', async () => {
  const worker = await workerEngine('language');
  afterAll(worker.close);
  const say = (conversation: string, text: string) => worker.say(text, conversation);

  it('answers a domestic worker who says "ô sin"', async () => {
    expect(await say('osin', 'làm ô sin có được đóng bảo hiểm thất nghiệp không')).toMatchObject({ kind: 'answer', faqId: 'bhtn.tham-gia.giup-viec-gia-dinh' });
  });

  it('reads "cccd" as the citizen ID card, not as the union ("cd")', async () => {
    expect(analyze('giữ cccd')).toEqual(['giu', 'can', 'cuoc', 'cong', 'dan']);
    expect(await say('cccd', 'nghỉ việc mà cty không trả lại cccd')).toMatchObject({ kind: 'answer', faqId: 'ld.quyen-loi.giu-giay-to' });
  });

  it('answers a worker who says "về hưu" with the entry worded "nghỉ hưu"', async () => {
    expect(await say('huu', 'tới tuổi về hưu mà mới đóng bhxh được 9 năm thì làm sao')).toMatchObject({ kind: 'answer', faqId: 'huu.chua-du-15-nam' });
  });

  it('reads "còn … thì sao?" as a follow-up on the same subject', async () => {
    await say('con', 'bảo hiểm thất nghiệp thì những ai phải đóng');
    expect(await say('con', 'còn người đang thử việc thì sao')).toMatchObject({ kind: 'answer', faqId: 'bhtn.tham-gia.thu-viec' });
  });

  it('does not answer the time of day with the law on night work, yet still answers the night-work question', async () => {
    const time = await say('gio', 'mấy giờ rồi bạn');
    expect(time.kind).not.toBe('answer');
    expect(time.faqId).toBeUndefined();
    expect(await say('dem', 'làm ca đêm từ mấy giờ thì được tính là làm đêm')).toMatchObject({ kind: 'answer', faqId: 'ld.lam-them.ban-dem' });
  });

  it('does not answer a question about the calendar with the Tết holiday, yet still answers the holiday question', async () => {
    for (const text of ['hôm nay ngày bao nhiêu âm lịch', 'hom nay la ngay may duong lich']) {
      const date = await say(`lich-${text}`, text);
      expect(date.kind, text).not.toBe('answer');
      expect(date.faqId, text).toBeUndefined();
    }
    expect(await say('tet', 'tết âm lịch được nghỉ mấy ngày')).toMatchObject({ kind: 'answer', faqId: 'ld.nghi-le.tet' });
  });
});

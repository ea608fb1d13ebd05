/**
 * Sibling entries told apart by who ends the contract (the worker quits, the employer
 * dismisses) and by which money (paid in, received): the question's cue decides between two
 * entries that share nearly every other word. And an entry whose every way of asking names
 * something ("thử việc") is not the answer to a question that never names it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/knowledge/vi/analyze.js';
import { cuesOf, dominantCues } from '../src/knowledge/vi/cues.js';
import { workerEngine } from './helpers/engine.js';

const cues = (text: string) => cuesOf(analyze(text));

describe('who ends the contract', () => {
  it.each([
    ['em xin nghỉ việc thì báo trước mấy ngày', 'worker'],
    ['tôi tự chấm dứt hợp đồng được không', 'worker'],
    ['nghi ngang co bi phat khong', 'worker'],
    ['đã nộp đơn rồi giờ rút lại được không', 'worker'],
    ['bị công ty cho nghỉ thì có được bồi thường', 'employer'],
    ['cty đuổi em không lý do', 'employer'],
    ['sếp định cho nhân viên nghỉ việc', 'employer'],
    ['công ty cắt giảm nhân sự', 'employer'],
    // A dismissal named anywhere is what the question is about.
    ['em nghỉ 6 ngày không phép, công ty có được sa thải không', 'employer'],
    // The employer named as the law and HR name it, and with a modal word before the act.
    ['doanh nghiệp được chấm dứt hợp đồng khi nào', 'employer'],
    ['người sử dụng lao động đơn phương chấm dứt hợp đồng', 'employer'],
    ['nsdld muon cham dut hdld voi em', 'employer'],
    ['công ty có đơn phương chấm dứt được không', 'employer'],
  ])('"%s" → %s', (text, side) => {
    expect(cues(text).side).toBe(side);
  });

  it.each(['hai bên thỏa thuận chấm dứt hợp đồng', 'công ty với em thỏa thuận cho nghỉ'])('"%s" → both sides agree', (text) => {
    expect(cues(text).side).toBe('agreement');
  });

  it('reads "người lao động chấm dứt" as the worker\'s act, not the employer\'s', () => {
    expect(cues('người lao động đơn phương chấm dứt hợp đồng').side).not.toBe('employer');
  });

  it.each(['cty cho nghỉ phép mấy ngày', 'xin nghỉ 2 ngày đi đám cưới', 'công ty không cho nghỉ lễ', 'lương tháng này bao nhiêu'])(
    'names no side in "%s" (leave, or nothing about ending the contract)',
    (text) => {
      expect(cues(text).side).toBeUndefined();
    },
  );
});

describe('which money', () => {
  it.each([
    ['mỗi tháng đóng bảo hiểm thất nghiệp bao nhiêu', 'contribution'],
    ['bị trừ 1% lương cho thất nghiệp', 'contribution'],
    ['lãnh thất nghiệp được bao nhiêu', 'benefit'],
    ['được hưởng trợ cấp mấy tháng', 'benefit'],
  ])('"%s" → %s', (text, money) => {
    expect(cues(text).money).toBe(money);
  });

  it.each(['đóng 5 năm thì được hưởng mấy tháng', 'hợp đồng lao động lương 10 triệu đồng', 'nhân viên công ty có được đồng ý không'])(
    'names no one kind in "%s"',
    (text) => {
      expect(cues(text).money).toBeUndefined();
    },
  );
});

describe('"nghỉ ngang"', () => {
  it('reads as leaving work, and keeps the word that says it was without notice', () => {
    expect(analyze('nghỉ ngang thì sao')).toEqual(['nghi', 'viec', 'ngang']);
    expect(analyze('bo ngang co sao khong')).toEqual(analyze('nghỉ ngang có sao không'));
  });
});

describe("an entry's cues", () => {
  it('are those most of its ways of asking agree on', () => {
    expect(dominantCues([{ side: 'worker' }, { side: 'worker' }, { side: 'worker' }, { side: 'employer' }, {}])).toEqual({ side: 'worker' });
  });
  it('are none when its ways of asking disagree, or few of them say anything', () => {
    expect(dominantCues([{ side: 'worker' }, { side: 'employer' }, {}])).toEqual({});
    expect(dominantCues([{ money: 'benefit' }, {}, {}, {}, {}])).toEqual({});
  });
});

describe('the engine on sibling questions', async () => {
  const { engine, say, close } = await workerEngine('cues');
  afterAll(close);

  it("answers the worker's illegal quitting, not the employer's illegal dismissal", async () => {
    expect(await say('người lao động nghỉ việc trái pháp luật thì phải bồi thường cho công ty những gì')).toMatchObject({ kind: 'answer', faqId: 'ld.nghi-viec.trai-luat' });
  });

  it('answers the benefit rate, not the contribution rate, when the worker asks what is received', async () => {
    expect(await say('được hưởng thất nghiệp mỗi tháng bao nhiêu phần trăm lương')).toMatchObject({ kind: 'answer', faqId: 'bhtn.muc-huong.cong-thuc' });
    expect(await say('lãnh trợ cấp thất nghiệp hằng tháng bằng mấy phần trăm lương')).toMatchObject({ kind: 'answer', faqId: 'bhtn.muc-huong.cong-thuc' });
  });

  it('answers quitting on one\'s own, not an ending both sides agreed, when the worker says they quit', async () => {
    expect(await say('tôi tự làm đơn xin nghỉ việc thì có được lãnh trợ cấp thất nghiệp không')).toMatchObject({ kind: 'answer', faqId: 'bhtn.dieu-kien.nghi-viec-dung-luat' });
  });

  it("does not offer the worker's own quitting when the enterprise ends the contract", () => {
    const r = engine.retriever.retrieve('những trường hợp doanh nghiệp được đơn phương chấm dứt hợp đồng với người lao động', '2026-11-28');
    expect(r.candidates[0]?.entry.id).toBe('ld.bi-cho-nghi.can-cu');
    expect(r.candidates.map((c) => c.entry.id)).not.toContain('ld.nghi-viec.khong-bao-truoc');
  });

  it("still answers the employer's notice when the worker was dismissed", async () => {
    expect(await say('công ty đuổi tôi thì phải báo trước bao lâu')).toMatchObject({ kind: 'answer', faqId: 'ld.bi-cho-nghi.bao-truoc' });
  });

  it('does not answer with the probation entry when the question never names probation', async () => {
    const quit = await say('nghỉ ngang không báo trước thì có bị đền tiền không');
    expect(quit.kind === 'answer' && quit.faqId === 'ld.thu-viec.nghi-ngang').toBe(false);
    expect(await say('tôi nghỉ ngang thì có bị công ty bắt đền không')).toMatchObject({ kind: 'answer', faqId: 'ld.nghi-viec.trai-luat' });
    expect(await say('đang thử việc mà nghỉ ngang thì có phải báo trước không')).toMatchObject({ kind: 'answer', faqId: 'ld.thu-viec.nghi-ngang' });
  });
});

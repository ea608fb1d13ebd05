/**
 * Close sibling entries: the worker gets the one their words point to, not a question back.
 * - Joining the union is said many ways ("vào", "vô", "tham gia", "gia nhập" công đoàn): one
 *   meaning, one form, so the entry on who may join meets every way of saying it.
 * - A runner-up that is close only on the words two entries share does not make the bot ask
 *   which one, when the words that tell them apart point to the top (FaqIndex.lean).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/knowledge/vi/analyze.js';
import { workerEngine } from './helpers/engine.js';

describe('joining the union', () => {
  it.each([
    ['muốn vô công đoàn', 'muốn vào công đoàn'],
    ['muốn tham gia công đoàn', 'muốn vào công đoàn'],
    ['muốn gia nhập công đoàn', 'muốn vào công đoàn'],
    ['muon tham gia cd', 'muốn vào công đoàn'],
  ])('"%s" reads like "%s"', (a, b) => {
    expect(analyze(a)).toEqual(analyze(b));
  });

  it('leaves "tham gia" alone when it is not the union', () => {
    expect(analyze('tham gia bảo hiểm xã hội')).toEqual(['tham', 'gia', 'bao', 'hiem', 'xa', 'hoi']);
  });
});

describe('the engine on sibling questions', async () => {
  const { say, close } = await workerEngine('siblings');
  afterAll(close);

  it('answers who may join the union, however the worker says "join"', async () => {
    expect(await say('làm công nhân may có được tham gia công đoàn không')).toMatchObject({ kind: 'answer', faqId: 'cd.ai-duoc-gia-nhap' });
  });

  it('answers how to join the union when the worker says "tham gia"', async () => {
    expect(await say('em muốn tham gia công đoàn cơ sở thì làm sao')).toMatchObject({ kind: 'answer', faqId: 'cd.cach-gia-nhap' });
  });

  it('answers the regional minimum wage, not the unemployment insurance salary cap', async () => {
    expect(await say('mức lương tối thiểu vùng hiện tại là bao nhiêu tiền')).toMatchObject({ kind: 'answer', faqId: 'ld.luong-toi-thieu.2026' });
  });

  it('answers the pension conditions, not the one-off withdrawal, when the worker asks about a pension', async () => {
    expect(await say('đóng bảo hiểm xã hội mấy năm thì được hưởng lương hưu')).toMatchObject({ kind: 'answer', faqId: 'huu.dieu-kien' });
  });

  it('still asks which one when the words do not tell two entries apart', async () => {
    expect((await say('cty được trả lương chậm nhất vào ngày nào')).kind).toBe('clarify');
  });
});

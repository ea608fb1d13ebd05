/**
 * Close sibling entries: the worker gets the one their words point to, not a question back.
 * - Joining the union is said many ways ("vào", "vô", "tham gia", "gia nhập" công đoàn): one
 *   meaning, one form, so the entry on who may join meets every way of saying it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/knowledge/vi/analyze.js';
import { cliRuntime } from '../src/cli/runtime.js';

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
  const { engine, store } = await cliRuntime({ date: '2026-11-28' });
  afterAll(() => store.close());
  let n = 0;
  const say = async (text: string) => {
    const id = `siblings-${n++}`;
    return (await engine.handle({ channel: 'cli', userId: id, conversationId: id, messageId: id, text, timestamp: new Date('2026-11-28T03:00:00Z') })).outcome;
  };

  it('answers who may join the union, however the worker says "join"', async () => {
    expect(await say('làm công nhân may có được tham gia công đoàn không')).toMatchObject({ kind: 'answer', faqId: 'cd.ai-duoc-gia-nhap' });
  });

  it('answers how to join the union when the worker says "tham gia"', async () => {
    expect(await say('em muốn tham gia công đoàn cơ sở thì làm sao')).toMatchObject({ kind: 'answer', faqId: 'cd.cach-gia-nhap' });
  });
});

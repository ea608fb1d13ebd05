/**
 * Router decisions a worker notices: a question holding a number but asking the rule gets the
 * KB's answer; a request for an amount with figures is computed at once, with the right figure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activity, EngineResult } from '../src/flows/activity.js';
import { createEngine, type Engine } from '../src/flows/engine.js';
import { createStore } from '../src/store/sql-store.js';
import type { Store } from '../src/store/types.js';

let store: Store;
let engine: Engine;
let n = 0;
beforeAll(async () => {
  store = await createStore({ databasePath: ':memory:' });
  engine = createEngine({ store, now: () => new Date('2026-11-28T10:00:00+07:00') });
});
afterAll(async () => {
  await store.close();
});
function ask(text: string): Promise<EngineResult> {
  n += 1;
  const activity: Activity = { channel: 'web', userId: `u${n}`, conversationId: `c${n}`, messageId: `m${n}`, text, timestamp: new Date() };
  return engine.handle(activity);
}
const allText = (r: EngineResult) => r.replies.map((x) => x.text).join('\n');

describe('calculator or FAQ', () => {
  it.each([
    'em mới vào cty được 7 tháng, có được nghỉ phép năm chưa hay phải đủ 1 năm',
    'tien ot ngay nghi hang tuan tinh bao nhieu phan tram',
    'nữ đóng bảo hiểm 20 năm thì lương hưu được bao nhiêu phần trăm',
    'làm ca đêm thì được cộng thêm bao nhiêu tiền lương',
    'em làm 7 năm, sổ bảo hiểm ghi đóng thất nghiệp đủ cả 7 năm, nghỉ thì cty có còn phải trả thôi việc cho em không',
  ])('a rule question with a number is not computed: %s', async (q) => {
    expect((await ask(q)).outcome.kind).not.toBe('flow');
  });

  it.each([
    ['lương giờ của em 40 nghìn, tăng ca 3 tiếng ngày thường thì được bao nhiêu tiền', '180.000'],
    ['Tôi làm việc 12 năm, 5 năm đầu công ty chưa đóng bảo hiểm thất nghiệp, lương bình quân 15 triệu. Trợ cấp thôi việc của tôi là bao nhiêu?', '37.500.000'],
    ['lam cty 8 nam ma cty khong dong bhtn ngay nao, luong 7 trieu, tro cap thoi viec duoc bao nhieu', '28.000.000'],
  ])('an amount asked with figures is computed at once: %s', async (q, amount) => {
    const r = await ask(q);
    expect(r.outcome.kind).toBe('flow');
    expect(allText(r)).toContain(amount);
  });
});

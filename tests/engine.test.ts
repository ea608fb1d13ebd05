/**
 * Router decisions, driven through the engine exactly as a channel would.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Activity, EngineResult } from '../src/flows/activity.js';
import { createEngine, type Engine } from '../src/flows/engine.js';
import { openTestStore } from './helpers/test-store.js';
import type { Store } from '../src/store/types.js';

let store: Store;
let engine: Engine;
let n = 0;

beforeEach(async () => {
  store = await openTestStore();
  engine = createEngine({ store, now: () => new Date('2026-11-28T10:00:00+07:00') });
});
afterEach(async () => {
  await store.close();
});

function send(conversation: string, text?: string, postback?: string): Promise<EngineResult> {
  n += 1;
  const activity: Activity = { channel: 'web', userId: conversation, conversationId: conversation, messageId: `m${n}`, text, postback, timestamp: new Date() };
  return engine.handle(activity);
}
const allText = (r: EngineResult) => r.replies.map((x) => x.text).join('\n');

describe('engine', () => {
  it('greets with the consent notice on START', async () => {
    const r = await send('c1', undefined, 'START');
    expect(allText(r)).toContain('Trợ lý Công đoàn');
    expect(allText(r)).toContain('xóa dữ liệu');
    expect(r.replies.at(-1)?.choices?.length).toBeGreaterThan(2);
  });

  it('answers a plain question with the entry, its citation and the consent notice at first contact', async () => {
    const r = await send('c2', 'Điều kiện để được hưởng trợ cấp thất nghiệp là gì?');
    expect(r.outcome.kind).toBe('answer');
    expect(r.outcome.faqId).toMatch(/^bhtn\.dieu-kien/);
    expect(r.replies.flatMap((x) => x.citations ?? []).join(' ')).toContain('Luật Việc làm 2025');
    expect(allText(r)).toContain('xóa dữ liệu');
  });

  it('answers a question typed without diacritics and with abbreviations', async () => {
    const r = await send('c3', 'nop ho so tctn o dau vay ad');
    expect(r.outcome.kind).toBe('answer');
    expect(r.outcome.faqId).toMatch(/^bhtn\./);
  });

  it('reads a follow-up against the current topic', async () => {
    await send('c4', 'điều kiện hưởng trợ cấp thất nghiệp');
    const r = await send('c4', 'Thế nộp hồ sơ ở đâu?');
    expect(r.outcome.kind).toBe('answer');
    expect(r.outcome.faqId).toMatch(/^bhtn\.ho-so\.noi-nop/);
  });

  it('takes a thank-you or an "ok" after an answer as small talk, not as a follow-up on the subject', async () => {
    const thanks = ['cảm ơn', 'ok cám ơn', 'em cảm ơn bạn nhiều ạ', 'cam on ad nhe'];
    for (const [i, text] of thanks.entries()) {
      await send(`thx${i}`, 'trợ cấp thất nghiệp được bao nhiêu tiền');
      const r = await send(`thx${i}`, text);
      expect(r.outcome.kind, text).toBe('smalltalk');
      expect(allText(r), text).toContain('Không có gì');
    }
    for (const [i, text] of ['ok', 'dạ vâng em hiểu rồi', 'được rồi ạ'].entries()) {
      await send(`ack${i}`, 'lương tối thiểu vùng 2026 là bao nhiêu');
      const r = await send(`ack${i}`, text);
      expect(r.outcome.kind, text).toBe('smalltalk');
      expect(allText(r), text).toContain('hỏi thêm');
    }
    // A real follow-up in the same words' company is still read against the subject.
    await send('thx-q', 'điều kiện hưởng trợ cấp thất nghiệp');
    expect((await send('thx-q', 'cảm ơn, thế nộp hồ sơ ở đâu?')).outcome.faqId).toMatch(/^bhtn\.ho-so\.noi-nop/);
  });

  it('computes the benefit at once when the message gives every value', async () => {
    const r = await send('c5', 'lương 10 triệu đóng 5 năm thì được bao nhiêu?');
    expect(r.outcome.kind).toBe('flow');
    expect(allText(r)).toContain('6.000.000');
    expect(allText(r)).toMatch(/5 tháng/);
  });

  it('asks only for what is missing, then computes', async () => {
    const first = await send('c6', 'tính trợ cấp thất nghiệp giúp em');
    expect(first.outcome.kind).toBe('flow');
    await send('c6', 'lương em 15 triệu');
    const r = await send('c6', '6 năm');
    expect(allText(r)).toContain('9.000.000');
    expect(allText(r)).toMatch(/6 tháng/);
  });

  it('leaves a calculator on "hủy"', async () => {
    await send('c7', 'tính trợ cấp thất nghiệp');
    const r = await send('c7', 'hủy');
    expect(allText(r)).toContain('dừng');
    const next = await send('c7', 'thời gian hưởng trợ cấp thất nghiệp tối đa bao lâu');
    expect(next.outcome.kind).toBe('answer');
  });

  it('queues an urgent case at once with emergency numbers', async () => {
    const r = await send('c8', 'em không muốn sống nữa, công ty nợ lương mấy tháng rồi');
    expect(r.outcome).toMatchObject({ handoff: 'queued', urgent: true });
    expect(allText(r)).toContain('113');
    expect(allText(r)).toContain('115');
    expect(r.mode).toBe('queued');
  });

  it('queues an explicit request, stays silent while queued, and returns on "hủy"', async () => {
    const q = await send('c9', 'cho em gặp tư vấn viên');
    expect(q.outcome.handoff).toBe('queued');
    expect(allText(q)).toMatch(/vị trí số 1/);
    const silent = await send('c9', 'em đang chờ ạ');
    expect(silent.replies).toHaveLength(0);
    const back = await send('c9', 'hủy');
    expect(back.mode).toBe('bot');
    const answered = await send('c9', 'nghỉ việc phải báo trước bao nhiêu ngày');
    expect(answered.replies.length).toBeGreaterThan(0);
  });

  it('offers a counsellor for a sensitive case, and accepting queues it', async () => {
    const r = await send('c10', 'em đang mang thai mà công ty đuổi việc em');
    expect(r.outcome.handoff).toBe('offered');
    expect(r.replies.at(-1)?.choices?.some((c) => c.payload === 'HANDOFF')).toBe(true);
    const yes = await send('c10', 'có');
    expect(yes.outcome.handoff).toBe('queued');
  });

  it('falls back on an out-of-scope question and offers a counsellor after repeated misses', async () => {
    const a = await send('c11', 'thời tiết hà nội mai thế nào');
    expect(a.outcome.kind).toBe('fallback');
    expect(a.outcome.handoff).toBe('none');
    const b = await send('c11', 'giá vàng hôm nay bao nhiêu');
    expect(b.outcome.handoff).toBe('offered');
  });

  it('deletes the worker data after confirmation', async () => {
    await send('c12', 'điều kiện hưởng bhtn');
    const ask = await send('c12', 'xóa dữ liệu');
    expect(ask.replies[0]?.choices?.map((c) => c.payload)).toContain('DELETE_YES');
    await send('c12', undefined, 'DELETE_YES');
    expect(await store.getConversation('web', 'c12')).toBeUndefined();
    expect(await store.transcript('web:c12')).toHaveLength(0);
  });

  it('answers a redelivered message only once', async () => {
    const activity: Activity = { channel: 'web', userId: 'c13', conversationId: 'c13', messageId: 'same', text: 'mức hưởng bhtn', timestamp: new Date() };
    const first = await engine.handle(activity);
    const again = await engine.handle(activity);
    expect(first.replies.length).toBeGreaterThan(0);
    expect(again.duplicate).toBe(true);
    expect(again.replies).toHaveLength(0);
  });

  it('refuses an unknown postback politely', async () => {
    const r = await send('c14', undefined, 'NO_SUCH_BUTTON');
    expect(allText(r)).toContain('không còn hiệu lực');
  });

  it('never serves a superseded rule today', async () => {
    const r = await send('c15', 'phải chờ 15 ngày làm việc mới được hưởng trợ cấp thất nghiệp à');
    expect(r.outcome.faqId ?? '').not.toMatch(/lich-su/);
  });
});

/**
 * The worker's side of a handoff, through the engine as a channel drives it: place in the
 * queue and rough wait, the satisfaction survey after a close, and the live events the
 * counsellor console receives.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineResult } from '../src/flows/activity.js';
import type { ConsoleEvent } from '../src/flows/handoff/events.js';
import { satisfactionSurvey } from '../src/flows/handoff/survey.js';
import { LocalCoordinator } from '../src/coordination/local.js';
import { Desk } from '../src/console/desk.js';
import { allText, openBench, type Bench, type Input } from './helpers/handoff.js';

let bench: Bench;
let events: ConsoleEvent[];

beforeEach(async () => {
  // Tuesday 1 December 2026, 09:00 in Hà Nội.
  bench = await openBench('telegram', new Date('2026-12-01T09:00:00+07:00'));
  events = bench.events;
});
afterEach(async () => {
  await bench.close();
});

const send = (conversation: string, input: Input): Promise<EngineResult> => bench.send(conversation, input);
const say = (conversation: string, text: string) => send(conversation, { text });
const later = (minutes: number) => {
  bench.clock = new Date(bench.clock.getTime() + minutes * 60_000);
};

describe('queueing', () => {
  it('tells each worker their place — urgent first, then by waiting time — and a rough wait', async () => {
    const a = await say('a', 'cho tôi gặp tư vấn viên');
    expect(a.mode).toBe('queued');
    expect(allText(a)).toContain('vị trí số 1');
    expect(allText(a)).toContain('khoảng 10–20 phút');
    expect(allText(a)).toContain('tư vấn viên sẽ trả lời');
    later(2);
    const b = await say('b', 'tôi muốn gặp người thật');
    expect(allText(b)).toContain('vị trí số 2');
    later(2);
    const c = await say('c', 'cứu tôi với, quản lý cầm dao đuổi đánh');
    expect(c.outcome).toMatchObject({ handoff: 'queued', urgent: true });
    expect(allText(c)).toContain('115');
    later(2);
    // The urgent chat waits ahead of both, so the next worker is fourth.
    const d = await send('d', { postback: 'HANDOFF' });
    expect(allText(d)).toContain('vị trí số 4');
    expect((await bench.store.queue()).map((x) => x.userId)).toEqual(['c', 'a', 'b', 'd']);
  });

  it("shows counsellors the worker's name as the platform sent it, kept when a later tap carries none", async () => {
    await send('lan', { text: 'cho tôi gặp tư vấn viên', displayName: '  Lan Nguyễn ' });
    await send('hung', { text: 'tôi muốn gặp người thật' });
    await send('lan', { postback: 'HANDOFF' });
    const desk = new Desk({ db: bench.store.db, store: bench.store, delivery: { enqueue: async () => [] } as never });
    const names = Object.fromEntries((await desk.queue()).map((x) => [x.conversationId, x.displayName]));
    expect(names).toEqual({ 'telegram:lan': 'Lan Nguyễn', 'telegram:hung': null });
  });

  it('says in the queue why each chat waits, before anyone opens it, and forgets it once the chat is back with the bot', async () => {
    await say('v', 'quản lý cầm dao đuổi đánh em');
    await say('p', 'em đang mang thai mà công ty đuổi việc em');
    await say('p', 'có');
    await say('a', 'cho tôi gặp tư vấn viên');
    await say('w', 'lương tối thiểu vùng 1 năm nay bao nhiêu');
    await say('w', 'cho tôi gặp tư vấn viên');
    const desk = new Desk({ db: bench.store.db, store: bench.store, delivery: { enqueue: async () => [] } as never });
    const concerns = Object.fromEntries((await desk.queue()).map((x) => [x.conversationId, x.concern]));
    expect(concerns).toEqual({ 'telegram:v': 'Bạo lực, đe dọa', 'telegram:p': 'Mang thai bị cho nghỉ', 'telegram:a': 'Muốn gặp tư vấn viên', 'telegram:w': 'Muốn gặp tư vấn viên' });
    expect((await desk.record('telegram:v')).concern).toBe('Bạo lực, đe dọa');
    // A waiting chat that turns urgent says so; one that leaves the queue keeps nothing.
    await say('a', 'em muốn chết cho xong');
    expect((await desk.queue()).find((x) => x.conversationId === 'telegram:a')?.concern).toBe('Nguy cơ tự tử, tự hại');
    await say('w', 'hủy');
    expect((await bench.store.getConversation('telegram', 'w'))?.state.concern).toBeUndefined();
  });

  it("keeps the name of a group chat's worker when others write in it, and gives no one another's name", async () => {
    // A Telegram group: the chat's id is the conversation, each member writes under their own id and name.
    await send('group-1', { userId: 'lan', text: 'cho tôi gặp tư vấn viên', displayName: 'Lan Nguyễn' });
    await send('group-1', { userId: 'hung', text: 'tôi cũng muốn hỏi', displayName: 'Hùng Trần' });
    const desk = new Desk({ db: bench.store.db, store: bench.store, delivery: { enqueue: async () => [] } as never });
    expect((await desk.queue()).map((x) => [x.conversationId, x.displayName])).toEqual([['telegram:group-1', 'Lan Nguyễn']]);
    const workers = await bench.store.db.selectFrom('worker').select(['user_id', 'display_name']).orderBy('user_id').execute();
    expect(workers.filter((w) => w.display_name === 'Hùng Trần').map((w) => w.user_id)).not.toContain('lan');
  });

  it('announces the middle of recently recorded waits, as a rounded range', async () => {
    const base = bench.clock.getTime() - 3 * 24 * 3600_000;
    for (const [i, minutes] of [31, 38, 42, 55].entries()) {
      await bench.records.recordWait({ conversationId: `old${i}`, queuedAt: new Date(base + i * 3600_000), claimedAt: new Date(base + i * 3600_000 + minutes * 60_000), urgent: false });
    }
    // Urgent waits say nothing about ordinary ones, and a repeated report counts once.
    await bench.records.recordWait({ conversationId: 'urgent', queuedAt: new Date(base), claimedAt: new Date(base + 60_000), urgent: true });
    await bench.records.recordWait({ conversationId: 'old0', queuedAt: new Date(base), claimedAt: new Date(base + 31 * 60_000), urgent: false });
    const r = await say('e', 'gặp tư vấn viên');
    expect(allText(r)).toContain('khoảng 35–50 phút');
  });

  it('uses the configured default wait while too few waits are recorded', async () => {
    bench.rebuild({ handoff: { defaultWait: { min: 60, max: 120 } } });
    const r = await say('f', 'gặp tư vấn viên');
    expect(allText(r)).toContain('khoảng 1–2 giờ');
  });
});

describe('satisfaction survey', () => {
  async function closedChat(id: string): Promise<void> {
    await say(id, 'gặp tư vấn viên');
    const conv = (await bench.store.getConversation('telegram', id))!;
    // What the console does on close: mode 'closed', then it sends satisfactionSurvey().
    await bench.store.saveConversation({ ...conv, mode: 'closed' });
  }

  it('asks warmly with five buttons, SURVEY:1 to SURVEY:5', () => {
    const q = satisfactionSurvey();
    expect(q.text).toMatch(/1.*5/s);
    expect(q.choices?.map((c) => c.payload)).toEqual(['SURVEY:1', 'SURVEY:2', 'SURVEY:3', 'SURVEY:4', 'SURVEY:5']);
  });

  it('records a rating after a close, thanks the worker and returns to the bot', async () => {
    await closedChat('s1');
    const r = await send('s1', { postback: 'SURVEY:4' });
    expect(allText(r)).toContain('Cảm ơn bạn đã đánh giá');
    expect(r.mode).toBe('bot');
    expect((await bench.records.ratings('telegram:s1')).map((x) => x.rating)).toEqual([4]);
    // A second tap changes nothing.
    const again = await send('s1', { postback: 'SURVEY:1' });
    expect(allText(again)).toContain('ghi nhận');
    expect((await bench.records.ratings('telegram:s1')).map((x) => x.rating)).toEqual([4]);
    // And the bot answers the next question.
    const next = await say('s1', 'điều kiện hưởng trợ cấp thất nghiệp');
    expect(next.outcome.kind).toBe('answer');
  });

  it('still takes the rating when the worker wrote something first', async () => {
    await closedChat('s2');
    const answered = await say('s2', 'điều kiện hưởng trợ cấp thất nghiệp');
    expect(answered.outcome.kind).toBe('answer');
    await send('s2', { postback: 'SURVEY:2' });
    expect((await bench.records.ratings('telegram:s2')).map((x) => x.rating)).toEqual([2]);
  });

  it.each(['SURVEY:0', 'SURVEY:6', 'SURVEY:10', 'SURVEY:-1', 'SURVEY:3.5', 'SURVEY:', 'SURVEY:abc'])('refuses %s politely and changes nothing', async (payload) => {
    await closedChat('s3');
    const r = await send('s3', { postback: payload });
    expect(allText(r)).toContain('từ 1 đến 5');
    expect(r.mode).toBe('closed');
    expect(await bench.records.ratings('telegram:s3')).toEqual([]);
    // The survey is still open: a valid answer afterwards counts.
    await send('s3', { postback: 'SURVEY:5' });
    expect((await bench.records.ratings('telegram:s3')).map((x) => x.rating)).toEqual([5]);
  });

  it('records nothing when no counsellor chat was closed', async () => {
    const r = await send('s4', { postback: 'SURVEY:5' });
    expect(await bench.records.ratings('telegram:s4')).toEqual([]);
    expect(r.mode).toBe('bot');
  });
});

describe('live console events', () => {
  const ofType = <T extends ConsoleEvent['type']>(type: T) => events.filter((e): e is Extract<ConsoleEvent, { type: T }> => e.type === type);

  it('publishes queued, then every transcript line while queued, with pictures described', async () => {
    await say('l1', 'lương tối thiểu vùng 1 là bao nhiêu');
    expect(events).toEqual([]);
    await say('l1', 'cho em gặp tư vấn viên');
    // With the topic the bot detected, for the console's queue view.
    expect(ofType('queued')).toEqual([{ type: 'queued', conversationId: 'telegram:l1', channel: 'telegram', urgent: false, topic: 'lao-dong-luong-toi-thieu', at: bench.clock.toISOString() }]);
    const lines = ofType('message').map((e) => `${e.role}: ${e.text}`);
    expect(lines[0]).toBe('worker: cho em gặp tư vấn viên');
    expect(lines[1]).toContain('bot: Mình đã chuyển');
    events.length = 0;

    const silent = await send('l1', { text: 'đây là hợp đồng của em', attachments: [{ kind: 'image', url: 'https://files.example/hd.jpg' }] });
    expect(silent.replies).toEqual([]);
    expect(ofType('message')).toEqual([{ type: 'message', conversationId: 'telegram:l1', role: 'worker', text: 'đây là hợp đồng của em\n[Hình ảnh: https://files.example/hd.jpg]', at: bench.clock.toISOString() }]);
    await send('l1', { attachments: [{ kind: 'file', name: 'bang-luong.pdf', url: 'https://files.example/bl.pdf' }] });
    expect(ofType('message').at(-1)?.text).toBe('[Tệp đính kèm: “bang-luong.pdf” https://files.example/bl.pdf]');
    const transcript = await bench.store.transcript('telegram:l1');
    expect(transcript.at(-1)).toMatchObject({ role: 'worker', text: '[Tệp đính kèm: “bang-luong.pdf” https://files.example/bl.pdf]' });
  });

  it('relays typing only while a person is involved, storing nothing', async () => {
    await send('l2', { typing: true });
    expect(events).toEqual([]);
    await say('l2', 'gặp tư vấn viên');
    events.length = 0;
    const r = await send('l2', { typing: true });
    expect(r.replies).toEqual([]);
    expect(events).toEqual([{ type: 'typing', conversationId: 'telegram:l2', at: bench.clock.toISOString() }]);
    expect((await bench.store.transcript('telegram:l2')).filter((m) => m.role === 'worker')).toHaveLength(1);
  });

  it('publishes queued again, urgent, when a waiting chat turns urgent', async () => {
    await say('l3', 'gặp tư vấn viên');
    events.length = 0;
    const r = await say('l3', 'anh ấy bị điện giật bất tỉnh rồi');
    expect(allText(r)).toContain('115');
    expect(ofType('queued')).toEqual([expect.objectContaining({ conversationId: 'telegram:l3', urgent: true })]);
    expect(ofType('message').map((e) => e.role)).toEqual(['worker', 'bot']);
  });

  it('publishes left when the worker leaves the queue, and nothing after', async () => {
    await say('l4', 'gặp tư vấn viên');
    events.length = 0;
    const r = await say('l4', 'hủy');
    expect(r.mode).toBe('bot');
    expect(events.map((e) => e.type)).toEqual(['message', 'left']);
    events.length = 0;
    const next = await say('l4', 'điều kiện hưởng trợ cấp thất nghiệp');
    expect(next.outcome.kind).toBe('answer');
    expect(events).toEqual([]);
  });

  it('publishes left when the worker deletes their data, taking tickets and ratings with it', async () => {
    await say('l5', 'gặp tư vấn viên');
    await bench.records.createTicket({ conversationId: 'telegram:l5', channel: 'telegram', userId: 'l5', message: 'gọi lại giúp em', phone: '0912345678', at: bench.clock });
    events.length = 0;
    await say('l5', 'xóa dữ liệu');
    // While queued, the bot stays silent, so deletion is asked for with the button.
    await send('l5', { postback: 'DELETE_YES' });
    expect(ofType('left')).toEqual([{ type: 'left', conversationId: 'telegram:l5', at: bench.clock.toISOString() }]);
    expect(await bench.records.openTickets()).toEqual([]);
  });

  it('keeps answering when the event bus fails', async () => {
    const broken = new LocalCoordinator();
    broken.publish = async () => {
      throw new Error('bus down');
    };
    const warnings: string[] = [];
    bench.rebuild({ coordinator: broken, logger: { info: () => undefined, warn: (_o, msg) => warnings.push(msg ?? '') } });
    const r = await say('l6', 'gặp tư vấn viên');
    expect(r.mode).toBe('queued');
    expect(warnings).toContain('console event not published');
  });
});

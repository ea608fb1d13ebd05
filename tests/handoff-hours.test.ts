/**
 * Office hours with public holidays (fixed clocks, Asia/Ho_Chi_Minh), and what a worker who
 * asks for a person outside them gets: when counsellors are back, a message left as a ticket,
 * a call-back number only with an explicit yes — and danger to life queued at any hour.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadHolidays, Holidays, HolidaysError } from '../src/flows/handoff/holidays.js';
import { OfficeHours, openingInWords, parseOfficeHours } from '../src/flows/handoff/office-hours.js';
import { handoffSettings } from '../src/flows/handoff/settings.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allText, openBench, type Bench } from './helpers/handoff.js';

const SPEC = 'T2-T6 08:00-11:30,13:00-17:00; T7 08:00-11:30';
const HOLIDAYS = 'data/rules/holidays/vietnam.yaml';
const vn = (local: string) => new Date(`${local}+07:00`);

describe('office hours', () => {
  const hours = new OfficeHours(parseOfficeHours(SPEC), loadHolidays(HOLIDAYS));
  const next = (local: string) => {
    const now = vn(local);
    const s = hours.status(now);
    return s.open ? 'open' : openingInWords(s.opensAt!, now);
  };

  it('are closed on a weekday evening until the next morning', () => {
    expect(next('2026-12-01T19:00:00')).toBe('8 giờ sáng mai (thứ Tư, 2/12)');
  });

  it('are closed on a Saturday afternoon and a Sunday until Monday', () => {
    expect(next('2026-11-28T15:00:00')).toBe('8 giờ sáng thứ Hai, 30/11');
    expect(next('2026-11-29T10:00:00')).toBe('8 giờ sáng mai (thứ Hai, 30/11)');
  });

  it('open at the minute of opening and close at the minute of closing', () => {
    expect(next('2026-12-01T07:59:59')).toBe('8 giờ sáng nay');
    expect(next('2026-12-01T08:00:00')).toBe('open');
    expect(next('2026-12-01T11:29:59')).toBe('open');
    expect(next('2026-12-01T11:30:00')).toBe('1 giờ chiều nay');
    expect(next('2026-12-01T16:59:00')).toBe('open');
  });

  it('are closed through Tết, back on the first working day after it', () => {
    expect(next('2026-02-18T09:00:00')).toBe('8 giờ sáng thứ Hai, 23/2');
    expect(next('2026-02-13T16:00:00')).toBe('open');
    // Provisional for 2027 (flagged for review in the data): closed 5/2–11/2.
    expect(next('2027-02-08T09:00:00')).toBe('8 giờ sáng thứ Sáu, 12/2');
  });

  it('keep the compensatory day of a weekend holiday and the Saturday worked in exchange', () => {
    // Giỗ Tổ 2026 fell on Sunday 26/4: made up on Monday 27/4.
    expect(next('2026-04-27T09:00:00')).toBe('8 giờ sáng mai (thứ Ba, 28/4)');
    // Saturday 10/1/2026 was worked for Friday 2/1, with a Friday's hours (an afternoon too).
    expect(next('2026-01-10T14:00:00')).toBe('open');
    expect(next('2026-01-02T09:00:00')).toBe('8 giờ sáng thứ Hai, 5/1');
  });

  it('read every weekday form and refuse what they cannot mean', () => {
    const week = parseOfficeHours('T2+T4 07:30-11:30; CN 19:00-21:00; T7-CN 08:00-09:00');
    expect(week[1]).toEqual([[450, 690]]);
    expect(week[0]).toEqual([[480, 540], [1140, 1260]]);
    expect(week[6]).toEqual([[480, 540]]);
    expect(week[2]).toEqual([]);
    for (const bad of ['', 'T8 08:00-11:00', 'T2-T6', 'T6-T2 08:00-11:00', 'T2 8h-11h', 'T2 11:00-08:00', 'T2 08:00-11:00,10:00-12:00', 'T2 25:00-26:00']) {
      expect(() => parseOfficeHours(bad), bad).toThrow();
    }
  });

  it('is validated with the rest of the configuration, naming the variable', () => {
    expect(loadConfig({ COUNSEL_HOURS: SPEC }).COUNSEL_HOURS?.[6]).toEqual([[480, 690]]);
    expect(() => loadConfig({ COUNSEL_HOURS: 'T2-T6 sáng' })).toThrow(/COUNSEL_HOURS/);
    expect(() => loadConfig({ COUNSEL_WAIT_MINUTES: '20-10' })).toThrow(ConfigError);
    expect(loadConfig({}).COUNSEL_WAIT_MINUTES).toEqual({ min: 10, max: 20 });
    expect(loadConfig({}).COUNSEL_HOURS).toBeUndefined();
  });

  it('refuse a malformed holidays file and flag provisional dates', () => {
    const dir = mkdtempSync(join(tmpdir(), 'holidays-'));
    const file = join(dir, 'h.yaml');
    writeFileSync(file, 'holidays:\n  - name: x\n    closed: [2027-13-01x]\n    sources: [s]\n');
    expect(() => loadHolidays(file)).toThrow(HolidaysError);
    const warnings: object[] = [];
    const settings = handoffSettings({ COUNSEL_HOURS: parseOfficeHours(SPEC), HOLIDAYS_FILE: HOLIDAYS, COUNSEL_WAIT_MINUTES: { min: 5, max: 15 } }, { warn: (o) => warnings.push(o) });
    expect(settings.hours).toBeInstanceOf(OfficeHours);
    expect(JSON.stringify(warnings)).toContain('Tết Nguyên đán Đinh Mùi 2027');
    expect(new Holidays([]).isClosed('2027-02-08')).toBe(false);
  });
});

describe('asking for a person outside office hours', () => {
  let bench: Bench;
  let logs: string;

  beforeEach(async () => {
    logs = '';
    const logger = createLogger('info', { write: (line: string) => void (logs += line) });
    const hours = new OfficeHours(parseOfficeHours(SPEC), loadHolidays(HOLIDAYS));
    // Tuesday 1 December 2026, 20:15: the office closed at 17:00.
    bench = await openBench('zalo', vn('2026-12-01T20:15:00'), { handoff: { hours }, logger });
  });
  afterEach(async () => {
    await bench.close();
  });

  const send = (conversation: string, text?: string, postback?: string) => bench.send(conversation, { text, postback });

  it('says when counsellors are back and takes a message, without a phone when the worker says no', async () => {
    const r = await send('w1', 'cho tôi gặp tư vấn viên');
    expect(allText(r)).toContain('ngoài giờ làm việc');
    expect(allText(r)).toContain('8 giờ sáng mai (thứ Tư, 2/12)');
    expect(r.mode).toBe('bot');
    expect(await bench.store.queue()).toEqual([]);
    const asked = await send('w1', 'Công ty nợ lương em 2 tháng, số em 0912 345 678, em phải làm gì?');
    expect(asked.replies[0]?.text).toContain('số điện thoại');
    expect(asked.replies[0]?.choices?.map((c) => c.payload)).toEqual(['CALLBACK_YES', 'CALLBACK_NO']);
    expect(await bench.records.openTickets()).toEqual([]);
    const done = await send('w1', undefined, 'CALLBACK_NO');
    expect(allText(done)).toContain('trả lời bạn ngay tại đây');
    const [ticket, ...others] = await bench.records.openTickets();
    expect(others).toEqual([]);
    expect(ticket).toMatchObject({ conversationId: 'zalo:w1', channel: 'zalo', phone: null, status: 'open', createdAt: bench.clock });
    // No consent to a call-back: the number written in the message is not kept either.
    expect(ticket!.message).toBe('Công ty nợ lương em 2 tháng, số em [SĐT], em phải làm gì?');
    // Open consoles hear of the ticket at once; the event carries neither message nor number.
    expect(bench.events).toEqual([{ type: 'ticket', conversationId: 'zalo:w1', ticketId: ticket!.id, channel: 'zalo', withPhone: false, at: bench.clock.toISOString() }]);
    // Back to the bot.
    const next = await send('w1', 'điều kiện hưởng trợ cấp thất nghiệp');
    expect(next.outcome.kind).toBe('answer');
  });

  it('keeps the phone in the ticket after an explicit yes, and out of the logs', async () => {
    await send('w2', 'gặp tư vấn viên');
    await send('w2', 'Em bị đuổi việc khi đang mang thai');
    const ask = await send('w2', 'có');
    expect(allText(ask)).toContain('nhập số điện thoại');
    const done = await send('w2', '0987.654.321');
    expect(allText(done)).toContain('gọi lại cho bạn');
    const [ticket] = await bench.records.openTickets();
    expect(ticket).toMatchObject({ message: 'Em bị đuổi việc khi đang mang thai', phone: '0987654321' });
    expect(bench.events.filter((e) => e.type === 'ticket')).toEqual([expect.objectContaining({ ticketId: ticket!.id, withPhone: true })]);
    expect(JSON.stringify(bench.events)).not.toMatch(/0987|mang thai/);
    expect(logs).toContain('call-back ticket created');
    expect(logs).toContain('[SĐT]');
    expect(logs).not.toMatch(/0987\.?654\.?321/);
  });

  it('takes "có" with the number in one message, but a bare number is not a yes', async () => {
    await send('w3', 'gặp tư vấn viên');
    await send('w3', 'hỏi về bảo hiểm thất nghiệp');
    const bare = await send('w3', '0912345678');
    expect(allText(bare)).toContain('có muốn tư vấn viên gọi điện lại');
    expect(await bench.records.openTickets()).toEqual([]);
    await send('w3', 'có, 0912 345 678');
    expect((await bench.records.openTickets())[0]?.phone).toBe('0912345678');
  });

  it('files the message without a phone after two unreadable numbers', async () => {
    await send('w4', 'gặp tư vấn viên');
    await send('w4', 'hỏi về hợp đồng');
    await send('w4', undefined, 'CALLBACK_YES');
    const again = await send('w4', 'số của em là gì nhỉ');
    expect(allText(again)).toContain('chưa đọc được');
    await send('w4', 'để em hỏi lại');
    expect((await bench.records.openTickets()).map((t) => t.phone)).toEqual([null]);
  });

  it('files nothing when the worker cancels, and nothing while the office is open', async () => {
    await send('w5', 'gặp tư vấn viên');
    await send('w5', 'em muốn hỏi về lương');
    const r = await send('w5', 'hủy');
    expect(allText(r)).toContain('dừng');
    expect(await bench.records.openTickets()).toEqual([]);
    bench.clock = vn('2026-12-02T09:00:00');
    const open = await send('w5', 'gặp tư vấn viên');
    expect(open.mode).toBe('queued');
    expect(allText(open)).toContain('vị trí số 1');
  });

  it('queues danger to life at 2 a.m. as urgent, with emergency numbers first', async () => {
    bench.clock = vn('2026-12-02T02:00:00');
    const r = await send('w6', 'có người bị điện giật bất tỉnh ở xưởng');
    expect(r.mode).toBe('queued');
    expect(r.outcome).toMatchObject({ handoff: 'queued', urgent: true });
    expect(r.replies[0]?.text).toMatch(/^Nếu bạn hoặc ai đó đang gặp nguy hiểm.*115/);
    expect(r.replies[0]?.urgent).toBe(true);
    expect(allText(r)).toContain('ngoài giờ làm việc');
    expect((await bench.store.queue()).map((c) => [c.id, c.urgent])).toEqual([['zalo:w6', true]]);
    expect(bench.events.filter((e) => e.type === 'queued')).toEqual([expect.objectContaining({ conversationId: 'zalo:w6', urgent: true })]);
  });

  it('turns an off-hours message urgent if danger appears in it', async () => {
    await send('w7', 'gặp tư vấn viên');
    const r = await send('w7', 'quản lý đang cầm dao dọa giết em');
    expect(r.outcome.urgent).toBe(true);
    expect(r.mode).toBe('queued');
    expect(await bench.records.openTickets()).toEqual([]);
  });

  it('lets the console mark a ticket done exactly once', async () => {
    await send('w8', 'gặp tư vấn viên');
    await send('w8', 'hỏi về nghỉ phép');
    await send('w8', 'không');
    const [ticket] = await bench.records.openTickets();
    const [first, second] = await Promise.all([bench.records.markTicketDone(ticket!.id, 'tvv-1', bench.clock), bench.records.markTicketDone(ticket!.id, 'tvv-2', bench.clock)]);
    expect([first, second].sort()).toEqual([false, true]);
    expect(await bench.records.openTickets()).toEqual([]);
    expect(await bench.records.ticket(ticket!.id)).toMatchObject({ status: 'done', doneAt: bench.clock });
    expect(await bench.records.markTicketDone(9999, 'tvv-1')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import type { Reply } from '../src/flows/activity.js';
import { MemoryCallbackRegistry, TOKEN_PREFIX } from '../src/bots/telegram/callback-data.js';
import { updateToActivities } from '../src/bots/telegram/events.js';
import { renderTelegramReply, TELEGRAM_LIMITS } from '../src/bots/telegram/render.js';

const BOT = 'TroLyCongDoanBot';
const worker = { id: 5123456789, is_bot: false, first_name: 'Lan', last_name: 'Nguyễn', username: 'lan_ng', language_code: 'vi' };
const privateChat = { id: 5123456789, first_name: 'Lan', last_name: 'Nguyễn', username: 'lan_ng', type: 'private' };
const group = { id: -1001234567890, title: 'Công đoàn KCN Bắc Thăng Long', type: 'supergroup' };
const DATE = 1791000000;

/** Update shapes as in the Bot API reference (see docs/platforms/telegram.md). */
const msg = (update_id: number, message: object) => ({ update_id, message: { date: DATE, from: worker, chat: privateChat, ...message } });

describe('Telegram updates → Activities', () => {
  const registry = new MemoryCallbackRegistry();
  const opts = { registry, botUsername: BOT, botId: 777 };

  it('maps a private text message; messageId is chat:message_id', () => {
    const r = updateToActivities(msg(900001, { message_id: 42, text: 'cty nợ lương 2 tháng thì làm sao ạ' }), opts);
    expect(r.updateId).toBe(900001);
    expect(r.activities).toEqual([
      {
        channel: 'telegram',
        userId: '5123456789',
        conversationId: '5123456789',
        messageId: '5123456789:42',
        text: 'cty nợ lương 2 tháng thì làm sao ạ',
        timestamp: new Date(DATE * 1000),
        displayName: 'Lan Nguyễn',
        locale: 'vi',
      },
    ]);
  });

  it('maps /start (with @bot and a deep-link argument) to the START postback', () => {
    for (const text of ['/start', `/start@${BOT}`, '/start ref_poster']) {
      const r = updateToActivities(msg(900002, { message_id: 43, text, entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]?.length ?? 6 }] }), opts);
      expect(r.activities[0]).toMatchObject({ postback: 'START', messageId: '5123456789:43' });
      expect(r.activities[0]?.text).toBeUndefined();
    }
    expect(updateToActivities(msg(900003, { message_id: 44, text: '/start@SomeOtherBot' }), opts).activities[0]?.postback).toBeUndefined();
  });

  it('maps a callback query to a postback and asks for it to be answered', () => {
    const r = updateToActivities(
      {
        update_id: 900004,
        callback_query: {
          id: '4382bfdwdsb323b2d9',
          from: worker,
          message: { message_id: 45, date: DATE, chat: privateChat, text: 'Bạn chọn giúp mình nhé:' },
          chat_instance: '-8231728374',
          data: 'HANDOFF',
        },
      },
      opts,
    );
    expect(r.activities[0]).toMatchObject({ channel: 'telegram', userId: '5123456789', conversationId: '5123456789', messageId: 'cb:4382bfdwdsb323b2d9', postback: 'HANDOFF' });
    expect(r.callbackQuery).toEqual({ id: '4382bfdwdsb323b2d9' });
  });

  it('resolves long payloads through tokens; an unknown token is a polite "expired" answer with no activity', () => {
    const long = 'SET:reason:Công ty chấm dứt hợp đồng lao động trái pháp luật với tôi';
    const data = registry.encode(long);
    expect(data.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    const cb = (d: string) => ({ update_id: 900005, callback_query: { id: 'q1', from: worker, message: { message_id: 46, chat: privateChat, date: DATE }, chat_instance: '1', data: d } });
    expect(updateToActivities(cb(data), opts).activities[0]?.postback).toBe(long);
    const expired = updateToActivities(cb(`${TOKEN_PREFIX}doesnotexist`), opts);
    expect(expired.activities).toEqual([]);
    expect(expired.callbackQuery?.id).toBe('q1');
    expect(expired.callbackQuery?.text).toMatch(/đã hết hạn/);
  });

  it('in groups, takes only messages that mention the bot or reply to it, without the mention', () => {
    const mention = `@${BOT} cho hỏi nghỉ việc báo trước mấy ngày`;
    const r1 = updateToActivities(msg(900006, { message_id: 7, chat: group, text: mention, entities: [{ type: 'mention', offset: 0, length: BOT.length + 1 }] }), opts);
    expect(r1.activities[0]).toMatchObject({ text: 'cho hỏi nghỉ việc báo trước mấy ngày', conversationId: '-1001234567890', userId: '5123456789' });
    const r2 = updateToActivities(
      msg(900007, { message_id: 8, chat: group, text: 'thế còn trợ cấp?', reply_to_message: { message_id: 6, from: { id: 777, is_bot: true, first_name: 'Trợ lý', username: BOT } } }),
      opts,
    );
    expect(r2.activities[0]?.text).toBe('thế còn trợ cấp?');
    const r3 = updateToActivities(msg(900008, { message_id: 9, chat: group, text: 'mọi người ơi họp lúc mấy giờ' }), opts);
    expect(r3.activities).toEqual([]);
    expect(r3.ignored).toMatch(/not addressed/);
    const r4 = updateToActivities(msg(900009, { message_id: 10, chat: group, text: `/start@${BOT}`, entities: [{ type: 'bot_command', offset: 0, length: BOT.length + 7 }] }), opts);
    expect(r4.activities[0]?.postback).toBe('START');
    // Without knowing our own username, group messages are not ours to answer.
    expect(updateToActivities(msg(900010, { message_id: 11, chat: group, text: mention }), { registry }).activities).toEqual([]);
  });

  it('maps media to attachments (caption as text) and ignores bots, channels, edits', () => {
    // Sizes come smallest first; the largest is the picture the worker sent, kept by file_id.
    const sizes = [
      { file_id: 'AgAC-s', file_unique_id: 'u1', width: 90, height: 90, file_size: 1_200 },
      { file_id: 'AgAC-x', file_unique_id: 'u3', width: 1280, height: 960, file_size: 180_000 },
      { file_id: 'AgAC-m', file_unique_id: 'u2', width: 320, height: 240, file_size: 14_000 },
    ];
    const photo = updateToActivities(msg(900011, { message_id: 12, photo: sizes, caption: 'hợp đồng của em' }), opts);
    expect(photo.activities[0]).toMatchObject({ text: 'hợp đồng của em', attachments: [{ kind: 'image', fileId: 'AgAC-x', size: 180_000 }] });
    const voice = updateToActivities(msg(900017, { message_id: 16, voice: { file_id: 'AwAD', file_unique_id: 'v', duration: 2, mime_type: 'audio/ogg' } }), opts);
    expect(voice.activities[0]?.attachments).toEqual([{ kind: 'audio', fileId: 'AwAD', mimeType: 'audio/ogg' }]);
    const loc = updateToActivities(msg(900012, { message_id: 13, location: { latitude: 21.03, longitude: 105.85 } }), opts);
    expect(loc.activities[0]?.attachments).toEqual([{ kind: 'location', url: 'geo:21.03,105.85' }]);
    const doc = updateToActivities(msg(900013, { message_id: 14, document: { file_id: 'x', file_unique_id: 'y', file_name: 'quyet-dinh.pdf', mime_type: 'application/pdf' } }), opts);
    expect(doc.activities[0]?.attachments).toEqual([{ kind: 'file', name: 'quyet-dinh.pdf', fileId: 'x', mimeType: 'application/pdf' }]);
    expect(updateToActivities(msg(900014, { message_id: 15, from: { id: 1, is_bot: true, first_name: 'x' }, text: 'hi' }), opts).activities).toEqual([]);
    expect(updateToActivities({ update_id: 900015, edited_message: { message_id: 1, chat: privateChat, date: DATE, text: 'sửa' } }, opts).activities).toEqual([]);
    expect(updateToActivities({ update_id: 900016, channel_post: { message_id: 1, chat: { id: -100, type: 'channel' }, date: DATE, text: 'x' } }, opts).activities).toEqual([]);
    expect(updateToActivities({ nonsense: true }, opts).ignored).toBe('not a Telegram update');
  });
});

describe('renderTelegramReply', () => {
  const registry = new MemoryCallbackRegistry();

  it('escapes HTML, adds the citations block and puts the keyboard on the last part', () => {
    const reply: Reply = {
      text: 'Mức hưởng = 60% × lương bình quân <có trần> & điều kiện',
      citations: ['Điều 39 Luật Việc làm 2025'],
      choices: [{ label: 'Gặp tư vấn viên', payload: 'HANDOFF' }],
      links: [{ label: 'Cổng dịch vụ công', url: 'https://dichvucong.gov.vn' }],
    };
    const out = renderTelegramReply(reply, registry);
    expect(out).toEqual([
      {
        text: 'Mức hưởng = 60% × lương bình quân &lt;có trần&gt; &amp; điều kiện\n\n<b>Căn cứ:</b> Điều 39 Luật Việc làm 2025',
        parse_mode: 'HTML',
        reply_markup: {
          inline_keyboard: [[{ text: 'Gặp tư vấn viên', callback_data: 'HANDOFF' }], [{ text: 'Cổng dịch vụ công', url: 'https://dichvucong.gov.vn' }]],
        },
      },
    ]);
  });

  it('splits over 4,096 characters at paragraph boundaries, keyboard only on the last part', () => {
    const p = 'Người lao động được nghỉ hằng năm, hưởng nguyên lương. '.repeat(30).trim();
    const text = Array.from({ length: 6 }, () => p).join('\n\n');
    expect(text.length).toBeGreaterThan(TELEGRAM_LIMITS.text);
    const out = renderTelegramReply({ text, choices: [{ label: 'Hủy', payload: 'CANCEL' }] }, registry);
    expect(out.length).toBeGreaterThan(1);
    for (const m of out) {
      expect(m.text.length).toBeLessThanOrEqual(TELEGRAM_LIMITS.text);
      expect(m.text.startsWith('Người lao động')).toBe(true);
    }
    expect(out.slice(0, -1).every((m) => m.reply_markup === undefined)).toBe(true);
    expect(out.at(-1)?.reply_markup?.inline_keyboard).toEqual([[{ text: 'Hủy', callback_data: 'CANCEL' }]]);
  });

  it('keeps callback_data within 64 bytes (Vietnamese payloads are multi-byte) and round-trips it', () => {
    const payload = 'SET:employer:Công ty TNHH Điện tử Việt Nam chi nhánh Bắc Ninh';
    expect(Buffer.byteLength(payload)).toBeGreaterThan(64);
    const out = renderTelegramReply({ text: 'Chọn', choices: [{ label: 'Công ty', payload }, { label: 'Ngắn', payload: 'FAQ:x' }] }, registry);
    const buttons = out[0]?.reply_markup?.inline_keyboard.flat() ?? [];
    for (const b of buttons) if ('callback_data' in b) expect(Buffer.byteLength(b.callback_data)).toBeLessThanOrEqual(64);
    const first = buttons[0];
    expect(first && 'callback_data' in first && registry.decode(first.callback_data)).toEqual({ ok: true, payload });
    expect(buttons[1]).toEqual({ text: 'Ngắn', callback_data: 'FAQ:x' });
  });

  it('forgets tokens after their time to live', () => {
    let now = 0;
    const r = new MemoryCallbackRegistry({ ttlMs: 1000, now: () => now });
    const t = r.encode('x'.repeat(100));
    now = 2000;
    expect(r.decode(t)).toEqual({ ok: false, reason: 'expired' });
  });
});

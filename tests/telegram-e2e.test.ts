/**
 * End to end against telegram-test-api, an independent Bot API emulator: the polling loop
 * (telegraf's client pointed at the emulator) feeds an inbox whose processing runs a tiny
 * stand-in responder that answers through TelegramSender; a simulated user sends text, reads
 * the bot's message with its inline keyboard, and taps a button.
 * The lead reruns this with the real engine behind the inbox.
 */
import { createServer } from 'node:net';
import TelegramServerModule from 'telegram-test-api';
import type { TelegramServer as TelegramServerClass } from 'telegram-test-api/lib/telegramServer.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activity, Reply } from '../src/flows/activity.js';
import type { AcceptResult, Inbox } from '../src/bots/delivery/types.js';
import { type PollingHandle, startPolling } from '../src/bots/telegram/routes.js';
import { TelegramSender } from '../src/bots/telegram/sender.js';

// The package assigns module.exports = class, while its typings declare a default export.
const TelegramServer = ((TelegramServerModule as unknown as { default?: typeof TelegramServerClass }).default ??
  TelegramServerModule) as unknown as typeof TelegramServerClass;

const TOKEN = '424242:e2e-test-token';
const LONG_PAYLOAD = 'SET:employer:Công ty TNHH Điện tử Việt Nam chi nhánh Bắc Ninh';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Stand-in for the engine: one Reply per Activity, with choices, so the keyboard path is exercised. */
function respond(a: Activity): Reply {
  if (a.postback === 'START') return { text: 'Xin chào bạn! Mình là Trợ lý Công đoàn.', choices: [{ label: 'Gặp tư vấn viên', payload: 'HANDOFF' }] };
  if (a.postback) return { text: `Bạn đã chọn: ${a.postback}` };
  return {
    text: `Mình đã nhận câu hỏi: “${a.text ?? ''}”. <Đây là câu trả lời thử> & có trích dẫn.`,
    citations: ['Điều 39 Luật Việc làm 2025'],
    choices: [
      { label: 'Gặp tư vấn viên', payload: 'HANDOFF' },
      { label: 'Công ty của tôi', payload: LONG_PAYLOAD },
    ],
  };
}

/** Accepts durably (here: in memory) and processes after acknowledging, like the real pipeline. */
class RespondingInbox implements Inbox {
  accepted: Activity[] = [];
  sendResults: unknown[] = [];
  constructor(private readonly sender: TelegramSender) {}
  async accept(a: Activity): Promise<AcceptResult> {
    if (this.accepted.some((x) => x.messageId === a.messageId)) return 'duplicate';
    this.accepted.push(a);
    setImmediate(() => {
      void this.sender.send({ userId: a.userId, conversationId: a.conversationId }, respond(a)).then((r) => this.sendResults.push(r));
    });
    return 'accepted';
  }
}

let server: TelegramServerClass;
let polling: PollingHandle;
let inbox: RespondingInbox;

beforeAll(async () => {
  const port = await freePort();
  server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 60 });
  await server.start();
  const sender = new TelegramSender({ token: TOKEN, apiRoot: server.config.apiURL, timeoutMs: 5000 });
  inbox = new RespondingInbox(sender);
  polling = startPolling({
    token: TOKEN,
    apiRoot: server.config.apiURL,
    inbox,
    registry: sender.registry,
    answerCallback: (id, text) => sender.answerCallbackQuery(id, text),
    timeoutSeconds: 1,
    idleDelayMs: 50,
  });
});

afterAll(async () => {
  await polling?.stop();
  await server?.stop();
});

type BotMessage = { message: { text: string; chat_id: string | number; reply_markup?: { inline_keyboard: { text: string; callback_data?: string }[][] } } };

describe('Telegram end to end with telegram-test-api', () => {
  it('a user writes, the bot answers with an inline keyboard, and a tapped button comes back as a postback', async () => {
    const client = server.getClient(TOKEN, { timeout: 8000, userId: 5123456789, chatId: 5123456789, firstName: 'Lan' });

    await client.sendMessage(client.makeMessage('bhtn là gì vậy ad'));
    const first = (await client.getUpdates()).result as unknown as BotMessage[];
    expect(first).toHaveLength(1);
    const msg = first[0]?.message;
    expect(String(msg?.chat_id)).toBe('5123456789');
    expect(msg?.text).toContain('Mình đã nhận câu hỏi: “bhtn là gì vậy ad”. &lt;Đây là câu trả lời thử&gt; &amp; có trích dẫn.');
    expect(msg?.text).toContain('<b>Căn cứ:</b> Điều 39 Luật Việc làm 2025');
    const keyboard = msg?.reply_markup?.inline_keyboard ?? [];
    expect(keyboard.map((row) => row[0]?.text)).toEqual(['Gặp tư vấn viên', 'Công ty của tôi']);
    const longData = keyboard[1]?.[0]?.callback_data ?? '';
    expect(Buffer.byteLength(longData)).toBeLessThanOrEqual(64);

    expect(inbox.accepted[0]).toMatchObject({ channel: 'telegram', userId: '5123456789', conversationId: '5123456789', text: 'bhtn là gì vậy ad' });

    // The user taps the button whose payload was too long for callback_data.
    await client.sendCallback(client.makeCallbackQuery(longData));
    const second = (await client.getUpdates()).result as unknown as BotMessage[];
    expect(second[0]?.message.text).toBe(`Bạn đã chọn: ${LONG_PAYLOAD}`);
    expect(inbox.accepted.at(-1)).toMatchObject({ postback: LONG_PAYLOAD });
  });

  it('/start is the START postback and gets the greeting', async () => {
    const client = server.getClient(TOKEN, { timeout: 8000, userId: 900, chatId: 900 });
    await client.sendCommand(client.makeCommand('/start'));
    const updates = (await client.getUpdates()).result as unknown as BotMessage[];
    expect(updates[0]?.message.text).toBe('Xin chào bạn! Mình là Trợ lý Công đoàn.');
    expect(updates[0]?.message.reply_markup?.inline_keyboard[0]?.[0]).toEqual({ text: 'Gặp tư vấn viên', callback_data: 'HANDOFF' });
    expect(inbox.accepted.at(-1)).toMatchObject({ postback: 'START', conversationId: '900' });
    expect(inbox.sendResults.every((r) => (r as { ok: boolean }).ok)).toBe(true);
  });
});

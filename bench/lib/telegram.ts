/**
 * What the channel benches share: a fake Telegram Bot API on loopback that tells the driver
 * when a reply part arrives, the webhook updates the driver posts, and percentiles.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Worker questions the engine answers (retrieval), a calculation, a menu request, small talk. */
export const QUESTIONS = [
  'điều kiện hưởng trợ cấp thất nghiệp là gì',
  'nghỉ việc bao lâu thì được nhận bhtn',
  'hồ sơ hưởng bảo hiểm thất nghiệp gồm những gì',
  'công ty nợ lương thì làm sao',
  'làm thêm giờ được trả lương thế nào',
  'nghỉ phép năm được mấy ngày',
  'menu',
  'cảm ơn',
];

/**
 * Messages of the same load sent before each measured run, not measured (BENCH_WARMUP, 12,000):
 * every bench measures a running server, not V8 still compiling the engine's hot paths (a
 * 4,000-message run without it cost 1,468 µs a message; 16,000 messages averaged 790). On a
 * server pinned to one core, V8's optimising compiler runs on helper threads that share that
 * core: after 2,000 messages they still took 16–17% of the server's CPU through the next 4,000
 * (107 optimisations in the next 6,000 messages), and the channel server settled at 6–11% (GC
 * helpers and SQLite's checkpointer) only after about 12,000. Alternating pairs gave 1,151 →
 * 1,317 and 1,502 → 1,714 msg/s from 2,000 to 12,000 (2026-11-30; bench/README.md).
 */
export const WARM_UP = Number(process.env.BENCH_WARMUP ?? 12_000);

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The fake Bot API: answers sendMessage and tells the waiting virtual user. */
export async function startFakeTelegram(onMessage: (chatId: number) => void) {
  let messageId = 1;
  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const method = /\/bot[^/]+\/(\w+)$/.exec(req.url ?? '')?.[1];
    let result: unknown = true;
    if (method === 'sendMessage') {
      const body = JSON.parse(raw) as { chat_id: number | string };
      result = { message_id: messageId++, date: Math.floor(Date.now() / 1000), chat: { id: Number(body.chat_id), type: 'private' } };
      onMessage(Number(body.chat_id));
    } else if (method === 'getMe') {
      result = { id: 1, is_bot: true, first_name: 'Bench', username: 'BenchBot' };
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, result }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let updateId = 1;
/** A Telegram text message update (JSON) from the chat; ids increase across the run. */
export function update(chatId: number, text: string): string {
  const id = updateId++;
  const from = { id: chatId, is_bot: false, first_name: 'Lan' };
  return JSON.stringify({ update_id: id, message: { message_id: id, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private' }, from, text } });
}

/** Posts one webhook update; throws unless acknowledged with 200. */
export async function post(port: number, body: string, secret: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/webhooks/telegram`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
    body,
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
}

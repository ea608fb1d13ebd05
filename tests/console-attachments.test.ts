/**
 * A worker's pictures and files reach the counsellor: the whole server as main.ts wires it
 * (three platform channels against their fakes, the console), the worker's message posted to
 * the webhook as the platform shapes it, the file fetched through the console's route from the
 * Telegram fake (getFile, then the download path) or from a CDN fake for Zalo and Messenger.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadChannelConfigs } from '../src/bots/channels.js';
import { signMessengerBody } from '../src/bots/messenger/verify.js';
import { computeZaloMac } from '../src/bots/zalo/verify.js';
import { Accounts } from '../src/console/accounts.js';
import { scryptParams } from '../src/console/passwords.js';
import { Sessions } from '../src/console/sessions.js';
import { LocalCoordinator } from '../src/coordination/local.js';
import { createEngine } from '../src/flows/engine.js';
import { createLogger } from '../src/log.js';
import { assembleServer, type AssembledServer } from '../src/server/assemble.js';
import type { SqlStore } from '../src/store/sql-store.js';
import { startCdnFake, type CdnFake } from './fakes/cdn-fake.js';
import { startMessengerFake, type MessengerFake } from './fakes/messenger-fake.js';
import { startTelegramFake, type TelegramFake } from './fakes/telegram-fake.js';
import { ZaloFake } from './fakes/zalo-fake.js';
import { solidPng } from './helpers/png.js';
import { openTestStore } from './helpers/test-store.js';
import { wiredChannelEnv } from './helpers/wired-env.js';

const TG_SECRET = 'tg-secret_files';
const ZALO = { appId: 'app-88', appSecret: 'app-secret-88', oaSecret: 'oa-secret-88' };
const FB = { token: 'EAAB-page-token-files', secret: 'fb-app-secret-files', verify: 'verify-files', page: '5566778899' };
const MB = 1024 * 1024;

let telegram: TelegramFake;
let zalo: ZaloFake;
let messenger: MessengerFake;
let cdn: CdnFake;
let store: SqlStore;
let coordinator: LocalCoordinator;
let server: AssembledServer;
let base = '';
const logs: string[] = [];
let lan: { cookie: string };
let seq = 7000;

beforeAll(async () => {
  scryptParams.N = 2 ** 10;
  telegram = await startTelegramFake({ username: 'TroLyCongDoanBot' });
  messenger = await startMessengerFake({ token: FB.token });
  zalo = await ZaloFake.start({ appId: ZALO.appId, appSecret: ZALO.appSecret, accessToken: 'at-0', refreshToken: 'rt-0' });
  cdn = await startCdnFake();
  store = await openTestStore();
  coordinator = new LocalCoordinator();
  const env = wiredChannelEnv({
    telegram: { token: telegram.token, url: telegram.url, secret: TG_SECRET, username: 'TroLyCongDoanBot' },
    zalo: { url: zalo.url, ...ZALO },
    messenger: { url: messenger.url, token: FB.token, secret: FB.secret, verify: FB.verify },
  });
  server = await assembleServer({
    store,
    coordinator,
    engine: createEngine({ store, coordinator }),
    logger: createLogger('debug', { write: (s: string) => void logs.push(s) }),
    channelConfigs: loadChannelConfigs(env),
    delivery: { outbox: { backoff: { baseMs: 20, maxMs: 100 } } },
    app: { config: { MAX_MESSAGE_CHARS: 2000, TRUST_PROXY: false } },
    console: {},
  });
  await server.start({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
  const account = await new Accounts(store.db).create({ email: 'lan@congdoan.vn', name: 'Nguyễn Thị Lan', role: 'counsellor' }, 'mật khẩu tư vấn viên');
  lan = { cookie: `tlcd_console=${(await new Sessions(store.db).open(account.id)).token}` };
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await coordinator?.close();
  await store?.close();
  await Promise.all([telegram?.close(), messenger?.close(), zalo?.close(), cdn?.close()]);
});

const postJson = (path: string, body: string, headers: Record<string, string>) => fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

async function settled(): Promise<void> {
  const end = Date.now() + 20_000;
  for (;;) {
    const open = await store.db.selectFrom('inbox').select('id').where('status', 'in', ['pending', 'processing']).execute();
    if (open.length === 0) break;
    if (Date.now() > end) throw new Error('the inbox did not settle');
    await new Promise((r) => setTimeout(r, 20));
  }
  await server.delivery.idle();
}

async function telegramPhoto(chatId: number, sizes: object[], caption?: string): Promise<string> {
  const chat = { id: chatId, type: 'private', first_name: 'Hoa' };
  const message = { message_id: ++seq, date: Math.floor(Date.now() / 1000), chat, from: { id: chatId, is_bot: false, first_name: 'Hoa' }, photo: sizes, ...(caption ? { caption } : {}) };
  const res = await postJson('/webhooks/telegram', JSON.stringify({ update_id: ++seq, message }), { 'x-telegram-bot-api-secret-token': TG_SECRET });
  expect(res.status).toBe(200);
  await settled();
  return `telegram:${chatId}`;
}

async function zaloImage(user: string, url: string, type: 'image' | 'sticker' = 'image'): Promise<string> {
  const raw = JSON.stringify({
    app_id: ZALO.appId,
    event_name: `user_send_${type}`,
    timestamp: String(Date.now()),
    sender: { id: user },
    recipient: { id: 'oa-1' },
    message: { msg_id: `zm-${++seq}`, attachments: [{ type, payload: { url, thumbnail: url } }] },
  });
  const res = await postJson('/webhooks/zalo', raw, { 'x-zevent-signature': `mac=${computeZaloMac(ZALO.appId, raw, (JSON.parse(raw) as { timestamp: string }).timestamp, ZALO.oaSecret)}` });
  expect(res.status).toBe(200);
  await settled();
  return `zalo:${user}`;
}

async function messengerAttachment(psid: string, type: 'image' | 'file', url: string): Promise<string> {
  const raw = JSON.stringify({
    object: 'page',
    entry: [{ id: FB.page, time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: FB.page }, timestamp: Date.now(), message: { mid: `m_${++seq}`, attachments: [{ type, payload: { url } }] } }] }],
  });
  const res = await postJson('/webhooks/messenger', raw, { 'x-hub-signature-256': signMessengerBody(raw, FB.secret) });
  expect(res.status).toBe(200);
  await settled();
  return `messenger:${psid}`;
}

interface Line {
  id: number;
  role: string;
  text: string;
  attachments?: Array<{ n: number; kind: string; name?: string; description: string; label: string; href: string }>;
}

/** The chat as the console's page gets it, and its raw JSON. */
async function chat(conversationId: string): Promise<{ raw: string; lines: Line[] }> {
  const res = await fetch(`${base}/console/api/conversations/${encodeURIComponent(conversationId)}`, { headers: { cookie: lan.cookie } });
  expect(res.status).toBe(200);
  const raw = await res.text();
  return { raw, lines: (JSON.parse(raw) as { transcript: Line[] }).transcript };
}

async function lastAttachment(conversationId: string) {
  const { lines } = await chat(conversationId);
  const line = lines.filter((l) => l.role === 'worker').at(-1)!;
  expect(line.attachments, line.text).toHaveLength(1);
  return { line, attachment: line.attachments![0]! };
}

/** GET as the signed-in counsellor, or with another cookie, or none (null). */
const open = (href: string, cookie: string | null = lan.cookie) => fetch(`${base}${href}`, { headers: cookie ? { cookie } : {} });

const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

async function viewAudits(conversationId: string) {
  const rows = await store.db.selectFrom('console_audit').select(['action', 'detail']).where('conversation_id', '=', conversationId).where('action', '=', 'view-attachment').execute();
  return rows.map((r) => JSON.parse(r.detail ?? '{}') as Record<string, unknown>);
}

describe('a Telegram photo reaches the counsellor', () => {
  it('the route relays the bytes Telegram served, as an image, and the token shows nowhere', async () => {
    const photo = solidPng(64, 48);
    // Telegram's file server may answer without a useful type: the picture is recognised by its bytes.
    const fileId = telegram.addFile(photo, { path: 'photos/file_7.png' });
    const id = await telegramPhoto(91001, [{ file_id: 'AgAC-thumb', file_unique_id: 't', width: 16, height: 12 }, { file_id: fileId, file_unique_id: 'f', width: 64, height: 48, file_size: photo.length }], 'hợp đồng của em đây');

    const { raw, lines } = await chat(id);
    const line = lines.find((l) => l.role === 'worker' && l.attachments)!;
    // The text the engine, search and exports read is as before: caption, then the description.
    expect(line.text).toBe('hợp đồng của em đây\n[Hình ảnh]');
    expect(line.attachments).toEqual([{ n: 0, kind: 'image', description: '[Hình ảnh]', label: 'Hình ảnh', href: `/console/api/conversations/${encodeURIComponent(id)}/attachments/${line.id}/0` }]);
    // Neither the token nor the file id (a handle on the worker's document) leaves for the page.
    expect(raw).not.toContain(telegram.token);
    expect(raw).not.toContain(fileId);

    const res = await open(line.attachments![0]!.href);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-disposition')).toMatch(/^inline;/);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(photo)).toBe(true);
    expect(JSON.stringify([...res.headers])).not.toContain(telegram.token);
    // Fetched the largest size through getFile, then the download path, with the token there only.
    expect(telegram.calls('getFile').map((c) => c.body.file_id)).toEqual([fileId]);
    expect(telegram.calls('file').map((c) => c.body.path)).toEqual(['photos/file_7.png']);

    // Audited once per counsellor and file in the window, with which line, never a link.
    await open(line.attachments![0]!.href);
    expect(await viewAudits(id)).toEqual([{ line: line.id, n: 0, kind: 'image' }]);
    expect(logs.join('')).not.toContain(telegram.token);
  });

  it('a file Telegram no longer knows gives a clear error, not a 500', async () => {
    const id = await telegramPhoto(91002, [{ file_id: 'AgAC-forgotten', file_unique_id: 'g', width: 800, height: 600 }]);
    const { attachment } = await lastAttachment(id);
    const res = await open(attachment.href);
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await errorOf(res))).toMatchObject({ code: 'FILE_GONE', message: expect.stringContaining('Không tải được tệp này nữa') });
    expect(await viewAudits(id)).toEqual([]);
    expect(logs.join('')).not.toContain(telegram.token);
  });
});

describe('Zalo and Messenger pictures come from their CDN link', () => {
  it('a Zalo image is relayed as the CDN served it', async () => {
    const photo = solidPng(40, 30, [200, 60, 60]);
    const url = cdn.put('/zalo/dl/hop-dong.png', { bytes: photo, contentType: 'image/png' });
    const id = await zaloImage('zu-501', url);
    const { line, attachment } = await lastAttachment(id);
    expect(line.text).toBe(`[Hình ảnh: ${url}]`);
    const res = await open(attachment.href);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer()).equals(photo)).toBe(true);
    expect(await viewAudits(id)).toEqual([{ line: line.id, n: 0, kind: 'image' }]);
  });

  it('an expired Messenger link gives a clear error', async () => {
    const url = cdn.put('/fb/v/t1/expired.jpg', { bytes: Buffer.alloc(0), status: 403 });
    const { attachment } = await lastAttachment(await messengerAttachment('psid-601', 'image', url));
    const res = await open(attachment.href);
    expect(res.status).toBe(502);
    expect((await errorOf(res))).toMatchObject({ code: 'FILE_GONE', message: expect.stringContaining('Không tải được tệp này nữa') });
  });

  it('a file over 20 MB is refused whole, announced or not, and nothing of it is sent', async () => {
    const big = Buffer.alloc(20 * MB + 1, 0x41);
    for (const [path, chunked] of [['/fb/big-announced.pdf', false], ['/fb/big-streamed.pdf', true]] as const) {
      const url = cdn.put(path, { bytes: big, contentType: 'application/pdf', chunked });
      const { attachment } = await lastAttachment(await messengerAttachment(`psid-70${chunked ? 2 : 1}`, 'file', url));
      const res = await open(attachment.href);
      expect(res.status, path).toBe(413);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const error = await errorOf(res);
      expect(error.code).toBe('FILE_TOO_LARGE');
      expect(error.message).toContain('20 MB');
    }
  });

  it('only pictures and PDFs are shown in the browser; anything else (an SVG too) is a download', async () => {
    const sheet = cdn.put('/fb/bang-luong.xlsx', { bytes: Buffer.from('PK\u0003\u0004 bảng lương'), contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
    const svg = cdn.put('/fb/logo.svg', { bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), contentType: 'image/svg+xml' });
    for (const [psid, url] of [['psid-801', sheet], ['psid-802', svg]] as const) {
      const { attachment } = await lastAttachment(await messengerAttachment(psid, 'file', url));
      const res = await open(attachment.href);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
    }
  });
});

describe('who may open what', () => {
  it('not signed in: 401; an unknown line or index: 404; another chat\'s line is not reachable through this one', async () => {
    const photo = solidPng(8, 8);
    const mine = await zaloImage('zu-901', cdn.put('/zalo/a.png', { bytes: photo, contentType: 'image/png' }));
    const other = await zaloImage('zu-902', cdn.put('/zalo/b.png', { bytes: photo, contentType: 'image/png' }));
    const { line, attachment } = await lastAttachment(mine);
    const { line: otherLine } = await lastAttachment(other);
    const path = (conversationId: string, lineId: number | string, n: number | string) => `/console/api/conversations/${encodeURIComponent(conversationId)}/attachments/${lineId}/${n}`;

    expect((await open(attachment.href, null)).status).toBe(401);
    expect((await open(attachment.href, 'tlcd_console=forged')).status).toBe(401);
    expect((await open(path(mine, line.id, 1))).status).toBe(404);
    expect((await open(path(mine, 987654, 0))).status).toBe(404);
    expect((await open(path('zalo:nobody', line.id, 0))).status).toBe(404);
    // The other worker's line, asked for under this chat's id.
    const crossed = await open(path(mine, otherLine.id, 0));
    expect(crossed.status).toBe(404);
    expect((await errorOf(crossed)).code).toBe('NOT_FOUND');
    // A line without attachments (the bot's answer) has none to give.
    const botLine = (await chat(mine)).lines.find((l) => l.role === 'bot')!;
    expect((await open(path(mine, botLine.id, 0))).status).toBe(404);
    for (const bad of [path(mine, 'x', 0), path(mine, line.id, -1), path(mine, 0, 0)]) expect((await open(bad)).status).toBe(400);
    expect(await viewAudits(mine)).toEqual([]);
    // A sticker is shown as its description, with nothing to open, even asked for by hand.
    const stickers = await zaloImage('zu-903', cdn.put('/zalo/sticker.png', { bytes: photo, contentType: 'image/png' }), 'sticker');
    const stickerLine = (await chat(stickers)).lines.filter((l) => l.role === 'worker').at(-1)!;
    expect(stickerLine.text).toContain('Nhãn dán');
    expect(stickerLine.attachments).toBeUndefined();
    expect((await open(path(stickers, stickerLine.id, 0))).status).toBe(404);
  });
});

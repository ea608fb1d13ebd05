/**
 * The logs of a realistic run never carry personal data or secrets (issue 5). The real server
 * (src/main.ts, a child process on PostgreSQL and Redis, LOG_LEVEL=debug: the most it will ever
 * say) goes through a working day: workers write on Telegram and the web chat with their phone
 * and ID numbers, one asks for a counsellor, Telegram fails for a while (429, 502, dropped
 * connections: errors that quote URLs with the bot token), a webhook comes with a wrong secret,
 * a counsellor logs in (once with a wrong password), reads, claims and answers with a phone
 * number, /metrics is read with its token, and the process stops on SIGTERM. Every line it
 * wrote is then searched for each planted value.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accounts } from '../src/console/accounts.js';
import type { DatabaseSchema } from '../src/store/db.js';
import { startTelegramFake, TG, type TelegramFake } from './fakes/telegram-fake.js';
import { createTestDatabase, type TestDatabase } from './helpers/dialects.js';
import { PLANTED } from './helpers/fuzz.js';
import { killInstance, postTelegram, startInstance, telegramText, waitReady, waitSettled, type Instance } from './helpers/instance.js';
import { SHARED_REDIS_URL, dropPrefix, uniquePrefix } from './helpers/redis.js';

const BOT_TOKEN = '987654321:AAPlantedBotTokenNeverInLogs_x1';
const SECRET = 'planted-webhook-secret_9';
const METRICS_TOKEN = 'planted-metrics-token-77';
const PASSWORD = 'mat-khau-bi-mat-planted-42';
const EMAIL = 'lan.nguyen.planted@example.com';
/** Everything that must never be in a log line, with the forms a redactor might miss. */
const NEVER = [PLANTED.phone, '912345678', PLANTED.phoneIntl, '84912345679', PLANTED.cccd, PLANTED.token, BOT_TOKEN, 'AAPlantedBotTokenNeverInLogs', SECRET, METRICS_TOKEN, PASSWORD, EMAIL];

let fake: TelegramFake;
let database: TestDatabase;
let db: Kysely<DatabaseSchema>;
let instance: Instance;
const prefix = uniquePrefix('logs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  fake = await startTelegramFake({ token: BOT_TOKEN });
  database = await createTestDatabase();
  db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 2 }) }) });
  instance = await startInstance(
    {
      LOG_LEVEL: 'debug',
      DATABASE_URL: database.url,
      REDIS_URL: SHARED_REDIS_URL,
      REDIS_PREFIX: prefix,
      METRICS_TOKEN,
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: fake.url,
      TELEGRAM_BOT_USERNAME: 'TroLyCongDoanBot',
      TELEGRAM_TIMEOUT_MS: '1000',
    },
    { captureStdout: true },
  );
  await waitReady(instance);
  await new Accounts(db).create({ email: 'tv@congdoan.vn', name: 'Tư vấn viên', role: 'counsellor' }, PASSWORD);
}, 120_000);

afterAll(async () => {
  if (instance) await killInstance(instance);
  await db?.destroy();
  await database?.drop();
  await fake?.close();
  await dropPrefix(prefix);
});

describe('logs of a realistic run', () => {
  it('never contain planted phone numbers, ID numbers, emails, tokens or passwords', async () => {
    const url = instance.url;
    let updateId = 1;
    const tg = (chatId: number, m: number, text: string) => postTelegram(instance, SECRET, telegramText(updateId++, chatId, m, text));

    // Workers write with their personal data in the text.
    expect(await tg(7001, 1, `Tôi bị công ty nợ lương 2 tháng, số điện thoại ${PLANTED.phone}, CCCD ${PLANTED.cccd}`)).toBe(true);
    expect(await tg(7002, 1, `Trợ cấp thất nghiệp được bao nhiêu? Email ${EMAIL}, gọi ${PLANTED.phoneIntl}`)).toBe(true);
    expect(await tg(7003, 1, `Tôi muốn gặp tư vấn viên, số của tôi ${PLANTED.phone}`)).toBe(true);
    const web = await fetch(`${url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: `Nghỉ việc có được trợ cấp không? CCCD ${PLANTED.cccd}, mã ${PLANTED.token}` }) });
    expect(web.status).toBe(200);
    // A webhook with a forged secret, and one carrying a token in its text.
    const forged = await fetch(`${url}/webhooks/telegram`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': `${SECRET}-nope` }, body: JSON.stringify(telegramText(updateId++, 7004, 1, PLANTED.token)) });
    expect(forged.status).toBe(401);
    await waitSettled(db, 20_000);

    // Telegram failing for a while: 429, 502, then dropped connections (errors quoting the URL, which holds the bot token).
    for (const script of [TG.tooManyRequests(1), TG.serverError(), { method: 'sendMessage', status: 0, body: '' }]) {
      fake.outage(script);
      expect(await tg(7001, updateId, `Còn khoản lương tháng trước thì sao? Gọi ${PLANTED.phone}`)).toBe(true);
      await sleep(1_500);
      fake.outage(undefined);
    }

    // A counsellor: a wrong password, then the right one; reads the queue, claims and answers.
    const session = await fetch(`${url}/console/api/session`);
    const { loginToken } = (await session.json()) as { loginToken: string };
    const loginCookie = `tlcd_console_login=${loginToken}`;
    const login = (password: string) =>
      fetch(`${url}/console/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: loginCookie, 'x-csrf-token': loginToken }, body: JSON.stringify({ email: 'tv@congdoan.vn', password }) });
    expect((await login(`${PASSWORD}-sai`)).status).toBe(401);
    const ok = await login(PASSWORD);
    expect(ok.status).toBe(200);
    const cookieToken = /tlcd_console=([^;]+)/.exec(ok.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const { csrfToken } = (await ok.json()) as { csrfToken: string };
    const auth = { cookie: `tlcd_console=${cookieToken}`, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
    expect((await fetch(`${url}/console/api/queue`, { headers: auth })).status).toBe(200);
    await fetch(`${url}/console/api/conversations/telegram:7003`, { headers: auth });
    await fetch(`${url}/console/api/conversations/telegram:7003/claim`, { method: 'POST', headers: auth, body: '{}' });
    await fetch(`${url}/console/api/conversations/telegram:7003/reply`, { method: 'POST', headers: auth, body: JSON.stringify({ text: `Chị gọi lại cho em qua số ${PLANTED.phone} nhé` }) });
    await fetch(`${url}/console/api/conversations/telegram:7003/notes`, { method: 'POST', headers: auth, body: JSON.stringify({ text: `CCCD ${PLANTED.cccd}, email ${EMAIL}` }) });
    await fetch(`${url}/console/api/kb/search?q=${encodeURIComponent(`trợ cấp ${PLANTED.phone}`)}`, { headers: auth });
    // Metrics with the token in the header, and a wrong one.
    expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(200);
    await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } });
    await waitSettled(db, 20_000);

    // A clean stop: the shutdown lines too.
    await killInstance(instance, 'SIGTERM');
    const lines = instance.stdout.join('').split('\n').filter(Boolean);
    // It did log (at debug level) what happened: requests, deliveries, the failures, the stop.
    expect(lines.length).toBeGreaterThan(30);
    expect(lines.some((l) => l.includes('"msg":"ready"'))).toBe(true);
    // On a miss, the message shows how the process ended and its last words.
    const ending = { exitCode: instance.child.exitCode, signal: instance.child.signalCode, stderr: instance.stderr.join('').slice(-2000), lastLines: lines.slice(-8) };
    expect(lines.some((l) => l.includes('"msg":"stopped"')), JSON.stringify(ending, null, 1)).toBe(true);
    const leaks = NEVER.flatMap((secret) => lines.filter((l) => l.includes(secret)).map((l) => `${secret}: ${l.slice(0, 300)}`));
    expect(leaks).toEqual([]);
    const stderr = instance.stderr.join('');
    for (const secret of NEVER) expect(stderr).not.toContain(secret);
  }, 90_000);
});

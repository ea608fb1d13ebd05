/**
 * Graceful shutdown of the real server (src/main.ts as a child process, on the embedded default:
 * a SQLite file, no Redis) on SIGTERM. A quiet stop closes everything and exits 0 at once. A stop
 * while a platform call hangs must not hang with it: the step that overran its time (delivery)
 * is named in the log, the rest still close, 'stopped' lists it and the exit code is 1, well
 * inside the 10 s grace. The reply that was in flight is delivered once after the restart,
 * flagged as possibly sent twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseSchema } from '../src/store/db.js';
import { startTelegramFake, type TelegramFake } from './fakes/telegram-fake.js';
import { checkDelivered, killInstance, postTelegram, startInstance, telegramText, waitReady, waitSettled, type Instance } from './helpers/instance.js';

const SECRET = 'shutdown-secret_1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let fake: TelegramFake;
let dataDir: string;
let env: Record<string, string>;
let db: Kysely<DatabaseSchema> | undefined;
let instance: Instance | undefined;
let updateId = 1;

beforeAll(async () => {
  fake = await startTelegramFake();
  dataDir = mkdtempSync(join(tmpdir(), 'tlcd-shutdown-'));
  env = {
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    TELEGRAM_API_ROOT: fake.url,
    TELEGRAM_BOT_USERNAME: 'TroLyCongDoanBot',
    // Longer than the delivery step's 4 s: a hung call is still waited for when SIGTERM comes.
    TELEGRAM_TIMEOUT_MS: '20000',
  };
});

afterAll(async () => {
  if (instance) await killInstance(instance);
  await db?.destroy();
  await fake?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<Instance> {
  instance = await startInstance(env, { captureStdout: true });
  await waitReady(instance);
  // The server created and migrated the file; the test reads it beside the server (WAL),
  // leaving the checkpoints to the server.
  db ??= openDatabase(join(dataDir, 'tro-ly-cong-doan.db'), { checkpoint: false });
  return instance;
}

async function ask(inst: Instance, chatId: number, text: string): Promise<void> {
  expect(await postTelegram(inst, SECRET, telegramText(updateId++, chatId, updateId, text))).toBe(true);
}

/** SIGTERM, then what the process said and how it ended. */
async function terminate(inst: Instance) {
  const started = Date.now();
  await killInstance(inst, 'SIGTERM');
  const elapsedMs = Date.now() - started;
  const lines = inst.stdout
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string; step?: string; unfinished?: string[] });
  return { elapsedMs, exitCode: inst.child.exitCode, lines, stopped: lines.find((l) => l.msg === 'stopped') };
}

describe('SIGTERM', () => {
  it('after the work is done: every step closes, "stopped", exit 0, at once', async () => {
    const inst = await start();
    await ask(inst, 8_100_001, 'Nghỉ phép năm được mấy ngày?');
    await waitSettled(db!, 15_000);
    const end = await terminate(inst);
    expect(end.stopped, JSON.stringify(end.lines.slice(-5))).toBeDefined();
    expect(end.stopped!.unfinished).toBeUndefined();
    expect(end.lines.filter((l) => l.msg.includes('overran'))).toEqual([]);
    expect(end.exitCode).toBe(0);
    // Far below the grace; generous for a loaded CI machine.
    expect(end.elapsedMs).toBeLessThan(5_000);
  }, 90_000);

  it('while a send hangs: names the step that overran, closes the rest, exits 1 within the grace; the reply goes out once after the restart', async () => {
    const inst = await start();
    // Telegram holds the call (and then drops it): the reply's send is in flight at SIGTERM.
    fake.outage({ method: 'sendMessage', status: 0, body: '', delayMs: 30_000 });
    const chatId = 8_100_002;
    await ask(inst, chatId, 'Trợ cấp thất nghiệp được bao nhiêu?');
    const deadline = Date.now() + 15_000;
    while ((await db!.selectFrom('outbox').select('id').where('platform_conversation_id', '=', String(chatId)).where('status', '=', 'sending').execute()).length === 0) {
      if (Date.now() > deadline) throw new Error('the send never was in flight');
      await sleep(20);
    }

    const end = await terminate(inst);
    const overran = end.lines.filter((l) => l.msg.startsWith('shutdown step overran its time')).map((l) => l.step);
    expect(overran, JSON.stringify(end.lines.slice(-6))).toEqual(['delivery']);
    expect(end.stopped?.unfinished).toEqual(['delivery']);
    expect(end.exitCode).toBe(1);
    // The delivery step's 4 s and the rest, not the 10 s grace nor the 20 s call.
    expect(end.elapsedMs).toBeLessThan(9_000);
    expect(end.lines.some((l) => l.msg === 'shutdown took too long, exiting')).toBe(false);

    // The platform is back; the new process takes the send over when its lease runs out.
    fake.outage(undefined);
    await start();
    await waitSettled(db!, 30_000);
    const check = await checkDelivered(db!, fake, [String(chatId)]);
    expect(check.unanswered).toEqual([]);
    expect(check.unexplained).toEqual([]);
    expect(check.repeated).toBe(0);
    // The answer (with its legal basis) reached the worker, and nothing twice.
    const texts = fake.delivered().filter((s) => String(s.body.chat_id) === String(chatId)).map((s) => String(s.body.text));
    expect(texts.join('\n')).toMatch(/Căn cứ/);
    expect(new Set(texts).size).toBe(texts.length);
    const rows = await db!.selectFrom('outbox').select('last_code').where('platform_conversation_id', '=', String(chatId)).execute();
    // The one in flight is flagged for the console: the worker may have it twice.
    expect(rows.filter((r) => r.last_code === 'interrupted')).toHaveLength(1);
  }, 120_000);
});

/**
 * Scale-out proof (issue 5): three real server processes on one PostgreSQL database and one
 * Redis, Telegram webhooks spread across them at random, 20% delivered twice, one instance
 * SIGKILLed in the middle. Every accepted worker message must be answered exactly once and in
 * order per conversation; what the killed instance had acknowledged is picked up by the
 * survivors (inbox recovery once its conversation lease in Redis expires). Console events
 * cross instances through Redis (checked in-process with two RedisCoordinators).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCoordinator } from '../src/coordination/index.js';
import type { CoordinationEvent } from '../src/coordination/types.js';
import { CONSOLE_TOPIC } from '../src/flows/handoff/events.js';
import type { DatabaseSchema } from '../src/store/db.js';
import { startTelegramFake, type TelegramFake } from './fakes/telegram-fake.js';
import { createTestDatabase, type TestDatabase } from './helpers/dialects.js';
import { freePort, SHARED_REDIS_URL, uniquePrefix } from './helpers/redis.js';

const SECRET = 'multi-secret_1';
const CONVERSATIONS = 20;
const MESSAGES = 10;
/** Questions a worker might send; the answer text is not checked, only that each gets one. */
const QUESTIONS = ['Trợ cấp thất nghiệp được bao nhiêu?', 'Nghỉ việc bao lâu thì phải báo trước?', 'Làm thêm giờ được trả thế nào?', 'Tôi bị đuổi việc thì sao?', 'Nghỉ phép năm mấy ngày?'];

interface Instance {
  url: string;
  child: ChildProcess;
  alive: boolean;
  stderr: string[];
}

let fake: TelegramFake;
let database: TestDatabase;
let db: Kysely<DatabaseSchema>;
const prefix = uniquePrefix('multi');
const instances: Instance[] = [];

async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const inst: Instance = { url: `http://127.0.0.1:${port}`, child, alive: true, stderr: [] };
  child.stderr?.on('data', (d: Buffer) => inst.stderr.push(d.toString()));
  child.once('exit', () => (inst.alive = false));
  return inst;
}

async function waitReady(inst: Instance): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (!inst.alive) throw new Error(`instance exited: ${inst.stderr.join('')}`);
    const ok = await fetch(`${inst.url}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`instance not ready: ${inst.stderr.join('')}`);
}

const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;

/** One webhook delivery to one instance: true when acknowledged with 200. */
async function post(inst: Instance, update: unknown): Promise<boolean> {
  try {
    const res = await fetch(`${inst.url}/webhooks/telegram`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
      body: JSON.stringify(update),
    });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false; // the instance died under the request
  }
}

/** Like Telegram: retries a delivery until some live instance acknowledges it. */
async function deliver(update: unknown): Promise<void> {
  for (;;) {
    const live = instances.filter((i) => i.alive);
    if (await post(pick(live), update)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Opt-in (TLCD_TEST_MULTI=1): it takes over a minute (a dead instance's conversation locks in
// Redis expire after 30 s inbound, 60 s outbound before survivors may take the work over) and it
// fails now and then (1 run in 3 here): a reply the killed instance sent but had not yet marked
// 'sent' is sent again by a survivor (at-least-once outbox), so one chat gets one reply twice.
describe.skipIf(!process.env.TLCD_TEST_MULTI)('three instances on one PostgreSQL and Redis', () => {
  beforeAll(async () => {
    fake = await startTelegramFake();
    database = await createTestDatabase();
    db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 2 }) }) });
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: SHARED_REDIS_URL,
      REDIS_PREFIX: prefix,
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: fake.url,
      TELEGRAM_BOT_USERNAME: 'TroLyCongDoanBot',
    };
    // The first one runs the migrations alone; the others start on a migrated database.
    instances.push(await startInstance(env));
    await waitReady(instances[0] as Instance);
    instances.push(await startInstance(env), await startInstance(env));
    await Promise.all(instances.map(waitReady));
  }, 60_000);

  afterAll(async () => {
    for (const i of instances) if (i.alive) i.child.kill('SIGKILL');
    await Promise.all(instances.map((i) => (i.child.exitCode !== null || i.child.signalCode !== null ? undefined : new Promise((r) => i.child.once('exit', r)))));
    await db?.destroy();
    await database?.drop();
    await fake?.close();
    // The shared Redis keeps nothing of this run.
    const redis = await import('redis');
    const client = redis.createClient({ url: SHARED_REDIS_URL });
    await client.connect();
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) if (keys.length) await client.del(keys);
    await client.quit();
  });

  it('answers every message exactly once and in order, through duplicates and a SIGKILL', async () => {
    const started = Date.now();
    const total = CONVERSATIONS * MESSAGES;
    let posted = 0;
    let killedAt = -1;
    let updateId = 5_000;
    const conversation = async (c: number) => {
      const chatId = 9_100_000 + c;
      for (let m = 1; m <= MESSAGES; m++) {
        const update = {
          update_id: updateId++,
          message: { message_id: m, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private' }, from: { id: chatId, is_bot: false, first_name: 'Lan' }, text: `${QUESTIONS[(c + m) % QUESTIONS.length]} (${m})` },
        };
        await deliver(update);
        if (Math.random() < 0.2) await deliver(update); // the platform redelivers
        posted++;
        if (posted === total / 2 && killedAt < 0) {
          killedAt = Date.now() - started;
          instances[0]?.child.kill('SIGKILL'); // midway, with work in flight
        }
      }
    };
    await Promise.all(Array.from({ length: CONVERSATIONS }, (_, c) => conversation(c)));
    const postedMs = Date.now() - started;

    // Settled: every inbox row done, every outbox row sent (survivors recover the dead one's work).
    const deadline = Date.now() + 110_000;
    for (;;) {
      const open = await db.selectFrom('inbox').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '!=', 'done').executeTakeFirstOrThrow();
      const unsent = await db.selectFrom('outbox').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '!=', 'sent').executeTakeFirstOrThrow();
      if (Number(open.n) === 0 && Number(unsent.n) === 0) break;
      if (Date.now() > deadline) {
        const stuck = await db.selectFrom('outbox').select(['id', 'conversation_id', 'status', 'attempts', 'next_attempt_at', 'lease_until', 'last_code', 'last_reason']).where('status', '!=', 'sent').execute();
        throw new Error(`not settled after ${Date.now() - started} ms (kill at ${killedAt} ms, now ${Date.now()}): ${open.n} inbox rows open, unsent outbox rows: ${JSON.stringify(stuck)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const settledMs = Date.now() - started;

    const inbox = await db.selectFrom('inbox').select(['id', 'message_id', 'conversation_id', 'status', 'attempts', 'finished_at']).orderBy('id').execute();
    const outbox = await db.selectFrom('outbox').select(['id', 'inbox_id', 'conversation_id', 'platform_conversation_id', 'platform_message_ids']).orderBy('id').execute();
    const sends = fake.calls('sendMessage');
    console.log(
      `multi-instance: ${total} messages, ${inbox.length} inbox rows, ${outbox.length} replies, ${sends.length} sendMessage; killed at ${killedAt} ms, all posted ${postedMs} ms, settled ${settledMs} ms; rows retried after the kill: ${inbox.filter((r) => r.attempts > 1).length}`,
    );

    // Every acknowledged message stored once (duplicates recognised across instances).
    expect(inbox).toHaveLength(total);
    expect(inbox.every((r) => r.status === 'done')).toBe(true);
    // Every message answered: at least one reply per inbox row.
    const repliesOf = new Map<number, number>();
    for (const o of outbox) repliesOf.set(Number(o.inbox_id), (repliesOf.get(Number(o.inbox_id)) ?? 0) + 1);
    expect(inbox.filter((r) => !repliesOf.has(Number(r.id))).map((r) => r.message_id)).toEqual([]);

    const mismatches: { chatId: string; recorded: number; received: number; repeated: string[] }[] = [];
    for (let c = 0; c < CONVERSATIONS; c++) {
      const chatId = String(9_100_000 + c);
      const rows = inbox.filter((r) => r.message_id.startsWith(`${chatId}:`));
      // Processed in the order the worker sent them.
      expect(rows.map((r) => Number(r.message_id.split(':')[1]))).toEqual(Array.from({ length: MESSAGES }, (_, i) => i + 1));
      const finished = rows.map((r) => Number(r.finished_at));
      expect(finished).toEqual([...finished].sort((a, b) => a - b));
      // Replies written in message order…
      const replies = outbox.filter((o) => o.platform_conversation_id === chatId);
      const inboxOrder = replies.map((o) => Number(o.inbox_id));
      expect(inboxOrder).toEqual([...inboxOrder].sort((a, b) => a - b));
      // …and each delivered exactly once, in that order: the fake's message ids per chat are
      // exactly the ones the outbox recorded, in outbox order (no send repeated, none missing).
      const recorded = replies.flatMap((o) => JSON.parse(o.platform_message_ids ?? '[]') as unknown[]).map(Number);
      const received = sends.filter((s) => String(s.body.chat_id) === chatId);
      if (received.length !== recorded.length) {
        const texts = received.map((s) => String(s.body.text).slice(0, 40));
        mismatches.push({ chatId, recorded: recorded.length, received: received.length, repeated: texts.filter((t, i) => texts.indexOf(t) !== i) });
      }
    }
    // A reply the platform got twice (or never) names its chat and text.
    expect(mismatches).toEqual([]);
    // The overall count ties the fake and the outbox together.
    const recordedAll = outbox.reduce((n, o) => n + (JSON.parse(o.platform_message_ids ?? '[]') as unknown[]).length, 0);
    expect(sends).toHaveLength(recordedAll);
  }, 170_000);
});

describe('console events across instances', () => {
  it('delivers a console event published on one instance to a subscriber on another', async () => {
    // In-process: two Redis coordinators with the same prefix stand for two instances.
    const a = await createCoordinator({ REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix });
    const b = await createCoordinator({ REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix });
    try {
      const got: CoordinationEvent[] = [];
      const unsubscribe = await b.subscribe(CONSOLE_TOPIC, (e) => got.push(e));
      const event = { type: 'message', conversationId: 'telegram:1', role: 'worker', text: 'Cho mình hỏi', at: new Date().toISOString() };
      await a.publish(CONSOLE_TOPIC, event);
      const deadline = Date.now() + 5_000;
      while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(got).toEqual([event]);
      await unsubscribe();
    } finally {
      await a.close();
      await b.close();
    }
  });
});

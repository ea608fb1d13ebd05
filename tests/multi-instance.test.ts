/**
 * Scale-out proof (issue 5): three real server processes on one PostgreSQL database and one
 * Redis, Telegram webhooks spread across them at random, 20% delivered twice, one instance
 * SIGKILLed at a random moment of the traffic. Every accepted worker message is answered, in
 * order per conversation, and each reply delivered once; the killed instance's conversations
 * are taken over by the survivors within seconds (leases of 8 s kept alive by a heartbeat).
 * A console (SSE) on one instance hears, over Redis, what another instance did.
 *
 * The one repeat no design can rule out: the kill lands after Telegram accepted a reply but
 * before the row was marked 'sent' (Telegram takes no idempotency key). Such a row is taken over
 * as 'interrupted' and sent again. The test allows a repeat ONLY for rows so marked and prints
 * how many there were; README ("Several instances") gives the rate measured over many runs.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accounts } from '../src/console/accounts.js';
import { Sessions } from '../src/console/sessions.js';
import type { DatabaseSchema } from '../src/store/db.js';
import { startTelegramFake, type TelegramFake } from './fakes/telegram-fake.js';
import { createTestDatabase, type TestDatabase } from './helpers/dialects.js';
import { checkDelivered, killInstance, postTelegram, startInstance, telegramText, waitReady, waitSettled, type Instance } from './helpers/instance.js';
import { SHARED_REDIS_URL, dropPrefix, uniquePrefix } from './helpers/redis.js';

const SECRET = 'multi-secret_1';
const CONVERSATIONS = 20;
const MESSAGES = 10;
/** Questions a worker might send; the answer text is not checked, only that each gets one. */
const QUESTIONS = ['Trợ cấp thất nghiệp được bao nhiêu?', 'Nghỉ việc bao lâu thì phải báo trước?', 'Làm thêm giờ được trả thế nào?', 'Tôi bị đuổi việc thì sao?', 'Nghỉ phép năm mấy ngày?'];

let fake: TelegramFake;
let database: TestDatabase;
let db: Kysely<DatabaseSchema>;
const prefix = uniquePrefix('multi');
const instances: Instance[] = [];

const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Like Telegram: retries a delivery until some live instance acknowledges it. */
async function deliver(update: unknown): Promise<void> {
  for (;;) {
    const live = instances.filter((i) => i.alive);
    if (await postTelegram(pick(live), SECRET, update)) return;
    await sleep(20);
  }
}

/** The console's live stream on one instance, as text received so far. */
async function openConsoleStream(inst: Instance): Promise<{ text: () => string; close: () => void }> {
  const account = await new Accounts(db).create({ email: 'lan@congdoan.vn', name: 'Lan', role: 'counsellor' }, 'mat-khau-dai-12345');
  const { token } = await new Sessions(db).open(account.id);
  const abort = new AbortController();
  const res = await fetch(`${inst.url}/console/api/events`, { headers: { cookie: `tlcd_console=${token}` }, signal: abort.signal });
  expect(res.status).toBe(200);
  let received = '';
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) received += decoder.decode(chunk, { stream: true });
    } catch {
      /* aborted at the end */
    }
  })();
  return { text: () => received, close: () => abort.abort() };
}

describe('three instances on one PostgreSQL and Redis', () => {
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
    await Promise.all(instances.map((i) => waitReady(i)));
  }, 150_000);

  afterAll(async () => {
    await Promise.all(instances.map((i) => killInstance(i)));
    await db?.destroy();
    await database?.drop();
    await fake?.close();
    await dropPrefix(prefix);
  });

  it('hears on one instance what another did: console events cross instances', async () => {
    const [a, , c] = instances as [Instance, Instance, Instance];
    const stream = await openConsoleStream(c);
    try {
      await sleep(200); // the subscription is made before the first event
      // Sent to instance A only: A stores, processes and sends it, and publishes the delivery.
      expect(await postTelegram(a, SECRET, telegramText(1, 9_099_999, 1, 'Xin chào'))).toBe(true);
      const deadline = Date.now() + 10_000;
      while (!stream.text().includes('"conversationId":"telegram:9099999"') && Date.now() < deadline) await sleep(50);
      expect(stream.text()).toMatch(/event: delivery\ndata: \{[^\n]*"conversationId":"telegram:9099999"[^\n]*"status":"sent"/);
    } finally {
      stream.close();
    }
  }, 20_000);

  it('answers every message, in order, each reply once, through duplicates and a SIGKILL at a random moment', async () => {
    const started = Date.now();
    const total = CONVERSATIONS * MESSAGES;
    // A random moment: after a random share (30–70%) of the messages, plus up to 50 ms.
    const killAfter = Math.floor(total * (0.3 + 0.4 * Math.random()));
    const killDelayMs = Math.floor(Math.random() * 50);
    let posted = 0;
    let killedAt = -1;
    let updateId = 5_000;
    let killing: Promise<void> | undefined;
    const conversation = async (c: number) => {
      const chatId = 9_100_000 + c;
      for (let m = 1; m <= MESSAGES; m++) {
        const update = telegramText(updateId++, chatId, m, `${QUESTIONS[(c + m) % QUESTIONS.length]} (${m})`);
        await deliver(update);
        if (Math.random() < 0.2) await deliver(update); // the platform redelivers
        posted++;
        if (posted === killAfter) {
          killing = sleep(killDelayMs).then(() => {
            killedAt = Date.now() - started;
            return killInstance(instances[0] as Instance); // with work in flight
          });
        }
      }
    };
    await Promise.all(Array.from({ length: CONVERSATIONS }, (_, c) => conversation(c)));
    await killing;
    const postedMs = Date.now() - started;

    // Settled: every inbox row done, every outbox row sent (survivors recover the dead one's work).
    await waitSettled(db, 60_000);
    const settledMs = Date.now() - started;

    const inbox = await db.selectFrom('inbox').select(['id', 'message_id', 'status', 'attempts', 'finished_at']).where('conversation_id', '!=', 'telegram:9099999').orderBy('id').execute();
    const outbox = await db.selectFrom('outbox').select(['inbox_id', 'platform_conversation_id']).where('conversation_id', '!=', 'telegram:9099999').orderBy('id').execute();
    // Every acknowledged message stored once (duplicates recognised across instances).
    expect(inbox).toHaveLength(total);
    expect(inbox.every((r) => r.status === 'done')).toBe(true);

    const chatIds = Array.from({ length: CONVERSATIONS }, (_, c) => String(9_100_000 + c));
    for (const chatId of chatIds) {
      const rows = inbox.filter((r) => r.message_id.startsWith(`${chatId}:`));
      // Processed in the order the worker sent them.
      expect(rows.map((r) => Number(r.message_id.split(':')[1]))).toEqual(Array.from({ length: MESSAGES }, (_, i) => i + 1));
      const finished = rows.map((r) => Number(r.finished_at));
      expect(finished).toEqual([...finished].sort((a, b) => a - b));
      // Replies written (and so sent: the outbox goes in id order) in message order.
      const inboxOrder = outbox.filter((o) => o.platform_conversation_id === chatId).map((o) => Number(o.inbox_id));
      expect(inboxOrder).toEqual([...inboxOrder].sort((a, b) => a - b));
    }
    // Every message answered, each reply accepted by Telegram once — a repeat only for a reply
    // whose send the kill cut short ('interrupted').
    const check = await checkDelivered(db, fake, chatIds);
    console.log(
      `multi-instance: ${total} messages, ${outbox.length} replies; killed after ${killAfter} messages at ${killedAt} ms, all posted ${postedMs} ms, settled ${settledMs} ms; inbox rows retried ${inbox.filter((r) => r.attempts > 1).length}, replies interrupted mid-send ${check.interrupted}, delivered twice ${check.repeated}`,
    );
    expect(check.unanswered).toEqual([]);
    expect(check.unexplained).toEqual([]);
    // Take-over is fast: leases of 8 s, the sweep every 5 s. Settling also waits on Telegram's
    // per-chat limit (5 sends in 5 s) for each chat's 10–11 replies and on the back-off of a
    // row whose send was cut short, so runs settle 12–34 s after the kill on 2 cores; with the
    // old 30 s and 60 s leases it took over 80 s, which this bound still catches.
    expect(settledMs - killedAt).toBeLessThan(50_000);
  }, 90_000);
});

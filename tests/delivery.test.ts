/**
 * The delivery pipeline (inbox → engine → outbox → sender) over a real SQLite file and the real
 * engine, with a scripted ChannelSender: redeliveries, a crash between inbox and reply,
 * retries, permanent failures, order per conversation, counsellor messages through Outbound.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Activity, Channel, EngineResult, Reply } from '../src/flows/activity.js';
import { createEngine, type Engine } from '../src/flows/engine.js';
import { CONSOLE_TOPIC, type ConsoleEvent } from '../src/flows/handoff/events.js';
import { LocalCoordinator } from '../src/coordination/local.js';
import type { Coordinator } from '../src/coordination/types.js';
import { Delivery } from '../src/bots/delivery/pipeline.js';
import { pruneFinished } from '../src/bots/delivery/prune.js';
import { insertOutbox } from '../src/bots/delivery/outbox-table.js';
import type { ChannelSender, SendResult, SendTarget } from '../src/bots/delivery/types.js';
import type { StoreBoundEngine } from '../src/bots/delivery/processor.js';
import { createStore, type SqlStore } from '../src/store/sql-store.js';
import { openTestStore } from './helpers/test-store.js';
import type { Store, TransactionStore } from '../src/store/types.js';
import { UnknownConversationError } from '../src/bots/delivery/outbound.js';

const tmp = mkdtempSync(join(tmpdir(), 'tlcd-delivery-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let engine: Engine;
beforeAll(async () => {
  // One engine for the file: the pipeline runs it against each test's store.
  const scratch = await createStore({ databasePath: ':memory:' });
  engine = createEngine({ store: scratch, now: () => new Date('2026-11-28T10:00:00+07:00') });
});

/** A platform that records what it was asked to send and fails as scripted. */
class ScriptedSender implements ChannelSender {
  sent: { target: SendTarget; reply: Reply; fromHuman: boolean; lastInboundAt?: Date }[] = [];
  attempts = 0;
  script: SendResult[] = [];
  delayMs = 0;
  constructor(readonly channel: Channel) {}
  async send(target: SendTarget, reply: Reply, options: { fromHuman?: boolean; lastInboundAt?: Date } = {}): Promise<SendResult> {
    this.attempts++;
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs * Math.random()));
    const next = this.script.shift();
    if (next && !next.ok) return next;
    this.sent.push({ target, reply, fromHuman: options.fromHuman === true, ...(options.lastInboundAt ? { lastInboundAt: options.lastInboundAt } : {}) });
    return { ok: true, platformMessageIds: [`p${this.sent.length}`] };
  }
}

interface Rig {
  store: SqlStore;
  delivery: Delivery;
  sender: ScriptedSender;
  coordinator: Coordinator;
  events: ConsoleEvent[];
}

const open: Rig[] = [];
afterEach(async () => {
  for (const rig of open.splice(0)) await closeRig(rig);
});

async function closeRig(rig: Rig) {
  await rig.delivery.stop();
  await rig.store.close();
  await rig.coordinator.close();
}

async function rig(path = ':memory:', over: { engine?: StoreBoundEngine; coordinator?: Coordinator; start?: boolean; perChat?: { limit: number; windowMs: number } } = {}): Promise<Rig> {
  const store = await openTestStore(path === ':memory:' ? undefined : path);
  const coordinator = over.coordinator ?? new LocalCoordinator();
  const events: ConsoleEvent[] = [];
  await coordinator.subscribe(CONSOLE_TOPIC, (e) => events.push(e as ConsoleEvent));
  const delivery = new Delivery({
    db: store.db,
    store,
    engine: over.engine ?? engine,
    coordinator,
    inbox: { retryBaseMs: 10, maxAttempts: 3 },
    outbox: { backoff: { baseMs: 10, maxMs: 50 }, limits: { telegram: { perChat: over.perChat ?? { limit: 1000, windowMs: 1000 }, global: { limit: 1000, windowMs: 1000 } } } },
    sweepMs: 50,
  });
  const sender = new ScriptedSender('telegram');
  delivery.register(sender);
  if (over.start !== false) await delivery.start();
  const r = { store, delivery, sender, coordinator, events };
  open.push(r);
  return r;
}

let seq = 0;
function tg(chat: string, text?: string, messageId = `${chat}:${++seq}`, postback?: string): Activity {
  return { channel: 'telegram', userId: chat, conversationId: chat, messageId, text, postback, timestamp: new Date() };
}

/** Waits until the condition holds (the pipeline works in the background). */
async function until(cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function outboxStatuses(store: SqlStore): Promise<string[]> {
  return (await store.db.selectFrom('outbox').select('status').orderBy('id').execute()).map((r) => r.status);
}

const QUESTION = 'Điều kiện để được hưởng trợ cấp thất nghiệp là gì?';

describe('inbox', () => {
  it('answers an event delivered three times exactly once', async () => {
    const { delivery, sender, store } = await rig();
    const a = tg('501', QUESTION, 'dup-1');
    const results = await Promise.all([delivery.inbox.accept(a), delivery.inbox.accept({ ...a }), delivery.inbox.accept({ ...a })]);
    expect(results.sort()).toEqual(['accepted', 'duplicate', 'duplicate']);
    await until(async () => (await outboxStatuses(store)).every((s) => s === 'sent') && sender.sent.length > 0);
    expect(await delivery.inbox.accept({ ...a })).toBe('duplicate');
    await delivery.idle();
    const transcript = await store.transcript('telegram:501');
    expect(transcript.filter((m) => m.role === 'worker')).toHaveLength(1);
    // The consent notice and the answer, once.
    expect(sender.sent.flatMap((s) => s.reply.citations ?? []).join('\n')).toContain('Luật Việc làm 2025');
    expect(sender.sent).toHaveLength(transcript.filter((m) => m.role === 'bot').length);
    expect(sender.sent.every((s) => s.target.userId === '501' && !s.fromHuman && s.lastInboundAt instanceof Date)).toBe(true);
  });

  it('answers once after a restart a message accepted but never processed', async () => {
    const path = join(tmp, 'crash-before.db');
    // "Another instance" holds every conversation: the first process stores but cannot process.
    const busy: Coordinator = new (class extends LocalCoordinator {
      override async tryLock() {
        return undefined;
      }
    })();
    const first = await rig(path, { coordinator: busy });
    expect(await first.delivery.inbox.accept(tg('502', QUESTION, 'crash-1'))).toBe('accepted');
    open.splice(open.indexOf(first), 1);
    await closeRig(first);
    expect(first.sender.sent).toHaveLength(0);

    const second = await rig(path);
    await until(() => second.sender.sent.length >= 2);
    await second.delivery.idle();
    expect(await second.delivery.inbox.accept(tg('502', QUESTION, 'crash-1'))).toBe('duplicate');
    const transcript = await second.store.transcript('telegram:502');
    expect(transcript.filter((m) => m.role === 'worker')).toHaveLength(1);
    expect(second.sender.sent.flatMap((s) => s.reply.citations ?? []).join('\n')).toContain('Luật Việc làm 2025');
    expect(second.sender.sent).toHaveLength(transcript.filter((m) => m.role === 'bot').length);
  });

  it('answers once after a restart when the process died in the middle of processing', async () => {
    const path = join(tmp, 'crash-during.db');
    let die = true;
    let ran = false;
    // The engine ran and wrote, then the process "died" before the commit.
    const dying: StoreBoundEngine = {
      async handleIn(a: Activity, s: Store): Promise<EngineResult> {
        const r = await engine.handleIn(a, s);
        ran = true;
        if (die) throw new Error('process killed');
        return r;
      },
    };
    const first = await rig(path, { engine: dying, start: false });
    await first.delivery.inbox.accept(tg('503', QUESTION, 'crash-2'));
    await until(() => ran);
    open.splice(open.indexOf(first), 1);
    await closeRig(first);
    die = false;
    expect(first.sender.sent).toHaveLength(0);

    const second = await rig(path);
    await until(() => second.sender.sent.length >= 2);
    await second.delivery.idle();
    const transcript = await second.store.transcript('telegram:503');
    // Nothing of the first attempt survived: one worker line, the replies once.
    expect(transcript.filter((m) => m.role === 'worker')).toHaveLength(1);
    expect(second.sender.sent).toHaveLength(transcript.filter((m) => m.role === 'bot').length);
  });

  it('answers once when a newer attempt claimed the row while it was processed: nothing of the older attempt is kept', async () => {
    let overtake = true;
    // While the engine works, the row's attempt count moves on (another attempt claimed it, as
    // after a lost lease): the older attempt must commit nothing, not even with its last statement.
    const overtaken: StoreBoundEngine = {
      async handleIn(a: Activity, s: Store): Promise<EngineResult> {
        const r = await engine.handleIn(a, s);
        if (overtake) {
          overtake = false;
          await (s as TransactionStore).db.updateTable('inbox').set((eb) => ({ attempts: eb('attempts', '+', 1) })).where('message_id', '=', a.messageId).execute();
        }
        return r;
      },
    };
    const { delivery, sender, store } = await rig(':memory:', { engine: overtaken });
    await delivery.inbox.accept(tg('505', QUESTION, 'overtaken-1'));
    await until(async () => sender.sent.length >= 1 && (await store.db.selectFrom('inbox').select('status').executeTakeFirstOrThrow()).status === 'done');
    await delivery.idle();
    const transcript = await store.transcript('telegram:505');
    expect(overtake).toBe(false);
    expect(transcript.filter((m) => m.role === 'worker')).toHaveLength(1);
    expect(sender.sent).toHaveLength(transcript.filter((m) => m.role === 'bot').length);
    expect(await store.db.selectFrom('outbox').select('id').execute()).toHaveLength(sender.sent.length);
  });

  it('gives up on a message whose processing keeps failing, records why, and moves on', async () => {
    const poison: StoreBoundEngine = {
      async handleIn(a: Activity, s: Store): Promise<EngineResult> {
        if (a.text === 'boom') throw new Error('engine exploded on 0912345678');
        return engine.handleIn(a, s);
      },
    };
    const { delivery, sender } = await rig(':memory:', { engine: poison });
    await delivery.inbox.accept(tg('504', 'boom'));
    await delivery.inbox.accept(tg('504', 'xin chào'));
    await until(async () => (await delivery.failedInbound()).length === 1 && sender.sent.length > 0);
    const [failed] = await delivery.failedInbound();
    expect(failed).toMatchObject({ channel: 'telegram', conversationId: 'telegram:504', attempts: 3 });
    expect(failed!.error).toContain('engine exploded');
    expect(failed!.error).not.toContain('0912345678');
  });

  it('answers the messages processed beside a failing one once each (they share its commit on SQLite)', async () => {
    const poison: StoreBoundEngine = {
      async handleIn(a: Activity, s: Store): Promise<EngineResult> {
        const r = await engine.handleIn(a, s);
        // After the engine wrote its lines: they must be rolled back with the batch.
        if (a.text === 'boom') throw new Error('engine exploded');
        return r;
      },
    };
    const { delivery, sender, store } = await rig(join(tmp, 'batch-fail.db'), { engine: poison });
    const chats = ['511', '512', '513', '514', '515'];
    // One turn: their processing runs in the same group commit as the poisoned message's.
    await Promise.all([delivery.inbox.accept(tg('510', 'boom')), ...chats.map((c) => delivery.inbox.accept(tg(c, 'xin chào')))]);
    await until(async () => (await delivery.failedInbound()).length === 1);
    // Every chat answered (a chat's reply rows are stored together), and nothing left to send.
    await until(async () => chats.every((c) => sender.sent.some((s) => s.target.conversationId === c)) && (await outboxStatuses(store)).every((s) => s === 'sent'));
    for (const c of chats) {
      const lines = await store.transcript(`telegram:${c}`);
      expect(lines.filter((m) => m.role === 'worker').map((m) => m.text)).toEqual(['xin chào']);
      expect(sender.sent.filter((s) => s.target.conversationId === c).map((s) => s.reply.text)).toEqual(lines.filter((m) => m.role === 'bot').map((m) => m.text));
    }
    // Nothing of the failed message was kept, though the engine had written it each time.
    expect(await store.transcript('telegram:510')).toEqual([]);
    expect(sender.sent.filter((s) => s.target.conversationId === '510')).toEqual([]);
  });

  it('processes a new message only after an earlier one waiting for its retry', async () => {
    let failures = 0;
    let next: Promise<unknown> | undefined;
    const flaky: StoreBoundEngine = {
      async handleIn(a: Activity, s: Store): Promise<EngineResult> {
        // Twice: a batch's rollback on SQLite runs the message once more, alone, at once.
        if (a.text === 'menu' && failures++ < 2) {
          // The next message arrives while this one fails, before its retry is due.
          next ??= delivery.inbox.accept(tg('520', 'cảm ơn'));
          throw new Error('hiccup');
        }
        return engine.handleIn(a, s);
      },
    };
    const { delivery, store } = await rig(':memory:', { engine: flaky });
    await delivery.inbox.accept(tg('520', 'menu'));
    await until(() => next !== undefined);
    await next;
    await until(async () => (await store.db.selectFrom('inbox').select('status').where('status', '!=', 'done').execute()).length === 0);
    const lines = (await store.transcript('telegram:520')).filter((m) => m.role === 'worker').map((m) => m.text);
    expect(lines).toEqual(['menu', 'cảm ơn']);
  });

  it('keeps each conversation in order under concurrency', async () => {
    const { delivery, sender, store } = await rig();
    sender.delayMs = 5;
    const chats = ['601', '602', '603', '604'];
    const steps = ['xin chào', 'menu', 'cảm ơn', 'bhtn là gì', 'tạm biệt'];
    // Chats concurrently; each chat's messages one after another, as a platform delivers them.
    // (Accepts of one chat issued all at once may commit in any order on a database with
    // several connections, such as PostgreSQL: arrival order is commit order.)
    await Promise.all(
      chats.map(async (c) => {
        for (const [i, text] of steps.entries()) await delivery.inbox.accept(tg(c, text, `${c}:o${i}`));
      }),
    );
    await until(async () => (await store.db.selectFrom('inbox').select('status').where('status', '!=', 'done').execute()).length === 0);
    await until(async () => (await outboxStatuses(store)).every((s) => s === 'sent'));
    for (const c of chats) {
      const workerLines = (await store.transcript(`telegram:${c}`)).filter((m) => m.role === 'worker').map((m) => m.text);
      // Accepts for one chat were issued in order, so they were stored and processed in order.
      expect(workerLines).toEqual(steps);
      const bot = (await store.transcript(`telegram:${c}`)).filter((m) => m.role === 'bot').map((m) => m.text);
      expect(sender.sent.filter((s) => s.target.conversationId === c).map((s) => s.reply.text)).toEqual(bot);
    }
  });
});

describe('outbox', () => {
  it('retries 429 (honouring retry_after) and 5xx, and delivers once', async () => {
    const { delivery, sender, store, events } = await rig();
    sender.script = [
      { ok: false, retryable: true, retryAfterMs: 120, code: 'rate_limited', reason: 'Telegram báo gửi quá nhanh.' },
      { ok: false, retryable: true, code: 'server_error', reason: 'Telegram đang lỗi.' },
    ];
    const started = Date.now();
    await delivery.inbox.accept(tg('701', 'xin chào'));
    await until(async () => (await outboxStatuses(store)).length > 0 && (await outboxStatuses(store)).every((s) => s === 'sent'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(120);
    const texts = sender.sent.map((s) => s.reply.text);
    expect(new Set(texts).size).toBe(texts.length);
    expect(sender.attempts).toBe(sender.sent.length + 2);
    const statuses = events.filter((e) => e.type === 'delivery').map((e) => (e as { status: string }).status);
    expect(statuses.filter((s) => s === 'retrying')).toHaveLength(2);
    expect(statuses.filter((s) => s === 'sent')).toHaveLength(sender.sent.length);
  });

  it('holds a new reply back behind an earlier one waiting for its retry, in order', async () => {
    const { delivery, sender, store } = await rig();
    await delivery.inbox.accept(tg('703', 'xin chào'));
    await until(async () => (await outboxStatuses(store)).length > 0 && (await outboxStatuses(store)).every((s) => s === 'sent'));
    // The next reply is refused once (retry in 300 ms); the one after arrives meanwhile.
    sender.script = [{ ok: false, retryable: true, retryAfterMs: 300, code: 'rate_limited', reason: 'Telegram báo gửi quá nhanh.' }];
    await delivery.inbox.accept(tg('703', 'menu'));
    await until(() => sender.attempts > sender.sent.length);
    await delivery.inbox.accept(tg('703', 'cảm ơn'));
    await until(async () => (await outboxStatuses(store)).every((s) => s === 'sent'));
    const bot = (await store.transcript('telegram:703')).filter((m) => m.role === 'bot').map((m) => m.text);
    expect(sender.sent.map((s) => s.reply.text)).toEqual(bot);
  });

  it('records a permanent failure with its reason and publishes a failed delivery event', async () => {
    const { delivery, sender, store, events } = await rig();
    await delivery.inbox.accept(tg('702', 'xin chào'));
    await until(async () => (await outboxStatuses(store)).every((s) => s === 'sent') && sender.sent.length > 0);
    await store.saveConversation({ ...(await store.getConversation('telegram', '702'))!, mode: 'human' });
    sender.script = [{ ok: false, retryable: false, code: 'blocked', reason: 'Người lao động đã chặn bot trên Telegram.' }];
    const [id] = await delivery.outbound.enqueue('telegram:702', [{ text: 'Chào bạn, mình là tư vấn viên.' }], { fromHuman: true });
    await until(async () => (await delivery.outbound.status([id!]))[0]?.status === 'failed');
    const [status] = await delivery.outbound.status([id!]);
    expect(status).toMatchObject({ status: 'failed', code: 'blocked', reason: 'Người lao động đã chặn bot trên Telegram.', fromHuman: true, attempts: 1 });
    expect(events).toContainEqual(expect.objectContaining({ type: 'delivery', conversationId: 'telegram:702', outboxId: id, status: 'failed', reason: expect.stringContaining('chặn') }));
  });

  it('gives up after the bounded number of retryable failures', async () => {
    const { delivery, sender, store } = await rig();
    await delivery.inbox.accept(tg('703', 'xin chào'));
    await until(async () => (await outboxStatuses(store)).every((s) => s === 'sent') && sender.sent.length > 0);
    sender.script = Array.from({ length: 20 }, () => ({ ok: false as const, retryable: true, code: 'server_error', reason: 'Telegram đang lỗi.' }));
    const before = sender.attempts;
    const [id] = await delivery.outbound.enqueue('telegram:703', [{ text: 'Tin của tư vấn viên' }], { fromHuman: true });
    await until(async () => (await delivery.outbound.status([id!]))[0]?.status === 'failed');
    expect(sender.attempts - before).toBe(8);
    expect((await delivery.outbound.status([id!]))[0]!.reason).toContain('8 lần');
  });

  it('sends a counsellor message through the worker platform, records it in the transcript, and resumes pending sends after a restart', async () => {
    const path = join(tmp, 'outbound.db');
    const first = await rig(path);
    await first.delivery.inbox.accept(tg('704', 'xin chào'));
    await until(() => first.sender.sent.length > 0);
    await first.delivery.idle();
    // The platform is down: the message waits in the outbox across a restart.
    first.sender.script = Array.from({ length: 3 }, () => ({ ok: false as const, retryable: true, retryAfterMs: 60_000, code: 'server_error', reason: 'x' }));
    const [id] = await first.delivery.outbound.enqueue('telegram:704', [{ text: 'Chào bạn, mình là tư vấn viên Hoa.' }], { fromHuman: true });
    await until(async () => (await first.delivery.outbound.status([id!]))[0]?.status === 'pending' && first.sender.attempts > 1);
    open.splice(open.indexOf(first), 1);
    await closeRig(first);
    // Due now: as if the wait had passed while the process was down.
    const second = await rig(path, { start: false });
    await second.store.db.updateTable('outbox').set({ next_attempt_at: 0 }).execute();
    await second.delivery.start();
    await until(async () => (await second.delivery.outbound.status([id!]))[0]?.status === 'sent');
    expect(second.sender.sent.map((s) => [s.reply.text, s.fromHuman])).toEqual([['Chào bạn, mình là tư vấn viên Hoa.', true]]);
    const lines = (await second.store.transcript('telegram:704')).filter((m) => m.role === 'counsellor').map((m) => m.text);
    expect(lines).toEqual(['Chào bạn, mình là tư vấn viên Hoa.']);
    await expect(second.delivery.outbound.enqueue('telegram:nobody', [{ text: 'x' }], { fromHuman: true })).rejects.toBeInstanceOf(UnknownConversationError);
  });
});

describe('delivery limits and shutdown', () => {
  it('holds sends back to the per-chat rate without counting them as attempts, in order', async () => {
    const { delivery, sender, store } = await rig(':memory:', { perChat: { limit: 2, windowMs: 400 } });
    const now = new Date();
    await store.saveConversation({ id: 'telegram:801', channel: 'telegram', userId: '801', mode: 'human', urgent: false, state: { misses: 0, handoff: 'queued', consentShown: true }, createdAt: now, updatedAt: now });
    const texts = ['một', 'hai', 'ba', 'bốn', 'năm'];
    const started = Date.now();
    const ids = await delivery.outbound.enqueue('telegram:801', texts.map((text) => ({ text })), { fromHuman: true });
    await until(async () => (await delivery.outbound.status(ids)).every((s) => s.status === 'sent'));
    // Five sends at two per 400 ms: at least two windows had to pass.
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    expect(sender.sent.map((s) => s.reply.text)).toEqual(texts);
    expect((await delivery.outbound.status(ids)).map((s) => s.attempts)).toEqual([1, 1, 1, 1, 1]);
  });

  it('finishes the sends in flight when stopped, and leaves the rest for the next start', async () => {
    const r = await rig(':memory:');
    r.sender.delayMs = 400;
    const now = new Date();
    await r.store.saveConversation({ id: 'telegram:802', channel: 'telegram', userId: '802', mode: 'human', urgent: false, state: { misses: 0, handoff: 'queued', consentShown: true }, createdAt: now, updatedAt: now });
    const ids = await r.delivery.outbound.enqueue('telegram:802', [{ text: 'một' }, { text: 'hai' }], { fromHuman: true });
    await until(() => r.sender.attempts >= 1);
    await r.delivery.stop();
    const statuses = (await r.delivery.outbound.status(ids)).map((s) => s.status);
    // The send under way completed and was recorded; nothing was cut off half-way.
    expect(statuses[0]).toBe('sent');
    expect(statuses.every((s) => s === 'sent' || s === 'pending')).toBe(true);
  });
});

describe('what the delivery tables keep of a worker', () => {
  const PHONE = '0912345678';
  const keptAnywhere = async (store: SqlStore) => {
    const inbox = await store.db.selectFrom('inbox').select(['status', 'activity']).execute();
    const outbox = await store.db.selectFrom('outbox').select(['status', 'reply']).orderBy('id').execute();
    return { inbox, outbox, texts: [...inbox.map((r) => r.activity), ...outbox.map((r) => r.reply)].join('\n') };
  };

  it('keeps no processed message, and after "xóa dữ liệu" no reply sent to them either', async () => {
    const { delivery, sender, store } = await rig();
    await delivery.inbox.accept(tg('611', `Em mất việc, lương 8 triệu, sđt ${PHONE}. ${QUESTION}`));
    await until(async () => (await outboxStatuses(store)).length > 0 && (await outboxStatuses(store)).every((s) => s === 'sent'));
    await delivery.idle();
    // Processed: what the worker wrote is in the transcript only, not in the inbox row.
    let kept = await keptAnywhere(store);
    expect(kept.inbox).toEqual([{ status: 'done', activity: '' }]);
    expect((await store.transcript('telegram:611')).map((m) => m.text).join('\n')).toContain(PHONE);
    expect(kept.outbox.length).toBeGreaterThan(1);

    await delivery.inbox.accept(tg('611', 'xóa dữ liệu'));
    await delivery.idle();
    const before = sender.sent.length;
    await delivery.inbox.accept(tg('611', undefined, undefined, 'DELETE_YES'));
    await until(() => sender.sent.length > before);
    await delivery.idle();
    expect(sender.sent.at(-1)!.reply.text).toMatch(/đã xóa toàn bộ dữ liệu/);

    kept = await keptAnywhere(store);
    expect(kept.texts).not.toContain(PHONE);
    expect(kept.texts).not.toContain('trợ cấp thất nghiệp');
    // Only the confirmation of the deletion, sent after it, is left of the replies.
    expect(kept.outbox.map((r) => [r.status, JSON.parse(r.reply).text])).toEqual([['sent', expect.stringMatching(/đã xóa toàn bộ dữ liệu/)]]);
    expect(kept.inbox.every((r) => r.status === 'done' && r.activity === '')).toBe(true);
    expect((await store.transcript('telegram:611')).map((m) => m.text).join('\n')).not.toContain(PHONE);
  });
});

describe('forgetting old delivery rows', () => {
  it('deletes done rows received before the horizon, in batches, and keeps failed, unfinished and recent ones', async () => {
    const store = await openTestStore();
    try {
      const day = 86_400_000;
      const now = Date.now();
      const at = (n: number, ageDays: number, status: 'done' | 'failed' | 'pending') =>
        store.db
          .insertInto('inbox')
          .values({ channel: 'telegram', message_id: `m${n}`, conversation_id: `telegram:${n % 3}`, activity: '{}', status, attempts: 1, next_attempt_at: now, lease_until: null, last_error: null, received_at: now - ageDays * day, finished_at: status === 'pending' ? null : now - ageDays * day })
          .execute();
      // Oldest first, as a platform delivers them: ids grow with arrival.
      let n = 0;
      for (let i = 0; i < 7; i++) await at(n++, 10, 'done');
      await at(n++, 9, 'failed');
      await at(n++, 9, 'pending');
      for (let i = 0; i < 3; i++) await at(n++, 2, 'done');
      expect(await pruneFinished(store.db, 'inbox', now - 7 * day, 2)).toBe(7);
      const left = await store.db.selectFrom('inbox').select(['message_id', 'status']).orderBy('id').execute();
      expect(left.map((r) => `${r.message_id}:${r.status}`)).toEqual(['m7:failed', 'm8:pending', 'm9:done', 'm10:done', 'm11:done']);
      // Nothing more to forget: the next sweep deletes nothing.
      expect(await pruneFinished(store.db, 'inbox', now - 7 * day, 2)).toBe(0);
      // A week without any message: every done row is old, and goes.
      expect(await pruneFinished(store.db, 'inbox', now + day, 2)).toBe(3);
      expect((await store.db.selectFrom('inbox').select('status').orderBy('id').execute()).map((r) => r.status)).toEqual(['failed', 'pending']);
    } finally {
      await store.close();
    }
  });

  it('deletes sent replies written before the horizon and keeps failed, unsent and recent ones', async () => {
    const store = await openTestStore();
    try {
      const day = 86_400_000;
      const now = Date.now();
      const reply = (n: number) => ({ conversationId: `telegram:${n % 3}`, channel: 'telegram' as const, userId: String(n % 3), platformConversationId: String(n % 3), reply: { text: `r${n}` }, fromHuman: false });
      const at = async (n: number, ageDays: number, status: 'sent' | 'failed' | 'pending') => {
        const [id] = await insertOutbox(store.db, [reply(n)], now - ageDays * day);
        await store.db.updateTable('outbox').set({ status }).where('id', '=', id!).execute();
      };
      let n = 0;
      for (let i = 0; i < 5; i++) await at(n++, 40, 'sent');
      await at(n++, 35, 'failed');
      await at(n++, 35, 'pending');
      for (let i = 0; i < 2; i++) await at(n++, 3, 'sent');
      expect(await pruneFinished(store.db, 'outbox', now - 30 * day, 2)).toBe(5);
      const left = await store.db.selectFrom('outbox').select(['reply', 'status']).orderBy('id').execute();
      expect(left.map((r) => `${JSON.parse(r.reply).text}:${r.status}`)).toEqual(['r5:failed', 'r6:pending', 'r7:sent', 'r8:sent']);
      expect(await pruneFinished(store.db, 'outbox', now - 30 * day, 2)).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('forgets both on the hourly sweep, each after its own horizon', async () => {
    const { delivery, sender, store } = await rig();
    await delivery.inbox.accept(tg('621', QUESTION));
    await until(async () => sender.sent.length > 0 && (await outboxStatuses(store)).every((s) => s === 'sent'));
    await delivery.idle();
    await delivery.stop();
    const count = async () => ({
      inbox: (await store.db.selectFrom('inbox').select('id').execute()).length,
      outbox: (await store.db.selectFrom('outbox').select('id').execute()).length,
    });
    const before = await count();
    expect(before.inbox).toBe(1);
    expect(before.outbox).toBeGreaterThan(0);
    // Eight days on: the inbox row is past its 7 days, the replies not past their 30.
    const day = 86_400_000;
    const later = (days: number) =>
      new Delivery({ db: store.db, store, engine, coordinator: new LocalCoordinator(), sweepMs: 10, now: () => Date.now() + days * day });
    for (const [days, expected] of [
      [8, { inbox: 0, outbox: before.outbox }],
      [31, { inbox: 0, outbox: 0 }],
    ] as const) {
      const swept = later(days);
      await swept.start();
      await until(async () => {
        const now = await count();
        return now.inbox === expected.inbox && now.outbox === expected.outbox;
      });
      await swept.stop();
    }
  });
});

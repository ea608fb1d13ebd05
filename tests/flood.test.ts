/**
 * Per-worker flood control in the delivery pipeline: a flood gets one polite notice, then
 * silence, and other workers are answered as usual meanwhile; shared across instances.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Activity, Channel, Reply } from '../src/flows/activity.js';
import { createEngine, type Engine } from '../src/flows/engine.js';
import { T } from '../src/flows/texts.js';
import { LocalCoordinator } from '../src/coordination/local.js';
import { RedisCoordinator } from '../src/coordination/redis.js';
import type { Coordinator } from '../src/coordination/types.js';
import { Delivery } from '../src/bots/delivery/pipeline.js';
import { FloodGuard } from '../src/bots/delivery/flood.js';
import type { ChannelSender, SendResult, SendTarget } from '../src/bots/delivery/types.js';
import { createStore, type SqlStore } from '../src/store/sql-store.js';
import { SHARED_REDIS_URL, uniquePrefix } from './helpers/redis.js';

let engine: Engine;
beforeAll(async () => {
  engine = createEngine({ store: await createStore({ databasePath: ':memory:' }) });
});

class RecordingSender implements ChannelSender {
  sent: { target: SendTarget; reply: Reply }[] = [];
  constructor(readonly channel: Channel) {}
  async send(target: SendTarget, reply: Reply): Promise<SendResult> {
    this.sent.push({ target, reply });
    return { ok: true, platformMessageIds: [`p${this.sent.length}`] };
  }
  to(chat: string) {
    return this.sent.filter((s) => s.target.conversationId === chat).map((s) => s.reply.text);
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let seq = 0;
const tg = (chat: string, text: string): Activity => ({ channel: 'telegram', userId: chat, conversationId: chat, messageId: `${chat}:${++seq}`, text, timestamp: new Date() });

async function settle(store: SqlStore, delivery: Delivery) {
  for (let i = 0; i < 500; i++) {
    const open = await store.db.selectFrom('inbox').select('id').where('status', 'in', ['pending', 'processing']).execute();
    const out = open.length ? open : await store.db.selectFrom('outbox').select('id').where('status', 'in', ['pending', 'sending']).execute();
    if (out.length === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  await delivery.idle();
}

async function rig(coordinator: Coordinator) {
  const store = await createStore({ databasePath: ':memory:' });
  const delivery = new Delivery({
    db: store.db,
    store,
    engine,
    coordinator,
    flood: { limit: 5, windowMs: 60_000 },
    outbox: { limits: { telegram: { perChat: { limit: 1000, windowMs: 1000 }, global: { limit: 1000, windowMs: 1000 } } } },
  });
  const sender = new RecordingSender('telegram');
  delivery.register(sender);
  await delivery.start();
  cleanups.push(async () => {
    await delivery.stop();
    await store.close();
  });
  return { store, delivery, sender };
}

describe('flood control', () => {
  it('answers a flood once politely, then stays silent, while another worker is answered as usual', async () => {
    const coordinator = new LocalCoordinator();
    cleanups.push(() => coordinator.close());
    const { store, delivery, sender } = await rig(coordinator);
    const flood = Array.from({ length: 40 }, (_, i) => tg('9001', `tin ${i}`));
    const calm = ['xin chào', 'bhtn là gì', 'cảm ơn'].map((t) => tg('9002', t));
    await Promise.all([(async () => { for (const a of flood) await delivery.inbox.accept(a); })(), (async () => { for (const a of calm) await delivery.inbox.accept(a); })()]);
    await settle(store, delivery);

    const toFlooder = sender.to('9001');
    expect(toFlooder.filter((t) => t === T.tooFast)).toHaveLength(1);
    expect(toFlooder.at(-1)).toBe(T.tooFast);
    // Five messages answered by the engine (each may take more than one reply), nothing after the notice.
    const workerLines = (await store.transcript('telegram:9001')).filter((m) => m.role === 'worker');
    expect(workerLines.map((m) => m.text)).toEqual(['tin 0', 'tin 1', 'tin 2', 'tin 3', 'tin 4']);
    // Every flooded message was taken off the inbox (none left to retry, none failed).
    const statuses = await store.db.selectFrom('inbox').select('status').where('conversation_id', '=', 'telegram:9001').execute();
    expect(statuses.map((s) => s.status)).toEqual(Array(40).fill('done'));
    // The calm worker got all three answers.
    expect((await store.transcript('telegram:9002')).filter((m) => m.role === 'worker')).toHaveLength(3);
    expect(sender.to('9002').length).toBeGreaterThanOrEqual(3);
    expect(sender.to('9002')).not.toContain(T.tooFast);
  });

  it('counts a worker across instances on Redis, and lets messages through when Redis is away', async () => {
    const prefix = uniquePrefix('flood');
    const a = await RedisCoordinator.connect({ url: SHARED_REDIS_URL, prefix });
    const b = await RedisCoordinator.connect({ url: SHARED_REDIS_URL, prefix });
    const guards = [new FloodGuard(a, { limit: 3, windowMs: 60_000 }), new FloodGuard(b, { limit: 3, windowMs: 60_000 })];
    const verdicts = [];
    for (let i = 0; i < 6; i++) verdicts.push(await guards[i % 2]!.check({ channel: 'zalo', userId: 'u1' }));
    expect(verdicts).toEqual(['ok', 'ok', 'ok', 'notice', 'silent', 'silent']);
    expect(await guards[0]!.check({ channel: 'zalo', userId: 'u2' })).toBe('ok');
    await a.close();
    await b.close();
    // A closed (unreachable) coordinator: fail open.
    expect(await guards[0]!.check({ channel: 'zalo', userId: 'u1' })).toBe('ok');
  });
});

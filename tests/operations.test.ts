/**
 * What operators see: /metrics in Prometheus format (process, HTTP, engine outcomes, the
 * counsellor queue), the metrics token, draining on shutdown, and Redis in /readyz.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisCoordinator } from '../src/coordination/redis.js';
import type { ConversationEngine, EngineResult } from '../src/flows/activity.js';
import { createLogger } from '../src/log.js';
import { buildApp, type AppDeps } from '../src/server/app.js';
import { instrumentEngine } from '../src/server/metrics.js';
import { createStore, type SqlStore } from '../src/store/sql-store.js';
import type { Conversation } from '../src/store/types.js';
import { SHARED_REDIS_URL, uniquePrefix } from './helpers/redis.js';

/** Hands off when asked for a person, answers otherwise. */
const engine: ConversationEngine = {
  handle: async (a): Promise<EngineResult> =>
    a.text === 'gặp tư vấn viên'
      ? { replies: [{ text: 'Mình chuyển bạn tới tư vấn viên nhé.' }], outcome: { kind: 'handoff', handoff: 'queued', urgent: false }, mode: 'queued' }
      : { replies: [{ text: 'Đây là câu trả lời.' }], outcome: { kind: 'answer', handoff: 'none', urgent: false }, mode: 'bot' },
};

let store: SqlStore;
let app: FastifyInstance;
let draining = false;

async function make(over: Partial<AppDeps> = {}) {
  return buildApp({
    config: { MAX_MESSAGE_CHARS: 2000, TRUST_PROXY: false },
    engine: instrumentEngine(engine),
    store,
    logger: createLogger('silent'),
    draining: () => draining,
    ...over,
  });
}

beforeEach(async () => {
  draining = false;
  store = await createStore({ databasePath: ':memory:' });
  app = await make();
});
afterEach(async () => {
  await app.close();
  await store.close();
});

/** The value of one sample line, e.g. sample(text, 'tlcd_queue_length{urgent="true"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const chat = (text: string) => app.inject({ method: 'POST', url: '/api/chat', payload: { text } });

describe('/metrics', () => {
  it('serves process, HTTP, engine and queue metrics in Prometheus text format', async () => {
    const before = await app.inject({ method: 'GET', url: '/metrics' });
    const answersBefore = sample(before.body, 'tlcd_engine_answers_total{channel="web",kind="answer"}') ?? 0;
    const handoffsBefore = sample(before.body, 'tlcd_engine_handoffs_total{channel="web",state="queued",urgent="false"}') ?? 0;

    expect((await chat('bhtn là gì')).statusCode).toBe(200);
    expect((await chat('gặp tư vấn viên')).statusCode).toBe(200);
    const t0 = new Date(Date.now() - 90_000);
    const queued = (id: string, urgent: boolean): Conversation => ({
      id: `zalo:${id}`, channel: 'zalo', userId: id, mode: 'queued', urgent, state: { misses: 0, handoff: 'queued', consentShown: true }, createdAt: t0, updatedAt: t0, queuedAt: t0,
    });
    await store.saveConversation(queued('a', true));
    await store.saveConversation(queued('b', false));
    await store.saveConversation(queued('c', false));

    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    expect(sample(text, 'tlcd_engine_answers_total{channel="web",kind="answer"}')).toBe(answersBefore + 1);
    expect(sample(text, 'tlcd_engine_handoffs_total{channel="web",state="queued",urgent="false"}')).toBe(handoffsBefore + 1);
    expect(sample(text, 'tlcd_engine_latency_seconds_count{channel="web"}')).toBeGreaterThanOrEqual(2);
    // Routes by pattern, with their status codes.
    expect(sample(text, 'tlcd_http_request_duration_seconds_count{method="POST",route="/api/chat",status_code="200"}')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'tlcd_queue_length{urgent="true"}')).toBe(1);
    expect(sample(text, 'tlcd_queue_length{urgent="false"}')).toBe(2);
    expect(sample(text, 'tlcd_queue_oldest_wait_seconds')).toBeGreaterThanOrEqual(89);
  });

  it('keeps unknown paths in one label, so scanners cannot blow up the series', async () => {
    await app.inject({ method: 'GET', url: '/wp-admin/a1b2c3' });
    await app.inject({ method: 'GET', url: '/.env' });
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).not.toContain('wp-admin');
    expect(sample(text, 'tlcd_http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"}')).toBeGreaterThanOrEqual(2);
  });

  it('wants the bearer token when METRICS_TOKEN is set', async () => {
    const token = 'a-long-scrape-token-0123456789';
    const guarded = await make({ config: { MAX_MESSAGE_CHARS: 2000, TRUST_PROXY: false, METRICS_TOKEN: token } });
    expect((await guarded.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await guarded.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    const ok = await guarded.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } });
    expect(ok.statusCode).toBe(200);
    await guarded.close();
  });
});

describe('draining on shutdown', () => {
  it('refuses new work with 503 and Retry-After, while probes and metrics still answer', async () => {
    draining = true;
    const res = await chat('bhtn là gì');
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toEqual({ error: { code: 'UNAVAILABLE', message: expect.any(String) } });
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    expect((await store.transcript('web:x')).length).toBe(0);
  });
});

describe('/readyz with Redis', () => {
  it('names Redis when it does not answer', async () => {
    const coordinator = await RedisCoordinator.connect({ url: SHARED_REDIS_URL, prefix: uniquePrefix('ready') });
    const withRedis = await make({ checks: { redis: () => coordinator.ping() } });
    expect((await withRedis.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({ status: 'ready', checks: { database: true, redis: true } });
    await coordinator.close();
    const res = await withRedis.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'not ready', failed: ['redis'] });
    await withRedis.close();
  });
});

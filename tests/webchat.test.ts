/**
 * The web chat over HTTP, with the real engine and an in-memory store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.js';
import { createEngine } from '../src/flows/engine.js';
import { createLogger } from '../src/log.js';
import { createStore, type SqlStore } from '../src/store/sql-store.js';

let app: FastifyInstance;
let store: SqlStore;

beforeAll(async () => {
  store = await createStore({ databasePath: ':memory:' });
  const engine = createEngine({ store });
  app = await buildApp({ config: { MAX_MESSAGE_CHARS: 2000, TRUST_PROXY: false }, engine, store, logger: createLogger('silent') });
});
afterAll(async () => {
  await app.close();
  await store.close();
});

const chat = (body: unknown) => app.inject({ method: 'POST', url: '/api/chat', payload: body as object });

describe('web chat', () => {
  it('serves the page with a strict content security policy', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Trợ lý Công đoàn');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    const js = await app.inject({ method: 'GET', url: '/chat.js' });
    expect(js.statusCode).toBe(200);
  });

  it('issues a session, greets, and keeps the session for the next message', async () => {
    const first = await chat({ postback: 'START' });
    expect(first.statusCode).toBe(200);
    const { session, replies } = first.json();
    expect(session).toMatch(/^[0-9a-f-]{36}$/);
    expect(replies.at(-1).choices.length).toBeGreaterThan(2);
    const second = await chat({ session, text: 'mức hưởng trợ cấp thất nghiệp là bao nhiêu' });
    const body = second.json();
    expect(body.session).toBe(session);
    const answer = body.replies.find((r: { citations?: string[] }) => r.citations?.length);
    expect(answer.citations.join(' ')).toContain('Điều 39');
  });

  it('answers a retried message (same clientMessageId) only once', async () => {
    const session = (await chat({ postback: 'START' })).json().session;
    const a = await chat({ session, text: 'thời gian hưởng bhtn', clientMessageId: 'retry-0001' });
    const b = await chat({ session, text: 'thời gian hưởng bhtn', clientMessageId: 'retry-0001' });
    expect(a.json().replies.length).toBeGreaterThan(0);
    expect(b.json()).toMatchObject({ replies: [], duplicate: true });
    const history = (await app.inject({ method: 'GET', url: `/api/chat/history?session=${session}` })).json();
    expect(history.messages.filter((m: { role: string }) => m.role === 'worker')).toHaveLength(1);
  });

  it('refuses a message over the limit with 413 and stores nothing', async () => {
    const session = (await chat({ postback: 'START' })).json().session;
    const before = (await store.transcript(`web:${session}`)).length;
    const res = await chat({ session, text: 'a'.repeat(2001) });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.message).toContain('2000');
    expect((await store.transcript(`web:${session}`)).length).toBe(before);
  });

  it('refuses malformed input with 400', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/chat', headers: { 'content-type': 'application/json' }, payload: '{"text":' })).statusCode).toBe(400);
    expect((await chat({ text: 'hi', extra: 1 })).statusCode).toBe(400);
    expect((await chat({ text: '   ' })).statusCode).toBe(400);
    expect((await chat({ session: 'not-a-uuid', text: 'hi' })).statusCode).toBe(400);
  });

  it('refuses a body over 64 KB before parsing', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/chat', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ text: 'x'.repeat(70_000) }) });
    expect(res.statusCode).toBe(413);
  });

  it('reports health and readiness, and not ready when the database is gone', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const other = await createStore({ databasePath: ':memory:' });
    const engine = createEngine({ store: other });
    const app2 = await buildApp({ config: { MAX_MESSAGE_CHARS: 2000, TRUST_PROXY: false }, engine, store: other, logger: createLogger('silent') });
    await other.close();
    const res = await app2.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().checks.database).toBe(false);
    await app2.close();
  });
});

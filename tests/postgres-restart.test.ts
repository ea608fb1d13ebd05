/**
 * PostgreSQL restarting under a running server (a private cluster, not the shared one):
 * requests fail cleanly with 503 and Retry-After while it is away — never a 500, never a
 * crash — and succeed again once it is back, without restarting the server.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationEngine, EngineResult } from '../src/flows/activity.js';
import { createLogger } from '../src/log.js';
import { buildApp } from '../src/server/app.js';
import { createStore, type SqlStore } from '../src/store/sql-store.js';
import { startPrivatePostgres, type PrivatePostgres } from './helpers/postgres.js';

/** Touches the database the way the engine does: de-duplicate, then write the transcript. */
function storeEngine(store: SqlStore): ConversationEngine {
  return {
    handle: async (a): Promise<EngineResult> => {
      await store.markSeen(a.channel, a.messageId);
      await store.appendTranscript({ conversationId: `${a.channel}:${a.conversationId}`, role: 'worker', text: a.text ?? '', at: new Date() });
      return { replies: [{ text: 'Đã nhận.' }], outcome: { kind: 'smalltalk', handoff: 'none', urgent: false }, mode: 'bot' };
    },
  };
}

let pg: PrivatePostgres;
let store: SqlStore;
let app: FastifyInstance;
const connectionErrors: Error[] = [];

beforeAll(async () => {
  pg = await startPrivatePostgres();
  store = await createStore({ databasePath: '', database: { kind: 'postgres', url: pg.url }, onConnectionError: (e) => connectionErrors.push(e) });
  app = await buildApp({ config: { MAX_MESSAGE_CHARS: 2000, TRUST_PROXY: false }, engine: storeEngine(store), store, logger: createLogger('silent') });
}, 120_000);
afterAll(async () => {
  await app?.close();
  await store?.close();
  await pg?.destroy();
});

const chat = (text: string) => app.inject({ method: 'POST', url: '/api/chat', payload: { text } });

describe('PostgreSQL restart', () => {
  it('answers 503 while the database is away and recovers by itself when it is back', async () => {
    expect((await chat('trước')).statusCode).toBe(200);

    await pg.stop();
    const during = await chat('trong lúc tắt');
    expect(during.statusCode).toBe(503);
    expect(during.headers['retry-after']).toBe('5');
    expect(during.json()).toEqual({ error: { code: 'UNAVAILABLE', message: expect.any(String) } });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ failed: ['database'] });
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

    await pg.start();
    // The pool drops the broken connections and opens new ones: at most a few 503s, no 500.
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await chat(`sau ${i}`);
      statuses.push(res.statusCode);
      if (res.statusCode === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(statuses.at(-1)).toBe(200);
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const rows = await store.db.selectFrom('transcript').select('text').execute();
    expect(rows.map((r) => r.text)).toContain('trước');
  });
});

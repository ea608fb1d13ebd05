/**
 * The HTTP application around the channels: liveness, readiness, security headers, the
 * error shape, request logs without personal data; and the configuration it starts from.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ConfigError, loadConfig } from '../src/config.js';
import type { ConversationEngine, EngineResult } from '../src/flows/activity.js';
import { createLogger, type Logger } from '../src/log.js';
import { buildApp, type AppDeps } from '../src/server/app.js';
import { createStore, type SqlStore } from '../src/store/sql-store.js';

const echo: ConversationEngine = {
  handle: async (a): Promise<EngineResult> => ({ replies: [{ text: `Bạn nói: ${a.text ?? a.postback}` }], outcome: { kind: 'smalltalk', handoff: 'none', urgent: false }, mode: 'bot' }),
};

/** A logger writing into an array, to inspect what reaches the logs. */
function capturingLogger(level = 'info'): { logger: Logger; lines: () => Record<string, unknown>[]; raw: () => string } {
  const chunks: string[] = [];
  const logger = createLogger(level, { write: (s: string) => void chunks.push(s) });
  return { logger, raw: () => chunks.join(''), lines: () => chunks.map((c) => JSON.parse(c) as Record<string, unknown>) };
}

let store: SqlStore;
let app: FastifyInstance;

async function make(over: Partial<AppDeps> = {}) {
  return buildApp({ config: { MAX_MESSAGE_CHARS: 2000, TRUST_PROXY: false }, engine: echo, store, logger: createLogger('silent'), ...over });
}

beforeEach(async () => {
  store = await createStore({ databasePath: ':memory:' });
  app = await make();
});
afterEach(async () => {
  await app.close();
  await store.close();
});

describe('health and readiness', () => {
  it('/healthz says ok while the process lives, even when the database is gone', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    await store.close();
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('/readyz is 200 when the database answers', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { database: true }, failed: [] });
  });

  it('/readyz is 503 naming the database when the store is closed', async () => {
    await store.close();
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'not ready', checks: { database: false }, failed: ['database'] });
  });

  it('/readyz is 503 naming the service while isReady is false (starting, draining)', async () => {
    let ready = false;
    const withFlag = await make({ isReady: async () => ready });
    const res = await withFlag.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ checks: { database: true, service: false }, failed: ['service'] });
    ready = true;
    expect((await withFlag.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await withFlag.close();
  });

  it('/readyz counts a throwing or hanging check as failed instead of failing or hanging itself', async () => {
    const withChecks = await make({
      checks: {
        broken: async () => {
          throw new Error('connection refused');
        },
        stuck: () => new Promise<boolean>(() => undefined),
      },
    });
    const res = await withChecks.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().failed).toEqual(['broken', 'stuck']);
    await withChecks.close();
  });
});

describe('security headers', () => {
  const expectHeaders = (headers: Record<string, unknown>) => {
    const csp = String(headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toMatch(/https?:/);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['x-frame-options']).toBe('DENY');
  };

  it('are on pages, API responses, probes and errors', async () => {
    for (const res of [
      await app.inject({ method: 'GET', url: '/' }),
      await app.inject({ method: 'GET', url: '/chat.js' }),
      await app.inject({ method: 'GET', url: '/healthz' }),
      await app.inject({ method: 'POST', url: '/api/chat', payload: { text: 'xin chào' } }),
      await app.inject({ method: 'POST', url: '/api/chat', payload: { nope: 1 } }),
      await app.inject({ method: 'GET', url: '/no/such/page' }),
    ]) {
      expectHeaders(res.headers);
    }
  });

  it('add HSTS only when the request came over HTTPS through a trusted proxy', async () => {
    const plain = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-forwarded-proto': 'https' } });
    expect(plain.headers['strict-transport-security']).toBeUndefined();
    const proxied = await make({ config: { MAX_MESSAGE_CHARS: 2000, TRUST_PROXY: true } });
    const res = await proxied.inject({ method: 'GET', url: '/healthz', headers: { 'x-forwarded-proto': 'https' } });
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    await proxied.close();
  });
});

describe('errors', () => {
  it('404 in the JSON error shape', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/nothing' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'Không tìm thấy.' } });
  });

  it('415 for a body type nobody parses', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/chat', headers: { 'content-type': 'application/xml' }, payload: '<text/>' });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('500 without internals for the client, with the error logged and redacted', async () => {
    const { logger, lines, raw } = capturingLogger();
    const failing: ConversationEngine = {
      handle: async () => {
        throw new Error('UNIQUE constraint failed while saving "số em 0912345678"');
      },
    };
    const broken = await make({ engine: failing, logger });
    const res = await broken.inject({ method: 'POST', url: '/api/chat', payload: { text: 'xin chào' } });
    await broken.close();
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: 'Có lỗi xảy ra, bạn thử lại sau nhé.' } });
    expect(res.body).not.toContain('UNIQUE');
    const failed = lines().find((l) => l.msg === 'request failed');
    expect(failed?.level).toBe(50);
    expect(JSON.stringify(failed?.err)).toContain('UNIQUE constraint failed');
    expect(raw()).not.toContain('0912345678');
  });
});

describe('request logs', () => {
  it('carry method, path and status, never bodies, query strings, sessions or addresses', async () => {
    const { logger, lines, raw } = capturingLogger();
    const logged = await make({ logger });
    const chat = await logged.inject({
      method: 'POST',
      url: '/api/chat',
      remoteAddress: '203.0.113.7',
      headers: { authorization: 'Bearer very-secret', cookie: 'sid=abc' },
      payload: { text: 'em tên là Nguyễn Văn An, sđt 0912345678' },
    });
    const session = chat.json().session as string;
    await logged.inject({ method: 'GET', url: `/api/chat/history?session=${session}`, remoteAddress: '203.0.113.7' });
    await logged.close();

    const all = raw();
    for (const secret of ['Nguyễn Văn An', '0912345678', session, '203.0.113.7', 'very-secret', 'sid=abc', 'session=']) expect(all).not.toContain(secret);
    // One line a request at info, when it completed: what was asked and how it ended.
    const completed = lines().filter((l) => l.msg === 'request completed');
    expect(completed.map((l) => l.req)).toEqual([
      { method: 'POST', url: '/api/chat', route: '/api/chat' },
      { method: 'GET', url: '/api/chat/history', route: '/api/chat/history' },
    ]);
    expect(completed.map((l) => (l.res as { statusCode: number }).statusCode)).toEqual([200, 200]);
    expect(completed.every((l) => typeof l.responseTime === 'number')).toBe(true);
    expect(lines().filter((l) => l.msg === 'incoming request')).toEqual([]);
  });

  it('show the incoming request too at debug level', async () => {
    const { logger, lines } = capturingLogger('debug');
    const logged = await make({ logger });
    await logged.inject({ method: 'GET', url: '/api/chat/history?session=x' });
    await logged.close();
    expect(lines().filter((l) => l.msg === 'incoming request').map((l) => l.req)).toEqual([{ method: 'GET', url: '/api/chat/history', route: '/api/chat/history' }]);
  });

  it('leave health probes out at info level', async () => {
    const { logger, lines } = capturingLogger();
    const logged = await make({ logger });
    await logged.inject({ method: 'GET', url: '/healthz' });
    await logged.inject({ method: 'GET', url: '/readyz' });
    await logged.close();
    expect(lines().filter((l) => l.msg === 'incoming request' || l.msg === 'request completed')).toEqual([]);
  });
});

describe('logger', () => {
  it('redacts personal data in messages, objects and errors, and censors credentials', () => {
    const { logger, lines, raw } = capturingLogger();
    logger.info('worker wrote: gọi em số 0912 345 678 nhé');
    logger.info({ question: 'email em là an@example.com', nested: { list: ['CCCD 001203004567'] } }, 'question');
    logger.error(new Error('lỗi với số 0987654321'));
    logger.warn({ err: new Error('outer', { cause: new Error('inner 0977111222') }) }, 'wrapped');
    logger.info({ headers: { authorization: 'Bearer abc', cookie: 'x=1' }, token: 't0k', zalo: { refreshToken: 'r1', accessToken: 'a1' } }, 'secrets');
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    logger.info({ cyclic }, 'cycle');

    const text = raw();
    for (const leaked of ['0912 345 678', 'an@example.com', '001203004567', '0987654321', '0977111222', 'Bearer abc', 'x=1', 't0k', 'r1', 'a1']) {
      expect(text).not.toContain(leaked);
    }
    const [first, second, third, fourth, fifth, sixth] = lines();
    expect(first?.msg).toMatch(/^worker wrote: gọi em số \[.+\] nhé$/);
    expect((second?.nested as { list: string[] }).list[0]).toMatch(/^CCCD \[.+\]$/);
    expect(third?.msg).toMatch(/^lỗi với số \[.+\]$/);
    expect((third?.err as { type: string }).type).toBe('Error');
    expect(JSON.stringify(fourth?.err)).toContain('inner');
    expect(fifth).toMatchObject({ headers: { authorization: '[REDACTED]', cookie: '[REDACTED]' }, token: '[REDACTED]', zalo: { refreshToken: '[REDACTED]', accessToken: '[REDACTED]' } });
    expect(sixth?.cyclic).toEqual({ name: 'loop', self: '[Circular]' });
  });

  it('censors credentials deeper down, on class instances and in child loggers', () => {
    const { logger, lines, raw } = capturingLogger();
    class Client {
      constructor(
        readonly name: string,
        readonly token: string,
      ) {}
    }
    logger.child({ password: 'pw-child', conversation: 'telegram:1' }).info('child');
    class Incoming {
      headers = { authorization: 'Bearer inst-h', host: 'bot.congdoan.vn' };
    }
    logger.info({ a: { b: { apiKey: 'k-deep', headers: { 'x-api-key': 'h-deep', accept: 'json' } } }, client: new Client('zalo', 'tok-inst') }, 'deep');
    logger.info({ raw: new Incoming() }, 'instance headers');
    for (const leaked of ['pw-child', 'k-deep', 'h-deep', 'tok-inst', 'inst-h']) expect(raw()).not.toContain(leaked);
    const [child, deep, incoming] = lines();
    expect(incoming?.raw).toEqual({ headers: { authorization: '[REDACTED]', host: 'bot.congdoan.vn' } });
    expect(child).toMatchObject({ password: '[REDACTED]', conversation: 'telegram:1' });
    expect(deep).toMatchObject({ a: { b: { apiKey: '[REDACTED]', headers: { 'x-api-key': '[REDACTED]', accept: 'json' } } }, client: { name: 'zalo', token: '[REDACTED]' } });
  });
});

describe('configuration', () => {
  it('has defaults for everything', () => {
    expect(loadConfig({})).toEqual({
      PORT: 3000,
      HOST: '0.0.0.0',
      DATA_DIR: './var',
      DATABASE_URL: undefined,
      LOG_LEVEL: 'info',
      KB_DIR: 'data/faq',
      RULES_DIR: 'data/rules',
      TRUST_PROXY: false,
      MAX_MESSAGE_CHARS: 2000,
      DATABASE_POOL_MAX: 10,
      REDIS_URL: undefined,
      REDIS_PREFIX: 'tlcd:',
      COUNSEL_HOURS: undefined,
      HOLIDAYS_FILE: 'data/rules/holidays/vietnam.yaml',
      COUNSEL_WAIT_MINUTES: { min: 10, max: 20 },
      METRICS_TOKEN: undefined,
      databasePath: 'var/tro-ly-cong-doan.db',
      database: { kind: 'sqlite', path: 'var/tro-ly-cong-doan.db' },
    });
  });

  it('reads values, treating empty ones as unset', () => {
    const c = loadConfig({ PORT: '8080', HOST: '127.0.0.1', DATA_DIR: '/srv/tlcd', LOG_LEVEL: 'DEBUG', TRUST_PROXY: 'true', MAX_MESSAGE_CHARS: '500', KB_DIR: '' });
    expect(c).toMatchObject({ PORT: 8080, HOST: '127.0.0.1', LOG_LEVEL: 'debug', TRUST_PROXY: true, MAX_MESSAGE_CHARS: 500, KB_DIR: 'data/faq', databasePath: '/srv/tlcd/tro-ly-cong-doan.db' });
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).TRUST_PROXY).toBe('10.0.0.0/8, 127.0.0.1');
  });

  it('takes the SQLite path from DATABASE_URL', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:./data.db' }).databasePath).toBe('./data.db');
    expect(loadConfig({ DATABASE_URL: 'sqlite:///srv/bot.db' }).databasePath).toBe('/srv/bot.db');
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).databasePath).toBe(':memory:');
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database).toEqual({ kind: 'sqlite', path: ':memory:' });
  });

  it('takes PostgreSQL and Redis from their URLs', () => {
    const c = loadConfig({ DATABASE_URL: 'postgresql://bot:secret@db.internal:5432/tlcd', REDIS_URL: 'redis://:pw@cache.internal:6379/0', DATABASE_POOL_MAX: '20' });
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgresql://bot:secret@db.internal:5432/tlcd' });
    expect(c).toMatchObject({ REDIS_URL: 'redis://:pw@cache.internal:6379/0', DATABASE_POOL_MAX: 20 });
  });

  it('names each wrong variable, and never echoes a database URL that may hold a password', () => {
    const attempt = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig(env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    const many = attempt({ PORT: 'abc', LOG_LEVEL: 'loud', MAX_MESSAGE_CHARS: '10', TRUST_PROXY: 'maybe' });
    expect(many).toMatch(/PORT: /);
    expect(many).toMatch(/LOG_LEVEL: must be one of/);
    expect(many).toMatch(/MAX_MESSAGE_CHARS: must be between 100 and 20000/);
    expect(many).toMatch(/TRUST_PROXY: /);
    expect(attempt({ PORT: '70000' })).toMatch(/PORT: must be between 0 and 65535/);

    const pg = attempt({ DATABASE_URL: 'postgres://bot:hunter2@db internal/tlcd' });
    expect(pg).toMatch(/DATABASE_URL: is not a valid postgres:\/\/ URL/);
    expect(pg).not.toContain('hunter2');
    const redis = attempt({ REDIS_URL: 'http://:hunter2@cache' });
    expect(redis).toMatch(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(redis).not.toContain('hunter2');
    expect(attempt({ DATABASE_POOL_MAX: '0' })).toMatch(/DATABASE_POOL_MAX: must be between 1 and 500/);
    expect(attempt({ DATABASE_URL: 'mysql://x' })).toMatch(/DATABASE_URL: must start with sqlite: or postgres:\/\//);
    expect(attempt({ DATABASE_URL: 'sqlite:' })).toMatch(/DATABASE_URL: names no file/);
  });
});

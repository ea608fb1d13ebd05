/**
 * The Telegram client's own transport (src/bots/telegram/client.ts) against a bare HTTP server:
 * what telegraf's callApi did over node-fetch, the sender and the polling loop still get.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { TelegramError } from 'telegraf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelegramClient } from '../src/bots/telegram/client.js';
import { classifyTelegramError } from '../src/bots/telegram/sender.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let handler: Handler = (_req, _body, res) => res.end('{}');
const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (body += c));
  req.on('end', () => handler(req, body, res));
});
let root = '';

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('TelegramClient', () => {
  it('posts JSON without null fields to <apiRoot path>/bot<token>/<method> and returns the result', async () => {
    let seen: { url?: string; type?: string; body?: unknown } = {};
    handler = (req, body, res) => {
      seen = { url: req.url, type: req.headers['content-type'], body: JSON.parse(body) };
      json(res, 200, { ok: true, result: { message_id: 7, text: 'Chào bạn' } });
    };
    const client = new TelegramClient('123:abc', { apiRoot: `${root}/proxy/` });
    const result = await client.callApi('sendMessage', { chat_id: 5, text: 'Chào bạn', reply_markup: undefined, parse_mode: null } as never, { timeoutMs: 2000 });
    expect(result).toEqual({ message_id: 7, text: 'Chào bạn' });
    expect(seen).toEqual({ url: '/proxy/bot123:abc/sendMessage', type: 'application/json', body: { chat_id: 5, text: 'Chào bạn' } });
  });

  it('keeps one connection for calls one after another', async () => {
    const ports = new Set<number>();
    handler = (req, _body, res) => {
      ports.add(req.socket.remotePort ?? 0);
      json(res, 200, { ok: true, result: true });
    };
    const client = new TelegramClient('123:abc', { apiRoot: root });
    for (let i = 0; i < 5; i++) await client.callApi('sendChatAction', { chat_id: 5, action: 'typing' } as never, { timeoutMs: 2000 });
    expect(ports.size).toBe(1);
  });

  it('reads a gzip-encoded answer', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify({ ok: true, result: { id: 1, username: 'TroLyBot' } })));
    };
    const client = new TelegramClient('123:abc', { apiRoot: root });
    expect(await client.callApi('getMe', {} as never)).toEqual({ id: 1, username: 'TroLyBot' });
  });

  it('throws TelegramError with code, description and retry_after, and classifies each failure as before', async () => {
    const client = new TelegramClient('123:abc', { apiRoot: root });
    const call = () => client.callApi('sendMessage', { chat_id: 5, text: 'a' } as never, { timeoutMs: 300 }).then(() => undefined, (e: unknown) => e);

    handler = (_req, _body, res) => json(res, 429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } });
    const limited = await call();
    expect(limited).toBeInstanceOf(TelegramError);
    expect(classifyTelegramError(limited)).toMatchObject({ code: 'rate_limited', retryable: true, retryAfterMs: 3000 });

    handler = (_req, _body, res) => {
      res.writeHead(502, 'Bad Gateway', { 'content-type': 'text/html' });
      res.end('<html>Bad Gateway</html>');
    };
    const bad = (await call()) as TelegramError;
    expect([bad.code, bad.description]).toEqual([502, 'Bad Gateway']);
    expect(classifyTelegramError(bad)).toMatchObject({ code: 'server_error', retryable: true });

    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>captive portal</html>');
    };
    expect(classifyTelegramError(await call())).toMatchObject({ code: 'server_error', retryable: true });

    handler = (req) => req.socket.destroy();
    const dropped = (await call()) as Error;
    expect(classifyTelegramError(dropped)).toMatchObject({ code: 'server_error', retryable: true });
    expect(dropped.message).not.toContain('123:abc');

    handler = () => undefined; // never answers
    const late = (await call()) as Error;
    expect(late.name).toBe('TimeoutError');
    expect(classifyTelegramError(late)).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('stops a call when its signal aborts (the polling loop stopping)', async () => {
    handler = () => undefined;
    const client = new TelegramClient('123:abc', { apiRoot: root });
    const controller = new AbortController();
    const pending = client.callApi('getUpdates', { timeout: 25 } as never, { signal: controller.signal as never }).then(() => undefined, (e: unknown) => e);
    setTimeout(() => controller.abort(), 50);
    expect(((await pending) as Error).name).toBe('AbortError');
  });
});

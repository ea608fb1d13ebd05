/**
 * telegraf's `Telegram` client with a leaner transport for its JSON calls.
 *
 * telegraf sends every call through node-fetch: a Request, a Headers object, a body stream and
 * a PassThrough for the response, and an AbortSignal.timeout per call with its listeners. On the
 * channel path that was about a tenth of a message's CPU. A JSON call (every call this project
 * makes) here is one `http.request` on a keep-alive agent of this client's own and the response
 * read into one string, with the same contract as telegraf's `callApi`:
 *
 * - the URL is `<apiRoot>/<apiMode><token>[/test]/<method>`, resolved as telegraf resolves it;
 * - the payload is JSON without null or undefined fields (telegraf's replacer);
 * - a status ≥ 500 throws TelegramError { error_code: status, description: status text };
 * - a body with `ok: false` throws TelegramError(body), so error_code, description and
 *   parameters.retry_after read the same; a body that is not JSON throws an error named
 *   FetchError (as node-fetch's did);
 * - `signal` aborts the call (an AbortError), and `timeoutMs`, which this client adds, ends it
 *   with an error named TimeoutError: one timer instead of an AbortSignal.timeout;
 * - network errors reject with Node's own error (ECONNREFUSED, ECONNRESET…), without the URL,
 *   so the token never appears in them.
 *
 * Calls carrying files (InputFile sources or URLs) go to telegraf's own multipart path.
 */
import http from 'node:http';
import https from 'node:https';
import { gunzipSync, inflateSync, brotliDecompressSync } from 'node:zlib';
import { Telegram, TelegramError } from 'telegraf';
import type { Opts, Telegram as Methods } from 'telegraf/types';
import { fetchCapped, FileFetchError, tooLarge, type FetchedFile, type FileLimits } from '../files.js';

export interface TelegramClientOptions {
  apiRoot: string;
  /** The keep-alive agent for the Bot API (one of this client's own by default). */
  agent?: http.Agent;
}

export interface CallOptions {
  signal?: NonNullable<Parameters<Telegram['callApi']>[2]>['signal'];
  /** Ends the call with a TimeoutError after this long. */
  timeoutMs?: number;
}

/** As node-fetch bounded every call telegraf made. */
const SAFETY_TIMEOUT_MS = 500_000;

/** telegraf's replacer: null and undefined fields are left out. */
function replacer(_key: string, value: unknown): unknown {
  return value == null ? undefined : value;
}

const hasProp = (o: unknown, k: string): boolean => o !== null && typeof o === 'object' && k in o && Boolean((o as Record<string, unknown>)[k]);

/** telegraf's test for a payload that must go as multipart (a file to upload or to fetch by URL). */
function includesMedia(payload: object): boolean {
  for (const key in payload) {
    if (key === 'link_preview_options') continue;
    const value = (payload as Record<string, unknown>)[key];
    if (Array.isArray(value)) {
      if (value.some((item) => item && typeof item === 'object' && typeof item.media === 'object' && item.media && (item.media.source || item.media.url))) return true;
    } else if (value && typeof value === 'object') {
      if (hasProp(value, 'source') || hasProp(value, 'url')) return true;
      const media = (value as { media?: unknown }).media;
      if (media && typeof media === 'object' && (hasProp(media, 'source') || hasProp(media, 'url'))) return true;
    }
  }
  return false;
}

function named(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

function decode(body: Buffer, encoding: string | undefined): Buffer {
  if (!encoding || encoding === 'identity') return body;
  if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(body);
  if (encoding === 'deflate') return inflateSync(body);
  if (encoding === 'br') return brotliDecompressSync(body);
  throw named('FetchError', `unsupported content-encoding ${encoding}`);
}

interface Endpoint {
  transport: typeof http | typeof https;
  hostname: string;
  port: string;
  path: string;
}

export class TelegramClient extends Telegram {
  private readonly agent: http.Agent;
  private readonly endpoints = new Map<string, Endpoint>();

  constructor(token: string, opts: TelegramClientOptions) {
    super(token, { apiRoot: opts.apiRoot });
    const secure = new URL(opts.apiRoot).protocol === 'https:';
    this.agent = opts.agent ?? (secure ? new https.Agent({ keepAlive: true, keepAliveMsecs: 10_000 }) : new http.Agent({ keepAlive: true, keepAliveMsecs: 10_000 }));
  }

  private endpoint(method: string): Endpoint {
    let e = this.endpoints.get(method);
    if (!e) {
      const { apiMode, testEnv, apiRoot } = this.options;
      const url = new URL(`./${apiMode}${this.token}${testEnv ? '/test' : ''}/${method}`, apiRoot);
      e = {
        transport: url.protocol === 'https:' ? https : http,
        hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port,
        path: url.pathname + url.search,
      };
      this.endpoints.set(method, e);
    }
    return e;
  }

  override async callApi<M extends keyof Methods>(method: M, payload: Opts<M>, options: CallOptions = {}): Promise<ReturnType<Methods[M]>> {
    if (!this.token) throw new TelegramError({ error_code: 401, description: 'Bot Token is required' });
    if (includesMedia(payload)) return super.callApi(method, payload, options.signal ? { signal: options.signal } : {});
    const body = JSON.stringify(payload, replacer);
    const { transport, hostname, port, path } = this.endpoint(method);
    const timeoutMs = options.timeoutMs ?? SAFETY_TIMEOUT_MS;
    const signal = options.signal as AbortSignal | undefined;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err);
      };
      const req = transport.request(
        {
          hostname,
          port,
          path,
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          ...(signal ? { signal } : {}),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 500) {
            res.resume();
            fail(new TelegramError({ error_code: status, description: res.statusMessage ?? '' }, { method, payload }));
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', fail);
          res.on('end', () => {
            if (settled) return;
            let data: { ok?: boolean; result?: unknown; error_code: number; description: string };
            try {
              const raw = decode(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), res.headers['content-encoding']);
              data = JSON.parse(raw.toString('utf8'));
            } catch (err) {
              fail(named('FetchError', `invalid json response body from the Telegram Bot API (${method}): ${(err as Error).message}`));
              return;
            }
            if (!data?.ok) {
              fail(new TelegramError(data, { method, payload }));
              return;
            }
            settled = true;
            clearTimeout(timer);
            resolve(data.result as ReturnType<Methods[M]>);
          });
        },
      );
      const timer = setTimeout(() => {
        const err = named('TimeoutError', `the Telegram Bot API did not answer ${method} within ${timeoutMs} ms`);
        fail(err);
        req.destroy(err);
      }, timeoutMs);
      req.on('error', fail);
      req.end(body);
    });
  }

  /**
   * A file a user sent (by its file_id), read whole: getFile, then the bytes from
   * `<apiRoot>/file/bot<token>/<file_path>` (as telegraf's getFileLink builds it, so
   * TELEGRAM_API_ROOT applies). The Bot API lets a bot download files of up to 20 MB, through a
   * link valid for at least an hour: a fresh one is asked for every time. Errors never carry the
   * link (it holds the token). A local Bot API server's absolute file paths are refused: this
   * never reads the server's disk.
   */
  async downloadFile(fileId: string, limits: FileLimits): Promise<FetchedFile> {
    let file: Awaited<ReturnType<Methods['getFile']>>;
    try {
      file = await this.callApi('getFile', { file_id: fileId }, { timeoutMs: limits.timeoutMs });
    } catch (err) {
      throw getFileFailure(err);
    }
    if (file.file_size !== undefined && file.file_size > limits.maxBytes) throw tooLarge(limits);
    if (!file.file_path) throw new FileFetchError('gone', 'getFile gave no file_path');
    if (file.file_path.startsWith('/')) throw new FileFetchError('unsupported', 'a local Bot API server path');
    const { apiMode, testEnv, apiRoot } = this.options;
    const url = new URL(`./file/${apiMode}${this.token}${testEnv ? '/test' : ''}/${file.file_path}`, apiRoot);
    return fetchCapped(url, limits);
  }
}

/** getFile's refusals in the console's terms: an unknown or expired file_id is gone, a big file too large. */
function getFileFailure(err: unknown): FileFetchError {
  if (err instanceof TelegramError) {
    if (err.code === 400 && /too big/i.test(err.description ?? '')) return new FileFetchError('too-large', 'Telegram: file is too big');
    if (err.code === 400) return new FileFetchError('gone', `Telegram refused getFile (${(err.description ?? '').slice(0, 120)})`);
    return new FileFetchError('unavailable', `Telegram answered getFile with ${err.code}`);
  }
  const name = (err as { name?: string } | null)?.name;
  return new FileFetchError('unavailable', name === 'TimeoutError' ? 'Telegram did not answer getFile in time' : 'Telegram could not be reached');
}

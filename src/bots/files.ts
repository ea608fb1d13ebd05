/**
 * A worker's picture or file, fetched again from the platform for a counsellor: Zalo's and
 * Messenger's CDN URLs as the webhook gave them, Telegram's through getFile (client.ts).
 *
 * The bytes are read whole, up to a cap, before anything is answered: a file that turns out
 * too big, or a connection that breaks halfway, becomes a clear error instead of half a file
 * sent with a 200. Errors never carry the URL: Telegram's holds the bot token, the CDNs' are
 * signed links to personal documents.
 */

/** Why a file could not be fetched, as the console explains it. */
export type FileFailure =
  /** The platform no longer serves it: the link expired (403/404/410), the file id is unknown. */
  | 'gone'
  /** Bigger than we fetch (FILE_LIMITS.maxBytes), or than the platform lets a bot download. */
  | 'too-large'
  /** The platform did not answer, or failed (5xx, network, timeout): later may work. */
  | 'unavailable'
  /** Nothing to fetch it with: no web URL, or the channel is not configured. */
  | 'unsupported';

export class FileFetchError extends Error {
  override name = 'FileFetchError';
  constructor(
    readonly reason: FileFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface FetchedFile {
  bytes: Buffer;
  /** The Content-Type the platform answered with, if any (not trusted: see attachments.ts). */
  contentType?: string;
}

export interface FileLimits {
  maxBytes: number;
  /** For the whole fetch, body included. */
  timeoutMs: number;
}

/**
 * 20 MB: what the Telegram Bot API lets a bot download (getFile), and ample for a photo of a
 * contract or a payslip; held in memory while it is relayed, one file at a time per request.
 */
export const FILE_LIMITS: FileLimits = { maxBytes: 20 * 1024 * 1024, timeoutMs: 20_000 };

/** Only web URLs are fetched (never file:, data: or anything a platform might send). */
export function webUrl(raw: string | undefined): URL | undefined {
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

const megabytes = (n: number) => `${Math.round(n / (1024 * 1024))} MB`;

export const tooLarge = (limits: FileLimits) => new FileFetchError('too-large', `file larger than ${megabytes(limits.maxBytes)}`);

/**
 * GET `url` and read the body whole, at most `limits.maxBytes`, within `limits.timeoutMs`
 * (redirects followed, http and https only). 401/403/404/410 mean the link is gone (CDN links
 * expire); other failures are `unavailable`.
 */
export async function fetchCapped(url: URL, limits: FileLimits): Promise<FetchedFile> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new FileFetchError('unsupported', 'not a web URL');
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), limits.timeoutMs);
  try {
    const res = await fetch(url, { signal: abort.signal, redirect: 'follow', headers: { accept: '*/*' } });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      if ([401, 403, 404, 410].includes(res.status)) throw new FileFetchError('gone', `the platform answered ${res.status}`);
      throw new FileFetchError('unavailable', `the platform answered ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > limits.maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw tooLarge(limits);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > limits.maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw tooLarge(limits);
        }
        chunks.push(value);
      }
    }
    const contentType = res.headers.get('content-type') ?? undefined;
    return { bytes: Buffer.concat(chunks, total), ...(contentType ? { contentType } : {}) };
  } catch (err) {
    if (err instanceof FileFetchError) throw err;
    // Node's fetch errors name the host at most, but the message is ours anyway.
    const timedOut = abort.signal.aborted;
    throw new FileFetchError('unavailable', timedOut ? `no answer within ${limits.timeoutMs} ms` : `fetch failed (${errorCode(err)})`);
  } finally {
    clearTimeout(timer);
  }
}

/** ECONNREFUSED, UND_ERR_SOCKET…: the cause's code, never its message. */
function errorCode(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  const code = cause?.code ?? (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'network error';
}

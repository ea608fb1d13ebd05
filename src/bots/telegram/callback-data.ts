/**
 * Telegram's callback_data holds 1–64 bytes. Engine payloads usually fit and travel verbatim;
 * longer ones (FAQ ids, calculator answers with Vietnamese text) are replaced by a short token
 * and remembered here. A token that is unknown (expired, or issued by an instance that since
 * restarted) is reported as such, so the worker gets a polite "lựa chọn đã hết hạn" rather
 * than an error.
 *
 * Tokens are a hash of the payload, so every instance issues the same token for the same
 * payload; with several instances behind a load balancer, SqlCallbackRegistry
 * (sql-callback-data.ts) keeps them in the database so that any instance can resolve them.
 */
import { createHash } from 'node:crypto';
import { utf8Length } from '../messenger/split.js';

export const CALLBACK_DATA_MAX_BYTES = 64;
/** Marks a token; a verbatim payload that happens to start with it is tokenised too. */
export const TOKEN_PREFIX = '~t:';

export type ResolvedCallback = { ok: true; payload: string } | { ok: false; reason: 'expired' | 'empty' };

export interface CallbackDataRegistry {
  /** The callback_data to put on a button for `payload` (≤ 64 bytes). */
  encode(payload: string): string;
  /** The payload a tapped button carried back. */
  decode(data: string | undefined): ResolvedCallback;
  /**
   * Shared registries only: resolves once every token encode() handed out is stored where other
   * instances can read it. The sender awaits it before the buttons go out.
   */
  flush?(): Promise<void>;
  /** Shared registries only: fetches a token issued elsewhere, so that decode() knows it. */
  prefetch?(data: string | undefined): Promise<void>;
}

export interface MemoryRegistryOptions {
  /** How long a token stays valid. Default 30 days: old answers stay tappable for a while. */
  ttlMs?: number;
  /** Most tokens kept; the oldest are forgotten first. */
  maxEntries?: number;
  now?: () => number;
}

export class MemoryCallbackRegistry implements CallbackDataRegistry {
  private readonly map = new Map<string, { payload: string; expires: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(opts: MemoryRegistryOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 30 * 24 * 60 * 60 * 1000;
    this.maxEntries = opts.maxEntries ?? 50_000;
    this.now = opts.now ?? Date.now;
  }

  encode(payload: string): string {
    if (utf8Length(payload) <= CALLBACK_DATA_MAX_BYTES && !payload.startsWith(TOKEN_PREFIX) && payload.length > 0) return payload;
    const token = TOKEN_PREFIX + createHash('sha256').update(payload).digest('base64url').slice(0, 22);
    // Re-inserting moves the entry to the end, so eviction drops the least recently issued.
    this.map.delete(token);
    this.map.set(token, { payload, expires: this.now() + this.ttlMs });
    this.evict();
    return token;
  }

  /** When a token just issued or remembered stops being valid. */
  expiryOf(token: string): number | undefined {
    return this.map.get(token)?.expires;
  }

  private evict(): void {
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.map.delete(oldest);
    }
  }

  /** Learns a token issued elsewhere (a shared store), valid until expiresAt. */
  remember(token: string, payload: string, expiresAt: number): void {
    this.map.delete(token);
    this.map.set(token, { payload, expires: expiresAt });
    this.evict();
  }

  decode(data: string | undefined): ResolvedCallback {
    if (!data) return { ok: false, reason: 'empty' };
    if (!data.startsWith(TOKEN_PREFIX)) return { ok: true, payload: data };
    const hit = this.map.get(data);
    if (!hit || hit.expires < this.now()) {
      if (hit) this.map.delete(data);
      return { ok: false, reason: 'expired' };
    }
    return { ok: true, payload: hit.payload };
  }

  get size(): number {
    return this.map.size;
  }
}

/** Shown (as a callback answer) when a tapped button's token is no longer known. */
export const EXPIRED_CHOICE_TEXT = 'Lựa chọn này đã hết hạn. Bạn gõ lại câu hỏi hoặc gõ /start để xem menu nhé.';

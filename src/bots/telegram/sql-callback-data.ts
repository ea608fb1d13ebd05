/**
 * The callback-data registry shared by every instance: tokens live in the `telegram_callback`
 * table, so a button sent by one instance still works when the tap reaches another one (or the
 * same one after a restart). An in-memory registry in front serves as the cache:
 *  - encode() stays synchronous (the token is a hash of the payload) and queues the row;
 *    flush() writes the queued rows, and the sender awaits it before the buttons go out;
 *  - decode() answers from the cache; prefetch() first loads a token the cache does not know.
 * Expired rows are deleted now and then; an expired token reads as "expired" either way.
 */
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../../store/db.js';
import { type CallbackDataRegistry, MemoryCallbackRegistry, type MemoryRegistryOptions, type ResolvedCallback, TOKEN_PREFIX } from './callback-data.js';

const SWEEP_EVERY_MS = 60 * 60 * 1000;

export class SqlCallbackRegistry implements CallbackDataRegistry {
  private readonly cache: MemoryCallbackRegistry;
  private readonly pending = new Map<string, string>();
  private readonly now: () => number;
  private lastSweep = 0;

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    opts: MemoryRegistryOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.cache = new MemoryCallbackRegistry({ ...opts, now: this.now });
  }

  encode(payload: string): string {
    const data = this.cache.encode(payload);
    if (data.startsWith(TOKEN_PREFIX)) this.pending.set(data, payload);
    return data;
  }

  decode(data: string | undefined): ResolvedCallback {
    return this.cache.decode(data);
  }

  async flush(): Promise<void> {
    const batch = [...this.pending];
    if (batch.length) {
      for (const [token, payload] of batch) {
        const expires_at = this.cache.expiryOf(token) ?? this.now();
        await this.db
          .insertInto('telegram_callback')
          .values({ token, payload, expires_at })
          .onConflict((oc) => oc.column('token').doUpdateSet({ payload, expires_at }))
          .execute();
        // Only once stored; a failed write leaves it queued for the next flush.
        if (this.pending.get(token) === payload) this.pending.delete(token);
      }
    }
    await this.sweep();
  }

  async prefetch(data: string | undefined): Promise<void> {
    if (!data?.startsWith(TOKEN_PREFIX) || this.cache.decode(data).ok) return;
    const row = await this.db
      .selectFrom('telegram_callback')
      .select(['payload', 'expires_at'])
      .where('token', '=', data)
      .where('expires_at', '>=', this.now())
      .executeTakeFirst();
    if (row) this.cache.remember(data, row.payload, Number(row.expires_at));
  }

  private async sweep(): Promise<void> {
    const now = this.now();
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    await this.db.deleteFrom('telegram_callback').where('expires_at', '<', now).execute();
  }
}

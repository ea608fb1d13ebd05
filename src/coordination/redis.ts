/**
 * The Coordinator over Redis (node-redis), for several instances behind a load balancer:
 *  - locks: SET key token NX PX ttl with a token no other holder has (this process's random id
 *    and a counter: a fresh random token cost 6–30 µs a lock); release and extend compare the token
 *    in a Lua script first, so an instance never frees or prolongs a lock it no longer holds;
 *  - rate counters: INCR and, on the first hit, PEXPIRE in one Lua script (a fixed window that
 *    cannot be left without expiry if the process dies between the two); several counters
 *    (a send's per-chat and per-platform rates) in one script call;
 *  - scripts are sent by their SHA1 (EVALSHA), the body only when Redis does not know it yet
 *    (after a restart or SCRIPT FLUSH), so a command carries a few bytes, not the script;
 *  - pub/sub on a duplicated connection (a subscribed connection can do nothing else);
 *  - the locks, counters and publishes asked for in one turn of the event loop go out as one
 *    script run (BATCH), one command instead of one each: under load, the conversations worked
 *    on together share it.
 *
 * Commands fail fast while Redis is unreachable (no offline queue: a request must not hang);
 * the client reconnects by itself and the subscriber resubscribes. Errors are reported to
 * onError, never thrown at the process.
 */
import { randomBytes } from 'node:crypto';
import { createClient, type RedisClientType } from 'redis';
import { createHash } from 'node:crypto';
import type { CoordinationEvent, Coordinator, Lease, RateCounter, Unsubscribe } from './types.js';

/** Unique to this process (96 random bits); with a counter, every lock token it hands out differs from any other holder's. */
const PROCESS_TOKEN = randomBytes(12).toString('base64url');
let lockSeq = 0;

/** Deletes the lock only while it is still ours. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
/** Pushes the expiry out only while the lock is still ours. */
const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
/** Counts a hit; the first hit of a window starts its expiry. */
const HIT = `local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n`;
/** HIT on each key in turn (ARGV: limit, window of each); the index of the first over its limit, or -1. */
const HIT_ALL = `for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, ARGV[2 * i]) end
  if n > tonumber(ARGV[2 * i - 1]) then return i - 1 end
end
return -1`;

/**
 * Several of the calls above in one script run (see RedisCoordinator.batched): ARGV holds, per
 * call, its kind, how many keys and arguments it takes, then the arguments; KEYS holds the
 * calls' keys in order. One result per call, in order: 1/0 for lock, release and extend, the
 * count for hit, the index (or -1) for hitAll, the number of receivers for publish (whose
 * channel and message are its arguments: a channel is not a key).
 */
const BATCH = `local out = {}
local a, k = 1, 1
while a <= #ARGV do
  local kind, nk, na = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local argv = {}
  for i = 1, na do argv[i] = ARGV[a + 2 + i] end
  local r
  if kind == 'lock' then
    r = redis.call('SET', KEYS[k], argv[1], 'NX', 'PX', argv[2]) and 1 or 0
  elseif kind == 'release' then
    if redis.call('GET', KEYS[k]) == argv[1] then r = redis.call('DEL', KEYS[k]) else r = 0 end
  elseif kind == 'extend' then
    if redis.call('GET', KEYS[k]) == argv[1] then r = redis.call('PEXPIRE', KEYS[k], argv[2]) else r = 0 end
  elseif kind == 'publish' then
    r = redis.call('PUBLISH', argv[1], argv[2])
  elseif kind == 'hit' then
    r = redis.call('INCR', KEYS[k])
    if r == 1 then redis.call('PEXPIRE', KEYS[k], argv[1]) end
  else
    r = -1
    for i = 1, nk do
      local n = redis.call('INCR', KEYS[k + i - 1])
      if n == 1 then redis.call('PEXPIRE', KEYS[k + i - 1], argv[2 * i]) end
      if n > tonumber(argv[2 * i - 1]) then r = i - 1 break end
    end
  end
  out[#out + 1] = r
  a, k = a + 3 + na, k + nk
end
return out`;

/** A Lua script and its SHA1, under which Redis caches it. */
interface Script {
  body: string;
  sha: string;
}
const script = (body: string): Script => ({ body, sha: createHash('sha1').update(body).digest('hex') });
const SCRIPTS = { release: script(RELEASE), extend: script(EXTEND), hit: script(HIT), hitAll: script(HIT_ALL), batch: script(BATCH) };

/** Most calls one script run makes. */
const MAX_CALLS = 256;

/** One call waiting for the batch of its turn of the event loop. */
interface Call {
  kind: 'lock' | 'release' | 'extend' | 'hit' | 'hitAll' | 'publish';
  keys: string[];
  args: string[];
  /** The call on its own, when it is alone in its batch: the command it always was. */
  alone(): Promise<unknown>;
  resolve(result: unknown): void;
  reject(err: unknown): void;
}

export interface RedisCoordinatorOptions {
  url: string;
  /** Prepended to every key and channel, so deployments (and test runs) can share a server. */
  prefix?: string;
  /** Connection problems; the client keeps reconnecting meanwhile. */
  onError?: (err: Error) => void;
  /** Longest wait for the first connection before start-up gives up. */
  connectTimeoutMs?: number;
}

type Client = RedisClientType;

/** Waits a little longer after each failed reconnection, never more than 2 s. */
const reconnectStrategy = (retries: number) => Math.min(50 * 2 ** Math.min(retries, 6), 2_000);

export class RedisCoordinator implements Coordinator {
  private readonly prefix: string;
  private readonly client: Client;
  private subscriber: Client | undefined;
  private subscriberReady: Promise<Client> | undefined;
  private closed = false;

  private constructor(private readonly options: RedisCoordinatorOptions) {
    this.prefix = options.prefix ?? 'tlcd:';
    this.client = createClient({
      url: options.url,
      disableOfflineQueue: true,
      socket: { reconnectStrategy, connectTimeout: 5_000 },
    }) as Client;
    this.client.on('error', (err: Error) => this.options.onError?.(err));
  }

  /** Connects (waiting for Redis up to connectTimeoutMs) and returns the coordinator. */
  static async connect(options: RedisCoordinatorOptions): Promise<RedisCoordinator> {
    const coordinator = new RedisCoordinator(options);
    await withTimeout(coordinator.client.connect(), options.connectTimeoutMs ?? 10_000, 'Redis did not answer in time').catch(async (err: unknown) => {
      coordinator.client.destroy();
      throw err;
    });
    return coordinator;
  }

  async tryLock(key: string, ttlMs: number): Promise<Lease | undefined> {
    const k = `${this.prefix}lock:${key}`;
    const token = `${PROCESS_TOKEN}.${(++lockSeq).toString(36)}`;
    const ttl = String(Math.max(1, Math.ceil(ttlMs)));
    const locked = await this.batched('lock', [k], [token, ttl], async () =>
      (await this.client.set(k, token, { condition: 'NX', expiration: { type: 'PX', value: Number(ttl) } })) === 'OK' ? 1 : 0,
    );
    if (Number(locked) !== 1) return undefined;
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        await this.batched('release', [k], [token], () => this.run(SCRIPTS.release, [k], [token]));
      },
      extend: async () => {
        if (released) return false;
        return Number(await this.batched('extend', [k], [token, ttl], () => this.run(SCRIPTS.extend, [k], [token, ttl]))) === 1;
      },
    };
  }

  async hit(key: string, limit: number, windowMs: number): Promise<boolean> {
    const keys = [`${this.prefix}rate:${key}`];
    const args = [windowArg(windowMs)];
    const n = await this.batched('hit', keys, args, () => this.run(SCRIPTS.hit, keys, args));
    return Number(n) <= limit;
  }

  async hitAll(counters: readonly RateCounter[]): Promise<number> {
    if (counters.length === 0) return -1;
    const keys = counters.map((c) => `${this.prefix}rate:${c.key}`);
    const args = counters.flatMap((c) => [String(c.limit), windowArg(c.windowMs)]);
    return Number(await this.batched('hitAll', keys, args, () => this.run(SCRIPTS.hitAll, keys, args)));
  }

  /**
   * Calls made in the same turn of the event loop (the locks, releases and counters of the
   * conversations being worked on together) go to Redis as ONE script run, which makes them
   * one after another, atomically each, as separate commands would; each caller gets its own
   * result (or the batch's error). A call alone in its turn goes as the command it always was.
   * The wait is the rest of the current turn, nothing more.
   */
  private batched(kind: Call['kind'], keys: string[], args: string[], alone: () => Promise<unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.calls.push({ kind, keys, args, alone, resolve, reject });
      if (this.calls.length === 1) setImmediate(() => void this.flushCalls());
    });
  }

  private calls: Call[] = [];

  private async flushCalls(): Promise<void> {
    // A script blocks Redis while it runs: a long turn (a sweep kicking many keys) is cut up.
    const calls = this.calls.splice(0, MAX_CALLS);
    if (this.calls.length > 0) setImmediate(() => void this.flushCalls());
    if (calls.length === 1) {
      const [call] = calls as [Call];
      return call.alone().then(call.resolve, call.reject);
    }
    try {
      const results = (await this.run(
        SCRIPTS.batch,
        calls.flatMap((c) => c.keys),
        calls.flatMap((c) => [c.kind, String(c.keys.length), String(c.args.length), ...c.args]),
      )) as unknown[];
      calls.forEach((c, i) => c.resolve(results[i]));
    } catch (err) {
      for (const c of calls) c.reject(err);
    }
  }

  /** EVALSHA, and EVAL with the body when Redis answers that it does not have the script. */
  private async run(s: Script, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await this.client.evalSha(s.sha, { keys, arguments: args });
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return this.client.eval(s.body, { keys, arguments: args });
    }
  }

  async publish(topic: string, event: CoordinationEvent): Promise<void> {
    const args = [this.channel(topic), JSON.stringify(event)];
    await this.batched('publish', [], args, () => this.client.publish(args[0]!, args[1]!));
  }

  async subscribe(topic: string, handler: (event: CoordinationEvent) => void): Promise<Unsubscribe> {
    const subscriber = await this.subscriberConnection();
    const listener = (message: string) => {
      let event: CoordinationEvent;
      try {
        event = JSON.parse(message) as CoordinationEvent;
      } catch {
        return; // not ours: someone else publishing on the channel
      }
      try {
        handler(event);
      } catch {
        /* the subscriber's own problem; others still get the event */
      }
    };
    await subscriber.subscribe(this.channel(topic), listener);
    return async () => {
      if (subscriber.isOpen) await subscriber.unsubscribe(this.channel(topic), listener);
    };
  }

  async ping(): Promise<boolean> {
    if (this.closed || !this.client.isReady) return false;
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const subscriber = this.subscriber;
    await Promise.all([closeClient(this.client), subscriber ? closeClient(subscriber) : undefined]);
  }

  private channel(topic: string): string {
    return `${this.prefix}events:${topic}`;
  }

  /** The subscriber connection, made on first use; node-redis resubscribes it after a reconnect. */
  private subscriberConnection(): Promise<Client> {
    this.subscriberReady ??= (async () => {
      // Subscribing is a one-off call, so this connection may queue it while reconnecting.
      const sub = this.client.duplicate({ disableOfflineQueue: false }) as Client;
      sub.on('error', (err: Error) => this.options.onError?.(err));
      this.subscriber = sub;
      await sub.connect();
      return sub;
    })();
    return this.subscriberReady;
  }
}

const windowArg = (windowMs: number) => String(Math.max(1, Math.ceil(windowMs)));

async function closeClient(client: Client): Promise<void> {
  if (!client.isOpen) return;
  if (!client.isReady) {
    client.destroy();
    return;
  }
  try {
    await client.close();
  } catch {
    client.destroy();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

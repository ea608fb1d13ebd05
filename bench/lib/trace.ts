/**
 * Measuring the bench server from inside: its CPU time over the measured window, and with
 * BENCH_TRACE=1 where a message's time goes. The server stamps each stage per chat (one message
 * per chat is in flight at a time) on a clock shared with the driver (performance.timeOrigin +
 * now), times every SQLite statement, and hands both over when the driver asks ('report').
 */
import { percentile } from './telegram.js';

export const TRACE = process.env.BENCH_TRACE === '1';
export const clock = () => performance.timeOrigin + performance.now();
export const STAGES = ['posted', 'stored', 'acked', 'engineStart', 'engineDone', 'committed', 'sendStart', 'received', 'sendDone'] as const;
export type Stage = (typeof STAGES)[number];
export const stamps: { chat: string; stage: Stage; t: number }[] = [];
export const stamp = (chat: string, stage: Stage) => {
  if (TRACE) stamps.push({ chat, stage, t: clock() });
};

export function traced<E extends { handleIn(a: { conversationId: string }, s: never): Promise<unknown> }>(engine: E): E {
  if (!TRACE) return engine;
  const handleIn = engine.handleIn.bind(engine);
  engine.handleIn = (async (a: { conversationId: string }, s: never) => {
    stamp(a.conversationId, 'engineStart');
    try {
      return await handleIn(a, s);
    } finally {
      stamp(a.conversationId, 'engineDone');
    }
  }) as E['handleIn'];
  return engine;
}

export function instrument(
  delivery: {
    inbox: { accept(a: { conversationId: string }): Promise<unknown> };
    dispatcher: { kick(key: string, ...rest: never[]): Promise<void> };
  },
): void {
  const accept = delivery.inbox.accept.bind(delivery.inbox);
  delivery.inbox.accept = async (a) => {
    const r = await accept(a);
    stamp(a.conversationId, 'stored');
    return r;
  };
  const kick = delivery.dispatcher.kick.bind(delivery.dispatcher);
  delivery.dispatcher.kick = (key, ...rest) => {
    stamp(key.slice(key.indexOf(':') + 1), 'committed');
    return kick(key, ...rest);
  };
  // The senders are registered already (private map): wrap them where they are.
  const senders = (delivery.dispatcher as unknown as { senders: Map<string, { send(t: { conversationId: string }, ...rest: unknown[]): Promise<unknown> }> }).senders;
  for (const sender of senders.values()) {
    const send = sender.send.bind(sender);
    sender.send = async (t, ...rest) => {
      stamp(t.conversationId, 'sendStart');
      try {
        return await send(t, ...rest);
      } finally {
        stamp(t.conversationId, 'sendDone');
      }
    };
  }
}

/** What a child reports over the measured window: its CPU time, and the trace when on. */
export interface Report {
  cpu: NodeJS.CpuUsage;
  /** Wall time of the window, and the event loop's busy share of it (1 − idle). */
  wallMs: number;
  loopBusy: number;
  stamps: typeof stamps;
  sql: [string, { calls: number; ms: number }][];
  /** PostgreSQL round trips (pg queries) and Redis commands over the window, by statement / command. */
  roundTrips: { pg: [string, number][]; redis: [string, number][] };
}

/** 'mark' starts the measured window, 'report' ends it and sends a Report. */
export function answerDriver(): void {
  let cpu = process.cpuUsage();
  let wall = performance.now();
  let loop = performance.eventLoopUtilization();
  process.on('message', (m) => {
    if (m === 'mark') {
      cpu = process.cpuUsage();
      wall = performance.now();
      loop = performance.eventLoopUtilization();
      stamps.splice(0);
      sqlTimes.clear();
      pgCalls.clear();
      redisCalls.clear();
    }
    if (m === 'report') {
      const byCount = (m: Map<string, number>) => {
        const merged = new Map<string, number>();
        for (const [k, n] of m) {
          const short = k.replace(/\s+/g, ' ').replace(/\$\d+(, \$\d+)*/g, '$n').slice(0, 140);
          merged.set(short, (merged.get(short) ?? 0) + n);
        }
        return [...merged].sort((a, b) => b[1] - a[1]);
      };
      const report: Report = {
        cpu: process.cpuUsage(cpu),
        wallMs: performance.now() - wall,
        loopBusy: performance.eventLoopUtilization(loop).utilization,
        stamps: stamps.splice(0),
        sql: [...sqlTimes],
        roundTrips: { pg: byCount(pgCalls), redis: byCount(redisCalls) },
      };
      process.send?.(report);
    }
  });
}


/** Statement text → pg queries (each one round trip to PostgreSQL); command → Redis commands sent. */
export const pgCalls = new Map<string, number>();
export const redisCalls = new Map<string, number>();
const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/**
 * Counts every PostgreSQL query and Redis command the process sends (cheap: a map increment),
 * so the bench can print round trips per message. A Redis pipeline or MULTI counts once per
 * command inside it, under 'pipeline:'/'multi:' names, and once as a write to the socket.
 */
export async function countRoundTrips(): Promise<void> {
  const { default: pg } = await import('pg');
  const query = pg.Client.prototype.query as (...a: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: unknown, ...a: unknown[]) {
    const q = a[0] as string | { text?: string; statements?: { sql: string }[] };
    // The raw text (a map lookup); shortened only in the report, so counting costs next to nothing.
    // A pipeline of the store (src/store/pg-pipeline.ts) is one round trip: named by its statements' heads.
    const text = typeof q === 'string' ? q : (q?.text ?? (q?.statements ? `pipeline: ${q.statements.map((st) => st.sql.split(/\s+/, 3).join(' ')).join(' | ')}` : '?'));
    count(pgCalls, text);
    return query.apply(this, a);
  } as typeof pg.Client.prototype.query;
  // The class that defines sendCommand, found from a client instance (never connected).
  const { createClient } = await import('redis');
  let proto = Object.getPrototypeOf(createClient()) as Record<string, (...a: unknown[]) => unknown>;
  while (!Object.prototype.hasOwnProperty.call(proto, 'sendCommand')) proto = Object.getPrototypeOf(proto) as typeof proto;
  const send = proto.sendCommand!;
  proto.sendCommand = function (this: unknown, ...a: unknown[]) {
    const args = a[0] as (string | Buffer)[];
    count(redisCalls, String(args[0]).toUpperCase());
    return send.apply(this, a);
  };
  for (const name of ['_executePipeline', '_executeMulti']) {
    const original = proto[name];
    if (!original) continue;
    proto[name] = function (this: unknown, ...a: unknown[]) {
      const commands = a[0] as { args: (string | Buffer)[] }[];
      count(redisCalls, `${name === '_executeMulti' ? 'multi' : 'pipeline'} (one write)`);
      for (const c of commands) count(redisCalls, `${name === '_executeMulti' ? 'multi' : 'pipeline'}: ${String(c.args[0]).toUpperCase()}`);
      return original.apply(this, a);
    };
  }
}

/** SQL text → calls and total ms in better-sqlite3 (the statement's own run/all/get). */
export const sqlTimes = new Map<string, { calls: number; ms: number }>();
export async function timeSql(): Promise<void> {
  const { default: Database } = await import('better-sqlite3');
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...a: unknown[]) => unknown>;
  probe.close();
  for (const name of ['run', 'all', 'get', 'iterate']) {
    const original = proto[name]!;
    proto[name] = function (this: { source: string }, ...a: unknown[]) {
      const t = performance.now();
      try {
        return original.apply(this, a);
      } finally {
        const e = sqlTimes.get(this.source) ?? sqlTimes.set(this.source, { calls: 0, ms: 0 }).get(this.source)!;
        e.calls++;
        e.ms += performance.now() - t;
      }
    };
  }
}

/** The heaviest statements (sqlTimes' entries), their time and calls per message, one a line. */
export function sqlReport(entries: Iterable<[string, { calls: number; ms: number }]>, messages: number, top = 25): string {
  const list = [...entries].sort((a, b) => b[1].ms - a[1].ms);
  const total = list.reduce((a, [, e]) => a + e.ms, 0);
  const lines = list
    .slice(0, top)
    .map(([sql, { calls, ms }]) => `  ${((1000 * ms) / messages).toFixed(0).padStart(6)} µs ${(calls / messages).toFixed(2).padStart(6)} calls  ${sql.replace(/\s+/g, ' ').slice(0, 110)}`);
  return [`SQL time in better-sqlite3, per message (${messages} messages): ${((1000 * total) / messages).toFixed(0)} µs; top statements:`, ...lines].join('\n');
}

/** Per stage, the time since the webhook was posted (median, mean, p99), over complete messages. */
export function traceReport(all: { chat: string; stage: Stage; t: number }[], from: number): string {
  const byChat = new Map<string, { stage: Stage; t: number }[]>();
  for (const s of all) if (s.t >= from) (byChat.get(s.chat) ?? byChat.set(s.chat, []).get(s.chat)!).push(s);
  const since = new Map<Stage, number[]>(STAGES.map((st) => [st, []]));
  for (const list of byChat.values()) {
    list.sort((a, b) => a.t - b.t);
    let current: Partial<Record<Stage, number>> = {};
    const flush = () => {
      if (!STAGES.every((st) => current[st] !== undefined)) return;
      for (const st of STAGES) since.get(st)!.push(current[st]! - current.posted!);
    };
    // A chat's stamps split into messages at each 'posted'.
    for (const s of list) {
      if (s.stage === 'posted') {
        flush();
        current = {};
      }
      current[s.stage] ??= s.t;
    }
    flush();
  }
  const lines = [...since].slice(1).map(([st, v]) => {
    v.sort((a, b) => a - b);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    return `  ${st.padEnd(12)} p50 ${percentile(v, 50).toFixed(2).padStart(8)} ms   mean ${mean.toFixed(2).padStart(8)} ms   p99 ${percentile(v, 99).toFixed(2).padStart(8)} ms`;
  });
  return [`stage reached, ms after the webhook was posted (${since.get('posted')!.length} messages):`, ...lines].join('\n');
}

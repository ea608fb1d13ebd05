/**
 * `npm run bench`: engine latency per message (p50, p99) with the shipped knowledge base and
 * with a generated 10,000-entry one, start-up to ready of `npm start`, and resident memory.
 * Figures are printed, never asserted.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { Session } from 'node:inspector/promises';
import { Engine } from '../src/flows/engine.js';
import { KnowledgeBase } from '../src/knowledge/kb/knowledge-base.js';
import type { FaqEntry } from '../src/knowledge/kb/schema.js';
import { loadKnowledgeOrThrow } from '../src/knowledge/load.js';
import { createStore } from '../src/store/sql-store.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 3000);
/** `BENCH_PROFILE=dir`: a CPU profile of the shipped KB's measured messages only (no loading, no index build), written there. */
const PROFILE_DIR = process.env.BENCH_PROFILE;
/** `BENCH_ONLY=shipped`: the shipped KB alone (no 10,000-entry KB, no start-up), e.g. under `node --cpu-prof`. */
const ONLY_SHIPPED = process.env.BENCH_ONLY === 'shipped';
const DAY = new Date('2026-11-28T10:00:00+07:00');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Realistic questions: every phrasing in the shipped KB, plus calculations and small talk. */
function workload(entries: readonly FaqEntry[]): string[] {
  const questions = entries.flatMap((e) => e.phrasings);
  questions.push('lương 10 triệu đóng 5 năm thì được bao nhiêu', 'chào ad', 'giá vàng hôm nay', 'cho em gặp tư vấn viên');
  const out: string[] = [];
  for (let i = 0; out.length < MESSAGES; i++) out.push(questions[(i * 7919) % questions.length]!);
  return out;
}

/** A synthetic KB of `n` entries: shipped entries recombined with words from other entries. */
function syntheticEntries(base: readonly FaqEntry[], n: number): FaqEntry[] {
  const words = [...new Set(base.flatMap((e) => e.phrasings.join(' ').split(/\s+/)))];
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = () => words[Math.floor(rand() * words.length)]!;
  const out: FaqEntry[] = [...base];
  for (let i = 0; out.length < n; i++) {
    const src = base[i % base.length]!;
    const noise = () => Array.from({ length: 4 }, pick).join(' ');
    out.push({
      ...src,
      id: `${src.id}.syn${i}`,
      related: [],
      supersedes: undefined,
      question: `${src.question} ${noise()}`,
      phrasings: src.phrasings.map((p) => `${noise()} ${p.split(' ').slice(0, 4).join(' ')}`),
    });
  }
  return out;
}

/** CPU milliseconds of this process so far: unlike wall time, not inflated by other processes on a busy machine. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Latency {
  p99: number;
  cpuP99: number;
}

async function measure(label: string, kb: KnowledgeBase, rules: ReturnType<typeof loadKnowledgeOrThrow>['rules'], questions: string[]): Promise<Latency> {
  const store = await createStore({ databasePath: ':memory:' });
  const built = performance.now();
  const engine = new Engine({ store, kb, rules, now: () => DAY });
  engine.retriever.indexFor('2026-11-28');
  const indexMs = performance.now() - built;
  const times: number[] = [];
  const cpu: number[] = [];
  // Per kind of outcome (answer, clarify, flow…): a slow kind shows in the tail, not in the p50.
  const byKind = new Map<string, { wall: number[]; cpu: number[] }>();
  // Garbage collection during the measured messages: pauses are part of the tail.
  const gcPauses: Array<{ start: number; end: number }> = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcPauses.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  const spans: Array<{ start: number; wall: number }> = [];
  // Warm-up, then measure: one fresh conversation per 5 messages.
  for (let i = 0; i < 200; i++) await engine.handle({ channel: 'cli', userId: `w${i}`, conversationId: `w${i}`, messageId: `w${i}`, text: questions[i]!, timestamp: DAY });
  gcObserver.observe({ entryTypes: ['gc'] });
  const profiler = PROFILE_DIR && label === 'shipped KB' ? await startProfile() : undefined;
  for (let i = 0; i < questions.length; i++) {
    const conv = `c${Math.floor(i / 5)}`;
    const t0 = performance.now();
    const c0 = cpuMs();
    const result = await engine.handle({ channel: 'cli', userId: conv, conversationId: conv, messageId: `m${i}`, text: questions[i]!, timestamp: DAY });
    const c = cpuMs() - c0;
    const t = performance.now() - t0;
    cpu.push(c);
    times.push(t);
    spans.push({ start: t0, wall: t });
    const kind = byKind.get(result.outcome.kind) ?? { wall: [], cpu: [] };
    kind.wall.push(t);
    kind.cpu.push(c);
    byKind.set(result.outcome.kind, kind);
  }
  // The observer is told on a later turn of the event loop (a timer's), which the loop above never yields.
  await new Promise((resolve) => setTimeout(resolve, 50));
  gcObserver.disconnect();
  if (profiler) console.log(`CPU profile of the measured messages: ${await profiler()}`);
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const p50 = percentile(times, 50);
  const p99 = percentile(times, 99);
  const cpuP99 = percentile(cpu, 99);
  console.log(`${label.padEnd(28)} entries ${String(kb.entries.length).padStart(6)}  index ${indexMs.toFixed(0).padStart(5)} ms  p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms  (${times.length} messages)`);
  console.log(`${''.padEnd(28)} CPU time per message: p50 ${percentile(cpu, 50).toFixed(2)} ms  p99 ${cpuP99.toFixed(2)} ms`);
  const gcMs = gcPauses.reduce((sum, g) => sum + g.end - g.start, 0);
  // The slowest 1% of messages: how many had a collection pause inside them.
  const slow = [...spans].sort((a, b) => b.wall - a.wall).slice(0, Math.ceil(spans.length / 100));
  const slowWithGc = slow.filter((m) => gcPauses.some((g) => g.start < m.start + m.wall && g.end > m.start)).length;
  console.log(`${''.padEnd(28)} garbage collection: ${gcPauses.length} pauses, ${gcMs.toFixed(0)} ms (${((gcMs / times.reduce((a, b) => a + b, 0)) * 100).toFixed(1)}% of the wall time); ${slowWithGc} of the ${slow.length} slowest messages had a pause inside`);
  for (const [kind, k] of [...byKind].sort((a, b) => b[1].wall.length - a[1].wall.length)) {
    k.wall.sort((a, b) => a - b);
    k.cpu.sort((a, b) => a - b);
    console.log(`${''.padEnd(28)}   ${kind.padEnd(10)} ${String(k.wall.length).padStart(5)}: wall p50 ${percentile(k.wall, 50).toFixed(2)} p99 ${percentile(k.wall, 99).toFixed(2)} ms, CPU p50 ${percentile(k.cpu, 50).toFixed(2)} p99 ${percentile(k.cpu, 99).toFixed(2)} ms`);
  }
  await store.close();
  return { p99, cpuP99 };
}

/** Starts the inspector's CPU profiler (0.1 ms samples); the returned function stops it and writes the profile. */
async function startProfile(): Promise<() => Promise<string>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    mkdirSync(PROFILE_DIR!, { recursive: true });
    const file = join(PROFILE_DIR!, `engine-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return file;
  };
}

/** CPU time a process has used so far (user + system), from /proc: ticks of 10 ms. */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Launches the server with `args` and waits until /readyz answers 200. */
async function startupToReady(args: string[], dataDir = mkdtempSync(join(tmpdir(), 'bench-var-'))): Promise<{ ms: number; cpuMs: number; rssMb: number }> {
  const port = 3900 + Math.floor(Math.random() * 90);
  const started = performance.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, stdio: 'ignore' });
  try {
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (res.ok) break;
      } catch {
        /* not listening yet */
      }
      if (performance.now() - started > 60_000) throw new Error('server did not become ready in 60 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    const ms = performance.now() - started;
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { ms, cpuMs: processCpuMs(child.pid!), rssMb: rssKb / 1024 };
  } finally {
    child.kill('SIGTERM');
  }
}

/** `npm start` = compile src/ with esbuild, then run the JavaScript. */
async function startup(): Promise<void> {
  const t0 = performance.now();
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  const buildMs = performance.now() - t0;
  // The first start in a fresh DATA_DIR parses and analyses the knowledge files and keeps the
  // results in DATA_DIR/cache; every later start (the usual case) reads them.
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-var-'));
  const first = await startupToReady(['dist/main.js'], dataDir);
  const compiled = await startupToReady(['dist/main.js'], dataDir);
  console.log(`npm start: build ${buildMs.toFixed(0)} ms, then node dist/main.js → /readyz 200: ${compiled.ms.toFixed(0)} ms (CPU ${compiled.cpuMs} ms); server resident memory ${compiled.rssMb.toFixed(0)} MB`);
  console.log(`  first start in an empty DATA_DIR (no knowledge cache yet): ${first.ms.toFixed(0)} ms (CPU ${first.cpuMs} ms)`);
  const tsxDir = mkdtempSync(join(tmpdir(), 'bench-var-'));
  await startupToReady(['--import', 'tsx', 'src/main.ts'], tsxDir);
  const tsx = await startupToReady(['--import', 'tsx', 'src/main.ts'], tsxDir);
  console.log(`for comparison, tsx src/main.ts → /readyz 200: ${tsx.ms.toFixed(0)} ms (CPU ${tsx.cpuMs} ms), with its knowledge cache`);
}

async function main(): Promise<void> {
  console.log(`Trợ lý Công đoàn bench — node ${process.version}, ${new Date().toISOString()}, load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs`);
  if (process.env.BENCH_STARTUP_ONLY) return startup();
  const { kb, rules } = loadKnowledgeOrThrow();
  const questions = workload(kb.servable('2026-11-28'));
  const shipped = await measure('shipped KB', kb, rules, questions);
  if (ONLY_SHIPPED) return;
  const big = new KnowledgeBase(syntheticEntries(kb.servable('2026-11-28'), 10_000), kb.topics, kb.laws);
  const large = await measure('generated 10,000-entry KB', big, rules, questions);
  console.log(`p99 ratio 10k / shipped: ${(large.p99 / shipped.p99).toFixed(2)}× wall, ${(large.cpuP99 / shipped.cpuP99).toFixed(2)}× CPU`);
  console.log(`bench process resident memory: ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`);
  await startup();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

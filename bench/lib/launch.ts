/**
 * Starts a bench process (the server of ./server.ts, or any script that sends `{ port }` over
 * IPC and answers 'mark'/'report' with answerDriver) pinned to one CPU with taskset when it
 * exists, and talks to it: mark the start of the measured window, fetch its Report, stop it.
 *
 *   const server = await launch(SERVER_SCRIPT, [apiRoot, dataDir], { cpu: 0, env: { DATABASE_URL } });
 *   server.mark(); …load…; const { cpu } = await server.report(); await server.stop();
 *
 * The process runs the script as `npm start` runs the server: transpiled ahead by esbuild
 * (scripts/build.mjs), not through tsx, whose on-the-fly transform names every function it
 * creates by a helper call (about 1% of a bench server's CPU time, none of a deployment's).
 * src/ and bench/ are transpiled once per bench run, into node_modules/.cache, where the
 * compiled modules still find the project's packages.
 *
 * BENCH_PROFILE=dir writes a CPU profile of each launched process there (open it in Chrome's
 * DevTools); BENCH_NODE_FLAGS are added to each one's node command line (`--trace-opt
 * --trace-deopt`, say).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpus as cpuList } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { Report } from './trace.js';

const ROOT = resolve(import.meta.dirname, '../..');
const COMPILED = join(ROOT, 'node_modules/.cache/tlcd-bench');
let compiling: Promise<void> | undefined;

/** The script's transpiled counterpart (src/ and bench/ are transpiled on the first call). */
async function compiled(script: string): Promise<string> {
  // Imported here, not at the top: the transpiled copy of this module (a bench's own roles) never compiles.
  const { transpile } = await import('../../scripts/build.mjs');
  compiling ??= transpile({ dirs: [join(ROOT, 'src'), join(ROOT, 'bench')], outDir: COMPILED, outbase: ROOT });
  await compiling;
  return join(COMPILED, relative(ROOT, script)).replace(/\.ts$/, '.js');
}

export interface Launched {
  child: ChildProcess;
  port: number;
  /** Whether taskset pinned it. */
  pinned: boolean;
  /** Starts the measured window (CPU time, trace). */
  mark(): void;
  /** What the process measured since mark(). */
  report(): Promise<Report>;
  /** SIGINT, then waits for the exit (a profile is written on the way out). */
  stop(): Promise<void>;
}

export interface LaunchOptions {
  /** The CPU to pin it to (default 0). */
  cpu?: number;
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
}

export async function launch(script: string, args: string[], options: LaunchOptions = {}): Promise<Launched> {
  const pinned = spawnSync('taskset', ['--version']).status === 0;
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const node = [process.execPath, ...flags, ...profile, await compiled(script), ...args];
  const [cmd, ...rest] = pinned ? ['taskset', '-c', String(options.cpu ?? 0), ...node] : node;
  const child = spawn(cmd!, rest, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...options.env } });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before listening`)));
  });
  return {
    child,
    port,
    pinned,
    mark: () => child.send('mark'),
    report: () =>
      new Promise<Report>((resolve) => {
        child.once('message', (m) => resolve(m as Report));
        child.send('report');
      }),
    stop: async () => {
      child.kill('SIGINT');
      await exited;
    },
  };
}

/**
 * Keeps this process (the driver: the load and the fake platform) off the server's CPU, on
 * the others, so that a server pinned to `serverCpu` has that core to itself. Unpinned, the
 * scheduler lends the driver the server's core: a bot run then gave the server 92% of it, and
 * an echo run (whose figure is the driver's pace: the echo server is 30% busy) had the driver
 * on 1.17 cores. Returns the CPUs it is on, or undefined when it could not be pinned
 * (no taskset, one CPU) or BENCH_DRIVER_PIN=0.
 */
export function pinDriver(serverCpu = 0): string | undefined {
  const cpus = cpuList().length;
  if (process.env.BENCH_DRIVER_PIN === '0' || cpus < 2) return undefined;
  const others = Array.from({ length: cpus }, (_, i) => i).filter((i) => i !== serverCpu).join(',');
  // -a: every thread of the process (libuv's pool, V8's GC helpers), not only the main one.
  return spawnSync('taskset', ['-a', '-pc', others, String(process.pid)]).status === 0 ? others : undefined;
}

/**
 * WAL checkpoints of the embedded SQLite database, off the event loop.
 *
 * With SQLite's own auto-checkpoint, the commit that takes the WAL past 1,000 pages also copies
 * every page of the WAL into the database file and fsyncs both files, on the event loop: about
 * 15–40 ms every few hundred messages, most of it waiting for the disk. Here a worker thread
 * with a connection of its own runs PASSIVE checkpoints instead (PASSIVE never waits for the
 * writer and never blocks it). It looks at the WAL-index header in the `-shm` file every
 * `pollMs` (a pread of 100 bytes) and checkpoints once `pages` frames are waiting. The copying
 * costs the same CPU as before (on a server pinned to one core the thread shares it); what the
 * event loop no longer does is wait for the disk.
 *
 * The main connection keeps an auto-checkpoint of its own at `fallbackPages`, so the WAL stays
 * bounded whatever happens here (the worker slow, stopped, or its checkpoints never catching up
 * with the writer: SQLite only restarts the WAL from its beginning once it was checkpointed to
 * the end, which under a steady stream of commits a PASSIVE checkpoint rarely manages). When
 * the main connection does checkpoint, the worker has already copied all but the last `pages`.
 */
import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface CheckpointOptions {
  /** Frames not yet copied into the database file that start a checkpoint in the worker (1,000: SQLite's default). */
  pages?: number;
  /**
   * The main connection's own auto-checkpoint (4,000 pages, a WAL of about 16 MB): the most the
   * WAL grows when the worker falls behind, or never catches up with a busy writer.
   */
  fallbackPages?: number;
  /** How often the worker looks at the WAL's size (ms). */
  pollMs?: number;
}

/**
 * How long closing the database waits for the worker to close its connection (a checkpoint in
 * progress finishes first: tens of ms). Within the 500 ms the shutdown gives its store step
 * (src/main.ts); past it the thread is terminated, and the main connection closes beside the
 * worker's (SQLite then leaves the WAL for the next open to take up: nothing is lost).
 */
const STOP_WAIT_MS = 400;

// The worker, as CommonJS evaluated in the thread: nothing to compile or resolve at run time
// (tsx, vitest and the esbuild output alike). The WAL-index header (https://sqlite.org/walformat.html,
// "The WAL-Index Header"): mxFrame, the WAL's last valid frame, is the 32-bit word at byte 16;
// nBackfill, the frames already copied into the database file, the one at byte 96; in native
// byte order. A misread only moves when a checkpoint runs: the fallback still bounds the WAL.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const Database = require(workerData.driver);
const { path, pages, pollMs, stopped } = workerData;
const le = require('node:os').endianness() === 'LE';
const db = new Database(path, { fileMustExist: true });
db.pragma('wal_autocheckpoint = 0');
const flag = new Int32Array(stopped);
const header = Buffer.alloc(100);
let shm;
let timer;
function waiting() {
  try {
    shm ??= fs.openSync(path + '-shm', 'r');
    if (fs.readSync(shm, header, 0, 100, 0) < 100) return 0;
    const word = (at) => (le ? header.readUInt32LE(at) : header.readUInt32BE(at));
    return word(16) - word(96);
  } catch {
    return 0;
  }
}
function poll() {
  try {
    if (waiting() >= pages) {
      const [r] = db.pragma('wal_checkpoint(PASSIVE)');
      parentPort.postMessage({ checkpointed: r.checkpointed, log: r.log, busy: r.busy });
    }
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
  timer = setTimeout(poll, pollMs);
}
timer = setTimeout(poll, pollMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearTimeout(timer);
  try { db.close(); } catch {}
  try { if (shm !== undefined) fs.closeSync(shm); } catch {}
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Checkpoints the worker ran, and what the last one reported (tests, diagnostics). */
  readonly stats: { runs: number; last?: { checkpointed: number; log: number; busy: number }; error?: string };
  /** Closes the worker's connection (waits for a checkpoint in progress) and ends the thread. Synchronous. */
  stop(): void;
}

/**
 * Hands the database's checkpoints to a worker thread, for a file database opened in WAL mode,
 * and closes the worker with the database: its `close()` first stops the worker, so that the main
 * connection closes last (and, as the last one, checkpoints the rest and removes the WAL).
 */
export function checkpointOffLoop(sqlite: Database.Database, path: string, options: CheckpointOptions = {}): Checkpointer {
  sqlite.pragma(`wal_autocheckpoint = ${Math.max(1, Math.floor(options.fallbackPages ?? 4_000))}`);
  const stopped = new SharedArrayBuffer(4);
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      path,
      pages: options.pages ?? 1_000,
      pollMs: options.pollMs ?? 100,
      stopped,
    },
  });
  // Never what keeps the process alive: closing the database ends it, and so does exiting.
  worker.unref();
  const stats: Checkpointer['stats'] = { runs: 0 };
  worker.on('message', (m: { checkpointed?: number; log?: number; busy?: number; error?: string }) => {
    if (m.error !== undefined) stats.error = m.error;
    else {
      stats.runs++;
      stats.last = { checkpointed: m.checkpointed ?? 0, log: m.log ?? 0, busy: m.busy ?? 0 };
    }
  });
  // A worker that fails to start (or dies) leaves checkpoints to the main connection's fallback,
  // and nothing for stop() to wait for.
  worker.on('error', (err) => (stats.error = err.message));
  worker.on('exit', () => Atomics.store(new Int32Array(stopped), 0, 1));
  let done = false;
  const checkpointer: Checkpointer = {
    stats,
    stop() {
      if (done) return;
      done = true;
      worker.postMessage('stop');
      // Bounded: a worker that never answers is terminated, and its connection closed with its thread.
      Atomics.wait(new Int32Array(stopped), 0, 0, STOP_WAIT_MS);
      void worker.terminate();
    },
  };
  const close = sqlite.close.bind(sqlite);
  sqlite.close = () => {
    checkpointer.stop();
    return close();
  };
  return checkpointer;
}

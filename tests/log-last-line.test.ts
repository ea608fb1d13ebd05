/**
 * The last line a process logs before it exits reaches the reader, even when the reader is
 * slow and the pipe is full: a crash's last error and the shutdown's "stopped" are the lines
 * an operator needs most. (With pino's default background writes, about a third of such
 * exits lost the line; a clean-clone CI run lost the server's "stopped" this way.)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'tlcd-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs the fixture into a pipe whose reader does not read at all until the fixture has filled
 * it, and then waits `stallMs` more before reading everything (a shell, because a Node parent
 * keeps draining a pipe into its own buffer even while the stream is paused).
 */
async function runWithSlowReader(stallMs: number, n: number): Promise<string> {
  const flag = join(dir, `full-${n}`);
  const script = `node --import tsx tests/fixtures/log-then-exit.ts | { while [ ! -e "$PIPE_FULL_FLAG" ]; do sleep 0.05; done; sleep ${stallMs / 1000}; cat; }`;
  const { stdout, stderr } = await promisify(execFile)('sh', ['-c', script], { env: { ...process.env, PIPE_FULL_FLAG: flag }, maxBuffer: 16 * 1024 * 1024 });
  expect(stderr).toBe('');
  return stdout;
}

describe('the logger at exit', () => {
  it('delivers the last line to a reader that was too slow to keep up', async () => {
    // Several at once: the loss was a race, and each run is one more chance to lose.
    const outputs = await Promise.all([300, 300, 300, 300, 300].map((stall, n) => runWithSlowReader(stall, n)));
    for (const output of outputs) expect(output.trim()).toContain('"msg":"stopped"');
  }, 30_000);
});

/**
 * Where the CPU went, from /proc: user + system seconds per process group between two
 * snapshots (the bench's instances, this database's PostgreSQL backends, redis-server, the
 * driver itself). Linux only; a process that exited in between counts what it used until its
 * last snapshot.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds so far of one process (0 when it is gone). */
export const cpuOf = (pid: number): number => cpuAt(`/proc/${pid}`);

/** CPU seconds so far of the process or thread whose /proc directory this is (0 when it is gone). */
function cpuAt(dir: string): number {
  try {
    const stat = readFileSync(`${dir}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds so far of a process's main thread (its JavaScript) and of all its other threads
 * together: V8's helpers (optimising compilation, concurrent and parallel GC), libuv's pool and
 * worker threads such as SQLite's checkpointer. A server still compiling its hot paths shows
 * up as a large share off the main thread.
 */
export function threadsCpu(pid: number): { main: number; others: number } {
  let others = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) if (tid !== String(pid)) others += cpuAt(`/proc/${pid}/task/${tid}`);
  } catch {
    // Gone: counts nothing.
  }
  return { main: cpuAt(`/proc/${pid}/task/${pid}`), others };
}

/** CPU seconds so far of: the instances, this database's PostgreSQL backends, redis-server, this driver. */
export function cpuSnapshot(instancePids: number[], database: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of instancePids) out.set(`instance:${pid}`, cpuOf(pid));
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (database && cmd.startsWith('postgres: ') && cmd.includes(` ${database} `)) out.set(`postgres:${entry}`, cpuOf(Number(entry)));
    else if (cmd.startsWith('redis-server')) out.set(`redis:${entry}`, cpuOf(Number(entry)));
  }
  const self = process.cpuUsage();
  out.set('driver', (self.user + self.system) / 1e6);
  return out;
}

/** CPU seconds per group (instance, postgres, redis, driver) between two snapshots. */
export function cpuUsed(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const groups: Record<string, number> = {};
  for (const [key, value] of after) {
    const group = key.split(':')[0]!;
    groups[group] = (groups[group] ?? 0) + (value - (before.get(key) ?? 0));
  }
  return groups;
}

/**
 * Stopping a shell for good. The .NET global tool `pwsh` (~/.dotnet/tools/pwsh) is a launcher whose
 * child process runs PowerShell: killing only the launcher left a timed-out call running on (its writes
 * landing later, its pipes keeping Node alive) until it finished by itself. So the launcher's
 * descendants are found first and killed with it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

/** Parent of every process, from /proc on Linux, else from `ps` (macOS and other Unixes). */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  try {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        // The command name (in parentheses) may hold spaces: the parent pid is the 2nd field after it.
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        map.set(Number(entry), ppid);
      } catch {
        // The process ended while we looked.
      }
    }
    return map;
  } catch {
    const ps = spawnSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' });
    for (const line of (ps.stdout ?? '').split('\n')) {
      const [pid, ppid] = line.trim().split(/\s+/).map(Number);
      if (pid !== undefined && ppid !== undefined && !Number.isNaN(pid) && !Number.isNaN(ppid)) map.set(pid, ppid);
    }
    return map;
  }
}

/** Every process started by `pid`, children first found, then theirs. */
export function descendantsOf(pid: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const [child, parent] of parents()) byParent.set(parent, [...(byParent.get(parent) ?? []), child]);
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of byParent.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/**
 * Kills the processes `pid` started (before the shell itself is disposed of, since once the launcher is
 * gone its children can no longer be found by parent). On Windows taskkill /T does the same.
 */
export function killDescendants(pid: number): void {
  if (process.platform === 'win32') {
    spawnSync('taskkill', ['/PID', String(pid), '/T', '/F'], { stdio: 'ignore' });
    return;
  }
  for (const child of descendantsOf(pid).reverse()) {
    try {
      process.kill(child, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

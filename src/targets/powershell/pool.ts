/**
 * The shells behind one PowerShell target. Exchange cmdlets (organisation reads, Set-PartnerApplication,
 * the run state found through Get-ExchangeServer) run on the one main session, in order. Per-server calls
 * (readServer, writeFiles, restart) need no Exchange cmdlets; they arrive here as fan-outs (fan-out.ts: a
 * phase's servers in one call), so a run usually has one in flight, and may run side by side: each goes to
 * the first shell that is free, the main one included. A new shell is started for a waiting call only
 * when every running shell has been busy for `spawnDelayMs` without a break (its call is slow), while
 * fewer than `limit()` shells serve server calls.
 *
 * Why not start one for every call that waits: a PowerShell start-up costs about 0.7-0.9 s of CPU (pwsh
 * 7.6, one core), and starting five at once on a two-core machine took 4 s. Calls that finish quickly (a
 * local server, the lab: 25-35 ms) are served faster by the shells already running, however long the
 * queue behind them; the earlier rule, a new shell for any call that had waited 500 ms, started shells for
 * exactly those, and made a 50-server plan 4.2 times slower than --parallelism 1. Calls that take seconds
 * (WinRM to a remote server, a restart with its health check) keep their shells busy past the delay, and
 * then the waiting calls run side by side. A sequential run, or --parallelism 1, never starts a second
 * PowerShell. Every shell keeps its own timeout and is replaced on its own when killed (session.ts).
 */
import type { CallRequest, PsSession } from './session';

/** How long every shell must have been busy without a break before a waiting call gets a new one. */
export const SPAWN_DELAY_MS = 500;

export interface SessionPool {
  /** Runs a call on the main session (Exchange cmdlets). */
  org(request: CallRequest): Promise<unknown>;
  /** Runs a per-server call on the first free shell (see above). */
  server(request: CallRequest): Promise<unknown>;
  /** How many extra shells have been started so far. */
  readonly extraShells: () => number;
  close(): Promise<void>;
}

interface Lane {
  readonly session: PsSession;
  /** Calls queued or running on this shell. */
  pending: number;
  /** When the shell last went from idle to busy (Date.now()); its current stretch of work began then. */
  busySince: number;
}

interface Job {
  readonly request: CallRequest;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

/**
 * `limit()` is read whenever a shell might be started: the number of shells that may serve server calls
 * at once, the main one included (the target passes min(parallelism, servers known)).
 */
export function openPool(main: PsSession, startExtra: () => PsSession, limit: () => number, spawnDelayMs: number = SPAWN_DELAY_MS): SessionPool {
  const lanes: Lane[] = [{ session: main, pending: 0, busySince: 0 }];
  const waiting: Job[] = [];
  let timer: NodeJS.Timeout | undefined;

  const run = (lane: Lane, request: CallRequest): Promise<unknown> => {
    if (lane.pending++ === 0) lane.busySince = Date.now();
    const done = lane.session.call(request);
    void done.then(release(lane), release(lane));
    return done;
  };
  const release = (lane: Lane) => (): void => {
    lane.pending--;
    drain();
  };
  const room = (): boolean => lanes.length < Math.max(1, limit());

  /** A shell for waiting calls, one per shell that has been busy too long: never one for a call that merely queued. */
  const spawn = (): void => {
    timer = undefined;
    const now = Date.now();
    const slow = lanes.filter((l) => l.pending > 0 && now - l.busySince >= spawnDelayMs).length;
    if (slow === lanes.length) {
      while (waiting.length > 0 && room()) {
        const lane: Lane = { session: startExtra(), pending: 0, busySince: 0 };
        lanes.push(lane);
        const job = waiting.shift()!;
        run(lane, job.request).then(job.resolve, job.reject);
        // One new shell per round: the next is started only if this one, too, stays busy past the delay.
        if (spawnDelayMs > 0) break;
      }
    }
    if (spawnDelayMs > 0) arm();
  };

  /** Wakes up when the shell busy the longest reaches the delay, if calls are still waiting. */
  function arm(): void {
    clearTimeout(timer);
    timer = undefined;
    if (waiting.length === 0 || !room()) return;
    if (spawnDelayMs <= 0) return spawn();
    // Every shell must be past the delay: the one that became busy last decides when.
    const latest = Math.max(...lanes.map((l) => l.busySince));
    timer = setTimeout(spawn, Math.max(1, latest + spawnDelayMs - Date.now()));
  }

  function drain(): void {
    for (const lane of lanes) {
      if (waiting.length === 0) break;
      if (lane.pending > 0) continue;
      const job = waiting.shift()!;
      run(lane, job.request).then(job.resolve, job.reject);
    }
    arm();
  }

  return {
    org: (request) => run(lanes[0]!, request),
    server: (request) =>
      new Promise((resolve, reject) => {
        waiting.push({ request, resolve, reject });
        drain();
      }),
    extraShells: () => lanes.length - 1,
    async close() {
      clearTimeout(timer);
      timer = undefined;
      // Nothing is dropped: calls still waiting queue on the main shell, which finishes them before closing.
      for (const job of waiting.splice(0)) run(lanes[0]!, job.request).then(job.resolve, job.reject);
      await Promise.all(lanes.map((l) => l.session.close()));
    },
  };
}

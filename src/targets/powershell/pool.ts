/**
 * The shells behind one PowerShell target. Exchange cmdlets (organisation reads, Set-PartnerApplication,
 * the run state found through Get-ExchangeServer) run on the one main session, in order. Per-server calls
 * (readServer, writeFiles, restart) need no Exchange cmdlets, so they may run side by side: each goes to
 * the first shell that is free, the main one included. A call that has waited `spawnDelayMs` for a free
 * shell gets a new one, while fewer than `limit()` shells serve server calls.
 *
 * Why wait before starting a shell: a PowerShell start-up costs about 0.7-0.9 s of CPU (pwsh 7.6, one
 * core), and starting five at once on a two-core machine took 4 s. Calls that finish quickly (a local
 * server, the lab) are served faster by the shells already running; calls that take seconds (WinRM to a
 * remote server, a restart with its health check) outlast the delay and then run side by side. A
 * sequential run, or --parallelism 1, never starts a second PowerShell. Every shell keeps its own timeout
 * and is replaced on its own when killed (session.ts).
 */
import type { CallRequest, PsSession } from './session';

/** How long a server call waits for a running shell before a new one is started for it. */
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
  const lanes: Lane[] = [{ session: main, pending: 0 }];
  const waiting: Job[] = [];
  let timer: NodeJS.Timeout | undefined;

  const run = (lane: Lane, request: CallRequest): Promise<unknown> => {
    lane.pending++;
    const done = lane.session.call(request);
    void done.then(release(lane), release(lane));
    return done;
  };
  const release = (lane: Lane) => (): void => {
    lane.pending--;
    drain();
  };
  const room = (): boolean => lanes.length < Math.max(1, limit());

  const spawn = (): void => {
    timer = undefined;
    while (waiting.length > 0 && room()) {
      const lane: Lane = { session: startExtra(), pending: 0 };
      lanes.push(lane);
      const job = waiting.shift()!;
      run(lane, job.request).then(job.resolve, job.reject);
    }
  };

  function drain(): void {
    for (const lane of lanes) {
      if (waiting.length === 0) break;
      if (lane.pending > 0) continue;
      const job = waiting.shift()!;
      run(lane, job.request).then(job.resolve, job.reject);
    }
    if (waiting.length === 0) {
      clearTimeout(timer);
      timer = undefined;
    } else if (room()) {
      if (spawnDelayMs <= 0) spawn();
      else timer ??= setTimeout(spawn, spawnDelayMs);
    }
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

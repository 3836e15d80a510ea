/**
 * The shells behind one PowerShell target. Exchange cmdlets (organisation reads, Set-PartnerApplication,
 * the run state found through Get-ExchangeServer) run on the one main session, in order. Per-server calls
 * (readServer, writeFiles, restart) need no Exchange cmdlets, so they may run side by side: on the main
 * session when it is idle, else on an idle extra shell, else on a new one while fewer than `limit()`
 * shells serve server calls, else on the least busy. Extra shells start only when calls overlap, so a
 * sequential run (or --parallelism 1) never pays for a second PowerShell start-up. Every shell keeps its
 * own timeout and is replaced on its own when killed (session.ts).
 */
import type { CallRequest, PsSession } from './session';

export interface SessionPool {
  /** Runs a call on the main session (Exchange cmdlets). */
  org(request: CallRequest): Promise<unknown>;
  /** Runs a per-server call on whichever shell is free (see above). */
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

/**
 * `limit()` is read at each dispatch: the number of shells that may serve server calls at once, the main
 * one included (the target passes min(parallelism, servers known)).
 */
export function openPool(main: PsSession, startExtra: () => PsSession, limit: () => number): SessionPool {
  const mainLane: Lane = { session: main, pending: 0 };
  const extras: Lane[] = [];

  const run = async (lane: Lane, request: CallRequest): Promise<unknown> => {
    lane.pending++;
    try {
      return await lane.session.call(request);
    } finally {
      lane.pending--;
    }
  };

  const pick = (): Lane => {
    if (mainLane.pending === 0) return mainLane;
    const idle = extras.find((l) => l.pending === 0);
    if (idle) return idle;
    if (1 + extras.length < Math.max(1, limit())) {
      const lane: Lane = { session: startExtra(), pending: 0 };
      extras.push(lane);
      return lane;
    }
    return [mainLane, ...extras].reduce((a, b) => (b.pending < a.pending ? b : a));
  };

  return {
    org: (request) => run(mainLane, request),
    server: (request) => run(pick(), request),
    extraShells: () => extras.length,
    async close() {
      await Promise.all([main, ...extras.map((l) => l.session)].map((s) => s.close()));
    },
  };
}

/**
 * Reading a fleet: the organisation once per run, each server exactly once, at most --parallelism
 * servers at a time (default 10). Concurrency is counted by an instrumented Target, not inferred from
 * timestamps, so the test says the same thing on a busy machine.
 */
import { DiagnosticError, fail } from '../../src/diag/diagnostic';
import { REGISTRY } from '../../src/resources/registry';
import { DEFAULT_PARALLELISM, readLive as read } from '../../src/session/live';
import type { ExchangeServer, KindQueries, ServerRead, Target } from '../../src/targets/types';
import { limiter, mapLimit } from '../../src/util/limit';
import { graph, loaded, REST, server } from '../helpers/live';

const readLive = (spec: Parameters<typeof read>[0], target: Target, opts?: Parameters<typeof read>[3]) => read(spec, target, REGISTRY, opts);

/** Resolves the promise it hands out only when the test says so, so that overlap is under control. */
function gate() {
  const waiting: Array<() => void> = [];
  return {
    wait: () => new Promise<void>((r) => waiting.push(r)),
    /** Let every call that is waiting go on, on the next turn. */
    openAll: () => waiting.splice(0).forEach((r) => setImmediate(r)),
    get count() {
      return waiting.length;
    },
  };
}

interface Counting {
  readonly target: Target;
  readonly calls: string[];
  readonly maxInFlight: () => number;
}

/** A Target whose reads take as long as `delay` says, counting calls and reads in flight. */
function countingTarget(names: readonly string[], delay: () => Promise<void>, unreachable: readonly string[] = []): Counting {
  const calls: string[] = [];
  let inFlight = 0;
  let max = 0;
  const servers = names.map(server);
  const target: Target = {
    kind: 'lab',
    description: 'counting',
    async readOrganization() {
      calls.push('readOrganization');
      return { servers, resources: { partnerApplication: { applications: [graph()], parameters: null, originals: {} } }, lock: null, lastRun: null };
    },
    async readServer(s: ExchangeServer, queries: KindQueries): Promise<ServerRead> {
      const files = (queries.webConfig as { files: readonly string[] } | undefined)?.files ?? [];
      calls.push(`readServer ${s.Name}`);
      inFlight++;
      max = Math.max(max, inFlight);
      try {
        await delay();
        if (unreachable.includes(s.Name)) fail('target.unreachable', `${s.Name} is unreachable`);
        return { name: s.Name, installPath: '/x/', resources: { webConfig: { files: Object.fromEntries(files.map((f) => [f, { exists: false as const }])) } }, backup: { possible: true }, build: null, iis: null };
      } finally {
        inFlight--;
      }
    },
    setOrganization: () => Promise.reject(new Error('a read must not set')),
    setServer: () => Promise.reject(new Error('a read must not write')),
    restart: () => Promise.reject(new Error('a read must not restart')),
    acquireLock: () => Promise.reject(new Error('a read must not lock')),
    releaseLock: () => Promise.reject(new Error('a read must not unlock')),
    appendJournal: () => Promise.reject(new Error('a read must not journal')),
    close: async () => undefined,
  };
  return { target, calls, maxInFlight: () => max };
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `EX${i + 1}`);
const spec = loaded({ webConfigs: [{ file: REST, appSettings: { 'OAuthHttpModule.Profiles': { include: ['V1S2SAppOnly'] } } }] });

describe('readLive on a fleet', () => {
  it('reads the organisation once and each server exactly once, keeping the spec order', async () => {
    const t = countingTarget(names(25), () => new Promise((r) => setImmediate(r)));
    const live = await readLive(spec, t.target);
    expect(t.calls.filter((c) => c === 'readOrganization')).toHaveLength(1);
    expect(t.calls.filter((c) => c.startsWith('readServer')).sort()).toEqual(names(25).map((n) => `readServer ${n}`).sort());
    expect(live.servers.map((s) => s.Name)).toEqual(names(25));
    expect(Object.keys(live.serverStates).sort()).toEqual([...names(25)].sort());
  });

  it(`has ${DEFAULT_PARALLELISM} servers in flight by default, and no more`, async () => {
    const g = gate();
    const t = countingTarget(names(35), g.wait);
    const done = readLive(spec, t.target);
    // Release the reads batch by batch: each time, the reads waiting are the ones in flight.
    const seen: number[] = [];
    while (t.calls.filter((c) => c.startsWith('readServer')).length < 35 || g.count > 0) {
      await new Promise((r) => setImmediate(r));
      if (g.count > 0) {
        seen.push(g.count);
        g.openAll();
      }
    }
    await done;
    expect(Math.max(...seen)).toBe(DEFAULT_PARALLELISM);
    expect(t.maxInFlight()).toBe(DEFAULT_PARALLELISM);
  });

  it.each([1, 3, 50])('honours parallelism %i', async (parallelism) => {
    const t = countingTarget(names(20), () => new Promise((r) => setTimeout(r, 1)));
    await readLive(spec, t.target, { parallelism });
    expect(t.maxInFlight()).toBe(Math.min(parallelism, 20));
    expect(t.calls.filter((c) => c.startsWith('readServer'))).toHaveLength(20);
  });

  it('reads every server even when some are unreachable, and reports each of them once', async () => {
    const t = countingTarget(names(12), () => new Promise((r) => setImmediate(r)), ['EX3', 'EX11']);
    const err = await readLive(spec, t.target, { parallelism: 4 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiagnosticError);
    expect((err as DiagnosticError).diagnostics.map((d) => d.summary).sort()).toEqual(['EX11 is unreachable', 'EX3 is unreachable']);
    expect(t.calls.filter((c) => c.startsWith('readServer'))).toHaveLength(12);
  });

  it('reads each server in scope once even when no web.config entry concerns it: its build is part of the plan', async () => {
    const t = countingTarget(names(3), () => Promise.resolve());
    const live = await readLive(loaded({ webConfigs: [] }), t.target);
    expect(t.calls.filter((c) => c === 'readOrganization')).toHaveLength(1);
    expect(t.calls.filter((c) => c !== 'readOrganization')).toHaveLength(3);
    expect(Object.keys(live.serverStates)).toEqual(names(3));
  });
});

describe('mapLimit', () => {
  it('keeps the input order whatever order the calls finish in', async () => {
    const out = await mapLimit([30, 1, 20, 5, 10], 2, (ms) => new Promise<number>((r) => setTimeout(() => r(ms * 2), ms)));
    expect(out).toEqual([60, 2, 40, 10, 20]);
  });

  it('starts nothing new after a failure, and rethrows it once the calls in flight settle', async () => {
    const settled: number[] = [];
    const started: number[] = [];
    const err = await mapLimit([0, 1, 2, 3, 4, 5], 2, async (i) => {
      started.push(i);
      await new Promise((r) => setTimeout(r, i === 1 ? 1 : 5));
      if (i === 1) throw new Error('boom');
      settled.push(i);
      return i;
    }).catch((e: Error) => e.message);
    expect(err).toBe('boom');
    // 0 was in flight when 1 failed: it settled before mapLimit returned, and no worker took 2.
    expect(settled).toEqual([0]);
    expect(started).toEqual([0, 1]);
  });

  it('handles an empty list and a limit larger than the list', async () => {
    expect(await mapLimit([], 10, async () => 1)).toEqual([]);
    expect(await mapLimit([1, 2], 100, async (x) => x + 1)).toEqual([2, 3]);
  });
});

describe('a target that fans out, and the lab\'s disk gate', () => {
  it('a target that fans out is handed every server at once: it throttles itself (Invoke-Command -ThrottleLimit)', async () => {
    const g = gate();
    const t = countingTarget(names(35), g.wait);
    const done = readLive(spec, { ...t.target, fansOut: true }, { parallelism: 5 });
    while (g.count < 35) await new Promise((r) => setImmediate(r));
    g.openAll();
    await done;
    expect(t.maxInFlight()).toBe(35);
  });

  it('limiter(n) runs every call, never more than n at once, in the order they came', async () => {
    const gateOf = limiter(3);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        gateOf(async () => {
          started.push(i);
          running++;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 2));
          running--;
          if (i === 4) throw new Error('four');
          return i;
        }).catch((e: Error) => e.message),
      ),
    );
    expect(results).toEqual([0, 1, 2, 3, 'four', 5, 6, 7, 8, 9]);
    expect(most).toBe(3);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

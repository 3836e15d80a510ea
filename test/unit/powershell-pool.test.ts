/**
 * The pool of shells behind the PowerShell target, with stand-in sessions whose calls finish only when
 * the test says so: which shell runs what, how many shells start, how many calls run at once.
 */
import { openPool } from '../../src/targets/powershell/pool';
import type { CallRequest, PsSession } from '../../src/targets/powershell/session';

interface Fake extends PsSession {
  readonly name: string;
  readonly ran: string[];
  closed: boolean;
}

function harness(limit: number, spawnDelayMs = 0) {
  const open = new Map<string, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let running = 0;
  let maxRunning = 0;
  const sessions: Fake[] = [];
  const make = (name: string): Fake => {
    // Like session.ts: one call at a time per shell, in order; a failed call does not block the next.
    let queue: Promise<unknown> = Promise.resolve();
    const fake: Fake = {
      name,
      ran: [],
      closed: false,
      call(request: CallRequest) {
        const id = request.context.server?.Name ?? request.context.call;
        const next = queue.then(
          () =>
            new Promise((resolve, reject) => {
              running++;
              maxRunning = Math.max(maxRunning, running);
              fake.ran.push(id);
              open.set(id, {
                resolve: (v) => (running--, resolve(v)),
                reject: (e) => (running--, reject(e)),
              });
            }),
        );
        queue = next.catch(() => undefined);
        return next;
      },
      async close() {
        fake.closed = true;
      },
    };
    sessions.push(fake);
    return fake;
  };
  const main = make('main');
  const pool = openPool(main, () => make(`extra${sessions.length}`), () => limit, spawnDelayMs);
  const tick = () => new Promise((r) => setImmediate(r));
  const server = (name: string): CallRequest => ({
    script: 'read-server',
    data: {},
    context: { call: 'readServer', server: { Name: name, Fqdn: `${name}.contoso.lab` } },
    transport: 'winrm',
  });
  const org: CallRequest = { script: 'read-organization', data: {}, context: { call: 'readOrganization' }, transport: 'session' };
  return {
    pool,
    main,
    sessions,
    server,
    org,
    tick,
    maxRunning: () => maxRunning,
    /** Finish the call with this id once it has started. */
    async finish(id: string, fail = false) {
      for (let i = 0; i < 50 && !open.has(id); i++) await tick();
      const c = open.get(id);
      if (!c) throw new Error(`${id} never started`);
      open.delete(id);
      if (fail) c.reject(new Error(`${id} failed`));
      else c.resolve(id);
      await tick();
    },
  };
}

describe('the pool of PowerShell shells', () => {
  test('calls one after another all run on the main shell: no extra PowerShell is started', async () => {
    const h = harness(10);
    for (const s of ['EX01', 'EX02', 'EX03']) {
      const p = h.pool.server(h.server(s));
      await h.finish(s);
      await expect(p).resolves.toBe(s);
    }
    expect(h.pool.extraShells()).toBe(0);
    expect(h.main.ran).toEqual(['EX01', 'EX02', 'EX03']);
  });

  test('a call waiting for a busy shell gets a new one only after the spawn delay; calls that finish sooner reuse the running shell', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      const h = harness(3, 1000);
      const a = h.pool.server(h.server('EX01'));
      const b = h.pool.server(h.server('EX02'));
      jest.advanceTimersByTime(999);
      await h.finish('EX01');
      await h.finish('EX02');
      await Promise.all([a, b]);
      jest.advanceTimersByTime(5000);
      expect(h.pool.extraShells()).toBe(0);
      expect(h.main.ran).toEqual(['EX01', 'EX02']);

      const c = h.pool.server(h.server('EX03'));
      const d = h.pool.server(h.server('EX04'));
      jest.advanceTimersByTime(999);
      await h.tick();
      expect(h.pool.extraShells()).toBe(0);
      jest.advanceTimersByTime(1);
      await h.tick();
      expect(h.pool.extraShells()).toBe(1);
      await h.finish('EX04');
      await h.finish('EX03');
      await Promise.all([c, d]);
      expect(h.sessions[1]!.ran).toEqual(['EX04']);
    } finally {
      jest.useRealTimers();
    }
  });

  test('fast calls never start a shell, however long they wait in the queue behind each other', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      const h = harness(10, 500);
      const names = Array.from({ length: 20 }, (_, i) => `EX${i + 1}`);
      const all = Promise.all(names.map((n) => h.pool.server(h.server(n))));
      // Each call takes 30 ms: the last one waits 570 ms in the queue, more than the delay.
      for (const n of names) {
        jest.advanceTimersByTime(30);
        await h.finish(n);
      }
      await expect(all).resolves.toEqual(names);
      expect(h.pool.extraShells()).toBe(0);
      expect(h.main.ran).toEqual(names);
    } finally {
      jest.useRealTimers();
    }
  });

  test('slow calls start one more shell per delay while every shell stays busy, up to the limit', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      const h = harness(3, 500);
      const all = Promise.all(['EX01', 'EX02', 'EX03', 'EX04'].map((n) => h.pool.server(h.server(n))));
      await h.tick();
      jest.advanceTimersByTime(500);
      await h.tick();
      expect(h.pool.extraShells()).toBe(1);
      // The new shell has been busy for less than the delay: no third shell yet.
      jest.advanceTimersByTime(499);
      await h.tick();
      expect(h.pool.extraShells()).toBe(1);
      jest.advanceTimersByTime(1);
      await h.tick();
      expect(h.pool.extraShells()).toBe(2);
      jest.advanceTimersByTime(5000);
      await h.tick();
      expect(h.pool.extraShells()).toBe(2);
      for (const n of ['EX01', 'EX02', 'EX03', 'EX04']) await h.finish(n);
      await all;
      expect(h.maxRunning()).toBe(3);
    } finally {
      jest.useRealTimers();
    }
  });

  test('overlapping server calls start extra shells up to the limit, the main one included, and never run more at once', async () => {
    const h = harness(3);
    const names = ['EX01', 'EX02', 'EX03', 'EX04', 'EX05'];
    const all = Promise.all(names.map((n) => h.pool.server(h.server(n))));
    await h.tick();
    expect(h.pool.extraShells()).toBe(2);
    expect(h.maxRunning()).toBe(3);
    for (const n of names) await h.finish(n);
    await expect(all).resolves.toEqual(names);
    expect(h.maxRunning()).toBe(3);
    // Every server ran exactly once, spread over the three shells.
    expect(h.sessions.flatMap((s) => s.ran).sort()).toEqual(names);
    expect(h.sessions.every((s) => s.ran.length > 0)).toBe(true);
  });

  test('with a limit of 1 everything stays on the main shell', async () => {
    const h = harness(1);
    const all = Promise.all(['EX01', 'EX02'].map((n) => h.pool.server(h.server(n))));
    await h.finish('EX01');
    await h.finish('EX02');
    await all;
    expect(h.pool.extraShells()).toBe(0);
    expect(h.maxRunning()).toBe(1);
  });

  test('Exchange cmdlets always run on the main shell, even while extra shells are idle', async () => {
    const h = harness(3);
    const a = h.pool.server(h.server('EX01'));
    const b = h.pool.server(h.server('EX02'));
    await h.finish('EX02');
    await b;
    const o = h.pool.org(h.org);
    await h.finish('EX01');
    await a;
    await h.finish('readOrganization');
    await o;
    expect(h.main.ran).toEqual(['EX01', 'readOrganization']);
    expect(h.sessions[1]!.ran).toEqual(['EX02']);
  });

  test('a failed call frees its shell for the next call; close closes every shell', async () => {
    const h = harness(2);
    const a = h.pool.server(h.server('EX01'));
    const b = h.pool.server(h.server('EX02'));
    await h.finish('EX02', true);
    await expect(b).rejects.toThrow('EX02 failed');
    const c = h.pool.server(h.server('EX03'));
    await h.finish('EX03');
    await expect(c).resolves.toBe('EX03');
    expect(h.sessions[1]!.ran).toEqual(['EX02', 'EX03']);
    await h.finish('EX01');
    await a;
    await h.pool.close();
    expect(h.sessions.map((s) => s.closed)).toEqual([true, true]);
  });
});

/**
 * Per-server calls through PowerShell's own parallel remoting. The calls of one phase that the apply
 * engine or the reader issue together (every server's read, a batch's writes, a batch's restarts) are
 * gathered until the current turn of the event loop ends and sent as ONE call to ONE shell, which runs
 * `Invoke-Command -ComputerName <list> -ThrottleLimit <n>` (envelope.ps1; docs/exchange-facts.md#powershell
 * S3, S3a). A 50-server plan is then one organisation call plus one fan-out, not 50 calls over a pool
 * of shells that each cost a PowerShell start-up.
 *
 * Each server keeps its own result and its own error: its answer arrives as its own frame and settles
 * that server's promise at once (progress is real), a server that does not answer at all is an error of
 * its own (never a success that was not observed), and a call that fails as a whole (the shell died, the
 * time ran out) fails the servers that had not answered yet, not those that had.
 */
import { DiagnosticError, error } from '../../diag/diagnostic';
import { classifyError, fallback } from './errors';
import type { FanOutRequest, FanOutTarget, ScriptName } from './scripts';
import { fanOutMap } from './scripts';
import type { CallRequest } from './session';

/**
 * The most request text one fan-out carries. Invoke-Command gives every computer the same arguments, so
 * each server receives every server's request, and a remote session refuses an object larger than its
 * MaximumReceivedObjectSizeMB, 10 MB by default (docs/exchange-facts.md#powershell S3a): 4 Mi characters
 * stay under it even counted as two bytes each. A batch whose web.config bytes would add up to more is
 * sent as several fan-outs (its restarts then go on their own, after all of it is written).
 */
export const FANOUT_MAX_MAP_CHARS = 4 * 1024 * 1024;

export interface FanOut {
  /** One server's call (request.context.server set); settles with that server's own result or error. */
  submit(request: CallRequest): Promise<unknown>;
  /**
   * One server's call, and a second call for the same server run in the same PowerShell call once every
   * server of the first phase answered with a result (a batch's restarts after its writes). `then`
   * resolves to undefined when it was not run (a server of the phase failed, or the phase had to be
   * split over several calls): the caller then makes it on its own.
   */
  submitThen(request: CallRequest, then: CallRequest): { readonly first: Promise<unknown>; readonly then: Promise<unknown> };
}

type ServerRequest = CallRequest & { readonly context: { readonly server: NonNullable<CallRequest['context']['server']> } };

interface Settle {
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

interface Job extends Settle {
  readonly request: ServerRequest;
  readonly then?: Settle & { readonly request: ServerRequest };
}

/**
 * `send` runs one call on a shell (the pool's server lane); `throttle()` is the -ThrottleLimit: how many
 * servers are worked on at once (the CLI's --parallelism).
 */
export function openFanOut(send: (request: CallRequest) => Promise<unknown>, throttle: () => number): FanOut {
  let queued: Job[] = [];
  let scheduled = false;

  const flush = (): void => {
    scheduled = false;
    const jobs = queued;
    queued = [];
    // One fan-out per script and set of kind scripts: every server of it runs the same script text.
    const groups = new Map<string, Job[]>();
    for (const job of jobs) {
      const key = `${job.request.script}\u0000${(job.request.kindScripts ?? []).join('\u0000')}\u0000${job.request.context.call}`;
      groups.set(key, [...(groups.get(key) ?? []), job]);
    }
    for (const group of groups.values()) {
      const parts = chunks(group);
      // A second phase holds back until its whole phase has answered: split over calls, it runs on its own.
      if (parts.length > 1) for (const j of group) j.then?.resolve(undefined);
      for (const part of parts) void dispatch(parts.length > 1 ? part.map(({ then: _then, ...job }) => job) : part);
    }
  };

  /** Servers of one call: each at most once, and the map under FANOUT_MAX_MAP_CHARS. */
  const chunks = (jobs: readonly Job[]): Job[][] => {
    const out: Job[][] = [];
    let current: Job[] = [];
    let size = 0;
    const names = new Set<string>();
    for (const job of jobs) {
      const name = job.request.context.server.Name.toUpperCase();
      const cost = JSON.stringify(job.request.data).length * 1.4 + (job.request.blob?.length ?? 0) * 1.4;
      if (current.length > 0 && (names.has(name) || size + cost > FANOUT_MAX_MAP_CHARS)) {
        out.push(current);
        current = [];
        size = 0;
        names.clear();
      }
      current.push(job);
      names.add(name);
      size += cost;
    }
    if (current.length > 0) out.push(current);
    return out;
  };

  const dispatch = async (jobs: readonly Job[]): Promise<void> => {
    const first = jobs[0]!.request;
    const script: ScriptName = first.script;
    const byName = new Map(jobs.map((j) => [j.request.context.server.Name, j] as const));
    const settled = new Set<string>();
    let map: string;
    try {
      map = fanOutMap(
        script,
        jobs.map((j): FanOutRequest => ({ server: j.request.context.server.Name, data: j.request.data, ...(j.request.blob ? { blob: j.request.blob } : {}) })),
      );
    } catch (err) {
      for (const j of jobs) j.reject(err);
      return;
    }
    const targets: FanOutTarget[] = jobs.map((j) => {
      const ctx = j.request.context;
      return {
        name: ctx.server.Name,
        fqdn: ctx.server.Fqdn,
        transport: j.request.transport,
        log: ctx.log ?? { call: ctx.call, server: ctx.server.Name },
        failCode: fallback(ctx).code,
      };
    });
    const limit = Math.max(1, Math.min(throttle(), jobs.length));
    // Each server may take a whole call's time; at most `limit` of them run at once.
    const waves = Math.ceil(jobs.length / limit);
    const perServer = Math.max(...jobs.map((j) => j.request.timeoutMs ?? 0));
    const thens = jobs.filter((j) => j.then !== undefined);
    const thenByName = new Map(thens.map((j) => [j.request.context.server.Name, j.then!] as const));
    const thenSettled = new Set<string>();
    let then: NonNullable<NonNullable<CallRequest['fanOut']>['then']> | undefined;
    if (thens.length > 0) {
      const r0 = thens[0]!.then!.request;
      try {
        then = {
          call: r0.context.call,
          targets: thens.map((j) => targetOf(j.then!.request)),
          map: fanOutMap(r0.script, thens.map((j) => ({ server: j.then!.request.context.server.Name, data: j.then!.request.data }))),
          script: r0.script,
          ...(r0.kindScripts ? { kindScripts: r0.kindScripts } : {}),
          throttle: Math.max(1, Math.min(throttle(), thens.length)),
        };
      } catch {
        // A second phase that cannot be sent with the first is made on its own.
        for (const t of thenByName.values()) t.resolve(undefined);
        thenByName.clear();
      }
    }
    let final: { then?: string } | null = null;
    const thenMs = then ? Math.max(...thens.map((j) => j.then!.request.timeoutMs ?? 0)) * Math.ceil(thens.length / then.throttle) : 0;
    try {
      final = (await send({
        script,
        data: null,
        ...(first.kindScripts ? { kindScripts: first.kindScripts } : {}),
        // A call that fails as a whole names its server, or its servers.
        context: jobs.length === 1 ? { call: first.context.call, server: first.context.server } : { call: first.context.call, subject: subjectOf(jobs) },
        transport: 'session',
        ...(perServer > 0 ? { timeoutMs: perServer * waves + thenMs } : {}),
        fanOut: {
          targets,
          map,
          throttle: limit,
          ...(then && thenByName.size > 0 ? { then } : {}),
          onItem: (server, answer, phase) => {
            if (phase === 2) {
              const t = thenByName.get(server);
              if (!t || thenSettled.has(server)) return;
              thenSettled.add(server);
              if (answer.ok) t.resolve(answer.result);
              else t.reject(new DiagnosticError(classifyError(answer.error, t.request.context)));
              return;
            }
            const job = byName.get(server);
            if (!job || settled.has(server)) return;
            settled.add(server);
            if (answer.ok) job.resolve(answer.result);
            else job.reject(new DiagnosticError(classifyError(answer.error, job.request.context)));
          },
        },
      })) as { then?: string } | null;
    } catch (err) {
      // The call failed as a whole: the servers that answered keep their answers; each of the others gets
      // its error, worded for that server ("readServer on EX02 (fqdn) did not finish ...").
      const whole = jobs.length === 1 ? undefined : `${first.context.call} of ${subjectOf(jobs)}`;
      for (const [name, job] of byName) {
        if (settled.has(name)) continue;
        const s = job.request.context.server;
        job.reject(
          whole && err instanceof DiagnosticError
            ? new DiagnosticError(err.diagnostics.map((d) => ({ ...d, summary: d.summary.replace(whole, `${first.context.call} on ${s.Name} (${s.Fqdn})`) })))
            : err,
        );
      }
      // A second phase the call did not report on may have begun: its restart is not known to have run or not.
      for (const [name, t] of thenByName) if (!thenSettled.has(name)) t.reject(err);
      return;
    }
    // The second phase: not run (a server of the first failed) leaves it to the caller; run and silent is an error.
    for (const [name, t] of thenByName) {
      if (thenSettled.has(name)) continue;
      if (final?.then !== 'ran') t.resolve(undefined);
      else {
        t.reject(noAnswer(t.request));
      }
    }
    for (const [name, job] of byName) {
      if (settled.has(name)) continue;
      job.reject(noAnswer(job.request));
    }
  };

  /** A server that sent neither a result nor an error: never taken for one that succeeded. */
  const noAnswer = (r: ServerRequest): DiagnosticError => {
    const s = r.context.server;
    return new DiagnosticError(
      error(
        'target.no-answer',
        `${s.Name} (${s.Fqdn}) gave no answer to ${r.context.call}: neither a result nor an error came back from it`,
        'Nothing is known of what the call did there. Run plan again to read the server; check WinRM to it (`Test-WSMan <fqdn>`).',
      ),
    );
  };

  /** A second phase's server, as the first phase's are described. */
  const targetOf = (r: ServerRequest): FanOutTarget => ({
    name: r.context.server.Name,
    fqdn: r.context.server.Fqdn,
    transport: r.transport,
    log: r.context.log ?? { call: r.context.call, server: r.context.server.Name },
    failCode: fallback(r.context).code,
  });

  const subjectOf = (jobs: readonly Job[]): string => {
    const names = jobs.map((j) => j.request.context.server.Name);
    return `${names.length} servers (${names.length <= 10 ? names.join(', ') : `${names.slice(0, 10).join(', ')} and ${names.length - 10} more`})`;
  };

  const enqueue = (job: Job): void => {
    queued.push(job);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };

  return {
    submit(request) {
      if (!request.context.server) throw new Error('a fan-out call names its server');
      return new Promise((resolve, reject) => enqueue({ request: request as ServerRequest, resolve, reject }));
    },
    submitThen(request, thenRequest) {
      if (!request.context.server || thenRequest.context.server?.Name !== request.context.server.Name) throw new Error('a fan-out call and its second phase name the same server');
      let thenSettle!: Settle;
      const then = new Promise<unknown>((resolve, reject) => (thenSettle = { resolve, reject }));
      const first = new Promise<unknown>((resolve, reject) =>
        enqueue({ request: request as ServerRequest, resolve, reject, then: { ...thenSettle, request: thenRequest as ServerRequest } }),
      );
      return { first, then };
    },
  };
}

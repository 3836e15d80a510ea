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
 * each server receives every server's request: a batch whose web.config bytes would add up to more is
 * sent as several fan-outs. hybridcfg's own bound, not a WinRM figure.
 */
export const FANOUT_MAX_MAP_CHARS = 8 * 1024 * 1024;

export interface FanOut {
  /** One server's call (request.context.server set); settles with that server's own result or error. */
  submit(request: CallRequest): Promise<unknown>;
}

interface Job {
  readonly request: CallRequest & { readonly context: { readonly server: NonNullable<CallRequest['context']['server']> } };
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
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
    for (const group of groups.values()) for (const chunk of chunks(group)) void dispatch(chunk);
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
    try {
      await send({
        script,
        data: null,
        ...(first.kindScripts ? { kindScripts: first.kindScripts } : {}),
        // A call that fails as a whole names its server, or its servers.
        context: jobs.length === 1 ? { call: first.context.call, server: first.context.server } : { call: first.context.call, subject: subjectOf(jobs) },
        transport: 'session',
        ...(perServer > 0 ? { timeoutMs: perServer * waves } : {}),
        fanOut: {
          targets,
          map,
          throttle: limit,
          onItem: (server, answer) => {
            const job = byName.get(server);
            if (!job || settled.has(server)) return;
            settled.add(server);
            if (answer.ok) job.resolve(answer.result);
            else job.reject(new DiagnosticError(classifyError(answer.error, job.request.context)));
          },
        },
      });
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
      return;
    }
    for (const [name, job] of byName) {
      if (settled.has(name)) continue;
      const s = job.request.context.server;
      job.reject(
        new DiagnosticError(
          error(
            'target.no-answer',
            `${s.Name} (${s.Fqdn}) gave no answer to ${first.context.call}: neither a result nor an error came back from it`,
            'Nothing is known of what the call did there. Run plan again to read the server; check WinRM to it (`Test-WSMan <fqdn>`).',
          ),
        ),
      );
    }
  };

  const subjectOf = (jobs: readonly Job[]): string => {
    const names = jobs.map((j) => j.request.context.server.Name);
    return `${names.length} servers (${names.length <= 10 ? names.join(', ') : `${names.slice(0, 10).join(', ')} and ${names.length - 10} more`})`;
  };

  return {
    submit(request) {
      if (!request.context.server) throw new Error('a fan-out call names its server');
      return new Promise((resolve, reject) => {
        queued.push({ request: request as Job['request'], resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}

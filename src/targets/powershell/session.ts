/**
 * One PowerShell process for the whole run, driven by node-powershell and wrapped for what it lacks
 * (STACK.md): our own timeout (a hung call kills the shell and a fresh one serves later calls), our own
 * queue (node-powershell's queue would leave queued calls pending forever after a kill), -NoProfile
 * -NonInteractive, results read from one framed document on stdout instead of trusting stderr.
 */
import { randomBytes } from 'node:crypto';
import type { PowerShell } from 'node-powershell';
import { DiagnosticError, error } from '../../diag/diagnostic';
import type { CallContext, PsError } from './errors';
import { classifyError, fallback } from './errors';
import type { Route, ScriptName } from './scripts';
import { killDescendants } from './kill';
import { commandLine, extractFrame, extractItems, fanOutCommandLine, scriptB64 } from './scripts';
import type { FanOutTarget, ScriptName as PhaseScript } from './scripts';

export interface SessionOptions {
  readonly executable: string;
  readonly timeoutMs: number;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Run once in every new shell before its first call (loads the Exchange cmdlets); none for a bare shell. */
  readonly connect?: { readonly script: ScriptName; readonly data: unknown };
  /** Told what the connect step answered, each time a shell connects (before the call that needed it). */
  readonly onConnect?: (answer: unknown) => void;
  /** Lab mode: every call goes through the fake Exchange module's stand-in (Route.lab). */
  readonly lab?: boolean;
  /** Told of every call when it ends, for --log-file's transcript: never its data or its answer. */
  readonly onCall?: (call: PsCallRecord) => void;
}

/** One PowerShell call as the transcript records it: what ran where, how long, and how it ended. */
export interface PsCallRecord {
  readonly script: string;
  readonly call: string;
  readonly server?: string;
  readonly ms: number;
  readonly ok: boolean;
  /** The diagnostic code of a failed call. */
  readonly code?: string;
  /** A fan-out: the servers the one call ran on. */
  readonly servers?: readonly string[];
  /** The call had to start PowerShell first (a new shell, or one replaced after a kill). */
  readonly shellStarted?: boolean;
}

/** A call that runs on many servers at once (envelope.ps1's fan-out); each server's answer is handed over as it arrives. */
export interface FanOutCall {
  readonly targets: readonly FanOutTarget[];
  /** The servers' requests (fanOutMap). */
  readonly map: string;
  readonly throttle: number;
  /** One server's answer: the envelope of its own result or error. Called once per server and phase that answered. */
  readonly onItem: (server: string, answer: { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: PsError }, phase?: 1 | 2) => void;
  /** A second phase, run in the same call once every server of the first answered with a result. */
  readonly then?: { readonly call: string; readonly targets: readonly FanOutTarget[]; readonly map: string; readonly script: PhaseScript; readonly kindScripts?: readonly string[]; readonly throttle: number };
}

export interface CallRequest {
  readonly script: ScriptName;
  readonly data: unknown;
  /** The resource kinds' scripts whose functions the call uses (sent with it). */
  readonly kindScripts?: readonly string[];
  /** Bytes sent beside the data, not inside it (5.1's ConvertFrom-Json limit). */
  readonly blob?: Buffer;
  readonly context: CallContext;
  readonly transport: Route['transport'];
  /** This call's own limit when it may legitimately take longer than the session's (a health check wait). */
  readonly timeoutMs?: number;
  /** Runs on these servers at once instead (data and blob are then unused). */
  readonly fanOut?: FanOutCall;
}

export interface PsSession {
  /** Runs one call; resolves with the script's JSON result, or throws DiagnosticError. */
  call(request: CallRequest): Promise<unknown>;
  close(): Promise<void>;
}

type Envelope = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: PsError };

/** The least time a shell is given to start and connect to Exchange. */
export const CONNECT_TIMEOUT_MS = 60_000;

/** How long node-powershell may take to notice the end of a call after our own frame has arrived. */
const FRAME_GRACE_MS = 2000;

const describe = (ctx: CallContext): string =>
  ctx.server ? `${ctx.call} on ${ctx.server.Name} (${ctx.server.Fqdn})` : ctx.subject ? `${ctx.call} of ${ctx.subject}` : ctx.call;

export function openSession(options: SessionOptions): PsSession {
  let shell: PowerShell | undefined;
  let connected = false;
  let queue: Promise<unknown> = Promise.resolve();

  const start = (): PowerShell => {
    // Loaded here so that commands which never reach a PowerShell target do not pay for it.
    const { PowerShell: Ctor } = require('node-powershell') as typeof import('node-powershell');
    const instance = new Ctor({
      executable: options.executable,
      executableOptions: { '-NoProfile': true, '-NonInteractive': true, '-ExecutionPolicy': 'Bypass' },
      spawnOptions: { cwd: options.cwd, env: options.env },
      throwOnInvocationError: false,
    });
    // A shell that dies (killed on timeout, or crashed) rejects this promise; we report through call().
    (instance as unknown as { exitPromise: Promise<void> }).exitPromise.catch(() => undefined);
    return instance;
  };

  const kill = async (): Promise<void> => {
    const old = shell;
    shell = undefined;
    connected = false;
    if (!old) return;
    // The call must stop, not only the launcher (kill.ts): its child processes go first.
    const pid = (old as unknown as { process?: { pid?: number } }).process?.pid;
    if (pid !== undefined) killDescendants(pid);
    await old.dispose('SIGKILL').catch(() => undefined);
  };

  const invoke = async (request: Omit<CallRequest, 'timeoutMs'>, timeoutMs: number): Promise<unknown> => {
    if (!options.onCall) return invokeOnce(request, timeoutMs);
    const started = Date.now();
    const base = {
      script: request.script,
      call: request.context.call,
      ...(request.context.server ? { server: request.context.server.Name } : {}),
      ...(request.fanOut ? { servers: request.fanOut.targets.map((t) => t.name) } : {}),
      ...(shell === undefined ? { shellStarted: true } : {}),
    };
    try {
      const answer = await invokeOnce(request, timeoutMs);
      options.onCall({ ...base, ms: Date.now() - started, ok: true });
      return answer;
    } catch (err) {
      const code = err instanceof DiagnosticError ? err.diagnostics[0]?.code : undefined;
      options.onCall({ ...base, ms: Date.now() - started, ok: false, ...(code !== undefined ? { code } : {}) });
      throw err;
    }
  };

  const invokeOnce = async (request: Omit<CallRequest, 'timeoutMs'>, timeoutMs: number): Promise<unknown> => {
    const { script, data, context, transport } = request;
    shell ??= start();
    const nonce = randomBytes(12).toString('hex');
    const fan = request.fanOut;
    const route: Route = {
      nonce,
      call: context.call,
      transport,
      ...(fan ? { fanout: fan.targets, throttle: fan.throttle } : {}),
      ...(fan?.then
        ? { then: { call: fan.then.call, fanout: fan.then.targets, throttle: fan.then.throttle, scriptB64: scriptB64(fan.then.script, fan.then.kindScripts), map: fan.then.map } }
        : {}),
      // connect loads the fake module itself: it runs in the shell, like every connect.
      ...(options.lab && script !== 'connect' ? { lab: true } : {}),
      ...(context.server ? { server: { name: context.server.Name, fqdn: context.server.Fqdn } } : {}),
      log: context.log ?? { call: context.call, ...(context.server ? { server: context.server.Name } : {}) },
      failCode: fallback(context).code,
    };
    // node-powershell frames output with delimiters it sometimes fails to see when they share a chunk with
    // other output, and then never resolves. Our own frame is authoritative: once its end marker is on
    // stdout, a stuck invocation is abandoned (and the shell replaced) after a short grace period.
    let seen = '';
    let timer: NodeJS.Timeout | undefined;
    let grace: NodeJS.Timeout | undefined;
    const endMarker = `HYBRIDCFG-${nonce}-END`;
    const current = shell;
    // A fan-out's servers answer one by one: each ITEM frame is handed over as soon as it is whole.
    let scanned = 0;
    const delivered = new Set<string>();
    const deliver = (text: string): void => {
      if (!fan) return;
      const { items, next } = extractItems(text, nonce, scanned);
      scanned = next;
      for (const item of items as { server?: unknown; phase?: unknown; answer?: unknown }[]) {
        const phase = item.phase === 2 ? 2 : 1;
        const key = `${phase}\u0000${String(item.server)}`;
        if (typeof item.server !== 'string' || delivered.has(key) || item.answer === null || typeof item.answer !== 'object') continue;
        delivered.add(key);
        fan.onItem(item.server, item.answer as Parameters<FanOutCall['onItem']>[1], phase);
      }
    };
    const framed = new Promise<'framed'>((resolve) => {
      const onData = (chunk: Buffer | string): void => {
        seen += chunk.toString();
        deliver(seen);
        if (seen.includes(endMarker)) {
          current.streams.stdout.off('data', onData);
          grace = setTimeout(() => resolve('framed'), FRAME_GRACE_MS);
        }
      };
      current.streams.stdout.on('data', onData);
    });
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    let outcome: Awaited<ReturnType<PowerShell['invoke']>> | 'timeout' | 'framed';
    try {
      const line = fan ? fanOutCommandLine(script, fan.map, route, request.kindScripts) : commandLine(script, data, route, request.kindScripts, request.blob);
      outcome = await Promise.race([current.invoke(line), timedOut, framed]);
    } catch (err) {
      await kill();
      throw new DiagnosticError(
        error(
          'target.shell-exited',
          `PowerShell stopped during ${describe(context)}`,
          `${err instanceof Error ? err.message.trim() : String(err)}\nA fresh PowerShell will be started for the next call.`,
        ),
      );
    } finally {
      clearTimeout(timer);
      clearTimeout(grace);
    }
    if (outcome === 'timeout') {
      await kill();
      throw new DiagnosticError(
        error(
          'target.timeout',
          `${describe(context)} did not finish within ${timeoutMs / 1000} s and was stopped`,
          'The PowerShell session was stopped; later calls use a fresh one. The call may still have completed on the ' +
            'server: run plan again to see the current state. Raise target.powershell.timeoutSeconds for slow servers.',
        ),
      );
    }
    if (outcome === 'framed') {
      await kill();
      outcome = { command: '', raw: seen, hadErrors: false, startTime: 0, stdout: Buffer.from(seen) };
    }
    const stdout = outcome.stdout?.toString('utf8') ?? outcome.raw;
    // Any item the stream watcher did not see whole (node-powershell may hand stdout over only at the end):
    // the whole output is scanned again only when some server of the call is still unanswered.
    if (fan && delivered.size < fan.targets.length + (fan.then?.targets.length ?? 0)) {
      scanned = 0;
      deliver(stdout);
    }
    const envelope = extractFrame(stdout, nonce) as Envelope | undefined;
    if (!envelope) {
      const stderr = outcome.stderr?.toString('utf8').trim() ?? '';
      await kill();
      throw new DiagnosticError(
        error('target.no-result', `PowerShell returned no result for ${describe(context)}`, `It printed: ${(stderr || stdout).trim().slice(0, 2000)}`),
      );
    }
    if (!envelope.ok) throw new DiagnosticError(classifyError(envelope.error, context));
    return envelope.result;
  };

  const run = async (request: CallRequest): Promise<unknown> => {
    if (!connected) {
      if (options.connect) {
        // Starting PowerShell and loading the Exchange cmdlets (Import-PSSession of a remote endpoint takes
        // many seconds) is given at least CONNECT_TIMEOUT_MS, whatever the limit of one call.
        const answer = await invoke({ script: options.connect.script, data: options.connect.data, context: { call: 'connect' }, transport: 'session' }, Math.max(options.timeoutMs, CONNECT_TIMEOUT_MS));
        options.onConnect?.(answer);
      }
      connected = true;
    }
    return invoke(request, request.timeoutMs ?? options.timeoutMs);
  };

  return {
    call(request) {
      // One call at a time, in order; a failed call does not block the ones behind it.
      const next = queue.then(() => run(request));
      queue = next.catch(() => undefined);
      return next;
    },
    async close() {
      await queue;
      await kill();
    },
  };
}

/**
 * The PowerShell target: a real Exchange organisation (or, with `lab`, the fake Exchange module on a lab
 * folder) driven through long-lived PowerShell sessions: one main session for the Exchange cmdlets and
 * the run state; the per-server calls of one phase go out together as one call that fans out to the
 * servers with Invoke-Command -ComputerName <list> -ThrottleLimit <parallelism> (fan-out.ts), and extra
 * shells are started only when such calls overlap for long (pool.ts). What each resource
 * kind reads and changes is its driver's (src/resources/<kind>/powershell.ts and .ps1); the generic
 * scripts carry the functions of every kind a call serves, so that the round trips stay: reading the
 * organisation is one (lock, last run and the kinds' state files included); reading every server is one
 * fan-out (backup checks included); writing a batch of servers and restarting it is one (setServerThenRestart:
 * the restarts, health checks included, run once the whole batch is written); an
 * organisation-wide change is one (its originals recorded in the same call); taking the lock, releasing
 * it and appending a journal line are one each.
 *
 * The run state lives in <ExchangeInstallPath>hybridcfg\ of the lock server, the first client access
 * server by name (files: winrm), or of this machine (files: local); in lab mode in LAB/hybridcfg/, the
 * lab target's own files (docs/safety.md, "Where things live").
 */
import { fail, warning, type Diagnostic } from '../../diag/diagnostic';
import type { PowerShellTargetSpec } from '../../spec/types';
import type { TargetContext } from '../index';
import type {
  ExchangeServer,
  ExcludedServer,
  HealthCheckResult,
  JournalEnd,
  JournalEntry,
  JournalStart,
  KindQueries,
  LockHolder,
  OrganizationRead,
  RestartRequest,
  RestartResult,
  ServerRead,
  ServerSetRequest,
  Target,
} from '../types';
import { normalizeBuild } from '../../domain/builds';
import { iisMapOf, type IisConfiguration } from '../iis';
import type { PsDriver } from './driver';
import { openFanOut } from './fan-out';
import { openPool } from './pool';
import { FAKE_EXCHANGE_MODULE, scriptText } from './scripts';
import { parseJournalLine, parseLock } from '../run-state';
import type { Route } from './scripts';
import { openSession } from './session';
import type { CallRequest } from './session';
import type { SessionOptions } from './session';
import { findShell } from './shell';

export const DEFAULT_TIMEOUT_SECONDS = 120;

/**
 * iisreset's stop timeout: its default of 20 s is too short for Exchange's twenty-odd pools
 * (docs/exchange-facts.md#files-iis F4); five minutes is hybridcfg's choice, not an Exchange figure.
 */
export const IISRESET_TIMEOUT_SECONDS = 300;

/** Shells serving server calls at once when the caller does not say (the CLI's --parallelism default). */
const DEFAULT_SHELLS = 10;

/**
 * Free space a server must keep beyond what the backups themselves take, or readServer reports that
 * backups are not possible: hybridcfg's own margin, so that it never takes the last bytes of a disk
 * Exchange needs (not an Exchange figure).
 */
export const BACKUP_MIN_FREE_BYTES = 100 * 1024 * 1024;

/** Every call carries a restart's health check wait on top of the usual limit. */
const healthWaitMs = (request: RestartRequest): number => (request.healthCheck ? request.healthCheck.timeoutSeconds * 1000 : 0);

/** The run state as state.ps1 hands it back: the files' texts, parsed here exactly as the lab target parses them. */
interface StateRead {
  readonly lock: string | null;
  readonly lastRunStart: string | null;
  readonly lastRunEnd: string | null;
}

type Options = PowerShellTargetSpec['powershell'];

/** yyyymmddThhmmssmmmZ: sortable, and safe in a path on every file system. */
export function backupStamp(now: Date = new Date()): string {
  return now.toISOString().replace(/[-:.]/g, '');
}

/** The Exchange cmdlets every run needs, beside those each kind names (Import-PSSession -CommandName); Get-OrganizationConfig for the organisation's name only. */
const BASE_CMDLETS = ['Get-ExchangeServer', 'Get-OrganizationConfig'];

function connectData(options: Options, cmdlets: readonly string[]): unknown {
  const exchange = options.exchange ?? 'local';
  if (options.lab) return { mode: 'lab', modulePath: FAKE_EXCHANGE_MODULE, snapIn: exchange === 'snap-in' };
  if (exchange === 'local') return { mode: 'local' };
  if (exchange === 'snap-in') return { mode: 'snap-in' };
  return { mode: 'remote', connectionUri: exchange.connectionUri, authentication: exchange.authentication ?? 'Kerberos', cmdlets };
}

function describeTarget(executable: string, options: Options): string {
  const shell = /pwsh(\.exe)?$/i.test(executable) ? 'pwsh' : 'powershell';
  if (options.lab) return `${shell} (fake Exchange on lab ${options.lab}${options.exchange === 'snap-in' ? ', snap-in' : ''})`;
  const exchange = options.exchange ?? 'local';
  return `${shell} (Exchange: ${typeof exchange === 'string' ? exchange : exchange.connectionUri}, files: ${options.files ?? 'auto'})`;
}

/** What connect.ps1 says about the session it opened. */
export interface SessionInfo {
  /** $env:COMPUTERNAME of the machine hybridcfg's PowerShell runs on. */
  readonly computer: string;
  readonly fqdn: string;
  /** Inside a remote session ($PSSenderInfo): WinRM onward would be a Kerberos double hop. */
  readonly remoteSession: boolean;
  /** How the Exchange cmdlets came: lab, remote, shell (RemoteExchange.ps1), snap-in, existing, existing-snap-in. */
  readonly via: string;
  /** The host of the Exchange session: this machine, or the remote endpoint's. */
  readonly exchangeHost: string | null;
}

/** Whether an Exchange server is the machine the session runs on (NetBIOS name or FQDN, case-insensitively). */
export function isThisMachine(server: ExchangeServer, session: SessionInfo): boolean {
  return server.Name.toUpperCase() === session.computer.toUpperCase() || (session.fqdn !== '' && server.Fqdn.toUpperCase() === session.fqdn.toUpperCase());
}

/**
 * How a call reaches a server's files, IIS and ExSetup.exe: on that server, always (docs/exchange-facts.md
 * #files-iis). `auto`: in-process when the server is this machine (loopback WinRM would need an elevated
 * token), WinRM otherwise; `winrm`: WinRM always; `local`: this machine only, so another server is an
 * error that names the fix. WinRM from inside a remote session is refused: the credentials do not reach
 * the second hop.
 */
export function serverRoute(server: ExchangeServer, session: SessionInfo, files: 'auto' | 'local' | 'winrm'): Route['transport'] {
  const here = isThisMachine(server, session);
  if (files === 'local' && !here) {
    fail(
      'target.files-local-other-server',
      `files: local reads and writes files on this machine (${session.computer}), and ${server.Name} is another server`,
      `Its web.config would be read from ${session.computer}'s disk and reported as ${server.Name}'s. Set target.powershell.files to auto ` +
        '(the default: this machine in-process, other servers through WinRM) or winrm, or limit `servers:` to this machine.',
    );
  }
  const transport = files === 'winrm' || !here ? 'winrm' : 'session';
  if (transport === 'winrm' && session.remoteSession) {
    fail(
      'target.double-hop',
      `hybridcfg runs inside a remote PowerShell session on ${session.computer}, so it cannot reach ${server.Name} through WinRM`,
      'From inside a remote session, Kerberos does not pass your credentials on to a second server (the "double hop"), and ' +
        'Invoke-Command to it fails. Run hybridcfg on the machine itself (an RDP session, a scheduled task, a pipeline agent) or set ' +
        'up CredSSP or resource-based Kerberos constrained delegation for it.',
    );
  }
  return transport;
}

export async function createPowerShellTarget(options: Options, ctx: TargetContext): Promise<Target> {
  const executable = findShell(options.shell);
  const drivers = ctx.drivers.powershell;
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const shell: Omit<SessionOptions, 'connect'> = {
    executable,
    timeoutMs: timeoutSeconds * 1000,
    cwd: ctx.specDir,
    env: options.lab ? { ...process.env, HYBRIDCFG_LAB: options.lab } : process.env,
    ...(ctx.onPowerShellCall ? { onCall: ctx.onPowerShellCall } : {}),
  };
  const cmdlets = [...new Set([...BASE_CMDLETS, ...Object.values(drivers).flatMap((d) => d.cmdlets ?? [])])];
  // What the main session said when it connected: where hybridcfg runs, and how it reached Exchange.
  let session: SessionInfo | undefined;
  const onConnect = (answer: unknown): void => {
    const info = (answer as { session?: SessionInfo } | undefined)?.session;
    if (info) session = info;
  };
  // Extra shells serve server calls only: no Exchange cmdlets to load, except in lab mode, where the fake
  // module also stands in for the round trip to each server.
  const extraConnect = options.lab ? { script: 'connect' as const, data: connectData(options, cmdlets) } : undefined;
  let serversKnown: number | undefined;
  const parallelism = Math.max(1, ctx.parallelism ?? DEFAULT_SHELLS);
  const lab = options.lab !== undefined;
  const pool = openPool(
    openSession({ ...shell, lab, onConnect, connect: { script: 'connect', data: connectData(options, cmdlets) } }),
    () => openSession({ ...shell, lab, ...(extraConnect ? { connect: extraConnect } : {}) }),
    () => Math.min(parallelism, serversKnown ?? parallelism),
  );
  // Per-server calls of one phase go out together, as one Invoke-Command -ComputerName fan-out (fan-out.ts).
  const fan = openFanOut(
    (request) => pool.server(request),
    () => parallelism,
  );
  const files = options.files ?? 'auto';
  // Exchange cmdlets run in the main session (locally, or as proxies of the remote endpoint); each server's
  // work runs on that server (serverRoute). In lab mode the fake module stands in for both.
  const orgTransport: Route['transport'] = 'session';
  const sessionInfo = async (): Promise<SessionInfo> => {
    // The main session connects on its first call; a target asked for a server route first connects now.
    if (!session) await pool.org({ script: 'connect', data: connectData(options, cmdlets), context: { call: 'connect' }, transport: 'session' });
    return session ?? { computer: '', fqdn: '', remoteSession: false, via: 'unknown', exchangeHost: null };
  };
  const routeOf = async (server: ExchangeServer): Promise<Route['transport']> => serverRoute(server, await sessionInfo(), files);
  // Where state.ps1 runs: on the lock server (auto: in-process when it is this machine), or in the calling
  // session (files: local; the lab, whose fake module points ExchangeInstallPath at the lab folder).
  // The lock server is looked up once per run: the first call that finds it says which, later calls name it.
  let lockServer: { name: string; fqdn: string } | undefined;
  const state = (): Record<string, unknown> => ({
    transport: lab || files === 'local' ? 'local' : files,
    scriptB64: Buffer.from(scriptText('state'), 'utf8').toString('base64'),
    ...(lockServer ? { lockServer } : {}),
  });
  const rememberLock = (found: { Name?: string; Fqdn?: string } | null | undefined): void => {
    if (!lockServer && found?.Name) lockServer = { name: found.Name, fqdn: found.Fqdn ?? found.Name };
  };
  const stateCall = async (call: 'acquireLock' | 'releaseLock' | 'appendJournal', runId: string, operation: Record<string, unknown>): Promise<unknown> => {
    const answer = (await pool.org({ script: 'state-call', data: { state: state(), operation }, context: { call, log: { call, runId } }, transport: orgTransport })) as {
      result?: unknown;
      lockServer?: { Name?: string; Fqdn?: string } | null;
    };
    rememberLock(answer.lockServer);
    return answer.result;
  };
  /** What the plan must say about how the session reached Exchange. */
  const notices = (info: SessionInfo): Diagnostic[] =>
    info.via === 'snap-in' || info.via === 'existing-snap-in' || (lab && options.exchange === 'snap-in')
      ? [
          warning(
            'target.snap-in-bypasses-rbac',
            `The Exchange snap-in is loaded directly in this session${info.via === 'existing-snap-in' ? ' (it was already loaded)' : ''}: RBAC does not apply.`,
            'Every cmdlet runs with all the parameters of its build and none of the limits of your role assignments, which Microsoft does not support ' +
              'for managing Exchange. Use the Exchange Management Shell (target.powershell.exchange: local, in a fresh PowerShell) unless you chose this on purpose.',
          ),
        ]
      : [];

  const driverOf = (kind: string, scope: PsDriver['scope']): PsDriver => {
    const d = drivers[kind];
    if (!d || d.scope !== scope) throw new Error(`the PowerShell target has no ${scope} driver for resource kind "${kind}"`);
    return d;
  };

  /** One server's changes as one call (set-server.ps1), and how to read its answer. */
  const setCall = async (server: ExchangeServer, requests: readonly ServerSetRequest[]) => {
    const kinds = [...new Set(requests.map((r) => r.kind))];
    const groups = kinds.map((id) => {
      const driver = driverOf(id, 'server');
      const mine = requests.flatMap((r, i) => (r.kind === id ? [{ r, i }] : []));
      return { id, driver, mine, payload: driver.set.payload(mine.map((m) => m.r.request), server) };
    });
    // One blob for the call; set-server.ps1 hands each kind its own slice of it.
    let offset = 0;
    const blobs: Buffer[] = [];
    const data = groups.map((g) => {
      const blob = g.payload.blob ?? Buffer.alloc(0);
      blobs.push(blob);
      offset += blob.length;
      return { fn: g.driver.set.fn, data: g.payload.data, blobOffset: offset - blob.length, blobLength: blob.length };
    });
    const first = groups[0]?.driver.set;
    const log = first ? { ...first.log(groups[0].mine[0].r.request), server: server.Name } : { call: 'setServer', server: server.Name };
    const request: CallRequest = {
      script: 'set-server',
      data: { stamp: backupStamp(), groups: data },
      blob: Buffer.concat(blobs),
      kindScripts: [...new Set(groups.map((g) => g.driver.script))],
      context: { call: log.call as string, server, log, ...(first ? { failCode: first.failCode, what: first.what } : {}) },
      transport: await routeOf(server),
    };
    const parse = (answer: unknown): readonly unknown[] => {
      const result = answer as { results?: unknown[] };
      const out = new Array<unknown>(requests.length);
      groups.forEach((g, gi) => {
        const parsed = g.driver.set.parse(result.results?.[gi], g.mine.map((m) => m.r.request));
        g.mine.forEach((m, j) => (out[m.i] = parsed[j]));
      });
      return out;
    };
    return { request, parse };
  };

  /** One server's restart as one call (restart.ps1, its health check included), and how to read its answer. */
  const restartCall = async (server: ExchangeServer, request: RestartRequest) => {
    if (request.mode === 'appPools' && (request.appPools ?? []).length === 0 && request.allExchangePools !== true) {
      fail('target.restart-invalid', `No app pools given to recycle on ${server.Name}`, 'Name the app pools, e.g. MSExchangeRestFrontEndAppPool.');
    }
    const call: CallRequest = {
      script: 'restart',
      data: {
        mode: request.mode,
        appPools: request.appPools ?? [],
        allExchangePools: request.allExchangePools === true,
        iisresetTimeoutSeconds: IISRESET_TIMEOUT_SECONDS,
        // The plan's figure: the lab's fake module models unavailability from it (LAB.md O5); restart.ps1 ignores it.
        ...(request.expectedUnavailableSeconds !== undefined ? { expectedUnavailableSeconds: request.expectedUnavailableSeconds } : {}),
        fqdn: server.Fqdn,
        healthCheck: request.healthCheck
          ? { paths: request.healthCheck.paths, probes: request.healthCheck.probes ?? [], timeoutSeconds: request.healthCheck.timeoutSeconds }
          : null,
      },
      context: { call: 'restart', server },
      transport: await routeOf(server),
      timeoutMs: timeoutSeconds * 1000 + healthWaitMs(request) + (request.mode === 'iisreset' ? IISRESET_TIMEOUT_SECONDS * 1000 + 60_000 : 0),
    };
    const parse = (answer: unknown, began: number): RestartResult => {
      const result = answer as { health?: HealthCheckResult; unavailability?: { ms: number; how: 'modelled' } };
      // From sending the restart to its health check's answer: an upper bound of what users saw. In lab
      // mode the fake module answers with the lab's modelled figure instead, as the lab target does.
      const unavailability =
        lab && result.unavailability && typeof result.unavailability.ms === 'number'
          ? { ms: result.unavailability.ms, how: 'modelled' as const }
          : { ms: Date.now() - began, how: 'measured' as const };
      if (!request.healthCheck) return { unavailability };
      // Never a health that was not observed: a missing answer is a failed check.
      return { health: result.health ?? { ok: false, failures: [{ path: '', reason: `${server.Name} did not report its health check` }] }, unavailability };
    };
    return { request: call, parse };
  };

  return {
    kind: 'powershell',
    description: describeTarget(executable, options),
    fansOut: true,

    async readOrganization(queries: KindQueries): Promise<OrganizationRead> {
      const kinds = Object.entries(queries).map(([id, query]) => ({ id, query, driver: driverOf(id, 'organization') }));
      const result = (await pool.org({
        script: 'read-organization',
        data: {
          state: state(),
          stateFiles: [...new Set(kinds.flatMap((k) => k.driver.stateFiles ?? []))],
          kinds: kinds.map((k) => ({ id: k.id, fn: k.driver.read.fn, data: k.driver.read.data(k.query) })),
        },
        kindScripts: [...new Set(kinds.map((k) => k.driver.script))],
        context: { call: 'readOrganization' },
        transport: orgTransport,
      })) as {
        servers?: ExchangeServer[];
        excluded?: ExcludedServer[];
        resources?: Record<string, unknown>;
        state: StateRead | null;
        lockServer?: { Name?: string; Fqdn?: string } | null;
        organizationName?: string | null;
      };
      rememberLock(result.lockServer);
      const servers = result.servers ?? [];
      serversKnown = servers.length;
      const st = result.state;
      // Lines that are not ones hybridcfg wrote are skipped, as the lab skips them (src/targets/run-state.ts).
      const journalLine = <E extends JournalEntry>(text: string | null | undefined, event: E['event']): E | undefined => {
        const e = text ? parseJournalLine(text) : undefined;
        return e?.event === event ? (e as E) : undefined;
      };
      const start = journalLine<JournalStart>(st?.lastRunStart, 'start');
      const end = journalLine<JournalEnd>(st?.lastRunEnd, 'end');
      const resources: Record<string, unknown> = {};
      for (const k of kinds) resources[k.id] = k.driver.read.parse(result.resources?.[k.id], k.query);
      return {
        ...(typeof result.organizationName === 'string' && result.organizationName !== '' ? { name: result.organizationName } : {}),
        servers,
        excluded: result.excluded ?? [],
        notices: notices(await sessionInfo()),
        resources,
        lock: st?.lock ? parseLock(st.lock) : null,
        lastRun: start ? (end ? { start, end } : { start }) : null,
      };
    },

    async readServer(server: ExchangeServer, queries: KindQueries): Promise<ServerRead> {
      const kinds = Object.entries(queries).map(([id, query]) => ({ id, query, driver: driverOf(id, 'server') }));
      const result = (await fan.submit({
        script: 'read-server',
        data: { minFreeBytes: BACKUP_MIN_FREE_BYTES, kinds: kinds.map((k) => ({ id: k.id, fn: k.driver.read.fn, data: k.driver.read.data(k.query, server) })) },
        kindScripts: [...new Set(kinds.map((k) => k.driver.script))],
        context: { call: 'readServer', server },
        transport: await routeOf(server),
      })) as { installPath: string; resources?: Record<string, unknown>; backup: { possible: boolean; reason?: string }; build?: string | null; iis?: IisConfiguration | null };
      const resources: Record<string, unknown> = {};
      for (const k of kinds) resources[k.id] = k.driver.read.parse(result.resources?.[k.id], k.query, server);
      const backup = result.backup.possible ? { possible: true } : { possible: false, reason: result.backup.reason ?? 'the server gave no reason' };
      return {
        name: server.Name,
        installPath: result.installPath,
        resources,
        backup,
        build: (result.build && normalizeBuild(result.build)) || null,
        iis: result.iis ? iisMapOf({ applications: result.iis.applications ?? [], pools: result.iis.pools ?? [] }, result.installPath) : null,
      };
    },

    async setOrganization(kind: string, request: unknown): Promise<unknown> {
      const driver = driverOf(kind, 'organization');
      const payload = driver.set.payload([request]);
      const log = driver.set.log(request);
      const result = (await pool.org({
        script: 'set-organization',
        data: { fn: driver.set.fn, data: payload.data, state: state() },
        ...(payload.blob ? { blob: payload.blob } : {}),
        kindScripts: [driver.script],
        context: { call: log.call, log, subject: describeSubject(log), failCode: driver.set.failCode, what: driver.set.what },
        transport: orgTransport,
      })) as { result?: unknown };
      return driver.set.parse(result.result, [request])[0];
    },

    async setServer(server: ExchangeServer, requests: readonly ServerSetRequest[]): Promise<readonly unknown[]> {
      const set = await setCall(server, requests);
      return set.parse(await fan.submit(set.request));
    },

    async setServerThenRestart(server: ExchangeServer, requests: readonly ServerSetRequest[], restart: RestartRequest) {
      const set = await setCall(server, requests);
      const again = await restartCall(server, restart);
      const began = Date.now();
      const calls = fan.submitThen(set.request, again.request);
      // Settled together: the restart is reported only once its write is known.
      const written = calls.first.then(set.parse);
      const restarted = calls.then.then((answer) => (answer === undefined ? undefined : again.parse(answer, began)));
      written.catch(() => undefined);
      restarted.catch(() => undefined);
      return { written, restarted };
    },

    async restart(server: ExchangeServer, request: RestartRequest): Promise<RestartResult> {
      const call = await restartCall(server, request);
      const began = Date.now();
      return call.parse(await fan.submit(call.request), began);
    },

    async acquireLock(holder: LockHolder): Promise<LockHolder | null> {
      // Serialised here, as the lab target writes it, so that lab mode leaves the lab's own bytes.
      const result = (await stateCall('acquireLock', holder.runId, { op: 'acquire', text: JSON.stringify(holder, null, 2) + '\n' })) as {
        acquired: boolean;
        holder?: string | null;
      };
      if (result.acquired) return null;
      if (!result.holder) {
        // The lock was there when the move failed and gone when it was read: taken and released meanwhile.
        fail('target.lock-failed', "The organisation's apply lock changed hands while hybridcfg tried to take it", 'Nothing was changed. Run the command again.');
      }
      return parseLock(result.holder);
    },

    async releaseLock(runId: string): Promise<boolean> {
      const result = (await stateCall('releaseLock', runId, { op: 'release', runId })) as { released: boolean };
      return result.released === true;
    },

    async appendJournal(entry: JournalEntry): Promise<void> {
      await stateCall('appendJournal', entry.runId, { op: 'append', line: JSON.stringify({ time: new Date().toISOString(), ...entry }) + '\n' });
    },

    sessionHost: () => {
      const host = session?.exchangeHost;
      return host ? host.split('.')[0] : undefined;
    },

    close: () => pool.close(),
  };
}

/** `partner application 00000003-...` for a diagnostic, from a set's calls.jsonl line. */
function describeSubject(log: Readonly<Record<string, unknown>>): string | undefined {
  const id = log.applicationIdentifier;
  return typeof id === 'string' ? `partner application ${id}` : undefined;
}

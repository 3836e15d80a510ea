/**
 * The PowerShell target: a real Exchange organisation (or, with `lab`, the fake Exchange module on a lab
 * folder) driven through long-lived PowerShell sessions: one main session for the Exchange cmdlets and
 * the run state, and extra shells started when per-server calls overlap (pool.ts). What each resource
 * kind reads and changes is its driver's (src/resources/<kind>/powershell.ts and .ps1); the generic
 * scripts carry the functions of every kind a call serves, so that the round trips stay: reading the
 * organisation is one (lock, last run and the kinds' state files included); reading a server is one
 * (backup check included); changing a server is one; a restart is one (health check included); an
 * organisation-wide change is one (its originals recorded in the same call); taking the lock, releasing
 * it and appending a journal line are one each.
 *
 * The run state lives in <ExchangeInstallPath>hybridcfg\ of the lock server, the first client access
 * server by name (files: winrm), or of this machine (files: local); in lab mode in LAB/hybridcfg/, the
 * lab target's own files (docs/safety.md, "Where things live").
 */
import { fail } from '../../diag/diagnostic';
import type { PowerShellTargetSpec } from '../../spec/types';
import type { TargetContext } from '../index';
import type {
  ExchangeServer,
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
import type { PsDriver } from './driver';
import { openPool } from './pool';
import { FAKE_EXCHANGE_MODULE, scriptText } from './scripts';
import { parseStateText } from './state';
import type { Route } from './scripts';
import { openSession } from './session';
import type { SessionOptions } from './session';
import { findShell } from './shell';

export const DEFAULT_TIMEOUT_SECONDS = 120;

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

/** The Exchange cmdlets every run needs, beside those each kind names (Import-PSSession -CommandName). */
const BASE_CMDLETS = ['Get-ExchangeServer'];

function connectData(options: Options, cmdlets: readonly string[]): unknown {
  if (options.lab) return { mode: 'lab', modulePath: FAKE_EXCHANGE_MODULE };
  const exchange = options.exchange ?? 'local';
  if (exchange === 'local') return { mode: 'local' };
  return { mode: 'remote', connectionUri: exchange.connectionUri, authentication: exchange.authentication ?? 'Kerberos', cmdlets };
}

function describeTarget(executable: string, options: Options): string {
  const shell = /pwsh(\.exe)?$/i.test(executable) ? 'pwsh' : 'powershell';
  if (options.lab) return `${shell} (fake Exchange on lab ${options.lab})`;
  const exchange = options.exchange ?? 'local';
  return `${shell} (Exchange: ${exchange === 'local' ? 'local' : exchange.connectionUri}, files: ${options.files ?? 'local'})`;
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
  };
  const cmdlets = [...new Set([...BASE_CMDLETS, ...Object.values(drivers).flatMap((d) => d.cmdlets ?? [])])];
  // Extra shells serve server calls only: no Exchange cmdlets to load, except in lab mode, where the fake
  // module also stands in for the round trip to each server.
  const extraConnect = options.lab ? { script: 'connect' as const, data: connectData(options, cmdlets) } : undefined;
  let serversKnown: number | undefined;
  const parallelism = Math.max(1, ctx.parallelism ?? DEFAULT_SHELLS);
  const pool = openPool(
    openSession({ ...shell, connect: { script: 'connect', data: connectData(options, cmdlets) } }),
    () => openSession({ ...shell, ...(extraConnect ? { connect: extraConnect } : {}) }),
    () => Math.min(parallelism, serversKnown ?? parallelism),
  );
  // Exchange cmdlets run in the main session (locally, or as proxies of the remote endpoint); server work
  // runs in a shell of the pool (files: local), on each server through WinRM, or in lab mode through the
  // fake module's stand-in.
  const orgTransport: Route['transport'] = options.lab ? 'lab' : 'session';
  const serverTransport: Route['transport'] = options.lab ? 'lab' : options.files === 'winrm' ? 'winrm' : 'session';
  // Where state.ps1 runs: on the lock server through WinRM, or in the calling session (files: local; the
  // lab, whose fake module points ExchangeInstallPath at the lab folder for calls without a server).
  const state = {
    transport: serverTransport === 'winrm' ? 'winrm' : 'local',
    scriptB64: Buffer.from(scriptText('state'), 'utf8').toString('base64'),
  };
  const stateCall = async (call: 'acquireLock' | 'releaseLock' | 'appendJournal', runId: string, operation: Record<string, unknown>): Promise<unknown> =>
    pool.org({ script: 'state-call', data: { state, operation }, context: { call, log: { call, runId } }, transport: orgTransport });

  const driverOf = (kind: string, scope: PsDriver['scope']): PsDriver => {
    const d = drivers[kind];
    if (!d || d.scope !== scope) throw new Error(`the PowerShell target has no ${scope} driver for resource kind "${kind}"`);
    return d;
  };

  return {
    kind: 'powershell',
    description: describeTarget(executable, options),

    async readOrganization(queries: KindQueries): Promise<OrganizationRead> {
      const kinds = Object.entries(queries).map(([id, query]) => ({ id, query, driver: driverOf(id, 'organization') }));
      const result = (await pool.org({
        script: 'read-organization',
        data: {
          state,
          stateFiles: [...new Set(kinds.flatMap((k) => k.driver.stateFiles ?? []))],
          kinds: kinds.map((k) => ({ id: k.id, fn: k.driver.read.fn, data: k.driver.read.data(k.query) })),
        },
        kindScripts: [...new Set(kinds.map((k) => k.driver.script))],
        context: { call: 'readOrganization' },
        transport: orgTransport,
      })) as { servers?: ExchangeServer[]; resources?: Record<string, unknown>; state: StateRead | null };
      const servers = result.servers ?? [];
      serversKnown = servers.length;
      const st = result.state;
      const start = st?.lastRunStart ? (parseStateText(st.lastRunStart, 'journal (journal.jsonl)') as JournalStart) : undefined;
      const end = st?.lastRunEnd ? (parseStateText(st.lastRunEnd, 'journal (journal.jsonl)') as JournalEnd) : undefined;
      const resources: Record<string, unknown> = {};
      for (const k of kinds) resources[k.id] = k.driver.read.parse(result.resources?.[k.id], k.query);
      return {
        servers,
        resources,
        lock: st?.lock ? (parseStateText(st.lock, 'lock (lock.json)') as LockHolder) : null,
        lastRun: start ? (end ? { start, end } : { start }) : null,
      };
    },

    async readServer(server: ExchangeServer, queries: KindQueries): Promise<ServerRead> {
      const kinds = Object.entries(queries).map(([id, query]) => ({ id, query, driver: driverOf(id, 'server') }));
      const result = (await pool.server({
        script: 'read-server',
        data: { minFreeBytes: BACKUP_MIN_FREE_BYTES, kinds: kinds.map((k) => ({ id: k.id, fn: k.driver.read.fn, data: k.driver.read.data(k.query, server) })) },
        kindScripts: [...new Set(kinds.map((k) => k.driver.script))],
        context: { call: 'readServer', server },
        transport: serverTransport,
      })) as { installPath: string; resources?: Record<string, unknown>; backup: { possible: boolean; reason?: string } };
      const resources: Record<string, unknown> = {};
      for (const k of kinds) resources[k.id] = k.driver.read.parse(result.resources?.[k.id], k.query, server);
      const backup = result.backup.possible ? { possible: true } : { possible: false, reason: result.backup.reason ?? 'the server gave no reason' };
      return { name: server.Name, installPath: result.installPath, resources, backup };
    },

    async setOrganization(kind: string, request: unknown): Promise<unknown> {
      const driver = driverOf(kind, 'organization');
      const payload = driver.set.payload([request]);
      const log = driver.set.log(request);
      const result = (await pool.org({
        script: 'set-organization',
        data: { fn: driver.set.fn, data: payload.data, state },
        ...(payload.blob ? { blob: payload.blob } : {}),
        kindScripts: [driver.script],
        context: { call: log.call, log, subject: describeSubject(log), failCode: driver.set.failCode, what: driver.set.what },
        transport: orgTransport,
      })) as { result?: unknown };
      return driver.set.parse(result.result, [request])[0];
    },

    async setServer(server: ExchangeServer, requests: readonly ServerSetRequest[]): Promise<readonly unknown[]> {
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
      const result = (await pool.server({
        script: 'set-server',
        data: { stamp: backupStamp(), groups: data },
        blob: Buffer.concat(blobs),
        kindScripts: [...new Set(groups.map((g) => g.driver.script))],
        context: { call: log.call as string, server, log, ...(first ? { failCode: first.failCode, what: first.what } : {}) },
        transport: serverTransport,
      })) as { results?: unknown[] };
      const out = new Array<unknown>(requests.length);
      groups.forEach((g, gi) => {
        const parsed = g.driver.set.parse(result.results?.[gi], g.mine.map((m) => m.r.request));
        g.mine.forEach((m, j) => (out[m.i] = parsed[j]));
      });
      return out;
    },

    async restart(server: ExchangeServer, request: RestartRequest): Promise<RestartResult> {
      if (request.mode === 'appPools' && (request.appPools ?? []).length === 0) {
        fail('target.restart-invalid', `No app pools given to recycle on ${server.Name}`, 'Name the app pools, e.g. MSExchangeRestFrontEndAppPool.');
      }
      const result = (await pool.server({
        script: 'restart',
        data: {
          mode: request.mode,
          appPools: request.appPools ?? [],
          fqdn: server.Fqdn,
          healthCheck: request.healthCheck ? { paths: request.healthCheck.paths, timeoutSeconds: request.healthCheck.timeoutSeconds } : null,
        },
        context: { call: 'restart', server },
        transport: serverTransport,
        timeoutMs: timeoutSeconds * 1000 + healthWaitMs(request),
      })) as { health?: HealthCheckResult };
      if (!request.healthCheck) return {};
      // Never a health that was not observed: a missing answer is a failed check.
      return { health: result.health ?? { ok: false, failures: [{ path: '', reason: `${server.Name} did not report its health check` }] } };
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
      return parseStateText(result.holder, 'lock (lock.json)') as LockHolder;
    },

    async releaseLock(runId: string): Promise<boolean> {
      const result = (await stateCall('releaseLock', runId, { op: 'release', runId })) as { released: boolean };
      return result.released === true;
    },

    async appendJournal(entry: JournalEntry): Promise<void> {
      await stateCall('appendJournal', entry.runId, { op: 'append', line: JSON.stringify({ time: new Date().toISOString(), ...entry }) + '\n' });
    },

    close: () => pool.close(),
  };
}

/** `partner application 00000003-...` for a diagnostic, from a set's calls.jsonl line. */
function describeSubject(log: Readonly<Record<string, unknown>>): string | undefined {
  const id = log.applicationIdentifier;
  return typeof id === 'string' ? `partner application ${id}` : undefined;
}

/**
 * The PowerShell target: a real Exchange organisation (or, with `lab`, the fake Exchange module on a lab
 * folder) driven through long-lived PowerShell sessions: one main session for the Exchange cmdlets and
 * the run state, and extra shells started when per-server calls overlap (pool.ts). Round trips:
 * reading the organisation is one (lock, last run and partner application originals included);
 * reading a server is one (backup check included); writing a server's files is one; a restart is one
 * (health check included); Set-PartnerApplication is one (its originals recorded in the same call);
 * taking the lock, releasing it and appending a journal line are one each.
 *
 * The run state lives in <ExchangeInstallPath>hybridcfg\ of the lock server, the first client access
 * server by name (files: winrm), or of this machine (files: local); in lab mode in LAB/hybridcfg/, the
 * lab target's own files (docs/safety.md, "Where things live").
 */
import { createHash } from 'node:crypto';
import { DiagnosticError, error, fail } from '../../diag/diagnostic';
// Shells serving server calls at once when the caller does not say: the engine's --parallelism default.
import { DEFAULT_PARALLELISM } from '../../engine/live';
import type { PowerShellTargetSpec } from '../../spec/types';
import type {
  ExchangeServer,
  FileRead,
  FileWrite,
  FileWriteResult,
  HealthCheckResult,
  JournalEnd,
  JournalEntry,
  JournalStart,
  LockHolder,
  OrganizationState,
  PartnerApplication,
  PartnerApplicationUpdate,
  RestartRequest,
  RestartResult,
  ServerState,
  Target,
} from '../types';
import { SETTABLE_PARTNER_APPLICATION_PROPERTIES } from '../types';
import { openPool } from './pool';
import { FAKE_EXCHANGE_MODULE, scriptText } from './scripts';
import type { Route } from './scripts';
import { openSession } from './session';
import type { SessionOptions } from './session';
import { findShell } from './shell';

export const DEFAULT_TIMEOUT_SECONDS = 120;


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
  readonly originals: string | null;
  readonly lastRunStart: string | null;
  readonly lastRunEnd: string | null;
}

function parseState(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return fail(
      'target.state-invalid',
      `hybridcfg's ${what} on the lock server is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
      'It lives in <ExchangeInstallPath>hybridcfg\\ of the first client access server by name. Repair or remove the file.',
    );
  }
}

type Options = PowerShellTargetSpec['powershell'];

/** Same rule as the lab: relative, `/`-separated, never leaving ExchangeInstallPath. */
export function checkRelativePath(file: string, server: ExchangeServer): void {
  const segments = file.split(/[\\/]/);
  if (file === '' || /^[\\/]/.test(file) || file.includes(':') || segments.includes('..')) {
    fail(
      'target.path-outside-install',
      `${file} is not a path inside ExchangeInstallPath of ${server.Name}`,
      'File paths in the spec are relative to ExchangeInstallPath, e.g. FrontEnd/HttpProxy/rest/web.config.',
    );
  }
}

/** yyyymmddThhmmssmmmZ: sortable, and safe in a path on every file system. */
export function backupStamp(now: Date = new Date()): string {
  return now.toISOString().replace(/[-:.]/g, '');
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

function connectData(options: Options): unknown {
  if (options.lab) return { mode: 'lab', modulePath: FAKE_EXCHANGE_MODULE };
  const exchange = options.exchange ?? 'local';
  if (exchange === 'local') return { mode: 'local' };
  return { mode: 'remote', connectionUri: exchange.connectionUri, authentication: exchange.authentication ?? 'Kerberos' };
}

function describeTarget(executable: string, options: Options): string {
  const shell = /pwsh(\.exe)?$/i.test(executable) ? 'pwsh' : 'powershell';
  if (options.lab) return `${shell} (fake Exchange on lab ${options.lab})`;
  const exchange = options.exchange ?? 'local';
  return `${shell} (Exchange: ${exchange === 'local' ? 'local' : exchange.connectionUri}, files: ${options.files ?? 'local'})`;
}

/** The PowerShell target implements every optional part of the interface. */
export interface PowerShellTarget extends Target {
  readonly kind: 'powershell';
  restart(server: ExchangeServer, request: RestartRequest): Promise<RestartResult>;
  acquireLock(holder: LockHolder): Promise<LockHolder | null>;
  releaseLock(runId: string): Promise<boolean>;
  appendJournal(entry: JournalEntry): Promise<void>;
}

export async function createPowerShellTarget(options: Options, ctx: { specDir: string; parallelism?: number }): Promise<PowerShellTarget> {
  const executable = findShell(options.shell);
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const shell: Omit<SessionOptions, 'connect'> = {
    executable,
    timeoutMs: timeoutSeconds * 1000,
    cwd: ctx.specDir,
    env: options.lab ? { ...process.env, HYBRIDCFG_LAB: options.lab } : process.env,
  };
  // Extra shells serve server calls only: no Exchange cmdlets to load, except in lab mode, where the fake
  // module also stands in for the round trip to each server.
  const extraConnect = options.lab ? { script: 'connect' as const, data: connectData(options) } : undefined;
  let serversKnown: number | undefined;
  const parallelism = Math.max(1, ctx.parallelism ?? DEFAULT_PARALLELISM);
  const pool = openPool(
    openSession({ ...shell, connect: { script: 'connect', data: connectData(options) } }),
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
    pool.org({ script: 'state-call', data: { state, operation }, context: { call, runId }, transport: orgTransport });

  return {
    kind: 'powershell',
    description: describeTarget(executable, options),

    async readOrganization(): Promise<OrganizationState> {
      const result = (await pool.org({
        script: 'read-organization',
        data: { state },
        context: { call: 'readOrganization' },
        transport: orgTransport,
      })) as { partnerApplications: PartnerApplication[]; servers: ExchangeServer[]; setPartnerApplicationParameters: string[]; state: StateRead | null };
      const servers = result.servers ?? [];
      serversKnown = servers.length;
      const st = result.state;
      const start = st?.lastRunStart ? (parseState(st.lastRunStart, 'journal (journal.jsonl)') as JournalStart) : undefined;
      const end = st?.lastRunEnd ? (parseState(st.lastRunEnd, 'journal (journal.jsonl)') as JournalEnd) : undefined;
      return {
        partnerApplications: result.partnerApplications ?? [],
        servers,
        setPartnerApplicationParameters: result.setPartnerApplicationParameters ?? [],
        partnerApplicationOriginals: st?.originals
          ? (parseState(st.originals, 'partner application originals (original\\partner-applications.json)') as OrganizationState['partnerApplicationOriginals'] & object)
          : {},
        lock: st?.lock ? (parseState(st.lock, 'lock (lock.json)') as LockHolder) : null,
        lastRun: start ? (end ? { start, end } : { start }) : null,
      };
    },

    async readServer(server: ExchangeServer, files: readonly string[]): Promise<ServerState> {
      files.forEach((f) => checkRelativePath(f, server));
      const result = (await pool.server({
        script: 'read-server',
        data: { files, minFreeBytes: BACKUP_MIN_FREE_BYTES },
        context: { call: 'readServer', server },
        transport: serverTransport,
      })) as {
        installPath: string;
        files: { file: string; exists: boolean; base64?: string; sha256?: string }[];
        backup: { possible: boolean; reason?: string };
      };
      const read: Record<string, FileRead> = {};
      for (const f of result.files ?? []) {
        if (!f.exists) {
          read[f.file] = { exists: false };
          continue;
        }
        const bytes = Buffer.from(f.base64 ?? '', 'base64');
        if (sha256(bytes) !== f.sha256) {
          throw new DiagnosticError(error('target.read-failed', `${f.file} on ${server.Name} arrived damaged (sha256 mismatch)`, 'Run plan again.'));
        }
        read[f.file] = { exists: true, bytes, sha256: f.sha256 };
      }
      const backup = result.backup.possible ? { possible: true } : { possible: false, reason: result.backup.reason ?? 'the server gave no reason' };
      return { name: server.Name, installPath: result.installPath, files: read, backup };
    },

    async setPartnerApplication(applicationIdentifier: string, update: PartnerApplicationUpdate): Promise<void> {
      const unknown = Object.keys(update).filter((k) => !(SETTABLE_PARTNER_APPLICATION_PROPERTIES as readonly string[]).includes(k));
      if (unknown.length > 0) {
        fail('target.bad-request', `Cannot set ${unknown.join(', ')} on partner application ${applicationIdentifier}`, 'hybridcfg sets only the properties Set-PartnerApplication documents.');
      }
      await pool.org({
        script: 'set-partner-application',
        data: { applicationIdentifier, update, state },
        context: { call: 'setPartnerApplication', applicationIdentifier },
        transport: orgTransport,
      });
    },

    async writeFiles(server: ExchangeServer, writes: readonly FileWrite[]): Promise<readonly FileWriteResult[]> {
      writes.forEach((w) => checkRelativePath(w.file, server));
      const result = (await pool.server({
        script: 'write-files',
        data: {
          stamp: backupStamp(),
          writes: writes.map((w) => ({ file: w.file, base64: w.bytes.toString('base64'), expectedSha256: w.expectedSha256 })),
        },
        context: { call: 'writeFiles', server },
        transport: serverTransport,
      })) as { files: { file: string; backupFullPath: string }[] };
      return (result.files ?? []).map((f) => ({ file: f.file, backupPath: f.backupFullPath }));
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
      return parseState(result.holder, 'lock (lock.json)') as LockHolder;
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

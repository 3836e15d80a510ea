/**
 * The built-in lab as a Target: an emulated Exchange organisation in a folder (LAB.md is its behaviour
 * spec; test/unit/lab-target.test.ts checks it statement by statement). What each resource kind reads
 * and changes is its lab driver's (src/resources/<kind>/lab.ts); this file owns what they share:
 * organization.json, reaching a server (faults), the call log, restarts, health, lock and journal.
 */
import { accessSync, constants as fsConstants, promises as fs, statSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DiagnosticError, fail } from '../../diag/diagnostic';
import { asDiagnosticError } from '../../diag/system';
import { readFileBoundedSync, writeFileAtomic } from '../../util/fs';
import type {
  ExchangeServer,
  HealthCheckRequest,
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
import { RESTART_DURATION_DEFAULTS } from '../../domain/iis';
import { normalizeBuild } from '../../domain/builds';
import { parseJournalLine, parseLock } from '../run-state';
import { iisMapOf, parseApplicationHost, type IisConfiguration } from '../iis';
import type { IisMap } from '../types';
import { readFileVersion } from './exsetup';
import { LAB_WINDIR } from './init';
import { limiter } from '../../util/limit';
import type { LabContext, LabDriver, LabOrganizationDriver, LabServerContext, LabServerDriver } from './driver';
import {
  BACKUP_FOLDER,
  LAB_FILE_MAX_BYTES,
  appendJsonLine,
  isFrontEndServer,
  labExchangeHost,
  labPaths,
  outOfScopeReason,
  parseLabOrganization,
  readLabOrganizationText,
  serverFolder,
  writeLabOrganization,
} from './format';
import type { LabOrganization, LabServer, LabShapeCheck } from './format';

export type { HealthCheckResult } from '../types';

/** Servers whose files the lab reads and parses at once (readOnDisk). */
export const LAB_DISK_READS = 2;

/** The lab target: the Target interface plus a stand-alone health check (LAB.md O6). */
export interface LabTarget extends Target {
  readonly kind: 'lab';
  healthCheck(server: ExchangeServer, paths: readonly string[], timeoutSeconds: number): Promise<HealthCheckResult>;
}

/** The message Windows PowerShell gives when WinRM cannot reach a computer [H]. */
const WINRM_UNREACHABLE =
  'WinRM cannot complete the operation. Verify that the specified computer name is valid, that the computer is ' +
  'accessible over the network, and that a firewall exception for the WinRM service is enabled and allows access from this computer.';

function toExchangeServer(s: LabServer): ExchangeServer {
  return { Name: s.Name, Fqdn: s.Fqdn, AdminDisplayVersion: s.AdminDisplayVersion, ServerRole: s.ServerRole };
}

/** Backup folder names: UTC time to the millisecond, sortable (`20250102T030405678Z`). */
function stamp(now: Date): string {
  return now.toISOString().replace(/[-:.]/g, '');
}

function errorCode(err: unknown): string {
  return err instanceof DiagnosticError && err.diagnostics.length > 0 ? err.diagnostics[0].code : 'internal';
}

/** What one stat of organization.json says about its version: a rename, a rewrite or a touch changes it. */
interface FileStamp {
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

const sameStamp = (a: FileStamp, b: FileStamp): boolean => a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;

/**
 * How long after a file's modification time another rewrite may still leave the same time: file times
 * come from a coarse clock (a kernel tick on Linux, up to 10 ms; 2 s on FAT, whose times are whole
 * seconds). A time in whole seconds is taken for such a file system.
 */
const racyMarginNs = (mtimeNs: bigint): bigint => (mtimeNs % 1_000_000_000n === 0n ? 2_500_000_000n : 100_000_000n);

/**
 * organization.json as of now (LAB.md R1): one stat per call, the file read and parsed again only when
 * the stat says it changed. Re-reading it on every call made a plan of 5000 servers read gigabytes.
 * A same-size rewrite within the file system's time granularity leaves the stat alone, so a version whose
 * modification time was that close to when it was read stays "racy" (git's racy-index rule): its text
 * is read and compared on each call until it has been seen to hold past the margin. Loads run one at a
 * time and a call that finds a load of the same version under way shares it, so N parallel calls hold
 * one copy of the organisation, not N.
 */
function organizationReader(dir: string, checks: readonly LabShapeCheck[]): () => Promise<LabOrganization> {
  const file = labPaths(dir).organization;
  interface Load {
    readonly stamp: FileStamp;
    /** When the load began reading the text; undefined while it waits for the load before it. */
    readAtNs?: bigint;
    result?: Promise<LabOrganization>;
  }
  let cached: { readonly stamp: FileStamp; readonly text: string; readonly org: LabOrganization; readonly readAtNs: bigint } | undefined;
  let pending: Load | undefined;
  // Read at a time too close to the modification time for a same-stamp rewrite after it to be ruled out.
  const racy = (stamp: FileStamp, readAtNs: bigint): boolean => readAtNs - stamp.mtimeNs <= racyMarginNs(stamp.mtimeNs);

  async function load(l: Load): Promise<LabOrganization> {
    const readAtNs = BigInt(Date.now()) * 1_000_000n;
    l.readAtNs = readAtNs;
    const text = await readLabOrganizationText(dir);
    // A broken file throws here, every time, until it is repaired: only a parsed one is kept.
    const org = cached?.text === text ? cached.org : parseLabOrganization(text, dir, checks);
    cached = { stamp: l.stamp, text, org, readAtNs };
    return org;
  }

  return async () => {
    let stamp: FileStamp;
    try {
      const st = statSync(file, { bigint: true });
      stamp = { ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs };
    } catch {
      // No file (or no folder): the read says which, as a diagnostic.
      return parseLabOrganization(await readLabOrganizationText(dir), dir, checks);
    }
    if (cached && sameStamp(cached.stamp, stamp) && !racy(stamp, cached.readAtNs)) return cached.org;
    // A load of this version that reads after this call arrived, or safely long after the version was
    // written, sees what this call would: share it.
    if (pending?.result && sameStamp(pending.stamp, stamp) && (pending.readAtNs === undefined || !racy(stamp, pending.readAtNs))) return pending.result;
    const before = pending?.result ?? Promise.resolve(undefined);
    const mine: Load = { stamp };
    const result = before.catch(() => undefined).then(() => load(mine));
    mine.result = result;
    pending = mine;
    return result.finally(() => {
      if (pending === mine) pending = undefined;
    });
  };
}

/**
 * The applications and pools of an applicationHost.config, parsed once per distinct text: the lab's
 * servers share one (175 KB), and parsing it for each server was most of a large plan's time. A few
 * texts at most are kept, so memory does not grow with the fleet.
 */
const iisParses: { readonly bytes: Buffer; readonly config: IisConfiguration }[] = [];
function parseApplicationHostOnce(bytes: Buffer): IisConfiguration {
  // Compared byte for byte (a memcmp) rather than hashed: hashing 175 KB per server was a tenth of a
  // large plan's CPU. `bytes` may be a scratch buffer: what is kept is a copy.
  const known = iisParses.find((p) => p.bytes.length === bytes.length && p.bytes.equals(bytes));
  if (known) return known.config;
  const config = parseApplicationHost(bytes.toString('utf8'));
  if (iisParses.length >= 8) iisParses.shift();
  iisParses.push({ bytes: Buffer.from(bytes), config });
  return config;
}

/**
 * A server's applicationHost.config, parsed (once per distinct text): read into one buffer reused for
 * every server, so that 175 KB per server makes no garbage; null when it cannot be read.
 */
let iisScratch = Buffer.allocUnsafe(256 * 1024);
function applicationHostOf(file: string): IisConfiguration | null {
  try {
    const bytes = readFileBoundedSync(file, LAB_FILE_MAX_BYTES, iisScratch);
    // Parsed (or found) before the next read reuses the buffer: parseApplicationHostOnce keeps a copy.
    const config = parseApplicationHostOnce(bytes);
    if (bytes.length >= iisScratch.length) iisScratch = Buffer.allocUnsafe(bytes.length + 1);
    return config;
  } catch {
    return null;
  }
}

/**
 * The lab's health gate (O6): every path answers 200 and /api answers an anonymous request with 401 and a
 * Bearer challenge, as real servers are assumed to (assumption health-probes), unless the server has the
 * healthCheck fault (everything fails) or lists the path under unhealthyPaths (that vdir fails).
 */
function labHealth(s: LabServer, request: HealthCheckRequest): HealthCheckResult {
  const checks = [...request.paths.map((p) => ({ path: p, expect: 'ok' as const })), ...(request.probes ?? [])];
  const failing = (p: string): boolean => s.faults?.healthCheck === 'fail' || (s.faults?.unhealthyPaths ?? []).some((u) => u.toLowerCase() === p.toLowerCase());
  // No paths given: the server itself is what fails its health check.
  if (checks.length === 0) {
    return s.faults?.healthCheck === 'fail'
      ? { ok: false, failures: [{ path: '', reason: `https://${s.Fqdn}/ did not answer 200 OK within ${request.timeoutSeconds} s: it answered 503` }] }
      : { ok: true, failures: [] };
  }
  // The words of restart.ps1, which the fake Exchange module's failing vdirs make it say (they answer 503).
  const failures = checks
    .filter((c) => failing(c.path))
    .map((c) => ({
      path: c.path,
      reason: `https://${s.Fqdn}/${c.path.replace(/^\/+/, '')} did not answer ${c.expect === 'ok' ? '200 OK' : '401 with a Bearer challenge'} within ${request.timeoutSeconds} s: it answered 503`,
    }));
  return { ok: failures.length === 0, failures };
}

/**
 * How long a restart leaves the server unavailable in the lab (LAB.md O5): the server's own knob
 * (iisresetSeconds, recycleSeconds per pool, pools one after another) when set, else what the plan
 * expects (assumption restart-durations, which the request carries), else that assumption's default.
 */
function modelledSeconds(s: LabServer, request: RestartRequest, pools: number): number {
  const defaults = RESTART_DURATION_DEFAULTS;
  if (request.mode === 'iisreset') return s.faults?.iisresetSeconds ?? request.expectedUnavailableSeconds ?? defaults.iisresetSeconds;
  if (s.faults?.recycleSeconds !== undefined) return s.faults.recycleSeconds * pools;
  return request.expectedUnavailableSeconds ?? defaults.recycleSeconds * pools;
}

export async function readJsonOr<T>(file: string, fallback: T): Promise<T> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    return fail('lab.state-unreadable', `hybridcfg's state file ${file} cannot be read: ${(err as Error).message}`, 'Check the lab folder: the file must be a readable file.');
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    return fail('lab.state-damaged', `hybridcfg's state file ${file} is damaged: ${(err as Error).message}`, 'Nothing was changed. Repair the file from a backup, or remove it if you know what it held.');
  }
}

/** The lab's lock: null when free, a holder (a damaged one when the file is not a lock hybridcfg wrote). */
async function readLock(file: string): Promise<LockHolder | null> {
  try {
    return parseLock(await fs.readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return fail('lab.state-unreadable', `The lock ${file} cannot be read: ${(err as Error).message}`, 'Check the lab folder: the lock must be a readable file.');
  }
}

/** Whether a file exists and its last byte is not a newline (a line cut short by a kill). */
async function endsMidLine(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await fs.open(file, 'r');
  } catch {
    return false;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    await handle.close();
  }
}

/** The last run in the journal: its start line and, if it finished, its end line. */
async function lastRun(journal: string): Promise<{ start: JournalStart; end?: JournalEnd } | null> {
  let text: string;
  try {
    text = await fs.readFile(journal, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  // A line cut short by a kill is skipped: each line is one write, so only the last can be partial.
  // So is any line that is not one hybridcfg wrote (src/targets/run-state.ts).
  const entries = text.split('\n').flatMap((l) => {
    const e = l.trim() ? parseJournalLine(l) : undefined;
    return e ? [e] : [];
  });
  const start = [...entries].reverse().find((e): e is JournalStart => e.event === 'start');
  if (!start) return null;
  const end = entries.find((e): e is JournalEnd => e.event === 'end' && e.runId === start.runId);
  return end ? { start, end } : { start };
}

/** The server's build from its bin/ExSetup.exe, as read-server.ps1 reads a real one; null when unreadable. */
function labBuild(folder: string): string | null {
  let bytes: Buffer | null;
  try {
    bytes = readFileBoundedSync(path.join(folder, 'bin', 'ExSetup.exe'), LAB_FILE_MAX_BYTES);
  } catch {
    bytes = null;
  }
  const version = bytes ? readFileVersion(bytes) : undefined;
  return (version && normalizeBuild(version)) ?? null;
}

/** The server's IIS applications from its %windir% (LAB.md, "IIS"); null when the file is missing or broken. */
function labIis(folder: string, installPath: string): IisMap | null {
  const config = applicationHostOf(path.join(folder, ...LAB_WINDIR, 'System32', 'inetsrv', 'config', 'applicationHost.config'));
  if (config === null) return null;
  try {
    return iisMapOf(config, installPath, { ExchangeInstallPath: installPath, windir: path.join(folder, ...LAB_WINDIR), SystemDrive: folder });
  } catch {
    return null;
  }
}

/** Whether backups can be taken in the server folder: the lab fault, or a backup folder we cannot write. */
function backupPossible(s: LabServer, folder: string): { possible: boolean; reason?: string } {
  if (s.faults?.backup === 'fail') return { possible: false, reason: `lab fault backup=fail on ${s.Name}` };
  const root = path.join(folder, 'hybridcfg');
  const probe = statSync(root, { throwIfNoEntry: false }) ? root : folder;
  try {
    accessSync(probe, fsConstants.W_OK);
    return { possible: true };
  } catch (err) {
    return { possible: false, reason: `${probe} is not writable (${(err as NodeJS.ErrnoException).code})` };
  }
}

export function createLabTarget(dir: string, drivers: Readonly<Record<string, LabDriver>>): LabTarget {
  const paths = labPaths(dir);
  const checks = Object.values(drivers).flatMap((d) => (d.scope === 'organization' && d.shape ? [d.shape] : []));
  const currentOrganization = organizationReader(dir, checks);
  // Sets read, change and rewrite organization.json: one at a time, so that two concurrent sets
  // through one target cannot lose each other's change.
  let orgQueue: Promise<unknown> = Promise.resolve();
  function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
    const result = orgQueue.then(fn, fn);
    orgQueue = result.catch(() => undefined);
    return result;
  }

  const context: LabContext = {
    dir,
    paths,
    organization: currentOrganization,
    updateOrganization: (fn) =>
      oneAtATime(async () => {
        const { org, events, result } = await fn(await currentOrganization());
        if (org) await writeLabOrganization(dir, org);
        for (const e of events ?? []) await appendJsonLine(paths.events, e);
        return result;
      }),
    event: (record) => appendJsonLine(paths.events, record),
  };

  function driverOf<D extends LabDriver>(kind: string, scope: D['scope']): D {
    const driver = drivers[kind];
    if (!driver || driver.scope !== scope) throw new Error(`the lab target has no ${scope} driver for resource kind "${kind}"`);
    return driver as D;
  }

  /**
   * Every call is logged to calls.jsonl when it ends, with the diagnostic code if it failed. A system
   * error (full disk, denied access, a folder in the way) is a diagnostic, like on a real server.
   */
  async function served<T>(call: Readonly<Record<string, unknown>>, fn: () => Promise<T>): Promise<T> {
    const what = `The lab's ${String(call.call)}${call.server ? ` on ${String(call.server)}` : ''}`;
    let result: T;
    try {
      result = await fn().catch((err: unknown) => asDiagnosticError(err, what, 'lab.io-failed'));
    } catch (err) {
      // Without a lab there is no calls.jsonl to write to; the diagnostic says how to make one.
      if (errorCode(err) !== 'lab.missing') await appendJsonLine(paths.calls, { ...call, error: errorCode(err) }).catch(() => undefined);
      throw err;
    }
    // The call was made: a call log that cannot be written (the lab's own record, not the organisation's
    // state) does not turn it into a failure, which would make apply undo or redo what was done.
    await appendJsonLine(paths.calls, call).catch(() => undefined);
    return result;
  }

  // The front-end servers of one parsed organization.json by upper-cased name: a lookup per call that
  // does not grow with the fleet (organizationReader hands out the same object until the file changes).
  const frontEndIndex = new WeakMap<LabOrganization, Map<string, LabServer>>();
  function findServer(org: LabOrganization, server: ExchangeServer): LabServer {
    let index = frontEndIndex.get(org);
    if (!index) {
      index = new Map();
      for (const s of org.servers.filter(isFrontEndServer)) if (!index.has(s.Name.toUpperCase())) index.set(s.Name.toUpperCase(), s);
      frontEndIndex.set(org, index);
    }
    const found = index.get(server.Name.toUpperCase());
    if (!found) {
      const servers = org.servers.filter(isFrontEndServer);
      fail(
        'target.unknown-server',
        `${server.Name} is not an Exchange server of the lab at ${paths.root}`,
        `The lab's client access servers are: ${servers.map((s) => s.Name).join(', ') || '(none)'}.`,
      );
    }
    return found;
  }

  /** A call concerning a server: its latency first (asynchronously, so parallel calls overlap), then reachability. */
  /**
   * A server's files read and parsed, at most LAB_DISK_READS servers at a time. The lab's latency knob
   * stands for the network and overlaps up to --parallelism; the files are this machine's disk and CPU,
   * where more servers at once only hold more of their texts in memory (the bench's memory target: flat
   * in --parallelism).
   */
  const onDisk = limiter(LAB_DISK_READS);
  async function readOnDisk(ctx: LabServerContext, queries: KindQueries): Promise<ServerRead> {
    const resources: Record<string, unknown> = {};
    for (const [kind, query] of Object.entries(queries)) {
      resources[kind] = await driverOf<LabServerDriver>(kind, 'server').read(ctx, query);
    }
    const installPath = ctx.folder + path.sep;
    return {
      name: ctx.server.Name,
      // $env:ExchangeInstallPath ends with a separator [H]; so does the lab's.
      installPath,
      resources,
      backup: backupPossible(ctx.server, ctx.folder),
      build: labBuild(ctx.folder),
      iis: labIis(ctx.folder, installPath),
    };
  }

  async function reach(server: ExchangeServer): Promise<LabServerContext> {
    const org = await currentOrganization();
    const s = findServer(org, server);
    const latency = s.faults?.latencyMs ?? 0;
    if (latency > 0) await sleep(latency);
    if (s.faults?.unreachable === true) {
      fail(
        'target.unreachable',
        `${s.Name} (${s.Fqdn}) is unreachable: ${WINRM_UNREACHABLE}`,
        `Lab fault: servers "${s.Name}" has unreachable=true. Clear it with: hybridcfg lab fault ${dir} --server ${s.Name} --clear`,
      );
    }
    const folder = serverFolder(dir, s.Name);
    let backup: Promise<string> | undefined;
    return {
      ...context,
      server: s,
      folder,
      backupFolder: () => (backup ??= newBackupFolder(folder)),
    };
  }

  async function newBackupFolder(folder: string): Promise<string> {
    const root = path.join(folder, ...BACKUP_FOLDER.split('/'));
    await fs.mkdir(root, { recursive: true });
    let name = stamp(new Date());
    // Two calls within one millisecond get distinct folders: a backup is never overwritten.
    for (let n = 2; ; n++) {
      try {
        await fs.mkdir(path.join(root, name));
        return `${BACKUP_FOLDER}/${name}`;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        name = `${stamp(new Date())}-${n}`;
      }
    }
  }

  // The lab's Exchange session is hosted by this server, as the fake module reports it to the PowerShell
  // target (Get-FakeExchangeSessionInfo): restarted last, like a real session's host.
  let sessionComputer: string | undefined;

  return {
    kind: 'lab',
    description: `lab ${paths.root}`,

    sessionHost: () => sessionComputer,

    readOrganization(queries: KindQueries): Promise<OrganizationRead> {
      return served({ call: 'readOrganization' }, async () => {
        const org = await currentOrganization();
        sessionComputer = labExchangeHost(org);
        const resources: Record<string, unknown> = {};
        for (const [kind, query] of Object.entries(queries)) {
          resources[kind] = await driverOf<LabOrganizationDriver>(kind, 'organization').read(context, query);
        }
        return {
          ...(typeof org.organization?.Name === 'string' && org.organization.Name !== '' ? { name: org.organization.Name } : {}),
          servers: org.servers.filter(isFrontEndServer).map(toExchangeServer),
          excluded: org.servers.flatMap((s) => {
            const reason = outOfScopeReason(s);
            return reason === undefined ? [] : [{ Name: s.Name, reason }];
          }),
          resources,
          lock: await readLock(paths.lock),
          lastRun: await lastRun(paths.journal),
        };
      });
    },

    readServer(server: ExchangeServer, queries: KindQueries): Promise<ServerRead> {
      return served({ call: 'readServer', server: server.Name }, async () => {
        const ctx = await reach(server);
        return onDisk(() => readOnDisk(ctx, queries));
      });
    },

    setOrganization(kind: string, request: unknown): Promise<unknown> {
      const driver = driverOf<LabOrganizationDriver>(kind, 'organization');
      return served(driver.call(request), () => driver.set(context, request));
    },

    setServer(server: ExchangeServer, requests: readonly ServerSetRequest[]): Promise<readonly unknown[]> {
      // Grouped by kind, in the order each kind first appears: a driver checks all its requests first.
      const kinds = [...new Set(requests.map((r) => r.kind))];
      const call = kinds.map((k) => driverOf<LabServerDriver>(k, 'server').call).join('+') || 'setServer';
      return served({ call, server: server.Name }, async () => {
        const ctx = await reach(server);
        const results = new Array<unknown>(requests.length);
        for (const kind of kinds) {
          const indexes = requests.flatMap((r, i) => (r.kind === kind ? [i] : []));
          const out = await driverOf<LabServerDriver>(kind, 'server').set(ctx, indexes.map((i) => requests[i].request));
          indexes.forEach((i, j) => (results[i] = out[j]));
        }
        return results;
      });
    },

    restart(server: ExchangeServer, request: RestartRequest): Promise<RestartResult> {
      return served({ call: 'restart', server: server.Name }, async () => {
        const { server: s, folder } = await reach(server);
        const inetsrv = path.join(folder, ...LAB_WINDIR, 'System32', 'inetsrv');
        let pools = [...(request.appPools ?? [])];
        if (request.mode === 'appPools') {
          // appcmd.exe recycles the pools (restart.ps1); without it nothing can be recycled.
          if (!(await fs.stat(path.join(inetsrv, 'appcmd.exe')).then(() => true, () => false))) {
            fail('target.restart-failed', `Restart of ${s.Name} failed: ${path.join(inetsrv, 'appcmd.exe')} is missing, so no application pool can be recycled`, 'Use restart.mode: iisreset, or repair IIS.');
          }
          if (request.allExchangePools) {
            const iis = labIis(folder, folder + path.sep);
            for (const p of (iis?.pools ?? []).filter((p) => /^MSExchange/i.test(p))) if (!pools.includes(p)) pools.push(p);
          }
          if (pools.length === 0) fail('target.restart-invalid', `No app pools given to recycle on ${s.Name}`, 'Name the app pools, e.g. MSExchangeRestFrontEndAppPool.');
        } else pools = [];
        if (s.faults?.restart === 'fail') {
          const what = request.mode === 'iisreset' ? 'iisreset /noforce' : `recycling ${pools.join(', ')}`;
          fail(
            'target.restart-failed',
            `Restart of ${s.Name} (${s.Fqdn}) failed: ${what} did not complete`,
            `Lab fault: servers "${s.Name}" has restart=fail. Clear it with: hybridcfg lab fault ${dir} --server ${s.Name} --clear`,
          );
        }
        if (request.mode === 'iisreset') {
          await appendJsonLine(paths.events, { action: 'iisreset', server: s.Name });
        } else {
          for (const appPool of pools) await appendJsonLine(paths.events, { action: 'recycle-apppool', server: s.Name, appPool });
        }
        const unavailability = { ms: Math.round(modelledSeconds(s, request, pools.length) * 1000), how: 'modelled' as const };
        return request.healthCheck ? { health: labHealth(s, request.healthCheck), unavailability } : { unavailability };
      });
    },

    acquireLock(holder: LockHolder): Promise<LockHolder | null> {
      return served({ call: 'acquireLock', runId: holder.runId }, async () => {
        await currentOrganization();
        await fs.mkdir(path.dirname(paths.lock), { recursive: true });
        // Written whole into a temp file, then linked into place: link fails if the lock exists (like
        // O_EXCL), and a reader never sees a half-written lock.
        const temp = `${paths.lock}.${holder.runId}.tmp`;
        await fs.writeFile(temp, JSON.stringify(holder, null, 2) + '\n', { flag: 'wx' });
        try {
          // A lock released between our link and our read is tried again, never taken as ours.
          for (let attempt = 0; attempt < 3; attempt++) {
            try {
              await fs.link(temp, paths.lock);
              return null;
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
              const other = await readLock(paths.lock);
              if (other !== null) return other;
            }
          }
          throw new Error(`the lock ${paths.lock} keeps appearing and vanishing`);
        } finally {
          await fs.rm(temp, { force: true });
        }
      });
    },

    releaseLock(runId: string): Promise<boolean> {
      return served({ call: 'releaseLock', runId }, async () => {
        const current = await readLock(paths.lock);
        if (current === null || current.runId !== runId) return false;
        await fs.rm(paths.lock, { force: true });
        return true;
      });
    },

    appendJournal(entry: JournalEntry): Promise<void> {
      return served({ call: 'appendJournal', runId: entry.runId }, async () => {
        await fs.mkdir(path.dirname(paths.journal), { recursive: true });
        // One write per line with O_APPEND: a kill leaves at most the last line short, and the next
        // line starts on a line of its own so that the short one cannot swallow it.
        const prefix = (await endsMidLine(paths.journal)) ? '\n' : '';
        await fs.appendFile(paths.journal, prefix + JSON.stringify({ time: new Date().toISOString(), ...entry }) + '\n', 'utf8');
      });
    },

    healthCheck(server: ExchangeServer, checkPaths: readonly string[], timeoutSeconds: number): Promise<HealthCheckResult> {
      return served({ call: 'healthCheck', server: server.Name }, async () => {
        const { server: s } = await reach(server);
        return labHealth(s, { paths: checkPaths, timeoutSeconds });
      });
    },

    async close(): Promise<void> {
      // Nothing is held open between calls.
    },
  };
}

/** Kept for drivers that write a state file of their own (originals): atomically, in the lab's folder. */
export { writeFileAtomic };

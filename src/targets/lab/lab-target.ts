/**
 * The built-in lab as a Target: an emulated Exchange organisation in a folder (LAB.md is its behaviour
 * spec; test/unit/lab-target.test.ts checks it statement by statement). State lives on disk and is
 * re-read on every call, so fault knobs set by `hybridcfg lab fault` or by the fake PowerShell module
 * take effect at once.
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DiagnosticError, fail } from '../../diag/diagnostic';
import type {
  ExchangeServer,
  FileRead,
  FileWrite,
  FileWriteResult,
  HealthCheckResult,
  JournalEntry,
  JournalEnd,
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
import {
  BACKUP_FOLDER,
  ORIGINAL_FOLDER,
  TEMP_FOLDER,
  appendJsonLine,
  isFrontEndServer,
  labPaths,
  parseLabOrganization,
  readLabOrganization,
  readLabOrganizationText,
  serverFolder,
  sha256,
  writeFileAtomic,
  writeLabOrganization,
} from './format';
import type { LabOrganization, LabPartnerApplication, LabServer } from './format';

export type { HealthCheckResult } from '../types';

/** The lab target: the Target interface, every optional part implemented, plus a stand-alone health check. */
export interface LabTarget extends Target {
  readonly kind: 'lab';
  restart(server: ExchangeServer, request: RestartRequest): Promise<RestartResult>;
  acquireLock(holder: LockHolder): Promise<LockHolder | null>;
  releaseLock(runId: string): Promise<boolean>;
  appendJournal(entry: JournalEntry): Promise<void>;
  healthCheck(server: ExchangeServer, paths: readonly string[], timeoutSeconds: number): Promise<HealthCheckResult>;
}

/** Exchange's own wording when a cmdlet does not expose a parameter to the session [M] (EXCHANGE.md). */
export function parameterNotFoundMessage(parameter: string): string {
  return `A parameter cannot be found that matches parameter name '${parameter}'.`;
}

/** The message Windows PowerShell gives when WinRM cannot reach a computer [H]. */
const WINRM_UNREACHABLE =
  'WinRM cannot complete the operation. Verify that the specified computer name is valid, that the computer is ' +
  'accessible over the network, and that a firewall exception for the WinRM service is enabled and allows access from this computer.';

function toPartnerApplication(app: LabPartnerApplication): PartnerApplication {
  return {
    Name: app.Name,
    ApplicationIdentifier: app.ApplicationIdentifier,
    Enabled: app.Enabled,
    AcceptSecurityIdentifierInformation: app.AcceptSecurityIdentifierInformation,
    AccountType: app.AccountType,
    ActAsPermissions: app.ActAsPermissions,
    AppOnlyPermissions: app.AppOnlyPermissions,
    AuthMetadataUrl: app.AuthMetadataUrl,
    IssuerIdentifier: app.IssuerIdentifier,
    LinkedAccount: app.LinkedAccount,
    Realm: app.Realm,
    UseAuthServer: app.UseAuthServer,
  };
}

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

/**
 * A path relative to the server folder, refused when it would leave it (`..`, absolute, drive letter):
 * the spec loader rejects those already, and the lab refuses them again because it writes files.
 */
export function resolveInServer(folder: string, file: string): string {
  const rel = file.replace(/\\/g, '/');
  const escapes =
    rel === '' || rel.startsWith('/') || /^[A-Za-z]:/.test(rel) || rel.split('/').includes('..');
  const abs = path.resolve(folder, ...rel.split('/'));
  if (escapes || !abs.startsWith(folder + path.sep)) {
    fail(
      'target.path-outside-install',
      `"${file}" is outside the server's ExchangeInstallPath`,
      'Give web.config paths relative to ExchangeInstallPath, without ".." and not absolute, e.g. FrontEnd/HttpProxy/rest/web.config.',
    );
  }
  return abs;
}

/**
 * organization.json as of now (LAB.md R1): read on every call, parsed again only when its text changed.
 * A fleet of 500 servers makes organization.json about 80 KB, and parsing it for every call of a run
 * made a fleet read quadratic in the number of servers. Comparing the text, not the file's times,
 * also catches a same-size rewrite within the file system's timestamp granularity.
 */
function organizationReader(dir: string): () => Promise<LabOrganization> {
  let cached: { readonly text: string; readonly org: LabOrganization } | undefined;
  return async () => {
    const text = await readLabOrganizationText(dir);
    if (cached?.text !== text) {
      // A broken file throws here, every time, until it is repaired: only a parsed one is kept.
      cached = { text, org: parseLabOrganization(text, dir) };
    }
    return cached.org;
  };
}

/** The lab's health check (O6): every path answers unless the server has the healthCheck fault. */
function labHealth(s: LabServer, checkPaths: readonly string[], timeoutSeconds: number): HealthCheckResult {
  if (s.faults?.healthCheck !== 'fail') return { ok: true, failures: [] };
  return {
    ok: false,
    // No paths given: the server itself is what fails its health check.
    failures: (checkPaths.length > 0 ? checkPaths : ['']).map((p) => ({
      path: p,
      reason: `https://${s.Fqdn}/${p.replace(/^\/+/, '')} did not answer 200 OK within ${timeoutSeconds} s (lab fault healthCheck=fail)`,
    })),
  };
}

async function readJsonOr<T>(file: string, fallback: T): Promise<T> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw err;
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
  const entries = text.split('\n').flatMap((l) => {
    try {
      return l.trim() ? [JSON.parse(l) as JournalEntry] : [];
    } catch {
      return [];
    }
  });
  const start = [...entries].reverse().find((e): e is JournalStart => e.event === 'start');
  if (!start) return null;
  const end = entries.find((e): e is JournalEnd => e.event === 'end' && e.runId === start.runId);
  return end ? { start, end } : { start };
}

/** Whether backups can be taken in the server folder: the lab fault, or a backup folder we cannot write. */
async function backupPossible(s: LabServer, folder: string): Promise<{ possible: boolean; reason?: string }> {
  if (s.faults?.backup === 'fail') return { possible: false, reason: `lab fault backup=fail on ${s.Name}` };
  const root = path.join(folder, 'hybridcfg');
  const probe = (await fs.stat(root).then(() => true, () => false)) ? root : folder;
  try {
    await fs.access(probe, fsConstants.W_OK);
    return { possible: true };
  } catch (err) {
    return { possible: false, reason: `${probe} is not writable (${(err as NodeJS.ErrnoException).code})` };
  }
}

export function createLabTarget(dir: string): LabTarget {
  const paths = labPaths(dir);
  const currentOrganization = organizationReader(dir);
  // Set-PartnerApplication reads, changes and rewrites organization.json: one at a time, so that two
  // concurrent sets through one target cannot lose each other's change.
  let orgQueue: Promise<unknown> = Promise.resolve();
  function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
    const result = orgQueue.then(fn, fn);
    orgQueue = result.catch(() => undefined);
    return result;
  }

  /** Every call is logged to calls.jsonl when it ends, with the diagnostic code if it failed. */
  async function served<T>(call: Readonly<Record<string, unknown>>, fn: () => Promise<T>): Promise<T> {
    try {
      const result = await fn();
      await appendJsonLine(paths.calls, call);
      return result;
    } catch (err) {
      // Without a lab there is no calls.jsonl to write to; the diagnostic says how to make one.
      if (errorCode(err) !== 'lab.missing') await appendJsonLine(paths.calls, { ...call, error: errorCode(err) });
      throw err;
    }
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
  async function reach(server: ExchangeServer): Promise<{ org: LabOrganization; server: LabServer; folder: string }> {
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
    return { org, server: s, folder: serverFolder(dir, s.Name) };
  }

  async function readFile(abs: string): Promise<FileRead> {
    try {
      const bytes = await fs.readFile(abs);
      return { exists: true, bytes, sha256: sha256(bytes) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { exists: false };
      throw err;
    }
  }

  return {
    kind: 'lab',
    description: `lab ${paths.root}`,

    readOrganization(): Promise<OrganizationState> {
      return served({ call: 'readOrganization' }, async () => {
        const org = await currentOrganization();
        return {
          partnerApplications: org.partnerApplications.map(toPartnerApplication),
          servers: org.servers.filter(isFrontEndServer).map(toExchangeServer),
          setPartnerApplicationParameters: org.cmdlets['Set-PartnerApplication'].parameters,
          partnerApplicationOriginals: await readJsonOr<Record<string, PartnerApplicationUpdate>>(paths.partnerApplicationOriginals, {}),
          lock: await readJsonOr<LockHolder | null>(paths.lock, null),
          lastRun: await lastRun(paths.journal),
        };
      });
    },

    readServer(server: ExchangeServer, files: readonly string[]): Promise<ServerState> {
      return served({ call: 'readServer', server: server.Name }, async () => {
        const { server: s, folder } = await reach(server);
        const absolute = files.map((f) => resolveInServer(folder, f));
        const reads = await Promise.all(absolute.map(readFile));
        return {
          name: s.Name,
          // $env:ExchangeInstallPath ends with a separator [H]; so does the lab's.
          installPath: folder + path.sep,
          files: Object.fromEntries(files.map((f, i) => [f, reads[i]])),
          backup: await backupPossible(s, folder),
        };
      });
    },

    setPartnerApplication(applicationIdentifier: string, update: PartnerApplicationUpdate): Promise<void> {
      return served({ call: 'setPartnerApplication', applicationIdentifier }, () =>
        oneAtATime(async () => {
          const org = await readLabOrganization(dir);
          const given = (Object.keys(update) as (keyof PartnerApplicationUpdate)[]).filter((k) => update[k] !== undefined);
          // PowerShell binds parameters before the cmdlet runs: a parameter the session lacks fails first.
          const exposed = org.cmdlets['Set-PartnerApplication'].parameters;
          const missing = given.find((k) => !exposed.includes(k));
          if (missing) {
            fail(
              'target.parameter-missing',
              `Set-PartnerApplication -${missing} failed: ${parameterNotFoundMessage(missing)}`,
              `This Exchange session's Set-PartnerApplication does not have -${missing}: the build does not accept it, ` +
                'or the RBAC role entries of your account do not expose it [?]. Nothing was changed.\n' +
                `In the lab: add "${missing}" to cmdlets."Set-PartnerApplication".parameters in ${paths.organization}.`,
            );
          }
          const index = org.partnerApplications.findIndex(
            (a) => a.ApplicationIdentifier.toLowerCase() === applicationIdentifier.toLowerCase(),
          );
          if (index < 0) {
            fail(
              'target.unknown-application',
              `No partner application has ApplicationIdentifier ${applicationIdentifier}`,
              `The organisation has: ${org.partnerApplications.map((a) => `${a.Name} (${a.ApplicationIdentifier})`).join(', ') || '(none)'}.`,
            );
          }
          const app = org.partnerApplications[index];
          if (app.faults?.set === 'fail') {
            fail(
              'target.set-failed',
              `Set-PartnerApplication failed for "${app.Name}" (${app.ApplicationIdentifier})`,
              `Lab fault: partner application "${app.Name}" has set=fail. Nothing was changed. ` +
                `Clear it with: hybridcfg lab fault ${dir} --app ${app.ApplicationIdentifier} --clear`,
            );
          }
          const next: Record<string, unknown> = { ...app };
          const changed: string[] = [];
          for (const key of given) {
            // An empty list clears the MultiValuedProperty, which Exchange then shows as $null [?].
            const value = Array.isArray(update[key]) && (update[key] as unknown[]).length === 0 ? null : update[key];
            if (JSON.stringify(app[key]) !== JSON.stringify(value)) {
              next[key] = value;
              changed.push(key);
            }
          }
          // Exchange warns "no settings ... have been modified" and writes nothing when nothing differs [M].
          if (changed.length === 0) return;
          // The value before hybridcfg first changed a property is kept for rollback, never replaced.
          const originals = await readJsonOr<Record<string, Record<string, unknown>>>(paths.partnerApplicationOriginals, {});
          const mine = { ...(originals[app.ApplicationIdentifier] ?? {}) };
          for (const key of changed) if (!(key in mine)) mine[key] = app[key as keyof PartnerApplicationUpdate];
          await fs.mkdir(path.dirname(paths.partnerApplicationOriginals), { recursive: true });
          await writeFileAtomic(paths.partnerApplicationOriginals, JSON.stringify({ ...originals, [app.ApplicationIdentifier]: mine }, null, 2) + '\n');
          const partnerApplications = org.partnerApplications.map((a, i) => (i === index ? (next as unknown as LabPartnerApplication) : a));
          await writeLabOrganization(dir, { ...org, partnerApplications });
          await appendJsonLine(paths.events, {
            action: 'set-partnerapplication',
            applicationIdentifier: app.ApplicationIdentifier,
            name: app.Name,
            properties: changed,
          });
        }),
      );
    },

    writeFiles(server: ExchangeServer, writes: readonly FileWrite[]): Promise<readonly FileWriteResult[]> {
      return served({ call: 'writeFiles', server: server.Name }, async () => {
        const { server: s, folder } = await reach(server);
        // Check every file before touching any: a stale or missing one means nothing is written.
        const checked = await Promise.all(
          writes.map(async (w) => {
            const abs = resolveInServer(folder, w.file);
            const current = await readFile(abs);
            if (!current.exists) {
              fail(
                'target.file-missing',
                `${w.file} does not exist on ${s.Name}`,
                `Looked for ${abs}. hybridcfg edits web.config files, it never creates them; check the path in the spec. Nothing was written.`,
              );
            }
            if (current.sha256 !== w.expectedSha256) {
              fail(
                'target.file-changed',
                `${w.file} on ${s.Name} changed since the plan was made`,
                `Its sha256 is ${current.sha256}, the plan was made from ${w.expectedSha256}. Nothing was written. Run plan again.`,
              );
            }
            return { write: w, abs, rel: w.file.replace(/\\/g, '/'), before: current };
          }),
        );
        if (checked.length === 0) return [];

        const backupRoot = path.join(folder, ...BACKUP_FOLDER.split('/'));
        await fs.mkdir(backupRoot, { recursive: true });
        let name = stamp(new Date());
        // Two writes within one millisecond get distinct folders: a backup is never overwritten.
        for (let n = 2; ; n++) {
          try {
            await fs.mkdir(path.join(backupRoot, name));
            break;
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
            name = `${stamp(new Date())}-${n}`;
          }
        }

        const results: FileWriteResult[] = [];
        for (const { write, abs, rel, before } of checked) {
          const backupRel = `${BACKUP_FOLDER}/${name}/${rel}`;
          const backupAbs = path.join(folder, ...backupRel.split('/'));
          await fs.mkdir(path.dirname(backupAbs), { recursive: true });
          await fs.writeFile(backupAbs, before.bytes, { flag: 'wx' });
          const originalAbs = path.join(folder, ...ORIGINAL_FOLDER.split('/'), ...rel.split('/'));
          await fs.mkdir(path.dirname(originalAbs), { recursive: true });
          try {
            await fs.writeFile(originalAbs, before.bytes, { flag: 'wx' });
          } catch (err) {
            // The first original is kept for ever: later applies never replace it.
            if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          }
          const tempDir = path.join(folder, ...TEMP_FOLDER.split('/'));
          await fs.mkdir(tempDir, { recursive: true });
          await writeFileAtomic(abs, write.bytes, tempDir);
          await appendJsonLine(paths.events, {
            action: 'write-file',
            server: s.Name,
            file: rel,
            sha256Before: before.sha256,
            sha256After: sha256(write.bytes),
            backup: backupRel,
          });
          results.push({ file: write.file, backupPath: backupAbs });
        }
        return results;
      });
    },

    restart(server: ExchangeServer, request: RestartRequest): Promise<RestartResult> {
      return served({ call: 'restart', server: server.Name }, async () => {
        const { server: s } = await reach(server);
        const pools = request.appPools ?? [];
        if (request.mode === 'appPools' && pools.length === 0) {
          fail('target.restart-invalid', `No app pools given to recycle on ${s.Name}`, 'Name the app pools, e.g. MSExchangeRestFrontEndAppPool.');
        }
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
        return request.healthCheck ? { health: labHealth(s, request.healthCheck.paths, request.healthCheck.timeoutSeconds) } : {};
      });
    },

    acquireLock(holder: LockHolder): Promise<LockHolder | null> {
      return served({ call: 'acquireLock', runId: holder.runId }, async () => {
        await readLabOrganization(dir);
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
              const other = await readJsonOr<LockHolder | null>(paths.lock, null);
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
        const current = await readJsonOr<LockHolder | null>(paths.lock, null);
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
        return labHealth(s, checkPaths, timeoutSeconds);
      });
    },

    async close(): Promise<void> {
      // Nothing is held open between calls.
    },
  };
}

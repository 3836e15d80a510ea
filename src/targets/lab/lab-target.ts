/**
 * The built-in lab as a Target: an emulated Exchange organisation in a folder (LAB.md is its behaviour
 * spec; test/unit/lab-target.test.ts checks it statement by statement). State lives on disk and is
 * re-read on every call, so fault knobs set by `hybridcfg lab fault` or by the fake PowerShell module
 * take effect at once.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DiagnosticError, fail } from '../../diag/diagnostic';
import type {
  ExchangeServer,
  FileRead,
  FileWrite,
  FileWriteResult,
  OrganizationState,
  PartnerApplication,
  PartnerApplicationUpdate,
  RestartRequest,
  ServerState,
  Target,
} from '../types';
import {
  BACKUP_FOLDER,
  ORIGINAL_FOLDER,
  appendJsonLine,
  isFrontEndServer,
  labPaths,
  readLabOrganization,
  serverFolder,
  sha256,
  writeFileAtomic,
  writeLabOrganization,
} from './format';
import type { LabOrganization, LabPartnerApplication, LabServer } from './format';

export interface HealthCheckFailure {
  readonly path: string;
  readonly reason: string;
}

export interface HealthCheckResult {
  readonly ok: boolean;
  readonly failures: readonly HealthCheckFailure[];
}

/** The lab target: the Target interface plus the health check the rolling restart will use. */
export interface LabTarget extends Target {
  readonly kind: 'lab';
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

export function createLabTarget(dir: string): LabTarget {
  const paths = labPaths(dir);
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

  function findServer(org: LabOrganization, server: ExchangeServer): LabServer {
    const servers = org.servers.filter(isFrontEndServer);
    const found = servers.find((s) => s.Name.toUpperCase() === server.Name.toUpperCase());
    if (!found) {
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
    const org = await readLabOrganization(dir);
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
        const org = await readLabOrganization(dir);
        return {
          partnerApplications: org.partnerApplications.map(toPartnerApplication),
          servers: org.servers.filter(isFrontEndServer).map(toExchangeServer),
          setPartnerApplicationParameters: org.cmdlets['Set-PartnerApplication'].parameters,
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
          await writeFileAtomic(abs, write.bytes);
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

    restart(server: ExchangeServer, request: RestartRequest): Promise<void> {
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
      });
    },

    healthCheck(server: ExchangeServer, checkPaths: readonly string[], timeoutSeconds: number): Promise<HealthCheckResult> {
      return served({ call: 'healthCheck', server: server.Name }, async () => {
        const { server: s } = await reach(server);
        if (s.faults?.healthCheck !== 'fail') return { ok: true, failures: [] };
        return {
          ok: false,
          // No paths given: the server itself is what fails its health check.
          failures: (checkPaths.length > 0 ? checkPaths : ['']).map((p) => ({
            path: p,
            reason: `https://${s.Fqdn}/${p.replace(/^\/+/, '')} did not answer 200 OK within ${timeoutSeconds} s (lab fault healthCheck=fail)`,
          })),
        };
      });
    },

    async close(): Promise<void> {
      // Nothing is held open between calls.
    },
  };
}

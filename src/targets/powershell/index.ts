/**
 * The PowerShell target: a real Exchange organisation (or, with `lab`, the fake Exchange module on a lab
 * folder) driven through one long-lived PowerShell session. Reading the organisation and reading a
 * server are one round trip each; writing a server's files is one, a restart is one.
 */
import { createHash } from 'node:crypto';
import { DiagnosticError, error, fail } from '../../diag/diagnostic';
import type { PowerShellTargetSpec } from '../../spec/types';
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
import { SETTABLE_PARTNER_APPLICATION_PROPERTIES } from '../types';
import { FAKE_EXCHANGE_MODULE } from './scripts';
import type { Route } from './scripts';
import { openSession } from './session';
import { findShell } from './shell';

export const DEFAULT_TIMEOUT_SECONDS = 120;

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

export async function createPowerShellTarget(options: Options, ctx: { specDir: string }): Promise<Target> {
  const executable = findShell(options.shell);
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const session = openSession({
    executable,
    timeoutMs: timeoutSeconds * 1000,
    cwd: ctx.specDir,
    env: options.lab ? { ...process.env, HYBRIDCFG_LAB: options.lab } : process.env,
    connect: { script: 'connect', data: connectData(options) },
  });
  // Exchange cmdlets run in this session (locally, or as proxies of the remote endpoint); server work runs
  // here (files: local), on each server through WinRM, or in lab mode through the fake module's stand-in.
  const orgTransport: Route['transport'] = options.lab ? 'lab' : 'session';
  const serverTransport: Route['transport'] = options.lab ? 'lab' : options.files === 'winrm' ? 'winrm' : 'session';

  return {
    kind: 'powershell',
    description: describeTarget(executable, options),

    async readOrganization(): Promise<OrganizationState> {
      const result = (await session.call({
        script: 'read-organization',
        data: {},
        context: { call: 'readOrganization' },
        transport: orgTransport,
      })) as { partnerApplications: PartnerApplication[]; servers: ExchangeServer[]; setPartnerApplicationParameters: string[] };
      return {
        partnerApplications: result.partnerApplications ?? [],
        servers: result.servers ?? [],
        setPartnerApplicationParameters: result.setPartnerApplicationParameters ?? [],
      };
    },

    async readServer(server: ExchangeServer, files: readonly string[]): Promise<ServerState> {
      files.forEach((f) => checkRelativePath(f, server));
      const result = (await session.call({
        script: 'read-server',
        data: { files },
        context: { call: 'readServer', server },
        transport: serverTransport,
      })) as { installPath: string; files: { file: string; exists: boolean; base64?: string; sha256?: string }[] };
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
      return { name: server.Name, installPath: result.installPath, files: read };
    },

    async setPartnerApplication(applicationIdentifier: string, update: PartnerApplicationUpdate): Promise<void> {
      const unknown = Object.keys(update).filter((k) => !(SETTABLE_PARTNER_APPLICATION_PROPERTIES as readonly string[]).includes(k));
      if (unknown.length > 0) {
        fail('target.bad-request', `Cannot set ${unknown.join(', ')} on partner application ${applicationIdentifier}`, 'hybridcfg sets only the properties Set-PartnerApplication documents.');
      }
      await session.call({
        script: 'set-partner-application',
        data: { applicationIdentifier, update },
        context: { call: 'setPartnerApplication', applicationIdentifier },
        transport: orgTransport,
      });
    },

    async writeFiles(server: ExchangeServer, writes: readonly FileWrite[]): Promise<readonly FileWriteResult[]> {
      writes.forEach((w) => checkRelativePath(w.file, server));
      const result = (await session.call({
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

    async restart(server: ExchangeServer, request: RestartRequest): Promise<void> {
      if (request.mode === 'appPools' && (request.appPools ?? []).length === 0) {
        fail('target.restart-invalid', `No app pools given to recycle on ${server.Name}`, 'Name the app pools, e.g. MSExchangeRestFrontEndAppPool.');
      }
      await session.call({
        script: 'restart',
        data: { mode: request.mode, appPools: request.appPools ?? [] },
        context: { call: 'restart', server },
        transport: serverTransport,
      });
    },

    close: () => session.close(),
  };
}

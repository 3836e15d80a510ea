/**
 * `hybridcfg lab init`: a new lab folder, built at init time from the real Exchange captures in
 * fixtures/exchange/ so that the lab looks like a real 2019 organisation, not like our idea of one.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DiagnosticError, error, fail } from '../../diag/diagnostic';
import type { Diagnostic } from '../../diag/diagnostic';
import { parseClixml } from './clixml';
import type { ClixmlObject, ClixmlValue } from './clixml';
import { capturePath } from './captures';
import type { LabDriver } from './driver';
import { buildProfile, adminDisplayVersion, DEFAULT_LAB_BUILD } from './profiles';
import { compareBuilds, normalizeBuild, productOf } from '../../domain/builds';
import { exSetupBytes } from './exsetup';
import { LAB_FORMAT_VERSION, labPaths, serverFolder } from './format';
import type { LabOrganization, LabServer } from './format';

import { LAB_VDIRS } from './vdirs';

export const DEFAULT_LAB_SERVERS: readonly string[] = ['EX01'];

/** What `hybridcfg lab init` is asked for. */
export interface LabInitRequest {
  readonly servers: readonly string[];
  /** `--build`: one build for all, and/or SERVER=build pairs; default DEFAULT_LAB_BUILD. */
  readonly build?: string;
  /** `--app-only-exposed`: the organisation's role entry of Set-PartnerApplication includes -AppOnlyPermissions. */
  readonly appOnlyExposed?: boolean;
}

/** A lab server's %windir%, relative to its folder. */
export const LAB_WINDIR = ['Windows'] as const;
export const LAB_DOMAIN = 'contoso.lab';

/**
 * NetBIOS computer names: letters, digits and hyphens, at most 15 characters; not only digits and no
 * leading or trailing hyphen, which DNS host names forbid and Exchange servers need (Fqdn).
 */
export function checkServerNames(names: readonly string[]): readonly Diagnostic[] {
  const problems: Diagnostic[] = [];
  const seen = new Set<string>();
  if (names.length === 0) {
    problems.push(error('lab.invalid-server-name', 'No server names given', 'Give at least one, e.g. --servers EX01,EX02.'));
  }
  for (const name of names) {
    const fix = 'Use letters, digits and hyphens, at most 15 characters (a NetBIOS computer name), e.g. EX01.';
    if (!/^[A-Za-z0-9-]{1,15}$/.test(name)) {
      const why = name.length > 15 ? `it has ${name.length} characters, more than 15` : name === '' ? 'it is empty' : 'it has characters other than letters, digits and hyphens';
      problems.push(error('lab.invalid-server-name', `"${name}" is not a valid server name: ${why}`, fix));
    } else if (/^\d+$/.test(name) || name.startsWith('-') || name.endsWith('-')) {
      problems.push(error('lab.invalid-server-name', `"${name}" is not a valid server name: it is all digits or starts or ends with a hyphen`, fix));
    } else if (seen.has(name.toUpperCase())) {
      problems.push(error('lab.invalid-server-name', `"${name}" is given twice (server names are not case-sensitive)`, 'Give each server once.'));
    }
    seen.add(name.toUpperCase());
  }
  return problems;
}

export async function readCapture(relative: string): Promise<readonly ClixmlObject[]> {
  return parseClixml(await fs.readFile(capturePath(relative), 'utf8'));
}

const str = (v: ClixmlValue | undefined): string => (typeof v === 'string' ? v : '');
const strOrNull = (v: ClixmlValue | undefined): string | null => (typeof v === 'string' ? v : null);
const bool = (v: ClixmlValue | undefined): boolean => v === true;

async function authConfig(): Promise<Readonly<Record<string, string | null>>> {
  const [o] = await readCapture('E19/GetAuthConfig.xml');
  const p = o.props;
  return {
    CurrentCertificateThumbprint: strOrNull(p.CurrentCertificateThumbprint),
    PreviousCertificateThumbprint: strOrNull(p.PreviousCertificateThumbprint),
    NextCertificateThumbprint: strOrNull(p.NextCertificateThumbprint),
    ServiceName: strOrNull(p.ServiceName),
    Realm: strOrNull(p.Realm),
  };
}

/**
 * Get-ExchangeServer's shape from the capture (ServerRole, IsEdgeServer [H]); the version of each server
 * from its build: AdminDisplayVersion shows the cumulative update only, ExSetup.exe the whole build.
 */
async function servers(names: readonly string[], builds: Readonly<Record<string, string>>): Promise<readonly LabServer[]> {
  const [o] = await readCapture('E19/GetExchangeServer.xml');
  return names.map((name) => ({
    Name: name,
    Fqdn: `${name}.${LAB_DOMAIN}`,
    AdminDisplayVersion: adminDisplayVersion(builds[name]!),
    ServerRole: str(o.props.ServerRole),
    IsEdgeServer: bool(o.props.IsEdgeServer),
  }));
}

/**
 * `--build 15.2.1748.43` for every server, or `--build 15.2.1748.43,EX02=15.1.2507.66` for some: each a
 * build of Exchange 2016 (15.1) or 2019/SE (15.2), in either form (`15.02.1748.043` too).
 */
export function parseBuildOption(text: string | undefined, names: readonly string[]): { builds: Record<string, string>; problems: Diagnostic[] } {
  const problems: Diagnostic[] = [];
  const builds: Record<string, string> = {};
  let all = DEFAULT_LAB_BUILD;
  const perServer: Record<string, string> = {};
  const check = (value: string, what: string): string | undefined => {
    const b = normalizeBuild(value);
    if (b === undefined || buildProfile(b) === undefined) {
      problems.push(
        error(
          'lab.invalid-build',
          `${what} "${value}" is not a build of Exchange 2016, 2019 or SE`,
          'Give four numbers as ExSetup.exe shows them, 15.1.x.x (2016) or 15.2.x.x (2019, SE), e.g. --build 15.2.1748.43 or --build 15.2.1748.43,EX02=15.1.2507.66.',
        ),
      );
      return undefined;
    }
    return b;
  };
  for (const part of (text ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      const b = check(part, 'The build');
      if (b) all = b;
      continue;
    }
    const server = part.slice(0, eq).trim();
    const match = names.find((n) => n.toUpperCase() === server.toUpperCase());
    if (!match) {
      problems.push(error('lab.invalid-build', `--build names server "${server}", which is not one of the lab's servers (${names.join(', ')})`, 'Name a server given with --servers.'));
      continue;
    }
    const b = check(part.slice(eq + 1).trim(), `The build of ${match}`);
    if (b) perServer[match] = b;
  }
  for (const n of names) builds[n] = perServer[n] ?? all;
  return { builds, problems };
}

/** The build the organisation's Exchange cmdlets and RBAC follow: the oldest server's (the session may run on any). */
function organizationBuild(builds: Readonly<Record<string, string>>): string {
  return [...Object.values(builds)].sort(compareBuilds)[0] ?? DEFAULT_LAB_BUILD;
}

/**
 * The server's IIS configuration from the real capture (fixture E19 IIS/applicationHost.config [H]), with
 * Exchange's install path written as %ExchangeInstallPath%, which IIS expands in a physicalPath as it
 * expands the %SystemDrive% and %windir% the capture already has: a lab server's install path is its
 * folder, wherever the lab is (LAB.md, "IIS").
 */
export function labApplicationHostConfig(capture: Buffer): Buffer {
  return asServerFile(Buffer.from(capture.toString('utf8').replace(/C:\\Program Files\\Microsoft\\Exchange Server\\V15\\/gi, '%ExchangeInstallPath%'), 'utf8'));
}

/** Captures in git have LF; servers have CRLF [?] and a UTF-8 BOM [H]: the lab files look like a server's. */
export function asServerFile(capture: Buffer): Buffer {
  const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
  const text = capture.subarray(capture.subarray(0, 3).equals(BOM) ? 3 : 0).toString('utf8');
  return Buffer.concat([BOM, Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8')]);
}

async function refuseNonEmpty(root: string): Promise<void> {
  let entries: string[];
  try {
    const stat = await fs.stat(root);
    if (!stat.isDirectory()) {
      fail('lab.not-empty', `Cannot create a lab at ${root}: it is a file`, 'Choose a new folder (hybridcfg lab init creates it).');
    }
    entries = await fs.readdir(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (entries.length > 0) {
    fail(
      'lab.not-empty',
      `Cannot create a lab in ${root}: the folder is not empty`,
      `It holds ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}); hybridcfg never overwrites files.\n` +
        'Choose a new or empty folder, or delete this one yourself if it is an old lab.',
    );
  }
}

/**
 * Creates a lab folder (LAB.md, "init"). Refuses a folder that exists and is not empty. Each resource
 * kind's lab driver adds its part of the organisation (partner applications from their capture, ...).
 */
/** The lab's default session computer: a management host, not an Exchange server. */
export const LAB_MANAGEMENT_HOST = 'ADMIN01';

export async function initLab(dir: string, opts: LabInitRequest, drivers: Readonly<Record<string, LabDriver>>): Promise<void> {
  const problems = checkServerNames(opts.servers);
  const { builds, problems: buildProblems } = parseBuildOption(opts.build, opts.servers);
  if (problems.length + buildProblems.length > 0) throw new DiagnosticError([...problems, ...buildProblems]);
  const paths = labPaths(dir);
  await refuseNonEmpty(paths.root);

  const kindOptions = { servers: opts.servers, builds, build: organizationBuild(builds), appOnlyExposed: opts.appOnlyExposed === true };
  let org: LabOrganization = {
    formatVersion: LAB_FORMAT_VERSION,
    organization: { Name: LAB_DOMAIN },
    // Where hybridcfg runs (LAB.md, "The session"): a management host with the Exchange Management Tools,
    // as a pipeline runner is, not one of the servers, so every server's files travel through WinRM.
    session: { computer: LAB_MANAGEMENT_HOST, remote: false, executionPolicy: 'RemoteSigned' },
    // Windows features of the servers (fixture E19 OS/GetWindowsFeature.xml: no IIS Management Scripts and Tools [H]).
    modules: { WebAdministration: false },
    authConfig: await authConfig(),
    servers: await servers(opts.servers, builds),
    cmdlets: {},
  };
  for (const driver of Object.values(drivers)) if (driver.scope === 'organization' && driver.init) org = await driver.init(org, kindOptions);
  // Each server's files from the captures of its product where there is one (2016: EWS), else 2019's.
  const capturesOf = async (product2016: boolean): Promise<Buffer[]> =>
    Promise.all(LAB_VDIRS.map(async (v) => asServerFile(await fs.readFile(capturePath(product2016 && v.capture2016 ? v.capture2016 : v.capture)))));
  const captures = { 2016: await capturesOf(true), other: await capturesOf(false) };
  const applicationHost = labApplicationHostConfig(await fs.readFile(capturePath('E19/IIS/applicationHost.config')));

  await fs.mkdir(paths.root, { recursive: true });
  // 'wx' everywhere: should anything appear in the folder meanwhile, fail rather than overwrite it.
  await fs.writeFile(paths.organization, JSON.stringify(org, null, 2) + '\n', { flag: 'wx' });
  await fs.writeFile(paths.events, '', { flag: 'wx' });
  await fs.writeFile(paths.calls, '', { flag: 'wx' });
  const write = async (file: string, bytes: Buffer): Promise<void> => {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, bytes, { flag: 'wx' });
  };
  for (const server of opts.servers) {
    const folder = serverFolder(dir, server);
    const own = productOf(builds[server]!) === '2016' ? captures[2016] : captures.other;
    for (const [i, vdir] of LAB_VDIRS.entries()) await write(path.join(folder, ...vdir.file.split('/')), own[i]!);
    await write(path.join(folder, 'bin', 'ExSetup.exe'), exSetupBytes(builds[server]!));
    // %windir% of the server: its IIS configuration and appcmd.exe (the fake module answers for it).
    await write(path.join(folder, ...LAB_WINDIR, 'System32', 'inetsrv', 'config', 'applicationHost.config'), applicationHost);
    await write(path.join(folder, ...LAB_WINDIR, 'System32', 'inetsrv', 'appcmd.exe'), Buffer.alloc(0));
    const labServer = org.servers.find((s) => s.Name === server)!;
    for (const driver of Object.values(drivers)) if (driver.scope === 'server' && driver.initServer) await driver.initServer(folder, labServer, kindOptions);
  }
}

/**
 * The lab folder format (LAB.md): a shared contract between this TypeScript lab target and the fake
 * Exchange PowerShell module, which read and write the same files and must log identical lines.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fail } from '../../diag/diagnostic';
import { SETTABLE_PARTNER_APPLICATION_PROPERTIES, type ExchangeServer, type PartnerApplication } from '../types';

export const LAB_FORMAT_VERSION = 1;

/** Fault knobs of a server (LAB.md, "Faults"); absent = no fault. */
export interface ServerFaults {
  readonly latencyMs?: number;
  readonly unreachable?: boolean;
  readonly restart?: 'fail';
  readonly healthCheck?: 'fail';
  /** The server reports that backups are not possible (a full disk, a read-only backup folder). */
  readonly backup?: 'fail';
}

export interface PartnerApplicationFaults {
  readonly set?: 'fail';
}

export interface LabServer extends ExchangeServer {
  readonly faults?: ServerFaults;
}

export interface LabPartnerApplication extends PartnerApplication {
  readonly faults?: PartnerApplicationFaults;
}

/** `Get-AuthServer`, as captured or as EXCHANGE.md describes EvoSts. */
export type AuthServer = Readonly<Record<string, string | boolean | null>> & {
  readonly Name: string;
  readonly IssuerIdentifier: string;
  readonly Enabled: boolean;
};

export interface LabOrganization {
  readonly formatVersion: typeof LAB_FORMAT_VERSION;
  readonly organization: { readonly Name: string };
  readonly partnerApplications: readonly LabPartnerApplication[];
  readonly authServers: readonly AuthServer[];
  readonly authConfig: Readonly<Record<string, string | null>>;
  readonly servers: readonly LabServer[];
  readonly cmdlets: { readonly 'Set-PartnerApplication': { readonly parameters: readonly string[] } };
}

/**
 * What `Set-PartnerApplication` exposes on a build that accepts -AppOnlyPermissions (the cmdlet's
 * documented parameters, MicrosoftDocs Set-PartnerApplication [H]).
 */
export const DEFAULT_SET_PARTNER_APPLICATION_PARAMETERS: readonly string[] = [
  'Identity',
  ...SETTABLE_PARTNER_APPLICATION_PROPERTIES,
  'RefreshAuthMetadata',
  'TrustAnySSLCertificate',
  'Confirm',
  'DomainController',
  'WhatIf',
];

export interface LabPaths {
  readonly root: string;
  readonly organization: string;
  readonly events: string;
  readonly calls: string;
  readonly servers: string;
  /** The organisation's apply lock (one run at a time), created exclusively. */
  readonly lock: string;
  /** One JSON line per run start and end, to tell an interrupted run from a finished one. */
  readonly journal: string;
  /** Partner application values before hybridcfg first changed them; never overwritten per property. */
  readonly partnerApplicationOriginals: string;
}

export function labPaths(dir: string): LabPaths {
  const root = path.resolve(dir);
  return {
    root,
    organization: path.join(root, 'organization.json'),
    events: path.join(root, 'events.jsonl'),
    calls: path.join(root, 'calls.jsonl'),
    servers: path.join(root, 'servers'),
    lock: path.join(root, 'hybridcfg', 'lock.json'),
    journal: path.join(root, 'hybridcfg', 'journal.jsonl'),
    partnerApplicationOriginals: path.join(root, 'hybridcfg', 'original', 'partner-applications.json'),
  };
}

/** A server's folder: its ExchangeInstallPath. Names are NetBIOS names, checked at init. */
export function serverFolder(dir: string, name: string): string {
  return path.join(labPaths(dir).servers, name);
}

/** Where in the lab the backups and originals of a server live, relative to its folder. */
export const BACKUP_FOLDER = 'hybridcfg/backup';
export const ORIGINAL_FOLDER = 'hybridcfg/original';
/**
 * Temp files of atomic writes live here, not beside the web.config: a run killed between write and
 * rename leaves nothing in a vdir folder that IIS reads. Same volume as the files, so rename is atomic.
 */
export const TEMP_FOLDER = 'hybridcfg/tmp';

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Servers the target reports: Get-ExchangeServer narrowed to the client access front end (not Edge). */
export function isFrontEndServer(server: ExchangeServer): boolean {
  return /\b(Mailbox|ClientAccess)\b/.test(server.ServerRole) && !/\bEdge\b/.test(server.ServerRole);
}

/**
 * Replace a file atomically: write a temp file in the same folder (so the rename stays on one volume),
 * fsync it, rename over the target. A reader sees the old bytes or the new ones, never half.
 */
export async function writeFileAtomic(file: string, bytes: Buffer | string, tempDir: string = path.dirname(file)): Promise<void> {
  const temp = path.join(tempDir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.open(temp, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}

/** One JSON object per line, `time` first (LAB.md, "Events and calls"). */
export async function appendJsonLine(file: string, record: Readonly<Record<string, unknown>>): Promise<void> {
  await fs.appendFile(file, JSON.stringify({ time: new Date().toISOString(), ...record }) + '\n', 'utf8');
}

const HOW_TO_CREATE = (dir: string) => `Run "hybridcfg lab init ${dir}" to create a lab there, or point the spec's target.lab at an existing one.`;

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

function invalid(file: string, dir: string, what: string): never {
  return fail('lab.invalid', `The lab's organization.json is not valid: ${what}`, `${file}\n${HOW_TO_CREATE(dir)} (Or repair the file.)`, {
    source: { file, line: 1, col: 1 },
  });
}

function checkShape(org: unknown, file: string, dir: string): LabOrganization {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(org)) invalid(file, dir, 'the top level is not a JSON object');
  if (org.formatVersion !== LAB_FORMAT_VERSION) {
    invalid(file, dir, `formatVersion is ${JSON.stringify(org.formatVersion)}, this hybridcfg reads ${LAB_FORMAT_VERSION}`);
  }
  for (const key of ['partnerApplications', 'servers', 'authServers'] as const) {
    if (!Array.isArray(org[key])) invalid(file, dir, `"${key}" is missing or not a list`);
  }
  (org.partnerApplications as unknown[]).forEach((app, i) => {
    if (!isObj(app) || typeof app.ApplicationIdentifier !== 'string' || typeof app.Name !== 'string') {
      invalid(file, dir, `partnerApplications[${i}] needs a string Name and ApplicationIdentifier`);
    }
  });
  (org.servers as unknown[]).forEach((s, i) => {
    if (!isObj(s) || typeof s.Name !== 'string' || typeof s.Fqdn !== 'string' || typeof s.ServerRole !== 'string') {
      invalid(file, dir, `servers[${i}] needs a string Name, Fqdn and ServerRole`);
    }
  });
  const cmdlets = org.cmdlets;
  const set = isObj(cmdlets) ? cmdlets['Set-PartnerApplication'] : undefined;
  if (!isObj(set) || !Array.isArray(set.parameters) || !set.parameters.every((p) => typeof p === 'string')) {
    invalid(file, dir, '"cmdlets"."Set-PartnerApplication".parameters is missing or not a list of names');
  }
  return org as unknown as LabOrganization;
}

/** Reads organization.json; a missing lab or a broken file is a diagnostic naming the path and the way out. */
export async function readLabOrganization(dir: string): Promise<LabOrganization> {
  return parseLabOrganization(await readLabOrganizationText(dir), dir);
}

/** The text of organization.json; a missing lab is a diagnostic that says how to make one. */
export async function readLabOrganizationText(dir: string): Promise<string> {
  const paths = labPaths(dir);
  try {
    return await fs.readFile(paths.organization, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    const folderExists = await fs.stat(paths.root).then((s) => s.isDirectory(), () => false);
    return fail(
      'lab.missing',
      folderExists ? `${paths.root} is not a hybridcfg lab: it has no organization.json` : `There is no lab at ${paths.root}`,
      HOW_TO_CREATE(dir),
    );
  }
}

/** organization.json's text as the lab's organisation; malformed JSON or a wrong shape is lab.invalid. */
export function parseLabOrganization(text: string, dir: string): LabOrganization {
  const paths = labPaths(dir);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // V8 names the offset of the fault in most JSON errors; turn it into line:col for the reader.
    // V8 quotes a few lines around some faults: keep the summary on one line.
    const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
    const at = /position (\d+)/.exec(message);
    const where = at ? lineCol(text, Number(at[1])) : { line: 1, col: 1 };
    return fail('lab.invalid', `The lab's organization.json is not valid JSON: ${message}`, HOW_TO_CREATE(dir) + ' (Or repair the file.)', {
      source: { file: paths.organization, ...where },
    });
  }
  return checkShape(parsed, paths.organization, dir);
}

/** organization.json is 2-space indented JSON, UTF-8 without BOM, replaced atomically on every change. */
export async function writeLabOrganization(dir: string, org: LabOrganization): Promise<void> {
  await writeFileAtomic(labPaths(dir).organization, JSON.stringify(org, null, 2) + '\n');
}

/**
 * The lab folder format (LAB.md): a shared contract between this TypeScript lab target and the fake
 * Exchange PowerShell module, which read and write the same files and must log identical lines.
 */
import { appendFileSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fail } from '../../diag/diagnostic';
import { writeFileAtomic } from '../../util/fs';
import type { ExchangeServer } from '../types';

export const LAB_FORMAT_VERSION = 1;

/** Fault knobs of a server (LAB.md, "Faults"); absent = no fault. */
export interface ServerFaults {
  readonly latencyMs?: number;
  readonly unreachable?: boolean;
  readonly restart?: 'fail';
  readonly healthCheck?: 'fail';
  /** The server reports that backups are not possible (a full disk, a read-only backup folder). */
  readonly backup?: 'fail';
  /** URL paths that fail the health gate on this server (one vdir down, the others up). */
  readonly unhealthyPaths?: readonly string[];
  /** Seconds this server is unavailable per iisreset, instead of the plan's expectation (LAB.md O5). */
  readonly iisresetSeconds?: number;
  /** Seconds per recycled pool on this server, instead of the plan's expectation (LAB.md O5). */
  readonly recycleSeconds?: number;
  /** What the server's read finds of the Auth certificate: none, one expiring in 20 days, one without its private key. */
  readonly authCertificate?: 'missing' | 'expiring' | 'no-private-key';
}

export interface LabServer extends ExchangeServer {
  readonly faults?: ServerFaults;
}

/**
 * organization.json. The lab target reads the keys every kind shares (servers, cmdlets); each resource
 * kind's lab driver owns its own key (partnerApplications, ...), reads and checks it itself.
 */
export interface LabOrganization {
  readonly formatVersion: typeof LAB_FORMAT_VERSION;
  readonly organization: { readonly Name: string };
  readonly servers: readonly LabServer[];
  /** Parameters each cmdlet exposes to the session (the build and the RBAC role entries decide it). */
  readonly cmdlets: Readonly<Record<string, { readonly parameters: readonly string[] }>>;
  /**
   * Where the emulated Exchange session runs (LAB.md "The session"): the computer, whether it is itself
   * a remote session (WinRM from there is a double hop), and the execution policy. Absent in labs made
   * before it existed: EX01-like, the first server, local.
   */
  readonly session?: {
    readonly computer: string;
    readonly remote?: boolean;
    readonly executionPolicy?: string;
    /** The server whose IIS hosts the Exchange session (remote PowerShell); default: computer, when it is a server. */
    readonly exchangeHost?: string;
  };
  readonly [kindKey: string]: unknown;
}

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
  /** The organisation's run state and the originals organisation-wide kinds record: LAB/hybridcfg/. */
  readonly state: string;
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
    state: path.join(root, 'hybridcfg'),
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

/**
 * Why a server Get-ExchangeServer lists is not in scope, or undefined when it is (org-common.ps1
 * Get-HcOutOfScopeReason says the same): Edge has no client access front end, and only Exchange 2016
 * (15.1) and later have FrontEnd/HttpProxy and the hybrid OAuth objects (docs/exchange-facts.md#powershell).
 */
export function outOfScopeReason(server: ExchangeServer): string | undefined {
  if (/Edge/.test(server.ServerRole) || server.IsEdgeServer === true) return 'an Edge Transport server';
  if (!/Mailbox|ClientAccess/.test(server.ServerRole)) return `not a client access server (${server.ServerRole})`;
  const v = /Version (\d+)\.(\d+)/.exec(server.AdminDisplayVersion);
  if (v && (Number(v[1]) < 15 || (Number(v[1]) === 15 && Number(v[2]) < 1))) return `older than Exchange 2016 (${server.AdminDisplayVersion})`;
  return undefined;
}

/** Servers the target reports: those in scope (see outOfScopeReason). */
export function isFrontEndServer(server: ExchangeServer): boolean {
  return outOfScopeReason(server) === undefined;
}

/**
 * The lab reads a server's files (and stats organization.json, and appends its logs) synchronously:
 * they are small local files, and each asynchronous operation costs a trip through libuv's thread pool
 * and a promise, far more than its system call. A 500-server plan at 50 ms made a dozen of them per
 * server, and they held each worker's slot about 5 ms per server beyond its latency (measured: the
 * reads spanned 2.81 s against 2.50 s ideal; synchronous, 2.55 s). A lab file is at most this large;
 * every read is bounded and non-blocking, so a FIFO or a device where a file should be never hangs it.
 */
export const LAB_FILE_MAX_BYTES = 64 * 1024 * 1024;

/** One JSON object per line, `time` first (LAB.md, "Events and calls"). */
export async function appendJsonLine(file: string, record: Readonly<Record<string, unknown>>): Promise<void> {
  // One write with O_APPEND, synchronous as the lab's other small files (LAB_FILE_MAX_BYTES says why).
  appendFileSync(file, JSON.stringify({ time: new Date().toISOString(), ...record }) + '\n', 'utf8');
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A check of one part of organization.json: the problem in words, or undefined when that part is fine.
 * The lab target checks the shared keys; each kind's lab driver checks its own key (LAB.md R2).
 */
export type LabShapeCheck = (org: Readonly<Record<string, unknown>>) => string | undefined;

const SHARED_SHAPE: LabShapeCheck = (org) => {
  if (org.formatVersion !== LAB_FORMAT_VERSION) return `formatVersion is ${JSON.stringify(org.formatVersion)}, this hybridcfg reads ${LAB_FORMAT_VERSION}`;
  if (!Array.isArray(org.servers)) return '"servers" is missing or not a list';
  const bad = (org.servers as unknown[]).findIndex((s) => !isObject(s) || typeof s.Name !== 'string' || typeof s.Fqdn !== 'string' || typeof s.ServerRole !== 'string');
  if (bad >= 0) return `servers[${bad}] needs a string Name, Fqdn and ServerRole`;
  if (!isObject(org.cmdlets)) return '"cmdlets" is missing or not an object';
  for (const [name, entry] of Object.entries(org.cmdlets)) {
    if (!isObject(entry) || !Array.isArray(entry.parameters) || !entry.parameters.every((p) => typeof p === 'string')) {
      return `"cmdlets"."${name}".parameters is missing or not a list of names`;
    }
  }
  return undefined;
};

function checkShape(org: unknown, file: string, dir: string, checks: readonly LabShapeCheck[]): LabOrganization {
  if (!isObject(org)) invalid(file, dir, 'the top level is not a JSON object');
  for (const check of [SHARED_SHAPE, ...checks]) {
    const problem = check(org);
    if (problem !== undefined) invalid(file, dir, problem);
  }
  return org as unknown as LabOrganization;
}

/** Reads organization.json; a missing lab or a broken file is a diagnostic naming the path and the way out. */
export async function readLabOrganization(dir: string, checks: readonly LabShapeCheck[] = []): Promise<LabOrganization> {
  return parseLabOrganization(await readLabOrganizationText(dir), dir, checks);
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
export function parseLabOrganization(text: string, dir: string, checks: readonly LabShapeCheck[] = []): LabOrganization {
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
  return checkShape(parsed, paths.organization, dir, checks);
}

/** organization.json is 2-space indented JSON, UTF-8 without BOM, replaced atomically on every change. */
export async function writeLabOrganization(dir: string, org: LabOrganization): Promise<void> {
  await writeFileAtomic(labPaths(dir).organization, JSON.stringify(org, null, 2) + '\n');
}

/**
 * The server whose IIS hosts the lab's Exchange session, as Get-FakeExchangeSessionInfo reports it:
 * session.exchangeHost, else the session computer when it is one of the servers; none otherwise.
 */
export function labExchangeHost(org: Pick<LabOrganization, 'session' | 'servers'>): string | undefined {
  const named = org.session?.exchangeHost;
  if (named) return named;
  const computer = org.session?.computer;
  if (computer === undefined) return undefined;
  return org.servers.find((s) => s.Name.toUpperCase() === computer.toUpperCase())?.Name;
}

/**
 * What a resource kind implements to live in the lab (its `lab.ts`), and what the lab target gives it.
 * The lab target owns what every kind shares (LAB.md): organization.json read once per change of the
 * file and rewritten atomically one writer at a time, events.jsonl, the per-server folders, faults that
 * concern a whole server (unreachable, latency), backups and the first originals of files.
 */
import type { ExchangeServer } from '../types';
import type { LabOrganization, LabPaths, LabServer, LabShapeCheck } from './format';

export interface LabContext {
  readonly dir: string;
  readonly paths: LabPaths;
  /** organization.json as of now (LAB.md R1). */
  organization(): Promise<LabOrganization>;
  /**
   * Read-modify-write of organization.json, one at a time per target, so that two concurrent sets
   * cannot lose each other's change. `fn` returns the organisation to write (replaced atomically) or
   * undefined to leave the file as it is, and the events to log once it is written (LAB.md O3.5).
   */
  updateOrganization<T>(
    fn: (org: LabOrganization) => Promise<{ readonly org?: LabOrganization; readonly events?: readonly Readonly<Record<string, unknown>>[]; readonly result: T }>,
  ): Promise<T>;
  /** Appends one line to events.jsonl (LAB.md E1). */
  event(record: Readonly<Record<string, unknown>>): Promise<void>;
}

export interface LabServerContext extends LabContext {
  /** The server as organization.json has it (faults included); reachable, its latency already slept. */
  readonly server: LabServer;
  /** The server's folder: its ExchangeInstallPath in the lab. */
  readonly folder: string;
  /**
   * The backup folder of this call, `hybridcfg/backup/<stamp>/` relative to `folder`, created on first
   * use: one per call, never reused (LAB.md O4.3).
   */
  backupFolder(): Promise<string>;
}

export interface LabOrganizationDriver<Q = unknown, L = unknown, R = unknown, O = unknown> {
  readonly scope: 'organization';
  /** What the kind reads organisation-wide for `query`. Concerns no server: server faults do not apply. */
  read(ctx: LabContext, query: Q): Promise<L>;
  /** One change; records the originals it needs for rollback before it changes anything. */
  set(ctx: LabContext, request: R): Promise<O>;
  /** The calls.jsonl line of a set (LAB.md E2), e.g. `{"call":"setPartnerApplication","applicationIdentifier":...}`. */
  call(request: R): Readonly<Record<string, unknown>>;
  /** Checks the kind's own part of organization.json on every read of the file (LAB.md R2). */
  readonly shape?: LabShapeCheck;
  /** The kind's part of a new lab (init), added to organization.json. */
  init?(org: LabOrganization, opts: LabInitOptions): Promise<LabOrganization>;
}

export interface LabServerDriver<Q = unknown, L = unknown, R = unknown, O = unknown> {
  readonly scope: 'server';
  read(ctx: LabServerContext, query: Q): Promise<L>;
  /** Every request of this kind for one server in one go: checked before any is carried out. */
  set(ctx: LabServerContext, requests: readonly R[]): Promise<readonly O[]>;
  /** The name of the set call in calls.jsonl (LAB.md E2), e.g. `writeFiles`. */
  readonly call: string;
  /** The kind's part of a new lab server (init): files in its folder, entries in organization.json. */
  initServer?(folder: string, server: ExchangeServer, opts: LabInitOptions): Promise<void>;
}

export type LabDriver = LabOrganizationDriver | LabServerDriver;

export interface LabInitOptions {
  readonly servers: readonly string[];
  /** Each server's build (`15.2.1748.43`). */
  readonly builds: Readonly<Record<string, string>>;
  /** The build the organisation's cmdlets and role entries follow (the oldest server's). */
  readonly build: string;
  /** `lab init --app-only-exposed`: a role entry of Set-PartnerApplication exposes -AppOnlyPermissions. */
  readonly appOnlyExposed: boolean;
}

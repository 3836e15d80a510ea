/**
 * The one interface behind which every kind of target sits (the built-in lab, PowerShell).
 * Targets get and set; they never decide. The engine diffs, orders, and says when and where to restart
 * (house style, after Microsoft DSC v3). Live objects keep Exchange's own property names.
 */

/** `Get-PartnerApplication`, reduced to the properties hybridcfg reads or sets. */
export interface PartnerApplication {
  readonly Name: string;
  readonly ApplicationIdentifier: string;
  readonly Enabled: boolean;
  readonly AcceptSecurityIdentifierInformation: boolean;
  readonly AccountType: string;
  /** Unset lists are null, as Exchange serialises them (`<Nil />`), never []. */
  readonly ActAsPermissions: readonly string[] | null;
  readonly AppOnlyPermissions: readonly string[] | null;
  readonly AuthMetadataUrl: string;
  readonly IssuerIdentifier: string;
  /** The linked account as Exchange prints it (`contoso.lab/Users/Exchange Online-ApplicationAccount`), or null. */
  readonly LinkedAccount: string | null;
  readonly Realm: string;
  readonly UseAuthServer: boolean;
}

/** The properties `Set-PartnerApplication` accepts and hybridcfg manages (EXCHANGE.md, [H]). */
export const SETTABLE_PARTNER_APPLICATION_PROPERTIES = [
  'Name',
  'Enabled',
  'AcceptSecurityIdentifierInformation',
  'AccountType',
  'ActAsPermissions',
  'AppOnlyPermissions',
  'AuthMetadataUrl',
  'IssuerIdentifier',
  'LinkedAccount',
  'Realm',
] as const;
export type SettablePartnerApplicationProperty = (typeof SETTABLE_PARTNER_APPLICATION_PROPERTIES)[number];
export type PartnerApplicationUpdate = { -readonly [K in SettablePartnerApplicationProperty]?: PartnerApplication[K] };

/** `Get-ExchangeServer`, reduced. Only servers with the client access front end are listed by targets. */
export interface ExchangeServer {
  readonly Name: string;
  readonly Fqdn: string;
  readonly AdminDisplayVersion: string;
  readonly ServerRole: string;
}

export interface OrganizationState {
  readonly partnerApplications: readonly PartnerApplication[];
  readonly servers: readonly ExchangeServer[];
  /**
   * Parameters that `Set-PartnerApplication` exposes to this session (probed with Get-Command, which
   * reflects both the build and the caller's RBAC role entries). null when the target cannot tell.
   */
  readonly setPartnerApplicationParameters: readonly string[] | null;
  /**
   * Partner application values recorded before hybridcfg first changed each property (the first one is
   * never overwritten), by ApplicationIdentifier. `hybridcfg rollback` restores them. Absent when the
   * target does not record them.
   */
  readonly partnerApplicationOriginals?: Readonly<Record<string, PartnerApplicationUpdate>>;
  /** The organisation's apply lock, read in the same call: null when free, absent when the target has none. */
  readonly lock?: LockHolder | null;
  /** The last run the journal records (start, and end if it finished); absent when the target keeps none. */
  readonly lastRun?: { readonly start: JournalStart; readonly end?: JournalEnd } | null;
}

/** Who holds the organisation's apply lock: enough for a person to find the run, and to tell if it is gone. */
export interface LockHolder {
  readonly runId: string;
  readonly command: string;
  readonly host: string;
  readonly user: string;
  readonly pid: number;
  readonly startedAt: string;
}

/** A journal line written before a run changes anything: what it is about to do. */
export interface JournalStart {
  readonly event: 'start';
  readonly runId: string;
  readonly holder: LockHolder;
  readonly files: readonly { readonly server: string; readonly file: string; readonly beforeSha256: string; readonly afterSha256: string }[];
  readonly partnerApplications: readonly string[];
}

/** The journal line written when a run ends, whatever its result. */
export interface JournalEnd {
  readonly event: 'end';
  readonly runId: string;
  readonly status: string;
}

export type JournalEntry = JournalStart | JournalEnd;

export type FileRead =
  | { readonly exists: false }
  | { readonly exists: true; readonly bytes: Buffer; readonly sha256: string };

export interface ServerState {
  readonly name: string;
  /** ExchangeInstallPath as the server reports it (`$env:ExchangeInstallPath`, ends with a separator). */
  readonly installPath: string;
  /** Keyed by the relative path exactly as requested. */
  readonly files: Readonly<Record<string, FileRead>>;
  /**
   * Whether the target could back up these files before a write (backup folder creatable and writable,
   * disk not full), checked in the same read call. Absent when the target cannot tell.
   */
  readonly backup?: { readonly possible: boolean; readonly reason?: string };
}

/**
 * Where a target keeps the first original of a file, relative to ExchangeInstallPath (readable with
 * readServer): written before the first change, never overwritten. Rollback restores from it.
 */
export const ORIGINALS_FOLDER = 'hybridcfg/original';

export function originalOf(file: string): string {
  return `${ORIGINALS_FOLDER}/${file.replace(/\\/g, '/')}`;
}

export interface FileWrite {
  /** Relative to ExchangeInstallPath, as in the spec. */
  readonly file: string;
  readonly bytes: Buffer;
  /** sha256 of the bytes the plan was made from; the target refuses to write over anything else. */
  readonly expectedSha256: string;
}

export interface FileWriteResult {
  readonly file: string;
  /** Where the previous bytes were copied before the write (on the server). */
  readonly backupPath: string;
}

export interface HealthCheckRequest {
  /** URL paths (`/owa/healthcheck.htm`) requested with https on the server's FQDN. */
  readonly paths: readonly string[];
  readonly timeoutSeconds: number;
}

export interface HealthCheckResult {
  readonly ok: boolean;
  readonly failures: readonly { readonly path: string; readonly reason: string }[];
}

export interface RestartRequest {
  readonly mode: 'iisreset' | 'appPools';
  readonly appPools?: readonly string[];
  /** Checked in the same call after the restart, so a rolling restart costs one call per server. */
  readonly healthCheck?: HealthCheckRequest;
}

export interface RestartResult {
  /** Present when a health check was requested. */
  readonly health?: HealthCheckResult;
}

export interface Target {
  readonly kind: 'lab' | 'powershell';
  /** For people: `lab /path/to/lab`, `pwsh (Exchange: local, files: winrm)`. */
  readonly description: string;
  /** One call: partner applications, servers and capabilities. */
  readOrganization(): Promise<OrganizationState>;
  /** One call per server: install path and the requested files' bytes. */
  readServer(server: ExchangeServer, files: readonly string[]): Promise<ServerState>;
  /** `Set-PartnerApplication -Identity <ApplicationIdentifier's object> ...` with only the given properties. */
  setPartnerApplication(applicationIdentifier: string, update: PartnerApplicationUpdate): Promise<void>;
  /**
   * One call per server for all its files: for each, check the current bytes still hash to
   * expectedSha256, back them up on the server, then replace the file atomically.
   */
  writeFiles(server: ExchangeServer, writes: readonly FileWrite[]): Promise<readonly FileWriteResult[]>;
  /** Restart, then (when asked) wait for the health check; a failed check is a result, not a throw. */
  restart(server: ExchangeServer, request: RestartRequest): Promise<RestartResult | void>;
  /**
   * Take the organisation's apply lock exclusively (create-if-absent). Returns null when taken, or the
   * current holder. Optional only until every target implements it; apply warns when it is missing.
   */
  acquireLock?(holder: LockHolder): Promise<LockHolder | null>;
  /** Remove the lock if (and only if) it is still held by runId. Returns whether it was removed. */
  releaseLock?(runId: string): Promise<boolean>;
  /** Append one line to the organisation's run journal. */
  appendJournal?(entry: JournalEntry): Promise<void>;
  close(): Promise<void>;
}

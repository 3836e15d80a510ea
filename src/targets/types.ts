/**
 * The one interface behind which every kind of target sits (the built-in lab, PowerShell). Targets get
 * and set; they never decide (house style, after Microsoft DSC v3): the planner diffs, the apply engine
 * orders and says when and where to restart.
 *
 * A target knows nothing of resource kinds. It dispatches each kind's read and set to that kind's
 * driver (src/resources/<kind>/lab.ts, powershell.ts), which the session hands it when it opens the
 * target; it owns what every kind shares: reaching a server, the round trips, the run state (lock,
 * journal), restarts and health checks.
 */

/** `Get-ExchangeServer`, reduced. Targets list only servers in scope for hybridcfg (client access, not Edge). */
export interface ExchangeServer {
  readonly Name: string;
  readonly Fqdn: string;
  readonly AdminDisplayVersion: string;
  readonly ServerRole: string;
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
  /** Every change the run is about to make, with the object's digest before and after when its kind has one. */
  readonly changes: readonly JournalChange[];
}

export interface JournalChange {
  readonly address: string;
  readonly server?: string;
  readonly before?: string;
  readonly after?: string;
}

/** The journal line written when a run ends, whatever its result. */
export interface JournalEnd {
  readonly event: 'end';
  readonly runId: string;
  readonly status: string;
}

export type JournalEntry = JournalStart | JournalEnd;

/** A query per resource kind id; each kind's driver reads what its query asks for. */
export type KindQueries = Readonly<Record<string, unknown>>;

export interface OrganizationRead {
  /** Servers in scope for hybridcfg: client access front end, not Edge (Get-ExchangeServer). */
  readonly servers: readonly ExchangeServer[];
  /** What each kind's driver read, by kind id (only the kinds that were queried). */
  readonly resources: Readonly<Record<string, unknown>>;
  /** The organisation's apply lock, read in the same call: null when free. */
  readonly lock: LockHolder | null;
  /** The last run the journal records (start, and end if it finished). */
  readonly lastRun: { readonly start: JournalStart; readonly end?: JournalEnd } | null;
}

export interface ServerRead {
  readonly name: string;
  /** ExchangeInstallPath as the server reports it (`$env:ExchangeInstallPath`, ends with a separator). */
  readonly installPath: string;
  /** What each kind's driver read on this server, by kind id. */
  readonly resources: Readonly<Record<string, unknown>>;
  /**
   * Whether the target could back up files on this server before a write (backup folder creatable and
   * writable, disk not full), checked in the same read call.
   */
  readonly backup: { readonly possible: boolean; readonly reason?: string };
}

/** One kind's requests for one server, carried out in the same call as the other kinds'. */
export interface ServerSetRequest {
  readonly kind: string;
  readonly request: unknown;
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
  /** One call: the servers, the run state, and what each queried kind reads organisation-wide. */
  readOrganization(queries: KindQueries): Promise<OrganizationRead>;
  /** One call per server: its install path, its backup check, and what each queried kind reads there. */
  readServer(server: ExchangeServer, queries: KindQueries): Promise<ServerRead>;
  /** One organisation-wide change of one kind (Set-PartnerApplication ...); the driver records originals in the same call. */
  setOrganization(kind: string, request: unknown): Promise<unknown>;
  /** Every change of one server in one call, in the order given; results in the same order. */
  setServer(server: ExchangeServer, requests: readonly ServerSetRequest[]): Promise<readonly unknown[]>;
  /** Restart, then (when asked) wait for the health check; a failed check is a result, not a throw. */
  restart(server: ExchangeServer, request: RestartRequest): Promise<RestartResult>;
  /** Take the organisation's apply lock exclusively (create-if-absent). Returns null when taken, or the current holder. */
  acquireLock(holder: LockHolder): Promise<LockHolder | null>;
  /** Remove the lock if (and only if) it is still held by runId. Returns whether it was removed. */
  releaseLock(runId: string): Promise<boolean>;
  /** Append one line to the organisation's run journal. */
  appendJournal(entry: JournalEntry): Promise<void>;
  close(): Promise<void>;
}

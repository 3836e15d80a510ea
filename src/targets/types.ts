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
import type { Diagnostic } from '../diag/diagnostic';

/** `Get-ExchangeServer`, reduced. Targets list only servers in scope for hybridcfg (client access, not Edge). */
export interface ExchangeServer {
  readonly Name: string;
  readonly Fqdn: string;
  /** `Version 15.2 (Build 1748.10)`: the cumulative update only; the whole build is ServerRead.build. */
  readonly AdminDisplayVersion: string;
  readonly ServerRole: string;
  readonly IsEdgeServer?: boolean;
}

/** A server Get-ExchangeServer lists that hybridcfg leaves out, and why (Edge, or older than 15.1). */
export interface ExcludedServer {
  readonly Name: string;
  readonly reason: string;
}

/** Who holds the organisation's apply lock: enough for a person to find the run, and to tell if it is gone. */
export interface LockHolder {
  readonly runId: string;
  readonly command: string;
  readonly host: string;
  readonly user: string;
  readonly pid: number;
  readonly startedAt: string;
  /** Set when the lock file is not one hybridcfg wrote (src/targets/run-state.ts): why. It still blocks runs; force-unlock breaks it. */
  readonly damaged?: string;
}

/** A journal line written before a run changes anything: what it is about to do. */
export interface JournalStart {
  readonly event: 'start';
  readonly runId: string;
  readonly holder: LockHolder;
  /** Every change the run is about to make, with the object's digest before and after when its kind has one. */
  readonly changes: readonly JournalChange[];
  /**
   * The restarts the run will owe once it changes anything, recorded before the first change: a run that
   * never ends owes them all (a restart is paid only when observed), a run that ends lists in its end
   * line those it did not pay.
   */
  readonly owes?: readonly OwedRestart[];
}

/** A restart a run owes a server: what it restarts, and why. */
export interface OwedRestart {
  readonly server: string;
  readonly mode: 'iisreset' | 'appPools';
  readonly appPools?: readonly string[];
  readonly allExchangePools?: boolean;
  readonly reasons: readonly string[];
}

export interface JournalChange {
  readonly address: string;
  readonly server?: string;
  /** The server's build when the run changed it (its backups and first originals were taken on it). */
  readonly build?: string;
  readonly before?: string;
  readonly after?: string;
}

/** The journal line written when a run ends, whatever its result. */
export interface JournalEnd {
  readonly event: 'end';
  readonly runId: string;
  readonly status: string;
  /** The restarts the run owed and did not pay (a changed server whose restart failed, or was not reached). */
  readonly owed?: readonly OwedRestart[];
}

export type JournalEntry = JournalStart | JournalEnd;

/** A query per resource kind id; each kind's driver reads what its query asks for. */
export type KindQueries = Readonly<Record<string, unknown>>;

export interface OrganizationRead {
  /** The organisation's name (Get-OrganizationConfig's Name), when the target could read it: for people, in the plan. */
  readonly name?: string;
  /** Servers in scope for hybridcfg: client access front end, not Edge (Get-ExchangeServer). */
  readonly servers: readonly ExchangeServer[];
  /** What each kind's driver read, by kind id (only the kinds that were queried). */
  readonly resources: Readonly<Record<string, unknown>>;
  /** The organisation's apply lock, read in the same call: null when free. */
  readonly lock: LockHolder | null;
  /** The last run the journal records (start, and end if it finished). */
  readonly lastRun: { readonly start: JournalStart; readonly end?: JournalEnd } | null;
  /** Servers Get-ExchangeServer lists that are not in scope (Edge, Exchange 2013 and older). */
  readonly excluded?: readonly ExcludedServer[];
  /** What the target noticed about how it reached Exchange (an RBAC-bypassing snap-in, ...), for the plan to show. */
  readonly notices?: readonly Diagnostic[];
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
  /**
   * The server's build from ExSetup.exe's file version (`15.2.1748.43`), which shows the HU and SU that
   * AdminDisplayVersion does not; null when the file or its version could not be read.
   */
  readonly build: string | null;
  /**
   * The server's IIS applications (applicationHost.config): each vdir's physical path relative to
   * ExchangeInstallPath (with `/`) and the application pool serving it; null when it could not be read.
   */
  readonly iis: IisMap | null;
}

/** Which application pool serves which folder of the server (IIS's own configuration). */
export interface IisMap {
  readonly applications: readonly { readonly site: string; readonly path: string; readonly folder: string; readonly pool: string }[];
  /** Every application pool IIS runs (applicationPools), in the file's order. */
  readonly pools: readonly string[];
}

/** One kind's requests for one server, carried out in the same call as the other kinds'. */
export interface ServerSetRequest {
  readonly kind: string;
  readonly request: unknown;
}

export interface HealthCheckRequest {
  /** URL paths (`/owa/healthcheck.htm`) requested with https on the server's FQDN; each must answer 200. */
  readonly paths: readonly string[];
  readonly timeoutSeconds: number;
  /** Probes of the changed vdirs (plan.restarts[].probes): `ok` = 200, `bearer-challenge` = 401 with WWW-Authenticate: Bearer. */
  readonly probes?: readonly { readonly path: string; readonly expect: 'ok' | 'bearer-challenge' }[];
}

export interface HealthCheckResult {
  readonly ok: boolean;
  readonly failures: readonly { readonly path: string; readonly reason: string }[];
}

export interface RestartRequest {
  /** `appPools`: appcmd recycle of each pool; `iisreset`: iisreset /noforce, then W3SVC and WAS must run. */
  readonly mode: 'iisreset' | 'appPools';
  readonly appPools?: readonly string[];
  /** Also every MSExchange* pool IIS has on the server (found there). */
  readonly allExchangePools?: boolean;
  /** Checked in the same call after the restart, so a rolling restart costs one call per server. */
  readonly healthCheck?: HealthCheckRequest;
  /** What the plan expects the restart to cost (assumption restart-durations); the lab models it. */
  readonly expectedUnavailableSeconds?: number;
}

export interface RestartResult {
  /** Present when a health check was requested. */
  readonly health?: HealthCheckResult;
  /**
   * How long the server was unavailable for this restart: `measured` from the restart's start to the end
   * of its health check (the PowerShell target), or `modelled` (the lab, LAB.md O5).
   */
  readonly unavailability?: { readonly ms: number; readonly how: 'measured' | 'modelled' };
}

export interface Target {
  readonly kind: 'lab' | 'powershell';
  /** For people: `lab /path/to/lab`, `pwsh (Exchange: local, files: winrm)`. */
  readonly description: string;
  /**
   * The target sends the per-server calls it is given together as one call that fans out to the servers,
   * throttled by its own parallelism (the PowerShell target's Invoke-Command -ComputerName): callers issue
   * a phase's calls all at once instead of limiting them.
   */
  readonly fansOut?: boolean;
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
  /**
   * setServer, and the server's restart in the same round trip, run only once every server of the batch
   * written with it is written (the apply engine's rolling rule). `restarted` is undefined when the
   * target did not run it (a write of the batch failed, or the batch could not go as one call): the
   * caller then restarts on its own, as if this were setServer.
   */
  setServerThenRestart?(
    server: ExchangeServer,
    requests: readonly ServerSetRequest[],
    restart: RestartRequest,
  ): Promise<{ readonly written: Promise<readonly unknown[]>; readonly restarted: Promise<RestartResult | undefined> }>;
  /**
   * The server that hosts hybridcfg's own Exchange session, when the target knows it (the apply engine
   * restarts it last); undefined when none of the servers does.
   */
  sessionHost?(): string | undefined;
  /** Take the organisation's apply lock exclusively (create-if-absent). Returns null when taken, or the current holder. */
  acquireLock(holder: LockHolder): Promise<LockHolder | null>;
  /** Remove the lock if (and only if) it is still held by runId. Returns whether it was removed. */
  releaseLock(runId: string): Promise<boolean>;
  /** Append one line to the organisation's run journal. */
  appendJournal(entry: JournalEntry): Promise<void>;
  close(): Promise<void>;
}

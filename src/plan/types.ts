/**
 * A plan is data (house style, after Terraform's plans.Change): computed by the pure planner from
 * (spec, live state), shown by the views, carried out by the apply engine, saved with --out. The JSON
 * form (`plan --json`, `--out FILE`) is this shape; bump PLAN_FORMAT_VERSION on any incompatible
 * change and document it in docs/plan-json.md.
 */
import type { AssumptionUse } from '../assumptions/register';
import type { Diagnostic } from '../diag/diagnostic';
import type { Change } from '../resources/types';

export const PLAN_FORMAT_VERSION = 2;

export interface PlannedRestart {
  readonly server: string;
  /** `appPools`: recycle application pools (appcmd); `iisreset`: restart IIS; `none`: the spec says not to. */
  readonly mode: 'iisreset' | 'appPools' | 'none';
  readonly appPools?: readonly string[];
  /** Every Exchange (MSExchange*) pool of the server, found there when the server was not read. */
  readonly allExchangePools?: boolean;
  /** For people: why this server restarts. */
  readonly reasons: readonly string[];
  /** Probes of the changed vdirs the health gate adds to the spec's paths (assumption health-probes). */
  readonly probes?: readonly HealthProbe[];
  /** How long the server is expected to be unavailable for this restart (assumption restart-durations). */
  readonly expectedUnavailableSeconds?: number;
}

/** One request the health gate makes: `ok` expects 200; `bearer-challenge` expects 401 with `WWW-Authenticate: Bearer`. */
export interface HealthProbe {
  readonly path: string;
  readonly expect: 'ok' | 'bearer-challenge';
}

/** What the views need to know of each kind a plan holds changes of, so that a plan describes itself. */
export interface PlanKind {
  readonly scope: 'organization' | 'server';
  readonly noun: readonly [one: string, many: string];
}

/** Who ran hybridcfg: the operating system's user and the host it ran on (as the apply lock records them). */
export interface Actor {
  readonly user: string;
  readonly host: string;
}

export interface Plan {
  readonly formatVersion: typeof PLAN_FORMAT_VERSION;
  readonly tool: { readonly name: 'hybridcfg'; readonly version: string };
  readonly createdAt: string;
  /**
   * Who made the plan, given by the caller (the planner reads no environment). A saved plan keeps it,
   * so that the report of `apply PLANFILE` says who planned as well as who applied.
   */
  readonly plannedBy?: Actor;
  /** The organisation the live state was read from, as its target names it (Get-OrganizationConfig's Name). */
  readonly organization?: { readonly name: string };
  /** What the plan does: bring the live state to the spec, or put back what hybridcfg first found. */
  readonly purpose: 'apply' | 'rollback';
  readonly spec: { readonly path: string; readonly digest: string };
  readonly target: { readonly kind: string; readonly description: string };
  /** Servers in scope, in the order they will be changed. */
  readonly servers: readonly string[];
  /**
   * `--servers A,B` as given, when the run was scoped to some servers: `apply PLANFILE` plans again
   * with the same selection.
   */
  readonly selected?: readonly string[];
  /** Each read server's build from ExSetup.exe (`15.2.1748.43`), null when it could not be read. */
  readonly builds?: Readonly<Record<string, string | null>>;
  /** Organisation-wide changes first, in the order they are made, then each server's. */
  readonly changes: readonly Change[];
  readonly kinds: Readonly<Record<string, PlanKind>>;
  readonly restarts: readonly PlannedRestart[];
  /** The named assumptions the plan relied on (src/assumptions/register.ts). */
  readonly assumptions: readonly AssumptionUse[];
  readonly warnings: readonly Diagnostic[];
  /**
   * sha256 over the live values the plan was computed from (what each kind read). `apply FILE`
   * re-reads and refuses when it differs.
   */
  readonly fingerprint: string;
  readonly summary: {
    readonly changes: number;
    /** Changes per kind id. */
    readonly byKind: Readonly<Record<string, number>>;
    /** Servers with at least one change of their own. */
    readonly servers: number;
    readonly restarts: number;
  };
}

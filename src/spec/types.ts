/**
 * The spec as the engine sees it after loading and validation. Its published form is
 * schemas/hybridcfg.schema.json, assembled from src/spec/core.schema.json and each resource kind's
 * fragment (src/spec/assemble.ts). Paths are resolved against the spec file's folder by the loader.
 */
import type { Diagnostic, SourceRange } from '../diag/diagnostic';
import type { Problem } from './problem';

export interface Spec {
  readonly apiVersion: 'hybridcfg/v1';
  readonly kind: 'HybridOAuth';
  readonly target: TargetSpec;
  /** `all`: every server the target reports (Get-ExchangeServer, client access front end). */
  readonly servers: 'all' | readonly string[];
  /** The lowest build a server in scope may run (ServerRead.build, from ExSetup.exe). */
  readonly builds?: BuildsSpec;
  readonly restart?: RestartSpec;
  readonly verify?: VerifySpec;
  /** Values for named assumptions (src/assumptions/register.ts), over their defaults. */
  readonly assumptions?: Readonly<Record<string, unknown>>;
  /** Each resource kind's section (`partnerApplications`, `webConfigs`): its entries, as its kind reads them. */
  readonly [section: string]: unknown;
}

/** What the spec loader needs of a resource kind: its section, its schema fragment, its own checks. */
export interface SpecSection {
  readonly specKey: string;
  readonly schema: { readonly section: Readonly<Record<string, unknown>>; readonly defs?: Readonly<Record<string, unknown>> };
  checkSpec?(entries: readonly unknown[], ctx: { readonly pointer: string; readonly spec: Spec }): readonly Problem[];
  normalize?(entries: readonly unknown[], ctx: { readonly dir: string }): readonly unknown[];
  /**
   * Schema errors the kind's own checks report better (its schema has them so that an editor flags the
   * place): true leaves the error to checkSpec. Given ajv's instancePath, keyword and schemaPath.
   */
  leavesToChecks?(instancePath: string, keyword: string, schemaPath: string): boolean;
}

export type TargetSpec = LabTargetSpec | PowerShellTargetSpec;

export interface LabTargetSpec {
  /** Absolute after loading (written relative to the spec file). */
  readonly lab: string;
}

export interface PowerShellTargetSpec {
  readonly powershell: {
    /** `powershell` (Windows PowerShell 5.1) or `pwsh`, or a path to either. */
    readonly shell?: string;
    /**
     * `local`: the Exchange Management Shell of this server (RBAC applies); `snap-in`: the Exchange snap-in
     * loaded directly (unsupported, bypasses RBAC); or a remote endpoint.
     */
    readonly exchange?: 'local' | 'snap-in' | { readonly connectionUri: string; readonly authentication?: string };
    /** `auto` (default): each server in its own place (this machine in-process, others through WinRM). */
    readonly files?: 'auto' | 'local' | 'winrm';
    /** Rehearsal: run every command through real PowerShell against the fake Exchange module on this lab. */
    readonly lab?: string;
    /** Seconds before a PowerShell call is stopped and reported. */
    readonly timeoutSeconds?: number;
  };
}

export interface BuildsSpec {
  /** A build (`15.2.1748.24`) or an update's name in Microsoft's build list (`Apr25HU`), resolved per server (resolveMinimum). */
  readonly minimum: string;
}

export interface RestartSpec {
  /** Default `appPools`: the pools that serve what changed, found in each server's IIS configuration. */
  readonly mode?: 'iisreset' | 'appPools' | 'none';
  readonly appPools?: readonly string[];
  readonly rolling?: {
    /** A number of servers, or a percentage of the servers restarted (`25%`). */
    readonly maxUnavailable?: number | `${number}%`;
    readonly healthCheck?: { readonly paths: readonly string[]; readonly timeoutSeconds?: number };
  };
  readonly onFailure?: 'rollback' | 'stop';
}

export interface VerifySpec {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecretEnv?: string;
  readonly certificate?: { readonly certificateFile: string; readonly privateKeyFile: string };
  readonly mailboxes: readonly string[];
  readonly authorityHost?: string;
  readonly graphEndpoint?: string;
}

/** A loaded spec with what is needed to point back into the file. */
export interface LoadedSpec {
  readonly spec: Spec;
  /** Absolute path of the spec file. */
  readonly path: string;
  /** Absolute folder against which relative paths in the spec are resolved. */
  readonly dir: string;
  /** sha256 of the file's bytes. */
  readonly digest: string;
  /** JSON pointer (e.g. `/webConfigs/0/appSettings/OAuthHttpModule.Profiles`) to file:line:col. */
  locate(pointer: string): SourceRange | undefined;
  /** Things that are allowed but look like mistakes (a key that differs from a known one only in case...). */
  readonly warnings?: readonly Diagnostic[];
}

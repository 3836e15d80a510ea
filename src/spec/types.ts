/**
 * The spec as the engine sees it after loading and validation (schemas/hybridcfg.schema.json is the
 * published form; keep the two in step). Paths are resolved against the spec file's folder by the loader.
 */
import type { Diagnostic, SourceRange } from '../diag/diagnostic';

export interface Spec {
  readonly apiVersion: 'hybridcfg/v1';
  readonly kind: 'HybridOAuth';
  readonly target: TargetSpec;
  /** `all`: every server the target reports (Get-ExchangeServer, client access front end). */
  readonly servers: 'all' | readonly string[];
  readonly partnerApplications?: readonly PartnerApplicationSpec[];
  readonly webConfigs?: readonly WebConfigSpec[];
  readonly restart?: RestartSpec;
  readonly verify?: VerifySpec;
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
    readonly exchange?: 'local' | { readonly connectionUri: string; readonly authentication?: string };
    readonly files?: 'local' | 'winrm';
    /** Rehearsal: run every command through real PowerShell against the fake Exchange module on this lab. */
    readonly lab?: string;
    /** Seconds before a PowerShell call is stopped and reported. */
    readonly timeoutSeconds?: number;
  };
}

/** A permission list: exact list, unset (null), tokens to ensure present/absent, or a copy of another list. */
export type PermissionListSpec =
  | readonly string[]
  | null
  | { readonly sameAs: 'actAsPermissions' | 'appOnlyPermissions' }
  | { readonly include?: readonly string[]; readonly exclude?: readonly string[] };

export interface PartnerApplicationSpec {
  /** Selector when applicationIdentifier is absent; otherwise the desired Name. */
  readonly name?: string;
  readonly applicationIdentifier?: string;
  readonly enabled?: boolean;
  readonly acceptSecurityIdentifierInformation?: boolean;
  readonly accountType?: 'OrganizationalAccount' | 'ConsumerAccount';
  readonly actAsPermissions?: PermissionListSpec;
  readonly appOnlyPermissions?: PermissionListSpec;
  readonly authMetadataUrl?: string;
  readonly issuerIdentifier?: string;
  readonly linkedAccount?: string | null;
  readonly realm?: string;
}

/** A plain string is the exact value; the list form edits a separated token list in place. */
export type AppSettingSpec =
  | string
  | {
      readonly include?: readonly string[];
      readonly exclude?: readonly string[];
      /** Defaults to `|`. */
      readonly separator?: string;
      /** Token names accepted although the tool does not know them as profile names. */
      readonly allowUnknown?: readonly string[];
    };

export interface WebConfigSpec {
  /** Relative to each server's ExchangeInstallPath, with `/` or `\` (after loading: `/` only, no `.` segments). */
  readonly file: string;
  /** `file` as the spec wrote it, for messages; set by the loader. */
  readonly fileAsWritten?: string;
  /** Narrows the spec's `servers` for this file. */
  readonly servers?: 'all' | readonly string[];
  readonly appSettings: Readonly<Record<string, AppSettingSpec>>;
}

export interface RestartSpec {
  readonly mode: 'iisreset' | 'appPools' | 'none';
  readonly appPools?: readonly string[];
  readonly rolling?: {
    readonly maxUnavailable?: number;
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

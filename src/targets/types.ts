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
}

export type FileRead =
  | { readonly exists: false }
  | { readonly exists: true; readonly bytes: Buffer; readonly sha256: string };

export interface ServerState {
  readonly name: string;
  /** ExchangeInstallPath as the server reports it (`$env:ExchangeInstallPath`, ends with a separator). */
  readonly installPath: string;
  /** Keyed by the relative path exactly as requested. */
  readonly files: Readonly<Record<string, FileRead>>;
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

export interface RestartRequest {
  readonly mode: 'iisreset' | 'appPools';
  readonly appPools?: readonly string[];
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
  restart(server: ExchangeServer, request: RestartRequest): Promise<void>;
  close(): Promise<void>;
}

/** Partner applications (`Get-PartnerApplication`): the spec's entries and the live objects. */

/** `Get-PartnerApplication`, reduced to the properties hybridcfg reads or sets (docs/exchange-facts.md#partner-applications). */
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

/** The properties hybridcfg reads, in this order: the one list TypeScript and the scripts use (sent to them as data). */
export const READ_PROPERTIES = [
  'Name',
  'ApplicationIdentifier',
  'Enabled',
  'AcceptSecurityIdentifierInformation',
  'AccountType',
  'ActAsPermissions',
  'AppOnlyPermissions',
  'AuthMetadataUrl',
  'IssuerIdentifier',
  'LinkedAccount',
  'Realm',
  'UseAuthServer',
] as const satisfies readonly (keyof PartnerApplication)[];

/** The properties `Set-PartnerApplication` accepts and hybridcfg manages. */
export const SETTABLE_PROPERTIES = [
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
] as const satisfies readonly (keyof PartnerApplication)[];
export type SettableProperty = (typeof SETTABLE_PROPERTIES)[number];
export type PartnerApplicationUpdate = { -readonly [K in SettableProperty]?: PartnerApplication[K] };

/** The permission lists: string arrays, compared as sets. */
export const LIST_PROPERTIES: readonly SettableProperty[] = ['ActAsPermissions', 'AppOnlyPermissions'];

/** What the organisation read gives this kind. */
export interface PartnerApplicationsLive {
  readonly applications: readonly PartnerApplication[];
  /**
   * Parameters that `Set-PartnerApplication` exposes to this session (probed with Get-Command, which
   * reflects both the build and the caller's RBAC role entries). null when the target cannot tell.
   */
  readonly parameters: readonly string[] | null;
  /**
   * Values recorded before hybridcfg first changed each property (the first one is never
   * overwritten), by ApplicationIdentifier. `hybridcfg rollback` restores them.
   */
  readonly originals: Readonly<Record<string, PartnerApplicationUpdate>>;
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

/** Spec key -> Exchange property, in the order changes are shown. */
export const PROPERTY_MAP: ReadonlyArray<readonly [keyof PartnerApplicationSpec, SettableProperty]> = [
  ['name', 'Name'],
  ['enabled', 'Enabled'],
  ['accountType', 'AccountType'],
  ['acceptSecurityIdentifierInformation', 'AcceptSecurityIdentifierInformation'],
  ['authMetadataUrl', 'AuthMetadataUrl'],
  ['issuerIdentifier', 'IssuerIdentifier'],
  ['realm', 'Realm'],
  ['linkedAccount', 'LinkedAccount'],
  ['actAsPermissions', 'ActAsPermissions'],
  ['appOnlyPermissions', 'AppOnlyPermissions'],
];

/** What the apply engine hands the target: `Set-PartnerApplication -Identity <the object> ...` with only these properties. */
export interface PartnerApplicationRequest {
  readonly applicationIdentifier: string;
  readonly update: PartnerApplicationUpdate;
}

/** The change record of a partner application (Change.data). */
export interface PartnerApplicationChangeData {
  readonly applicationIdentifier: string;
  readonly name: string;
  readonly update: PartnerApplicationUpdate;
}

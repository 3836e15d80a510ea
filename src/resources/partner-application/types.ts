/** Partner applications (`Get-PartnerApplication`): the spec's entries and the live objects. */

/** `Get-PartnerApplication`, reduced to the properties hybridcfg reads or sets (docs/exchange-facts.md#partner-applications). */
export interface PartnerApplication {
  readonly Name: string;
  readonly ApplicationIdentifier: string;
  /**
   * The object's own identity. ApplicationIdentifier is not unique (Microsoft's hybrid script expects
   * several "Exchange Online" objects and picks the one with an empty Realm), so a change names the object
   * by its Guid, never by a Name or an ApplicationIdentifier (docs/exchange-facts.md#partner-applications).
   */
  readonly Guid: string;
  readonly DistinguishedName: string;
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
  /** The linked account's DistinguishedName (the ADObjectId's own property), recorded for rollback; null when none. */
  readonly LinkedAccountDistinguishedName: string | null;
  readonly Realm: string;
  readonly UseAuthServer: boolean;
}

/** The properties hybridcfg reads, in this order: the one list TypeScript and the scripts use (sent to them as data). */
export const READ_PROPERTIES = [
  'Name',
  'ApplicationIdentifier',
  'Guid',
  'DistinguishedName',
  'Enabled',
  'AcceptSecurityIdentifierInformation',
  'AccountType',
  'ActAsPermissions',
  'AppOnlyPermissions',
  'AuthMetadataUrl',
  'IssuerIdentifier',
  'LinkedAccount',
  'LinkedAccountDistinguishedName',
  'Realm',
  'UseAuthServer',
] as const satisfies readonly (keyof PartnerApplication)[];

/**
 * The properties hybridcfg changes with `Set-PartnerApplication`: the parameters every parameter set of
 * the cmdlet shares on 2016, 2019 and SE (Set-PartnerApplication.md [H]), and AppOnlyPermissions, which
 * the docs give for Exchange 2013 only and which is changed only where the session exposes it.
 */
export const SETTABLE_PROPERTIES = [
  'Name',
  'Enabled',
  'AcceptSecurityIdentifierInformation',
  'AccountType',
  'ActAsPermissions',
  'AppOnlyPermissions',
  'LinkedAccount',
] as const satisfies readonly (keyof PartnerApplication)[];
/**
 * Properties a spec may state but hybridcfg never changes: they say which trust the object is (Realm and
 * ApplicationIdentifier select it; AuthMetadataUrl and IssuerIdentifier sit in other parameter sets or are
 * 2013-only). A spec value that differs from the live one is a plan error.
 */
export const READ_ONLY_PROPERTIES = ['ApplicationIdentifier', 'Realm', 'AuthMetadataUrl', 'IssuerIdentifier'] as const satisfies readonly (keyof PartnerApplication)[];
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
  /** Why -AppOnlyPermissions is or is not there (null when the target cannot tell). */
  readonly appOnly: AppOnlyExposure | null;
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
  /** Selects the object, with `realm` when several share it. */
  readonly applicationIdentifier?: string;
  /** Selects among objects with the same ApplicationIdentifier ("" = empty or unset, as Microsoft's script picks). */
  readonly realm?: string;
  readonly enabled?: boolean;
  readonly acceptSecurityIdentifierInformation?: boolean;
  readonly accountType?: 'OrganizationalAccount' | 'ConsumerAccount';
  readonly actAsPermissions?: PermissionListSpec;
  readonly appOnlyPermissions?: PermissionListSpec;
  readonly authMetadataUrl?: string;
  readonly issuerIdentifier?: string;
  readonly linkedAccount?: string | null;
}

/** Spec key -> Exchange property, in the order changes are shown. */
export const PROPERTY_MAP: ReadonlyArray<readonly [keyof PartnerApplicationSpec, SettableProperty]> = [
  ['name', 'Name'],
  ['enabled', 'Enabled'],
  ['accountType', 'AccountType'],
  ['acceptSecurityIdentifierInformation', 'AcceptSecurityIdentifierInformation'],
  ['linkedAccount', 'LinkedAccount'],
  ['actAsPermissions', 'ActAsPermissions'],
  ['appOnlyPermissions', 'AppOnlyPermissions'],
];
/** Spec keys of the read-only properties (checked, never changed). */
export const READ_ONLY_MAP: ReadonlyArray<readonly [keyof PartnerApplicationSpec, (typeof READ_ONLY_PROPERTIES)[number]]> = [
  ['authMetadataUrl', 'AuthMetadataUrl'],
  ['issuerIdentifier', 'IssuerIdentifier'],
];

/**
 * What the session's Set-PartnerApplication and its RBAC say about -AppOnlyPermissions, so that a plan
 * can say which case it is (docs/exchange-facts.md#partner-applications):
 * - `session`: this session's cmdlet has the parameter;
 * - `no-role`: no management role entry of the organisation exposes it
 *   (`Get-ManagementRoleEntry "*\Set-PartnerApplication" -Parameters AppOnlyPermissions` finds none),
 *   the documented state of 2016, 2019 and SE;
 * - `not-assigned`: roles expose it (`roles`), and this account has none of them;
 * - `unknown`: the probe could not run (`reason`).
 */
export type AppOnlyExposure =
  | { readonly state: 'session' }
  | { readonly state: 'no-role' }
  | { readonly state: 'not-assigned'; readonly roles: readonly string[] }
  | { readonly state: 'unknown'; readonly reason: string };

/**
 * What the apply engine hands the target: `Set-PartnerApplication -Identity <Guid> ...` with only these
 * properties. The target checks first that the Guid still names the one object with this
 * (ApplicationIdentifier, Realm), and refuses otherwise (the planner's rule of what is ambiguous).
 */
export interface PartnerApplicationRequest {
  readonly guid: string;
  readonly applicationIdentifier: string;
  readonly realm: string;
  /** The key of the originals: the address's id (partnerAppKey). */
  readonly key: string;
  readonly update: PartnerApplicationUpdate;
}

/** The change record of a partner application (Change.data). */
export interface PartnerApplicationChangeData {
  readonly guid: string;
  readonly applicationIdentifier: string;
  readonly realm: string;
  readonly key: string;
  readonly name: string;
  readonly update: PartnerApplicationUpdate;
  /** The linked account before the change, by DistinguishedName when Exchange gave one: what an undo sets. */
  readonly linkedAccountBefore?: string | null;
}

/** Empty and unset Realms are the same to Microsoft's hybrid script ([string]::IsNullOrEmpty). */
export const realmOf = (realm: string | null | undefined): string => realm ?? '';
export function sameRealm(a: string | null | undefined, b: string | null | undefined): boolean {
  return realmOf(a).toLowerCase() === realmOf(b).toLowerCase();
}
/**
 * The id of a partner application in addresses and in the originals: its ApplicationIdentifier, with the
 * Realm after a slash when it has one (two objects may share an ApplicationIdentifier, not both).
 */
export function partnerAppKey(app: { readonly ApplicationIdentifier: string; readonly Realm: string | null }): string {
  const realm = realmOf(app.Realm);
  return realm === '' ? app.ApplicationIdentifier.toLowerCase() : `${app.ApplicationIdentifier.toLowerCase()}/${realm.toLowerCase()}`;
}

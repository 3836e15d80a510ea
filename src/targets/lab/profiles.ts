/**
 * Build profiles: what an Exchange build's cmdlets take, and which management role entries expose it to
 * an account, so that the lab and the fake Exchange module behave like that build and not like our code.
 * Every entry names its source; what is inferred is marked [M], what is unknown [?] (LAB.md, "Builds").
 */
import { BUILDS, hasDedicatedHybridApp, knownBuild, normalizeBuild, parseBuild, productOf, type Product } from '../../domain/builds';

/** 2019 CU15 with the February 2026 SU: the newest 2019 build in Microsoft's table (src/domain/builds.ts). */
export const DEFAULT_LAB_BUILD = '15.2.1748.43';

/** One management role entry (Get-ManagementRoleEntry): the role, the cmdlet, the parameters it exposes. */
export interface LabRoleEntry {
  readonly role: string;
  readonly cmdlet: string;
  readonly parameters: readonly string[];
}

export interface BuildProfile {
  readonly build: string;
  readonly product: Product;
  /**
   * Every parameter each cmdlet of the build has, as the snap-in loaded without RBAC would show it
   * (Get-Command -Name <cmdlet>).Parameters.
   */
  readonly cmdlets: Readonly<Record<string, readonly string[]>>;
  /** The role entries of the built-in roles hybridcfg's cmdlets belong to. */
  readonly roleEntries: readonly LabRoleEntry[];
}

export interface ProfileOptions {
  /**
   * The organisation's role entry of Set-PartnerApplication includes -AppOnlyPermissions, as on the
   * build the 2019 write-up used [M]. Not the documented state of 2016, 2019 or SE.
   */
  readonly appOnlyExposed?: boolean;
}

/** The common parameters Exchange's Set-/New- cmdlets share (GEN-06, Set-PartnerApplication.md [H]). */
const WRITE_COMMON = ['Confirm', 'WhatIf', 'DomainController'] as const;

/**
 * Set-PartnerApplication's parameters (Set-PartnerApplication.md, three parameter sets [H]): every set has
 * Identity and the common ones; ACSTrustApplication adds ApplicationIdentifier and Realm, AuthMetadataUrl
 * adds AuthMetadataUrl and TrustAnySSLCertificate, RefreshAuthMetadata adds RefreshAuthMetadata.
 * AppOnlyPermissions and IssuerIdentifier are documented "Applicable: Exchange Server 2013", "reserved for
 * internal Microsoft use"; the cmdlet of later builds is taken to still have them [?] (the 2019 write-up set
 * AppOnlyPermissions on 2019), and the built-in role entry not to expose them [M].
 */
export const SET_PARTNER_APPLICATION_SETS: Readonly<Record<string, readonly string[]>> = {
  ACSTrustApplication: ['ApplicationIdentifier', 'Realm'],
  AuthMetadataUrl: ['AuthMetadataUrl', 'TrustAnySSLCertificate'],
  RefreshAuthMetadata: ['RefreshAuthMetadata'],
};
export const SET_PARTNER_APPLICATION_COMMON = [
  'Identity',
  'AcceptSecurityIdentifierInformation',
  'AccountType',
  'ActAsPermissions',
  'AppOnlyPermissions',
  'Enabled',
  'IssuerIdentifier',
  'LinkedAccount',
  'Name',
  ...WRITE_COMMON,
] as const;
const INTERNAL_ONLY = ['AppOnlyPermissions', 'IssuerIdentifier'];

/**
 * The built-in role that holds Set-/Get-PartnerApplication: "Organization Client Access" (update) and
 * "View-Only Configuration" (read), as Microsoft365DSC's MSFT_EXOPartnerApplication settings.json lists
 * them for the same cmdlets [M] (no on-premises page lists the role of these cmdlets).
 */
export const PARTNER_APPLICATION_ROLE = 'Organization Client Access';
export const VIEW_ONLY_ROLE = 'View-Only Configuration';
/** Get-ManagementRoleEntry belongs to "Role Management", which Organization Management has [M]. */
export const ROLE_MANAGEMENT_ROLE = 'Role Management';
/** What an Organization Management member is assigned, of the roles above [M]. */
export const ORGANIZATION_MANAGEMENT_ROLES = [PARTNER_APPLICATION_ROLE, VIEW_ONLY_ROLE, ROLE_MANAGEMENT_ROLE] as const;

/** The build's profile; undefined for a build hybridcfg does not know (not 15.1 or 15.2). */
export function buildProfile(buildText: string, options: ProfileOptions = {}): BuildProfile | undefined {
  const build = normalizeBuild(buildText);
  const product = build === undefined ? undefined : productOf(build);
  if (build === undefined || product === undefined) return undefined;
  const setPartner = [...SET_PARTNER_APPLICATION_COMMON, ...Object.values(SET_PARTNER_APPLICATION_SETS).flat()];
  // Set-AuthServer -ApplicationIdentifier arrived with the April 2025 HU (Set-AuthServer.md [H]); -GraphBaseUrl
  // with the May 2026 HU on SE (docs/exchange-facts.md#hybrid-unit H1 [H]), which the table does not list yet.
  const setAuthServer = ['Identity', 'Enabled', 'Name', 'AuthMetadataUrl', 'TrustAnySSLCertificate', 'RefreshAuthMetadata', 'IsDefaultAuthorizationEndpoint', 'DomainName', ...WRITE_COMMON];
  if (hasDedicatedHybridApp(build)) setAuthServer.push('ApplicationIdentifier');
  const cmdlets: Record<string, readonly string[]> = {
    'Get-PartnerApplication': ['Identity', 'DomainController'],
    'Set-PartnerApplication': setPartner,
    'Get-ManagementRoleEntry': ['Identity', 'Parameters', 'PSSnapinName', 'Type', 'DomainController'],
    'Set-AuthServer': setAuthServer,
  };
  const partnerEntry = setPartner.filter((p) => options.appOnlyExposed === true || !INTERNAL_ONLY.includes(p) || (p === 'AppOnlyPermissions' && options.appOnlyExposed));
  const roleEntries: LabRoleEntry[] = [
    { role: PARTNER_APPLICATION_ROLE, cmdlet: 'Set-PartnerApplication', parameters: options.appOnlyExposed ? partnerEntry : partnerEntry.filter((p) => !INTERNAL_ONLY.includes(p)) },
    { role: PARTNER_APPLICATION_ROLE, cmdlet: 'Get-PartnerApplication', parameters: cmdlets['Get-PartnerApplication']! },
    { role: VIEW_ONLY_ROLE, cmdlet: 'Get-PartnerApplication', parameters: cmdlets['Get-PartnerApplication']! },
    { role: ROLE_MANAGEMENT_ROLE, cmdlet: 'Get-ManagementRoleEntry', parameters: cmdlets['Get-ManagementRoleEntry']! },
  ];
  return { build, product, cmdlets, roleEntries };
}

/** The parameters an account with these roles sees of a cmdlet (RBAC trims the proxy to its role entries). */
export function sessionParameters(profile: BuildProfile, cmdlet: string, assigned: readonly string[]): readonly string[] {
  const all = profile.cmdlets[cmdlet] ?? [];
  const granted = new Set(profile.roleEntries.filter((e) => e.cmdlet === cmdlet && assigned.includes(e.role)).flatMap((e) => e.parameters));
  return all.filter((p) => granted.has(p));
}

/** ExSetup.exe's FileVersion as Exchange writes it: parts zero-padded to 2, 2, 4 and 3 digits (fixture E19 ExSetup.xml). */
export function exSetupFileVersion(build: string): string {
  const p = parseBuild(build);
  if (!p) throw new Error(`not a build: ${build}`);
  return `${String(p[0]).padStart(2, '0')}.${String(p[1]).padStart(2, '0')}.${String(p[2]).padStart(4, '0')}.${String(p[3]).padStart(3, '0')}`;
}

/**
 * AdminDisplayVersion as Get-ExchangeServer shows it: the cumulative update's build, never the HU or SU
 * (`Version 15.2 (Build 1748.10)`; fixture E19 GetExchangeServer.xml; docs/exchange-facts.md#hybrid-unit).
 */
export function adminDisplayVersion(build: string): string {
  const p = parseBuild(build)!;
  const known = knownBuild(build);
  const cuBase = known ? BUILDS.find((b) => b.product === known.product && b.cu === known.cu)?.build : undefined;
  const base = parseBuild(cuBase ?? build)!;
  return `Version ${p[0]}.${p[1]} (Build ${base[2]}.${base[3]})`;
}

/**
 * Desired partner application properties from the spec, diffed against the live objects. Pure.
 */
import { error, warning, type Diagnostic } from '../diag/diagnostic';
import { GRAPH_APPLICATION_IDENTIFIER } from '../domain/exchange';
import { suggest } from '../domain/tokens';
import type { LoadedSpec, PartnerApplicationSpec, PermissionListSpec } from '../spec/types';
import type {
  OrganizationState,
  PartnerApplication,
  PartnerApplicationUpdate,
  SettablePartnerApplicationProperty,
} from '../targets/types';
import type { AttributeChange, PartnerApplicationChange } from './types';

/** Spec key -> Exchange property, in the order changes are shown. */
export const PROPERTY_MAP: ReadonlyArray<readonly [keyof PartnerApplicationSpec, SettablePartnerApplicationProperty]> = [
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

const PERMISSION_KEYS = { actAsPermissions: 'ActAsPermissions', appOnlyPermissions: 'AppOnlyPermissions' } as const;

function sameGuid(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Find the live application an entry means: by ApplicationIdentifier, or by Name alone. */
export function matchPartnerApplication(
  entry: PartnerApplicationSpec,
  live: readonly PartnerApplication[],
): PartnerApplication | undefined {
  if (entry.applicationIdentifier !== undefined) {
    return live.find((a) => sameGuid(a.ApplicationIdentifier, entry.applicationIdentifier!));
  }
  const byName = live.filter((a) => a.Name === entry.name);
  return byName.length === 1 ? byName[0] : undefined;
}

/** Permission lists compare as sets; null and [] both mean "none" for comparison. */
export function samePermissionSet(a: readonly string[] | null, b: readonly string[] | null): boolean {
  const sa = new Set(a ?? []);
  const sb = new Set(b ?? []);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

function desiredPermissions(
  spec: PermissionListSpec,
  current: readonly string[] | null,
  others: { readonly actAsPermissions: readonly string[] | null; readonly appOnlyPermissions: readonly string[] | null },
): readonly string[] | null {
  if (spec === null) return null;
  if (Array.isArray(spec)) return spec.length === 0 ? null : [...spec];
  const form = spec as Exclude<PermissionListSpec, null | readonly string[]>;
  if ('sameAs' in form) {
    const copy = others[form.sameAs];
    return copy === null || copy.length === 0 ? null : [...copy];
  }
  const exclude = new Set(form.exclude ?? []);
  const result = (current ?? []).filter((p) => !exclude.has(p));
  for (const p of form.include ?? []) if (!result.includes(p) && !exclude.has(p)) result.push(p);
  return result.length === 0 ? null : result;
}

function sameValue(prop: SettablePartnerApplicationProperty, a: unknown, b: unknown): boolean {
  if (prop === 'ActAsPermissions' || prop === 'AppOnlyPermissions') {
    return samePermissionSet(a as string[] | null, b as string[] | null);
  }
  return a === b;
}

export interface PartnerApplicationPlan {
  readonly changes: PartnerApplicationChange[];
  readonly diagnostics: Diagnostic[];
  /** The live objects the plan was computed from, for the fingerprint. */
  readonly read: PartnerApplication[];
}

export function planPartnerApplications(loaded: LoadedSpec, org: OrganizationState): PartnerApplicationPlan {
  const changes: PartnerApplicationChange[] = [];
  const diagnostics: Diagnostic[] = [];
  const read: PartnerApplication[] = [];
  (loaded.spec.partnerApplications ?? []).forEach((entry, i) => {
    const pointer = `/partnerApplications/${i}`;
    const live = matchPartnerApplication(entry, org.partnerApplications);
    if (!live) {
      diagnostics.push(unknownApplication(entry, org, loaded, pointer));
      return;
    }
    read.push(live);
    // Desired permission lists first, so that `sameAs` follows the desired value of the other list.
    const desiredLists = { actAsPermissions: live.ActAsPermissions, appOnlyPermissions: live.AppOnlyPermissions };
    for (const key of ['actAsPermissions', 'appOnlyPermissions'] as const) {
      const s = entry[key];
      if (s !== undefined && !(s !== null && !Array.isArray(s) && 'sameAs' in (s as object))) {
        desiredLists[key] = desiredPermissions(s, live[PERMISSION_KEYS[key]], desiredLists);
      }
    }
    for (const key of ['actAsPermissions', 'appOnlyPermissions'] as const) {
      const s = entry[key];
      if (s !== undefined && s !== null && !Array.isArray(s) && 'sameAs' in (s as object)) {
        desiredLists[key] = desiredPermissions(s, live[PERMISSION_KEYS[key]], desiredLists);
      }
    }
    const attributes: AttributeChange[] = [];
    const update: PartnerApplicationUpdate = {};
    for (const [specKey, prop] of PROPERTY_MAP) {
      if (entry[specKey] === undefined) continue;
      // `name` is the selector when no applicationIdentifier is given; only then is it not a desired value.
      if (specKey === 'name' && entry.applicationIdentifier === undefined) continue;
      const after =
        specKey === 'actAsPermissions' || specKey === 'appOnlyPermissions' ? desiredLists[specKey] : entry[specKey];
      const before = live[prop];
      if (sameValue(prop, before, after)) continue;
      attributes.push({ name: prop, before, after });
      (update as Record<string, unknown>)[prop] = after;
    }
    if (attributes.length === 0) return;
    diagnostics.push(...notExposed(attributes, org, loaded, pointer, live));
    diagnostics.push(...appOnlyGrantWarnings(attributes, live, loaded, pointer));
    changes.push({
      kind: 'partnerApplication',
      address: `partnerApplication["${live.ApplicationIdentifier}"]`,
      action: 'update',
      applicationIdentifier: live.ApplicationIdentifier,
      name: live.Name,
      attributes,
      update,
    });
  });
  return { changes, diagnostics, read };
}

function unknownApplication(
  entry: PartnerApplicationSpec,
  org: OrganizationState,
  loaded: LoadedSpec,
  pointer: string,
): Diagnostic {
  const names = org.partnerApplications.map((a) => `${a.Name} (${a.ApplicationIdentifier})`);
  const what = entry.applicationIdentifier
    ? `with ApplicationIdentifier ${entry.applicationIdentifier}`
    : `named "${entry.name}"`;
  const ambiguous =
    entry.applicationIdentifier === undefined && org.partnerApplications.filter((a) => a.Name === entry.name).length > 1;
  const guess = entry.name ? suggest(entry.name, org.partnerApplications.map((a) => a.Name)) : undefined;
  return error(
    ambiguous ? 'plan.ambiguous-partner-application' : 'plan.unknown-partner-application',
    ambiguous
      ? `More than one partner application is named "${entry.name}".`
      : `No partner application ${what} exists in this organisation.`,
    (ambiguous
      ? 'Add `applicationIdentifier` to the entry to say which one.'
      : `${guess && guess !== entry.name ? `Did you mean "${guess}"? ` : ''}hybridcfg changes existing partner applications; it does not create them ` +
        '(New-PartnerApplication, or the Hybrid Configuration Wizard for Exchange Online and Graph, does).') +
      `\nPartner applications found: ${names.join(', ') || '(none)'}.`,
    { source: loaded.locate(entry.applicationIdentifier ? `${pointer}/applicationIdentifier` : `${pointer}/name`), path: pointer },
  );
}

function specKeyOf(prop: SettablePartnerApplicationProperty): string {
  return PROPERTY_MAP.find(([, p]) => p === prop)![0];
}

/** A property the session's Set-PartnerApplication does not expose fails the plan, not the apply. */
function notExposed(
  attributes: readonly AttributeChange[],
  org: OrganizationState,
  loaded: LoadedSpec,
  pointer: string,
  live: PartnerApplication,
): Diagnostic[] {
  if (org.setPartnerApplicationParameters === null) return [];
  const exposed = new Set(org.setPartnerApplicationParameters.map((p) => p.toLowerCase()));
  return attributes
    .filter((a) => !exposed.has(a.name.toLowerCase()))
    .map((a) => {
      const key = specKeyOf(a.name);
      const detail =
        `Set-PartnerApplication in this session has no -${a.name} parameter, so "${live.Name}" cannot be changed: ` +
        `applying would fail with "A parameter cannot be found that matches parameter name '${a.name}'".\n` +
        (a.name === 'AppOnlyPermissions'
          ? 'Microsoft documents -AppOnlyPermissions as reserved for internal use; some builds, or RBAC role entries that do not ' +
            'include it, do not expose it. Ways out:\n' +
            '  1. See what your role grants: Get-ManagementRoleEntry "*\\Set-PartnerApplication" | Format-List Role,Parameters\n' +
            '  2. Run hybridcfg as a member of Organization Management, in the Exchange Management Shell on a server whose build ' +
            'exposes the parameter (it was reported missing on 15.1.1591.10).\n' +
            `  3. Remove \`${key}\` from this entry to manage the rest now, and set it by hand where the cmdlet accepts it.`
          : `Run hybridcfg with a role whose Set-PartnerApplication entry includes -${a.name}, or remove \`${key}\` from the spec.`);
      return error('plan.parameter-not-exposed', `Set-PartnerApplication does not expose -${a.name} here.`, detail, {
        source: loaded.locate(`${pointer}/${key}`),
        path: `${pointer}/${key}`,
      });
    });
}

function appOnlyGrantWarnings(
  attributes: readonly AttributeChange[],
  live: PartnerApplication,
  loaded: LoadedSpec,
  pointer: string,
): Diagnostic[] {
  const change = attributes.find((a) => a.name === 'AppOnlyPermissions');
  if (!change) return [];
  const before = new Set((change.before as string[] | null) ?? []);
  const granted = ((change.after as string[] | null) ?? []).filter((p) => !before.has(p));
  if (granted.length === 0) return [];
  const graph = sameGuid(live.ApplicationIdentifier, GRAPH_APPLICATION_IDENTIFIER);
  return [
    warning(
      'plan.app-only-access',
      `This grants app-only access through partner application "${live.Name}".`,
      `After the change, app-only tokens of ${graph ? 'Microsoft Graph (any app your tenant has granted Graph application permissions)' : 'that application'} ` +
        `can reach every on-premises mailbox within these permissions, without a user signing in: ${granted.join(', ')}.\n` +
        'Limit which apps hold those permissions in Entra ID (admin consent, application access policies) before you apply.',
      { source: loaded.locate(`${pointer}/appOnlyPermissions`), path: `${pointer}/appOnlyPermissions` },
    ),
  ];
}

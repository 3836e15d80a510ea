/**
 * Desired partner application properties from the spec, diffed against the live objects. Pure.
 */
import { error, warning, type Diagnostic } from '../../diag/diagnostic';
import { EXCHANGE_ONLINE_APPLICATION_IDENTIFIER, GRAPH_APPLICATION_IDENTIFIER } from '../../domain/exchange';
import { suggest } from '../../domain/tokens';
import type { AttributeChange, Change, KindPlan, PlanInput } from '../types';
import {
  LIST_PROPERTIES,
  PROPERTY_MAP,
  READ_ONLY_MAP,
  partnerAppKey,
  realmOf,
  sameRealm,
  type AppOnlyExposure,
  type PartnerApplication,
  type PartnerApplicationChangeData,
  type PartnerApplicationSpec,
  type PartnerApplicationsLive,
  type PartnerApplicationUpdate,
  type PermissionListSpec,
  type SettableProperty,
} from './types';

export const KIND = 'partnerApplication';
export type PartnerApplicationChange = Change<PartnerApplicationChangeData>;
export type Input = PlanInput<PartnerApplicationSpec, PartnerApplicationsLive, never>;

function sameGuid(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** `partnerApplication["00000003-..."]`, or `partnerApplication["00000002-.../<realm>"]` for an object with a Realm. */
export function addressOf(app: { readonly ApplicationIdentifier: string; readonly Realm: string | null }): string {
  return `partnerApplication["${partnerAppKey(app)}"]`;
}

/**
 * The live objects an entry means, by the rule the target applies too (Set-HcPartnerApplication):
 * with `applicationIdentifier`, every object with that ApplicationIdentifier and, when `realm` is given,
 * that Realm (empty and unset are the same); with `name` alone, every object with that Name (Active
 * Directory names compare case-insensitively). One candidate is a match; more are ambiguous.
 */
export function candidatesFor(entry: PartnerApplicationSpec, live: readonly PartnerApplication[]): readonly PartnerApplication[] {
  if (entry.applicationIdentifier !== undefined) {
    return live.filter((a) => sameGuid(a.ApplicationIdentifier, entry.applicationIdentifier!) && (entry.realm === undefined || sameRealm(a.Realm, entry.realm)));
  }
  return live.filter((a) => a.Name.toLowerCase() === (entry.name ?? '').toLowerCase() && (entry.realm === undefined || sameRealm(a.Realm, entry.realm)));
}

/** The one live application an entry means, or undefined when none or several match. */
export function matchPartnerApplication(entry: PartnerApplicationSpec, live: readonly PartnerApplication[]): PartnerApplication | undefined {
  const found = candidatesFor(entry, live);
  return found.length === 1 ? found[0] : undefined;
}

/**
 * LinkedAccount as the spec gives it (a DistinguishedName, or the canonical name Exchange prints) is
 * the live account when it is either of the two, compared case-insensitively as Active Directory does.
 */
export function sameLinkedAccount(app: PartnerApplication, wanted: string | null): boolean {
  if (wanted === null) return app.LinkedAccount === null && app.LinkedAccountDistinguishedName === null;
  const w = wanted.toLowerCase();
  return app.LinkedAccount?.toLowerCase() === w || app.LinkedAccountDistinguishedName?.toLowerCase() === w;
}

/** Permission lists compare as sets; null and [] both mean "none" for comparison. */
export function samePermissionSet(a: readonly string[] | null, b: readonly string[] | null): boolean {
  const sa = new Set(a ?? []);
  const sb = new Set(b ?? []);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

export function sameValue(prop: SettableProperty, a: unknown, b: unknown): boolean {
  if (LIST_PROPERTIES.includes(prop)) return samePermissionSet(a as string[] | null, b as string[] | null);
  return JSON.stringify(a) === JSON.stringify(b);
}

function desiredPermissions(
  spec: PermissionListSpec,
  current: readonly string[] | null,
  others: { readonly actAsPermissions: readonly string[] | null; readonly appOnlyPermissions: readonly string[] | null },
  emptyIsNull: boolean,
): readonly string[] | null {
  const none = emptyIsNull ? null : [];
  if (spec === null) return null;
  if (Array.isArray(spec)) return spec.length === 0 ? none : [...spec];
  const form = spec as Exclude<PermissionListSpec, null | readonly string[]>;
  if ('sameAs' in form) {
    const copy = others[form.sameAs];
    return copy === null || copy.length === 0 ? none : [...copy];
  }
  const exclude = new Set(form.exclude ?? []);
  const result = (current ?? []).filter((p) => !exclude.has(p));
  for (const p of form.include ?? []) if (!result.includes(p) && !exclude.has(p)) result.push(p);
  return result.length === 0 ? none : result;
}

/** One partner application change from the attributes that differ. */
export function partnerApplicationChange(
  app: PartnerApplication,
  attributes: readonly AttributeChange[],
  update: PartnerApplicationUpdate,
  reason: Change['reason'],
  cached: boolean,
): PartnerApplicationChange {
  const verb = reason === 'spec' ? 'changed' : 'restored';
  return {
    kind: KIND,
    address: addressOf(app),
    action: 'update',
    reason,
    title: app.Name,
    attributes,
    effects: cached
      ? [
          {
            type: 'restart',
            servers: 'all',
            why: `partner application "${app.Name}" ${verb} (every server caches partner applications)`,
            assumption: 'partner-application-cache',
            pools: 'all',
          },
        ]
      : [],
    data: {
      guid: app.Guid,
      applicationIdentifier: app.ApplicationIdentifier,
      realm: realmOf(app.Realm),
      key: partnerAppKey(app),
      name: app.Name,
      update,
      ...('LinkedAccount' in update ? { linkedAccountBefore: app.LinkedAccountDistinguishedName ?? app.LinkedAccount } : {}),
    },
  };
}

export function attribute(prop: SettableProperty, before: unknown, after: unknown): AttributeChange {
  return LIST_PROPERTIES.includes(prop)
    ? { name: prop, action: 'update', before, after, format: 'set', unit: ['permission', 'permissions'] }
    : { name: prop, action: 'update', before, after, format: 'scalar' };
}

export function planPartnerApplications(input: Input): KindPlan<PartnerApplicationChangeData> {
  const changes: PartnerApplicationChange[] = [];
  const diagnostics: Diagnostic[] = [];
  const read: PartnerApplication[] = [];
  const live = input.org;
  const emptyIsNull = input.assumptions.get('empty-permission-list-is-null');
  input.entries.forEach((entry, i) => {
    const pointer = `${input.pointer}/${i}`;
    const candidates = candidatesFor(entry, live.applications);
    if (candidates.length !== 1) {
      diagnostics.push(candidates.length === 0 ? unknownApplication(entry, live, input, pointer) : ambiguousApplication(entry, candidates, input, pointer));
      return;
    }
    const app = candidates[0]!;
    read.push(app);
    diagnostics.push(...readOnlyDifferences(entry, app, input, pointer));
    // Desired permission lists first, so that `sameAs` follows the desired value of the other list.
    const desiredLists = { actAsPermissions: app.ActAsPermissions, appOnlyPermissions: app.AppOnlyPermissions };
    const isSameAs = (s: PermissionListSpec | undefined) => s !== undefined && s !== null && !Array.isArray(s) && 'sameAs' in (s as object);
    for (const pass of [false, true]) {
      for (const key of ['actAsPermissions', 'appOnlyPermissions'] as const) {
        const s = entry[key];
        if (s !== undefined && isSameAs(s) === pass) {
          desiredLists[key] = desiredPermissions(s, app[key === 'actAsPermissions' ? 'ActAsPermissions' : 'AppOnlyPermissions'], desiredLists, emptyIsNull);
        }
      }
    }
    const attributes: AttributeChange[] = [];
    const update: PartnerApplicationUpdate = {};
    for (const [specKey, prop] of PROPERTY_MAP) {
      if (entry[specKey] === undefined) continue;
      // `name` is the selector when no applicationIdentifier is given; only then is it not a desired value.
      if (specKey === 'name' && entry.applicationIdentifier === undefined) continue;
      if (prop === 'LinkedAccount') {
        const wanted = entry.linkedAccount ?? null;
        if (sameLinkedAccount(app, wanted)) continue;
        attributes.push(attribute(prop, app.LinkedAccount, wanted));
        (update as Record<string, unknown>)[prop] = wanted;
        continue;
      }
      const after = specKey === 'actAsPermissions' || specKey === 'appOnlyPermissions' ? desiredLists[specKey] : entry[specKey];
      const before = app[prop];
      if (sameValue(prop, before, after)) continue;
      attributes.push(attribute(prop, before, after));
      (update as Record<string, unknown>)[prop] = after;
    }
    if (attributes.length === 0) return;
    diagnostics.push(...notExposed(attributes, live, input, pointer, app));
    diagnostics.push(...appOnlyGrantWarnings(attributes, app, input, pointer));
    changes.push(partnerApplicationChange(app, attributes, update, 'spec', input.assumptions.get('partner-application-cache')));
  });
  if (changes.length > 0 && input.loaded.spec.servers !== 'all' && input.known.length > input.servers.length) {
    const others = input.known.filter((s) => !input.servers.includes(s)).map((s) => s.Name);
    diagnostics.push(
      warning(
        'plan.partner-application-out-of-scope',
        `Partner applications are organisation-wide: ${others.join(', ')} will pick up the change at their next restart.`,
        'Only the servers in `servers:` are restarted by this run. Use `servers: all` to restart every server now.',
        { source: input.locate('/servers') },
      ),
    );
  }
  return { changes, diagnostics, read: { applications: read, parameters: live.parameters, appOnly: live.appOnly } };
}

const describeApp = (a: PartnerApplication): string =>
  `"${a.Name}" (ApplicationIdentifier ${a.ApplicationIdentifier}, Realm ${realmOf(a.Realm) === '' ? 'empty' : realmOf(a.Realm)}, Guid ${a.Guid})`;

function unknownApplication(entry: PartnerApplicationSpec, live: PartnerApplicationsLive, input: Input, pointer: string): Diagnostic {
  const apps = live.applications;
  const names = apps.map((a) => `${a.Name} (${a.ApplicationIdentifier}${realmOf(a.Realm) ? `, Realm ${a.Realm}` : ''})`);
  const what =
    (entry.applicationIdentifier ? `with ApplicationIdentifier ${entry.applicationIdentifier}` : `named "${entry.name}"`) +
    (entry.realm !== undefined ? (entry.realm === '' ? ' and an empty Realm' : ` and Realm ${entry.realm}`) : '');
  const guess = entry.name && !entry.applicationIdentifier ? suggest(entry.name, apps.map((a) => a.Name)) : undefined;
  return error(
    'plan.unknown-partner-application',
    `No partner application ${what} exists in this organisation.`,
    `${guess && guess !== entry.name ? `Did you mean "${guess}"? ` : ''}hybridcfg changes existing partner applications; it does not create them ` +
      '(New-PartnerApplication, or the Hybrid Configuration Wizard for Exchange Online and Graph, does).' +
      `\nPartner applications found: ${names.join(', ') || '(none)'}.`,
    { source: input.locate(entry.applicationIdentifier ? `${pointer}/applicationIdentifier` : `${pointer}/name`), path: pointer },
  );
}

/** Several objects fit the entry: the target would not know which to change, so neither does the plan. */
function ambiguousApplication(entry: PartnerApplicationSpec, candidates: readonly PartnerApplication[], input: Input, pointer: string): Diagnostic {
  const realms = new Set(candidates.map((a) => realmOf(a.Realm).toLowerCase()));
  const fix =
    entry.realm === undefined && realms.size === candidates.length
      ? 'Add `realm` to the entry to say which one (`realm: ""` selects the one with an empty Realm, as Microsoft\'s hybrid script does).'
      : 'These objects share ApplicationIdentifier and Realm: Exchange cannot tell them apart either. Remove the stale one ' +
        '(Remove-PartnerApplication -Identity <Guid>) after checking which one the Hybrid Configuration Wizard uses.';
  return error(
    'plan.ambiguous-partner-application',
    `${candidates.length} partner applications match \`partnerApplications[${pointer.split('/').pop()}]\`.`,
    `${fix}\nCandidates:\n${candidates.map((a) => `  - ${describeApp(a)}`).join('\n')}`,
    { source: input.locate(entry.applicationIdentifier ? `${pointer}/applicationIdentifier` : `${pointer}/name`), path: pointer },
  );
}

/** A stated read-only property that differs is an error: hybridcfg will not change which trust an object is. */
function readOnlyDifferences(entry: PartnerApplicationSpec, app: PartnerApplication, input: Input, pointer: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [key, prop] of READ_ONLY_MAP) {
    const wanted = entry[key] as string | undefined;
    if (wanted === undefined || (app[prop] ?? '') === wanted) continue;
    const why =
      prop === 'AuthMetadataUrl'
        ? "-AuthMetadataUrl is in its own parameter set of Set-PartnerApplication, and it decides whose tokens Exchange trusts; changing it is re-creating the trust (the Hybrid Configuration Wizard, or Remove-/New-PartnerApplication), not a setting."
        : '-IssuerIdentifier is documented for Exchange 2013 only and "reserved for internal Microsoft use".';
    out.push(
      error('plan.read-only-property', `${prop} of partner application "${app.Name}" is ${JSON.stringify(app[prop] ?? '')}, not ${JSON.stringify(wanted)}, and hybridcfg does not change it.`, `${why}\nRemove \`${key}\` from the entry, or give the live value to assert it.`, {
        source: input.locate(`${pointer}/${key}`),
        path: `${pointer}/${key}`,
        address: addressOf(app),
      }),
    );
  }
  return out;
}

function specKeyOf(prop: string): string {
  return PROPERTY_MAP.find(([, p]) => p === prop)![0];
}

/** Why -AppOnlyPermissions is missing, in the administrator's terms, with only the ways out that exist. */
function appOnlyAdvice(exposure: AppOnlyExposure | null, key: string): string {
  const removeKey = `Remove \`${key}\` from this entry to manage the rest of it now.`;
  const snapIn =
    'Unsupported, opt-in: on an Exchange server, `target.powershell.exchange: snap-in` loads the Exchange snap-in directly, which ' +
    'bypasses RBAC; it helps only if that build\'s cmdlet itself has -AppOnlyPermissions (Microsoft documents it for Exchange 2013 only).';
  switch (exposure?.state) {
    case 'no-role':
      return (
        'No management role in this organisation exposes it: Get-ManagementRoleEntry "*\\Set-PartnerApplication" -Parameters AppOnlyPermissions ' +
        'finds no entry. This is the documented state of Exchange 2016, 2019 and SE (the parameter is documented for Exchange 2013 only, ' +
        '"reserved for internal Microsoft use"), so no role assignment adds it.\nWays out:\n' +
        `  1. ${removeKey}\n  2. ${snapIn}`
      );
    case 'not-assigned':
      return (
        `Role${exposure.roles.length === 1 ? '' : 's'} ${exposure.roles.join(', ')} expose${exposure.roles.length === 1 ? 's' : ''} it, and this account has none of them.\nWays out:\n` +
        `  1. Run hybridcfg as a member of a role group with ${exposure.roles[0]} (e.g. New-ManagementRoleAssignment -Role "${exposure.roles[0]}" -User <account>).\n` +
        `  2. ${removeKey}`
      );
    case 'unknown':
      return `hybridcfg could not tell whether any role exposes it (${exposure.reason}).\nWays out:\n  1. Ask Exchange: Get-ManagementRoleEntry "*\\Set-PartnerApplication" -Parameters AppOnlyPermissions\n  2. ${removeKey}`;
    default:
      return removeKey;
  }
}

/** A property the session's Set-PartnerApplication does not expose fails the plan, not the apply. */
function notExposed(attributes: readonly AttributeChange[], live: PartnerApplicationsLive, input: Input, pointer: string, app: PartnerApplication): Diagnostic[] {
  if (live.parameters === null) return [];
  const exposed = new Set(live.parameters.map((p) => p.toLowerCase()));
  return attributes
    .filter((a) => !exposed.has(a.name.toLowerCase()))
    .map((a) => {
      const key = specKeyOf(a.name);
      const detail =
        `Set-PartnerApplication in this session has no -${a.name} parameter, so "${app.Name}" cannot be changed: ` +
        `applying would fail with "A parameter cannot be found that matches parameter name '${a.name}'".\n` +
        (a.name === 'AppOnlyPermissions'
          ? appOnlyAdvice(live.appOnly, key)
          : `Run hybridcfg with a role whose Set-PartnerApplication entry includes -${a.name} (Organization Client Access [M]), or remove \`${key}\` from the spec.`);
      return error('plan.parameter-not-exposed', `Set-PartnerApplication does not expose -${a.name} here.`, detail, {
        source: input.locate(`${pointer}/${key}`),
        path: `${pointer}/${key}`,
        address: addressOf(app),
      });
    });
}

/**
 * Permissions an app-only grant should never carry by accident: the privilege that skips client access
 * rules, and every tenant-wide write permission. Graph's ActAsPermissions hold them (fixture E19), so
 * `sameAs: actAsPermissions` copies them.
 */
export function dangerousPermission(name: string): boolean {
  return /^Privilege\./i.test(name) || /\.ReadWrite\.All$/i.test(name);
}

function appOnlyGrantWarnings(attributes: readonly AttributeChange[], app: PartnerApplication, input: Input, pointer: string): Diagnostic[] {
  const change = attributes.find((a) => a.name === 'AppOnlyPermissions');
  if (!change) return [];
  const before = new Set((change.before as string[] | null) ?? []);
  const granted = ((change.after as string[] | null) ?? []).filter((p) => !before.has(p));
  if (granted.length === 0) return [];
  const graph = sameGuid(app.ApplicationIdentifier, GRAPH_APPLICATION_IDENTIFIER);
  const dangerous = granted.filter(dangerousPermission);
  const minimal = ((change.after as string[] | null) ?? []).filter((p) => !dangerousPermission(p));
  const danger =
    dangerous.length === 0
      ? ''
      : `\nAmong them: ${dangerous.join(', ')}: ${dangerous.some((d) => /^Privilege\./i.test(d)) ? 'a privilege that lets tokens skip client access rules, and ' : ''}` +
        'tenant-wide write access. A daemon that reads mail or calendars needs none of them.' +
        (minimal.length > 0 ? `\nA list without them: appOnlyPermissions: [${minimal.join(', ')}] (narrow it further to what the daemon uses, e.g. [Mail.Read]).` : '');
  return [
    warning(
      'plan.app-only-access',
      `This grants app-only access through partner application "${app.Name}".`,
      `After the change, app-only tokens of ${graph ? 'Microsoft Graph (any app your tenant has granted Graph application permissions)' : 'that application'} ` +
        `can reach every on-premises mailbox within these permissions, without a user signing in: ${granted.join(', ')}.` +
        danger +
        '\nLimit which apps hold those permissions in Entra ID (admin consent, application access policies) before you apply.',
      { source: input.locate(`${pointer}/appOnlyPermissions`), path: `${pointer}/appOnlyPermissions`, address: addressOf(app) },
    ),
  ];
}

/** Changes that put back the values recorded before hybridcfg first changed each property. */
export function rollbackPartnerApplications(input: Input): KindPlan<PartnerApplicationChangeData> {
  const diagnostics: Diagnostic[] = [];
  const changes: PartnerApplicationChange[] = [];
  const live = input.org;
  const settable = new Set<string>(PROPERTY_MAP.map(([, p]) => p));
  for (const [id, values] of Object.entries(live.originals)) {
    // Keys are partnerAppKey(app); an ApplicationIdentifier alone (older originals) is the object with an empty Realm.
    const found = live.applications.filter((a) => partnerAppKey(a) === id.toLowerCase());
    if (found.length !== 1) {
      diagnostics.push(
        found.length === 0
          ? warning('rollback.partner-application-gone', `Partner application ${id} has a recorded original but no longer exists; it is not recreated.`)
          : error('rollback.ambiguous-partner-application', `${found.length} partner applications match the recorded original ${id}; none is restored.`, found.map((a) => `  - ${describeApp(a)}`).join('\n')),
      );
      continue;
    }
    const app = found[0]!;
    const attributes: AttributeChange[] = [];
    const update: PartnerApplicationUpdate = {};
    for (const [prop, value] of Object.entries(values) as [SettableProperty, unknown][]) {
      if (!settable.has(prop)) {
        diagnostics.push(warning('rollback.property-not-restored', `${prop} of "${app.Name}" has a recorded original (${JSON.stringify(value)}) that hybridcfg no longer restores: it is read-only for hybridcfg.`, 'Set it by hand if it is still wanted.'));
        continue;
      }
      if (prop === 'LinkedAccount' ? sameLinkedAccount(app, value as string | null) : sameValue(prop, app[prop], value)) continue;
      attributes.push(attribute(prop, prop === 'LinkedAccount' ? app.LinkedAccount : app[prop], value));
      (update as Record<string, unknown>)[prop] = value;
    }
    if (attributes.length > 0) changes.push(partnerApplicationChange(app, attributes, update, 'rollback', input.assumptions.get('partner-application-cache')));
  }
  return { changes, diagnostics, read: { applications: live.applications, originals: live.originals } };
}

/**
 * The change that puts back the values a change replaced (onFailure: rollback within a run). The linked
 * account goes back by its DistinguishedName, which the change recorded.
 */
export function undoPartnerApplication(change: PartnerApplicationChange): PartnerApplicationChange {
  const update: Record<string, unknown> = {};
  for (const a of change.attributes) update[a.name] = a.name === 'LinkedAccount' && change.data.linkedAccountBefore !== undefined ? change.data.linkedAccountBefore : a.before;
  return {
    ...change,
    reason: 'undo',
    attributes: change.attributes.map((a) => ({ ...a, before: a.after, after: a.before })),
    data: { ...change.data, update: update as PartnerApplicationUpdate },
  };
}

/**
 * Entries that describe the live values of what the spec's entries manage (with `all`, every object and
 * every property hybridcfg manages). `realm` is written whenever another object shares the
 * ApplicationIdentifier, so that the entry selects exactly this one; LinkedAccount as its DistinguishedName.
 */
export function exportPartnerApplications(input: Input, opts: { readonly all: boolean }): PartnerApplicationSpec[] {
  const all = input.org.applications;
  const apps = opts.all
    ? all.map((a) => [{ applicationIdentifier: a.ApplicationIdentifier } as PartnerApplicationSpec, a] as const)
    : input.entries.flatMap((entry) => {
        const app = matchPartnerApplication(entry, all);
        return app ? [[entry, app] as const] : [];
      });
  return apps.map(([entry, app]) => {
    const out: Record<string, unknown> = { name: app.Name, applicationIdentifier: app.ApplicationIdentifier };
    const shared = all.filter((a) => sameGuid(a.ApplicationIdentifier, app.ApplicationIdentifier)).length > 1;
    if (shared || entry.realm !== undefined) out.realm = realmOf(app.Realm);
    for (const [key, prop] of PROPERTY_MAP) {
      if (key === 'name' || (!opts.all && entry[key] === undefined)) continue;
      const value = prop === 'LinkedAccount' ? (app.LinkedAccountDistinguishedName ?? app.LinkedAccount) : app[prop];
      out[key] = Array.isArray(value) ? [...value] : value;
    }
    return out as PartnerApplicationSpec;
  });
}

/**
 * What the other kinds' cross-checks need (ResourceKind.facts): the "Exchange Online" partner applications
 * with an empty Realm, as Microsoft's hybrid script selects them (docs/exchange-facts.md#hybrid-unit H3),
 * with the Enabled each has now and will have once the plan is applied.
 */
export function partnerApplicationFacts(input: Input): Record<string, unknown> {
  const apps = input.org.applications.filter((a) => sameGuid(a.ApplicationIdentifier, EXCHANGE_ONLINE_APPLICATION_IDENTIFIER) && realmOf(a.Realm) === '');
  return {
    exchangeOnlinePartnerApplications: apps.map((app) => {
      const entry = input.entries.find((e) => matchPartnerApplication(e, input.org.applications) === app);
      return { name: app.Name, address: addressOf(app), enabledNow: app.Enabled, enabledAfter: entry?.enabled ?? app.Enabled };
    }),
  };
}

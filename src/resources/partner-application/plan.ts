/**
 * Desired partner application properties from the spec, diffed against the live objects. Pure.
 */
import { error, warning, type Diagnostic } from '../../diag/diagnostic';
import { GRAPH_APPLICATION_IDENTIFIER } from '../../domain/exchange';
import { suggest } from '../../domain/tokens';
import type { AttributeChange, Change, KindPlan, PlanInput } from '../types';
import {
  LIST_PROPERTIES,
  PROPERTY_MAP,
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

export function addressOf(applicationIdentifier: string): string {
  return `partnerApplication["${applicationIdentifier}"]`;
}

/** Find the live application an entry means: by ApplicationIdentifier, or by Name alone. */
export function matchPartnerApplication(entry: PartnerApplicationSpec, live: readonly PartnerApplication[]): PartnerApplication | undefined {
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
    address: addressOf(app.ApplicationIdentifier),
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
          },
        ]
      : [],
    data: { applicationIdentifier: app.ApplicationIdentifier, name: app.Name, update },
  };
}

export function attribute(prop: SettableProperty, before: unknown, after: unknown): AttributeChange {
  return { name: prop, action: 'update', before, after, format: LIST_PROPERTIES.includes(prop) ? 'set' : 'scalar' };
}

export function planPartnerApplications(input: Input): KindPlan<PartnerApplicationChangeData> {
  const changes: PartnerApplicationChange[] = [];
  const diagnostics: Diagnostic[] = [];
  const read: PartnerApplication[] = [];
  const live = input.org;
  const emptyIsNull = input.assumptions.get('empty-permission-list-is-null');
  input.entries.forEach((entry, i) => {
    const pointer = `${input.pointer}/${i}`;
    const app = matchPartnerApplication(entry, live.applications);
    if (!app) {
      diagnostics.push(unknownApplication(entry, live, input, pointer));
      return;
    }
    read.push(app);
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
  return { changes, diagnostics, read: { applications: read, parameters: live.parameters } };
}

function unknownApplication(entry: PartnerApplicationSpec, live: PartnerApplicationsLive, input: Input, pointer: string): Diagnostic {
  const apps = live.applications;
  const names = apps.map((a) => `${a.Name} (${a.ApplicationIdentifier})`);
  const what = entry.applicationIdentifier ? `with ApplicationIdentifier ${entry.applicationIdentifier}` : `named "${entry.name}"`;
  const ambiguous = entry.applicationIdentifier === undefined && apps.filter((a) => a.Name === entry.name).length > 1;
  const guess = entry.name ? suggest(entry.name, apps.map((a) => a.Name)) : undefined;
  return error(
    ambiguous ? 'plan.ambiguous-partner-application' : 'plan.unknown-partner-application',
    ambiguous ? `More than one partner application is named "${entry.name}".` : `No partner application ${what} exists in this organisation.`,
    (ambiguous
      ? 'Add `applicationIdentifier` to the entry to say which one.'
      : `${guess && guess !== entry.name ? `Did you mean "${guess}"? ` : ''}hybridcfg changes existing partner applications; it does not create them ` +
        '(New-PartnerApplication, or the Hybrid Configuration Wizard for Exchange Online and Graph, does).') +
      `\nPartner applications found: ${names.join(', ') || '(none)'}.`,
    { source: input.locate(entry.applicationIdentifier ? `${pointer}/applicationIdentifier` : `${pointer}/name`), path: pointer },
  );
}

function specKeyOf(prop: string): string {
  return PROPERTY_MAP.find(([, p]) => p === prop)![0];
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
          ? 'Microsoft documents -AppOnlyPermissions as reserved for internal use; some builds, or RBAC role entries that do not ' +
            'include it, do not expose it. Ways out:\n' +
            '  1. See what your role grants: Get-ManagementRoleEntry "*\\Set-PartnerApplication" | Format-List Role,Parameters\n' +
            '  2. Run hybridcfg as a member of Organization Management, in the Exchange Management Shell on a server whose build ' +
            'exposes the parameter (it was reported missing on 15.1.1591.10).\n' +
            `  3. Remove \`${key}\` from this entry to manage the rest now, and set it by hand where the cmdlet accepts it.`
          : `Run hybridcfg with a role whose Set-PartnerApplication entry includes -${a.name}, or remove \`${key}\` from the spec.`);
      return error('plan.parameter-not-exposed', `Set-PartnerApplication does not expose -${a.name} here.`, detail, {
        source: input.locate(`${pointer}/${key}`),
        path: `${pointer}/${key}`,
      });
    });
}

function appOnlyGrantWarnings(attributes: readonly AttributeChange[], app: PartnerApplication, input: Input, pointer: string): Diagnostic[] {
  const change = attributes.find((a) => a.name === 'AppOnlyPermissions');
  if (!change) return [];
  const before = new Set((change.before as string[] | null) ?? []);
  const granted = ((change.after as string[] | null) ?? []).filter((p) => !before.has(p));
  if (granted.length === 0) return [];
  const graph = sameGuid(app.ApplicationIdentifier, GRAPH_APPLICATION_IDENTIFIER);
  return [
    warning(
      'plan.app-only-access',
      `This grants app-only access through partner application "${app.Name}".`,
      `After the change, app-only tokens of ${graph ? 'Microsoft Graph (any app your tenant has granted Graph application permissions)' : 'that application'} ` +
        `can reach every on-premises mailbox within these permissions, without a user signing in: ${granted.join(', ')}.\n` +
        'Limit which apps hold those permissions in Entra ID (admin consent, application access policies) before you apply.',
      { source: input.locate(`${pointer}/appOnlyPermissions`), path: `${pointer}/appOnlyPermissions`, address: addressOf(app.ApplicationIdentifier) },
    ),
  ];
}

/** Changes that put back the values recorded before hybridcfg first changed each property. */
export function rollbackPartnerApplications(input: Input): KindPlan<PartnerApplicationChangeData> {
  const diagnostics: Diagnostic[] = [];
  const changes: PartnerApplicationChange[] = [];
  const live = input.org;
  for (const [id, values] of Object.entries(live.originals)) {
    const app = live.applications.find((a) => sameGuid(a.ApplicationIdentifier, id));
    if (!app) {
      diagnostics.push(warning('rollback.partner-application-gone', `Partner application ${id} has a recorded original but no longer exists; it is not recreated.`));
      continue;
    }
    const attributes: AttributeChange[] = [];
    const update: PartnerApplicationUpdate = {};
    for (const [prop, value] of Object.entries(values) as [SettableProperty, unknown][]) {
      if (sameValue(prop, app[prop], value)) continue;
      attributes.push(attribute(prop, app[prop], value));
      (update as Record<string, unknown>)[prop] = value;
    }
    if (attributes.length > 0) changes.push(partnerApplicationChange(app, attributes, update, 'rollback', input.assumptions.get('partner-application-cache')));
  }
  return { changes, diagnostics, read: { applications: live.applications, originals: live.originals } };
}

/** The change that puts back the values a change replaced (onFailure: rollback within a run). */
export function undoPartnerApplication(change: PartnerApplicationChange): PartnerApplicationChange {
  const update: Record<string, unknown> = {};
  for (const a of change.attributes) update[a.name] = a.before;
  return {
    ...change,
    reason: 'undo',
    attributes: change.attributes.map((a) => ({ ...a, before: a.after, after: a.before })),
    data: { ...change.data, update: update as PartnerApplicationUpdate },
  };
}

/** Entries that describe the live values of what the spec's entries manage. */
export function exportPartnerApplications(input: Input, opts: { readonly all: boolean }): PartnerApplicationSpec[] {
  const apps = opts.all
    ? input.org.applications.map((a) => [{ applicationIdentifier: a.ApplicationIdentifier } as PartnerApplicationSpec, a] as const)
    : input.entries.flatMap((entry) => {
        const app = matchPartnerApplication(entry, input.org.applications);
        return app ? [[entry, app] as const] : [];
      });
  return apps.map(([entry, app]) => {
    const out: Record<string, unknown> = { name: app.Name, applicationIdentifier: app.ApplicationIdentifier };
    for (const [key, prop] of PROPERTY_MAP) {
      if (key === 'name' || (!opts.all && entry[key] === undefined)) continue;
      const value = app[prop];
      out[key] = Array.isArray(value) ? [...value] : value;
    }
    return out as PartnerApplicationSpec;
  });
}

/**
 * Partner applications in the lab (LAB.md O1, O3): `partnerApplications` of organization.json, the
 * parameters `cmdlets."Set-PartnerApplication".parameters` says this session's cmdlet exposes, and the
 * originals in LAB/hybridcfg/original/partner-applications.json.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fail } from '../../diag/diagnostic';
import { parseClixml, type ClixmlObject, type ClixmlValue } from '../../targets/lab/clixml';
import type { LabOrganizationDriver } from '../../targets/lab/driver';
import { capturePath } from '../../targets/lab/captures';
import { LAB_DOMAIN } from '../../targets/lab/init';
import { readJsonOr, writeFileAtomic } from '../../targets/lab/lab-target';
import { checkedOriginals } from './originals';
import { buildProfile, DEFAULT_LAB_BUILD, ORGANIZATION_MANAGEMENT_ROLES, sessionParameters, type LabRoleEntry } from '../../targets/lab/profiles';
import {
  READ_PROPERTIES,
  partnerAppKey,
  sameRealm,
  type AppOnlyExposure,
  type PartnerApplication,
  type PartnerApplicationRequest,
  type PartnerApplicationsLive,
  type PartnerApplicationUpdate,
} from './types';

/** A partner application in organization.json: Exchange's properties, and the lab's fault knobs. */
export interface LabPartnerApplication extends PartnerApplication {
  readonly faults?: { readonly set?: 'fail' };
}

/** An Active Directory account a LinkedAccount can name (the lab's stand-in for the directory). */
export interface LabAccount {
  readonly DistinguishedName: string;
  /** As Exchange prints an ADObjectId: `contoso.lab/Users/Exchange Online-ApplicationAccount`. */
  readonly CanonicalName: string;
}

/** The lab's role-based access: the role entries of its build and the roles the account running hybridcfg holds. */
export interface LabRbac {
  readonly assigned: readonly string[];
  readonly roleEntries: readonly LabRoleEntry[];
}

/** Exchange's own wording when a cmdlet does not expose a parameter to the session [M]. */
export function parameterNotFoundMessage(parameter: string): string {
  return `A parameter cannot be found that matches parameter name '${parameter}'.`;
}

const ORIGINALS = ['original', 'partner-applications.json'];

/**
 * Why the lab's session has or lacks -AppOnlyPermissions, as the PowerShell target's probe finds it:
 * the session's cmdlet, then Get-ManagementRoleEntry "*\\Set-PartnerApplication" -Parameters AppOnlyPermissions.
 */
function appOnlyExposure(org: Readonly<Record<string, unknown>>, parameters: readonly string[]): AppOnlyExposure {
  if (parameters.includes('AppOnlyPermissions')) return { state: 'session' };
  const cmdlets = org.cmdlets as Record<string, { parameters: readonly string[] } | undefined>;
  if (!cmdlets['Get-ManagementRoleEntry']?.parameters.includes('Parameters')) {
    return { state: 'unknown', reason: 'Get-ManagementRoleEntry is not available to this account' };
  }
  const rbac = org.rbac as LabRbac | undefined;
  const roles = [...new Set((rbac?.roleEntries ?? []).filter((e) => e.cmdlet === 'Set-PartnerApplication' && e.parameters.includes('AppOnlyPermissions')).map((e) => e.role))];
  return roles.length === 0 ? { state: 'no-role' } : { state: 'not-assigned', roles };
}

/** -LinkedAccount takes a DistinguishedName or the name Exchange prints (UserIdParameter [H]); the lab knows its accounts. */
function resolveAccount(org: Readonly<Record<string, unknown>>, wanted: string | null, file: string): LabAccount | null {
  if (wanted === null) return null;
  const accounts = (org.accounts as readonly LabAccount[] | undefined) ?? [];
  const w = wanted.toLowerCase();
  const found = accounts.find((a) => a.DistinguishedName.toLowerCase() === w || a.CanonicalName.toLowerCase() === w);
  if (!found) {
    fail(
      'target.unknown-account',
      `Set-PartnerApplication -LinkedAccount failed: The operation couldn't be performed because object '${wanted}' couldn't be found on 'DC01.${LAB_DOMAIN}'.`,
      `Give the account's DistinguishedName or its name as Exchange prints it. Nothing was changed. In the lab: the accounts are "accounts" in ${file}.`,
    );
  }
  return found;
}

function applicationsOf(org: Readonly<Record<string, unknown>>): readonly LabPartnerApplication[] {
  return org.partnerApplications as readonly LabPartnerApplication[];
}

function toPartnerApplication(app: LabPartnerApplication): PartnerApplication {
  const out: Record<string, unknown> = {};
  for (const p of READ_PROPERTIES) out[p] = app[p];
  return out as unknown as PartnerApplication;
}

const str = (v: ClixmlValue | undefined): string => (typeof v === 'string' ? v : '');
const strOrNull = (v: ClixmlValue | undefined): string | null => (typeof v === 'string' ? v : null);
const bool = (v: ClixmlValue | undefined): boolean => v === true;
/** Exchange serialises an unset list as Nil; keep null, never turn it into []. */
const list = (v: ClixmlValue | undefined): readonly string[] | null => (Array.isArray(v) ? v.map((x) => String(x)) : null);

/** LAB.md I3: from the real capture E19/GetPartnerApplication.xml [H]. */
function fromCapture(o: ClixmlObject): LabPartnerApplication {
  const p = o.props;
  const linked = o.objects.LinkedAccount;
  return {
    Name: str(p.Name),
    ApplicationIdentifier: str(p.ApplicationIdentifier),
    Guid: str(p.Guid),
    DistinguishedName: str(p.DistinguishedName),
    Enabled: bool(p.Enabled),
    AcceptSecurityIdentifierInformation: bool(p.AcceptSecurityIdentifierInformation),
    AccountType: str(p.AccountType),
    ActAsPermissions: list(p.ActAsPermissions),
    AppOnlyPermissions: list(p.AppOnlyPermissions),
    // The capture has both "" and Nil for these (Graph's IssuerIdentifier is Nil); Exchange prints both
    // as empty and the live type has them as strings, so the lab stores "".
    AuthMetadataUrl: str(p.AuthMetadataUrl),
    IssuerIdentifier: str(p.IssuerIdentifier),
    LinkedAccount: strOrNull(p.LinkedAccount),
    LinkedAccountDistinguishedName: linked ? strOrNull(linked.props.DistinguishedName) : null,
    Realm: str(p.Realm),
    UseAuthServer: bool(p.UseAuthServer),
  };
}

export const partnerApplicationLab: LabOrganizationDriver<unknown, PartnerApplicationsLive, PartnerApplicationRequest, void> = {
  scope: 'organization',

  shape(org) {
    if (!Array.isArray(org.partnerApplications)) return '"partnerApplications" is missing or not a list';
    const bad = (org.partnerApplications as unknown[]).findIndex(
      (a) => typeof a !== 'object' || a === null || typeof (a as Record<string, unknown>).ApplicationIdentifier !== 'string' || typeof (a as Record<string, unknown>).Name !== 'string',
    );
    if (bad >= 0) return `partnerApplications[${bad}] needs a string Name and ApplicationIdentifier`;
    const cmdlets = org.cmdlets as Record<string, unknown> | undefined;
    if (cmdlets?.['Set-PartnerApplication'] === undefined) return '"cmdlets"."Set-PartnerApplication".parameters is missing or not a list of names';
    return undefined;
  },

  async read(ctx) {
    const org = await ctx.organization();
    const parameters = org.cmdlets['Set-PartnerApplication'].parameters;
    return {
      applications: applicationsOf(org).map(toPartnerApplication),
      parameters,
      appOnly: appOnlyExposure(org, parameters),
      originals: checkedOriginals(await readJsonOr<unknown>(path.join(ctx.paths.state, ...ORIGINALS), {}), path.join(ctx.paths.state, ...ORIGINALS)),
    };
  },

  call: (request) => ({ call: 'setPartnerApplication', applicationIdentifier: request.applicationIdentifier }),


  set(ctx, request) {
    const { applicationIdentifier, update } = request;
    return ctx.updateOrganization(async (org) => {
      const given = (Object.keys(update) as (keyof PartnerApplicationUpdate)[]).filter((k) => update[k] !== undefined);
      // PowerShell binds parameters before the cmdlet runs: a parameter the session lacks fails first.
      const exposed = org.cmdlets['Set-PartnerApplication'].parameters;
      const missing = given.find((k) => !exposed.includes(k));
      if (missing) {
        fail(
          'target.parameter-missing',
          `Set-PartnerApplication -${missing} failed: ${parameterNotFoundMessage(missing)}`,
          `This Exchange session's Set-PartnerApplication does not have -${missing}: the build does not accept it, ` +
            'or the RBAC role entries of your account do not expose it [?]. Nothing was changed.\n' +
            `In the lab: add "${missing}" to cmdlets."Set-PartnerApplication".parameters in ${ctx.paths.organization}.`,
        );
      }
      const apps = applicationsOf(org);
      const index = apps.findIndex((a) => a.Guid.toLowerCase() === request.guid.toLowerCase());
      if (index < 0) {
        // What Exchange answers for an -Identity that names nothing [H] (Set-PartnerApplication.md: Identity by GUID).
        fail(
          'target.unknown-application',
          `Set-PartnerApplication -Identity ${request.guid} failed: The operation couldn't be performed because object '${request.guid}' couldn't be found on 'DC01.${LAB_DOMAIN}'.`,
          `The partner application planned as ${applicationIdentifier} is gone since the plan was made. Nothing was changed; run plan again.`,
        );
      }
      const twins = apps.filter((a) => a.ApplicationIdentifier.toLowerCase() === applicationIdentifier.toLowerCase() && sameRealm(a.Realm, request.realm));
      if (twins.length !== 1 || twins[0] !== apps[index]) {
        fail(
          'target.ambiguous-application',
          `The partner application with Guid ${request.guid} is no longer the one object with ApplicationIdentifier ${applicationIdentifier} and ${request.realm === '' ? 'an empty Realm' : `Realm ${request.realm}`}`,
          `Found: ${twins.map((a) => `"${a.Name}" (Guid ${a.Guid})`).join(', ') || 'none'}. Nothing was changed; run plan again.`,
        );
      }
      const app = apps[index];
      if (app.faults?.set === 'fail') {
        fail(
          'target.set-failed',
          `Set-PartnerApplication failed for "${app.Name}" (${app.ApplicationIdentifier})`,
          `Lab fault: partner application "${app.Name}" has set=fail. Nothing was changed. ` +
            `Clear it with: hybridcfg lab fault ${ctx.dir} --app ${app.ApplicationIdentifier} --clear`,
        );
      }
      const next: Record<string, unknown> = { ...app };
      const changed: string[] = [];
      for (const key of given) {
        if (key === 'LinkedAccount') {
          const account = resolveAccount(org, update.LinkedAccount ?? null, ctx.paths.organization);
          if ((account?.DistinguishedName ?? null) !== app.LinkedAccountDistinguishedName || (account?.CanonicalName ?? null) !== app.LinkedAccount) {
            next.LinkedAccount = account?.CanonicalName ?? null;
            next.LinkedAccountDistinguishedName = account?.DistinguishedName ?? null;
            changed.push(key);
          }
          continue;
        }
        // An empty list clears the MultiValuedProperty, which Exchange then shows as $null [?].
        const value = Array.isArray(update[key]) && (update[key] as unknown[]).length === 0 ? null : update[key];
        if (JSON.stringify(app[key]) !== JSON.stringify(value)) {
          next[key] = value;
          changed.push(key);
        }
      }
      // Exchange warns "no settings ... have been modified" and writes nothing when nothing differs [M].
      if (changed.length === 0) return { result: undefined };
      // The value before hybridcfg first changed a property is kept for rollback, never replaced.
      const file = path.join(ctx.paths.state, ...ORIGINALS);
      const originals = checkedOriginals(await readJsonOr<unknown>(file, {}), file) as Record<string, Record<string, unknown>>;
      const key = partnerAppKey(app);
      const mine = { ...(originals[key] ?? {}) };
      // The linked account is recorded by DistinguishedName, which -LinkedAccount takes back for certain.
      for (const k of changed) if (!(k in mine)) mine[k] = k === 'LinkedAccount' ? (app.LinkedAccountDistinguishedName ?? app.LinkedAccount) : app[k as keyof PartnerApplicationUpdate];
      await fs.mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, JSON.stringify({ ...originals, [key]: mine }, null, 2) + '\n');
      return {
        org: { ...org, partnerApplications: apps.map((a, i) => (i === index ? (next as unknown as LabPartnerApplication) : a)) },
        events: [{ action: 'set-partnerapplication', applicationIdentifier: app.ApplicationIdentifier, name: app.Name, properties: changed }],
        result: undefined,
      };
    });
  },

  async init(org, opts) {
    const captured = parseClixml(await fs.readFile(capturePath('E19/GetPartnerApplication.xml'), 'utf8'));
    const apps = captured.map(fromCapture);
    // The organisation's cmdlets are those of its oldest server's build (RBAC and the cmdlets live in AD
    // and on the server the session runs on; a mixed organisation is rehearsed through --build).
    const profile = buildProfile(opts.build ?? DEFAULT_LAB_BUILD, { appOnlyExposed: opts.appOnlyExposed === true })!;
    const assigned = [...ORGANIZATION_MANAGEMENT_ROLES];
    const cmdlets: Record<string, { parameters: readonly string[]; all: readonly string[] }> = {};
    for (const name of ['Get-PartnerApplication', 'Set-PartnerApplication', 'Get-ManagementRoleEntry']) {
      cmdlets[name] = { parameters: sessionParameters(profile, name, assigned), all: profile.cmdlets[name]! };
    }
    const accounts: LabAccount[] = [];
    for (const o of captured) {
      const linked = o.objects.LinkedAccount;
      const dn = linked ? strOrNull(linked.props.DistinguishedName) : null;
      const canonical = strOrNull(o.props.LinkedAccount);
      if (dn && canonical && !accounts.some((a) => a.DistinguishedName === dn)) accounts.push({ DistinguishedName: dn, CanonicalName: canonical });
    }
    return {
      ...org,
      partnerApplications: apps,
      accounts,
      rbac: { assigned, roleEntries: profile.roleEntries } satisfies LabRbac,
      cmdlets: { ...org.cmdlets, ...cmdlets },
    };
  },
};

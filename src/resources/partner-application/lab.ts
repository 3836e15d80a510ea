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
import { readJsonOr, writeFileAtomic } from '../../targets/lab/lab-target';
import { READ_PROPERTIES, SETTABLE_PROPERTIES, type PartnerApplication, type PartnerApplicationRequest, type PartnerApplicationsLive, type PartnerApplicationUpdate } from './types';

/** A partner application in organization.json: Exchange's properties, and the lab's fault knobs. */
export interface LabPartnerApplication extends PartnerApplication {
  readonly faults?: { readonly set?: 'fail' };
}

/**
 * What `Set-PartnerApplication` exposes on a build that accepts -AppOnlyPermissions (the cmdlet's
 * documented parameters, MicrosoftDocs Set-PartnerApplication [H]).
 */
export const DEFAULT_SET_PARTNER_APPLICATION_PARAMETERS: readonly string[] = [
  'Identity',
  ...SETTABLE_PROPERTIES,
  'RefreshAuthMetadata',
  'TrustAnySSLCertificate',
  'Confirm',
  'DomainController',
  'WhatIf',
];

/** Exchange's own wording when a cmdlet does not expose a parameter to the session [M]. */
export function parameterNotFoundMessage(parameter: string): string {
  return `A parameter cannot be found that matches parameter name '${parameter}'.`;
}

const ORIGINALS = ['original', 'partner-applications.json'];

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
  return {
    Name: str(p.Name),
    ApplicationIdentifier: str(p.ApplicationIdentifier),
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
    return {
      applications: applicationsOf(org).map(toPartnerApplication),
      parameters: org.cmdlets['Set-PartnerApplication'].parameters,
      originals: await readJsonOr<Record<string, PartnerApplicationUpdate>>(path.join(ctx.paths.state, ...ORIGINALS), {}),
    };
  },

  call: (request) => ({ call: 'setPartnerApplication', applicationIdentifier: request.applicationIdentifier }),

  set(ctx, { applicationIdentifier, update }) {
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
      const index = apps.findIndex((a) => a.ApplicationIdentifier.toLowerCase() === applicationIdentifier.toLowerCase());
      if (index < 0) {
        fail(
          'target.unknown-application',
          `No partner application has ApplicationIdentifier ${applicationIdentifier}`,
          `The organisation has: ${apps.map((a) => `${a.Name} (${a.ApplicationIdentifier})`).join(', ') || '(none)'}.`,
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
      const originals = await readJsonOr<Record<string, Record<string, unknown>>>(file, {});
      const mine = { ...(originals[app.ApplicationIdentifier] ?? {}) };
      for (const key of changed) if (!(key in mine)) mine[key] = app[key as keyof PartnerApplicationUpdate];
      await fs.mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, JSON.stringify({ ...originals, [app.ApplicationIdentifier]: mine }, null, 2) + '\n');
      return {
        org: { ...org, partnerApplications: apps.map((a, i) => (i === index ? (next as unknown as LabPartnerApplication) : a)) },
        events: [{ action: 'set-partnerapplication', applicationIdentifier: app.ApplicationIdentifier, name: app.Name, properties: changed }],
        result: undefined,
      };
    });
  },

  async init(org) {
    const captured = parseClixml(await fs.readFile(capturePath('E19/GetPartnerApplication.xml'), 'utf8'));
    return {
      ...org,
      partnerApplications: captured.map(fromCapture),
      cmdlets: { ...org.cmdlets, 'Set-PartnerApplication': { parameters: DEFAULT_SET_PARTNER_APPLICATION_PARAMETERS } },
    };
  },
};

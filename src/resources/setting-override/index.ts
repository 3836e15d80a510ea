/**
 * The setting override kind: `settingOverrides` in the spec, Get-/New-/Set-/Remove-SettingOverride in
 * Exchange (organisation-wide, in Active Directory; docs/exchange-facts.md#hybrid-unit H4, H5). An absent
 * override is a `create`; every change is followed by the refresh of the variant configuration.
 *
 * The override that enables the dedicated hybrid application is cross-checked before anything changes,
 * as Microsoft's ConfigureExchangeHybridApplication.ps1 does (H3, H7) and further: the facts the other
 * kinds give (ResourceKind.facts) must show an enabled "Exchange Online" partner application with an
 * empty Realm, at least one enabled intra-organisation connector, and an auth server with an
 * ApplicationIdentifier, once the plan is applied.
 */
import { error, warning, type Diagnostic } from '../../diag/diagnostic';
import { belowMinimum, hasDedicatedHybridApp } from '../../domain/builds';
import { objectKindBehaviour, exportedProperties, type ExchangeObject, type ObjectChangeData, type ObjectKindConfig, type ObjectsLive } from '../common/object-kind';
import type { Change, PlanInput, ResourceKind } from '../types';
import { settingOverrideLab } from './lab';
import { settingOverridePowerShell } from './powershell';
import schema from './schema.json';
import { HYBRID_APP_SECTION, PROPERTIES, REFRESH_COMMAND, type SettingOverrideSpec } from './types';

export type { SettingOverrideSpec } from './types';
export const KIND = 'settingOverride';
type Input = PlanInput<SettingOverrideSpec, ObjectsLive, never>;

const same = (a: unknown, b: string): boolean => String(a ?? '').toLowerCase() === b.toLowerCase();
const isHybridAppSection = (component: unknown, section: unknown): boolean => same(component, HYBRID_APP_SECTION.component) && same(section, HYBRID_APP_SECTION.section);
/** `Enabled=true` as Microsoft's script reads it: `^\s*Enabled\s*=\s*(true|false)\s*$`, case-insensitive (line 1229). */
const enables = (parameters: readonly unknown[] | null | undefined): boolean => (parameters ?? []).some((p) => /^\s*Enabled\s*=\s*true\s*$/i.test(String(p)));

/** The facts this kind checks, by name (given by other kinds; the shapes are what they publish). */
interface PartnerAppFact { readonly name: string; readonly address: string; readonly enabledNow: boolean; readonly enabledAfter: boolean; readonly pointer?: string }
interface ConnectorFact { readonly name: string; readonly address: string; readonly enabledNow: boolean; readonly enabledAfter: boolean }
interface AuthServerFact { readonly name: string; readonly address: string; readonly applicationIdentifier: string | null }

function select(entry: SettingOverrideSpec, live: ObjectsLive, input: Input, pointer: string) {
  const mine = live.objects.filter((o) => o.Name.toLowerCase() === entry.name.toLowerCase());
  if (mine.length > 0) {
    const o = mine[0]!;
    if (!same(o.ComponentName, entry.component) || !same(o.SectionName, entry.section)) {
      return {
        problem: error(
          'plan.setting-override-differs',
          `Setting override "${o.Name}" is of component ${String(o.ComponentName)}, section ${String(o.SectionName)}, not ${entry.component}, ${entry.section}.`,
          `Set-SettingOverride cannot change an override's component or section. Give the live ones, or another name; to replace it: Remove-SettingOverride -Identity "${o.Name}".`,
          { source: input.locate(`${pointer}/section`), path: pointer },
        ),
      };
    }
    return { objects: mine };
  }
  const twins = live.objects.filter((o) => same(o.ComponentName, entry.component) && same(o.SectionName, entry.section));
  if (twins.length > 0) {
    // Microsoft's script refuses a second override of the section under any name (lines 1218-1255).
    return {
      problem: error(
        'plan.duplicate-setting-override',
        `A setting override of component ${entry.component}, section ${entry.section} already exists as ${twins.map((t) => `"${t.Name}"`).join(', ')}; hybridcfg will not create "${entry.name}" beside it.`,
        `Two overrides of one section contradict or repeat each other. Either name the existing one in the spec (name: ${twins[0]!.Name}), or remove it first:\n` +
          `  Get-SettingOverride | Where-Object { $_.ComponentName -eq "${entry.component}" -and $_.SectionName -eq "${entry.section}" } | Remove-SettingOverride -Confirm:$false\n` +
          `Live: ${twins.map((t) => `"${t.Name}" Parameters [${((t.Parameters as string[] | null) ?? []).join(', ')}]`).join('; ')}.`,
        { source: input.locate(`${pointer}/name`), path: pointer },
      ),
    };
  }
  return { create: { Name: entry.name, Component: entry.component, Section: entry.section, Parameters: [...entry.parameters], Reason: entry.reason ?? 'Created by hybridcfg' } };
}

/** Microsoft's preconditions of the hybrid application override, on the state after the plan (H3, H7). */
function crossCheck(input: Input, _changes: readonly Change<ObjectChangeData>[]): Diagnostic[] {
  const i = input.entries.findIndex((e) => isHybridAppSection(e.component, e.section) && enables(e.parameters));
  if (i < 0) return [];
  const entry = input.entries[i]!;
  const at = { source: input.locate(`${input.pointer}/${i}`), path: `${input.pointer}/${i}` };
  const out: Diagnostic[] = [];
  const what = `The setting override "${entry.name}" enables the dedicated Exchange hybrid application`;

  const apps = input.facts.exchangeOnlinePartnerApplications as readonly PartnerAppFact[] | undefined;
  if (apps !== undefined) {
    const enabled = apps.filter((a) => a.enabledAfter);
    if (enabled.length === 0) {
      out.push(
        error(
          'plan.hybrid-app-needs-partner-application',
          `${what}, which needs an enabled "Exchange Online" partner application with an empty Realm; ${apps.length === 0 ? 'there is none' : apps.map((a) => `"${a.name}" has Enabled ${a.enabledNow}`).join(', ')}.`,
          apps.length === 0
            ? 'Run the Hybrid Configuration Wizard (it creates the Exchange Online partner application, ApplicationIdentifier 00000002-0000-0ff1-ce00-000000000000), then plan again.'
            : 'Add to the spec:\n  partnerApplications:\n    - name: Exchange Online\n      applicationIdentifier: 00000002-0000-0ff1-ce00-000000000000\n      realm: ""\n      enabled: true\n' +
                `or run: Set-PartnerApplication -Identity "${apps[0]!.name}" -Enabled $true`,
          { ...at, address: apps[0]?.address },
        ),
      );
    }
  }

  const connectors = input.facts.intraOrganizationConnectors as readonly ConnectorFact[] | undefined;
  if (connectors !== undefined && !connectors.some((c) => c.enabledAfter)) {
    out.push(
      error(
        'plan.hybrid-app-needs-connector',
        `${what}, which needs at least one enabled intra-organisation connector; ${connectors.length === 0 ? 'there is none' : connectors.map((c) => `"${c.name}" has Enabled ${c.enabledNow}`).join(', ')}.`,
        connectors.length === 0
          ? 'Run the Hybrid Configuration Wizard with OAuth (it creates the connector to Exchange Online), then plan again.'
          : `Add to the spec:\n  intraOrganizationConnectors:\n    - name: all\n      enabled: true\nor run: Set-IntraOrganizationConnector -Identity "${connectors[0]!.name}" -Enabled $true`,
        { ...at, address: connectors[0]?.address },
      ),
    );
  }

  const auth = input.facts.hybridAuthServer as AuthServerFact | undefined;
  if (!auth || !auth.applicationIdentifier) {
    out.push(
      error(
        'plan.hybrid-app-needs-auth-server',
        auth
          ? `${what}, but auth server "${auth.name}" has no ApplicationIdentifier, and the spec gives none.`
          : `${what}, but no single EvoSts auth server was found to carry its ApplicationIdentifier.`,
        'Give the dedicated application\'s appId:\n  authServers:\n    - name: EvoSts\n      applicationIdentifier: <appId of ExchangeServerApp-<organisation GUID>>\n' +
          `or run: Set-AuthServer -Identity "${auth?.name ?? 'EvoSts - <guid>'}" -ApplicationIdentifier <appId>`,
        { ...at, ...(auth ? { address: auth.address } : {}) },
      ),
    );
  }

  // Servers below the April 2025 HU keep using the first-party application (script lines 497-498, H7);
  // those below the spec's builds.minimum are already a plan error that names them.
  const failing = new Set(belowMinimum(input.loaded.spec.builds?.minimum, input.servers.map((s) => ({ name: s.Name, build: input.live.serverStates[s.Name]?.build }))));
  const below = input.servers.filter((s) => {
    const build = input.live.serverStates[s.Name]?.build;
    return build !== undefined && build !== null && !hasDedicatedHybridApp(build) && !failing.has(s.Name);
  });
  if (below.length > 0) {
    out.push(
      warning(
        'plan.hybrid-app-build-below',
        `${below.map((s) => `${s.Name} (${input.live.serverStates[s.Name]!.build})`).join(', ')} ${below.length === 1 ? 'runs a build' : 'run builds'} below the April 2025 Hotfix Update: ${below.length === 1 ? 'it keeps' : 'they keep'} using the shared first-party application.`,
        'Free/busy, MailTips and photos through those servers break while Exchange Online blocks the shared application for EWS. Install the latest update of their CU (2016 CU23 15.1.2507.55, 2019 CU14 15.2.1544.25, 2019 CU15 15.2.1748.24 or later; SE any).',
        at,
      ),
    );
  }
  return out;
}

const config: ObjectKindConfig<SettingOverrideSpec> = {
  id: KIND,
  setCmdlet: 'Set-SettingOverride',
  what: 'setting override',
  properties: PROPERTIES,
  select,
  crossCheck,
  followUp: {
    command: REFRESH_COMMAND,
    why: 'Exchange reads setting overrides from its variant configuration; the refresh makes it read them now. Processes may take up to 60 minutes to pick the change up (css@f88378b1 docs/Emerging-Issues.md:16).',
  },
  exportEntry: (o: ExchangeObject, entry) =>
    ({ name: o.Name, component: String(o.ComponentName ?? ''), section: String(o.SectionName ?? ''), ...exportedProperties(PROPERTIES, o, entry) }) as SettingOverrideSpec,
};

export const settingOverride: ResourceKind<SettingOverrideSpec, ObjectsLive, never, ObjectChangeData> = {
  id: KIND,
  specKey: 'settingOverrides',
  scope: 'organization',
  noun: ['setting override', 'setting overrides'],
  verb: 'New-/Set-SettingOverride',
  // Last of the unit: after the partner application, the connectors and the auth server it relies on
  // (the order of Microsoft's script; docs/exchange-facts.md#hybrid-unit).
  applyOrder: 30,
  schema,
  // Read when the spec has overrides, and for rollback and export (originals, `export --all`).
  orgQuery: (ctx, purpose) => (ctx.entries.length > 0 || purpose !== 'plan' ? {} : undefined),
  ...objectKindBehaviour(config),
  drivers: { lab: settingOverrideLab, powershell: settingOverridePowerShell },
};

/**
 * The auth server kind: `authServers` in the spec, Get-/Set-AuthServer in Exchange (organisation-wide, in
 * Active Directory; docs/exchange-facts.md#hybrid-unit H1). Its entry `name: EvoSts` selects the Azure AD
 * auth server as Microsoft's ConfigureExchangeHybridApplication.ps1 does; `applicationIdentifier` points it
 * at the dedicated Exchange hybrid application.
 */
import { error } from '../../diag/diagnostic';
import { objectKindBehaviour, addressOf, exportedProperties, type ExchangeObject, type ObjectChangeData, type ObjectKindConfig, type ObjectsLive } from '../common/object-kind';
import type { ResourceKind } from '../types';
import { authServerLab } from './lab';
import { authServerPowerShell } from './powershell';
import schema from './schema.json';
import { PROPERTIES, type AuthServerSpec } from './types';

export type { AuthServerSpec } from './types';

export const KIND = 'authServer';

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
/** Microsoft's rule (css@f88378b1 ConfigureExchangeHybridApplication.ps1:845-852): `EvoSts - {guid}` or any name with EvoSTS (-match: case-insensitive), Type AzureAD. */
export function isEvoSts(o: ExchangeObject): boolean {
  return (new RegExp(`^EvoSts - ${GUID}$`, 'i').test(o.Name) || /EvoSTS/i.test(o.Name)) && String(o.Type ?? '') === 'AzureAD';
}

/** The fact other kinds check: the auth server the first entry selects, and the ApplicationIdentifier it will have. */
export const AUTH_SERVER_FACT = 'hybridAuthServer';
export interface AuthServerFact {
  readonly name: string;
  readonly address: string;
  /** Desired (the spec's) or live. */
  readonly applicationIdentifier: string | null;
  /** Where the spec sets it, when it does. */
  readonly pointer?: string;
}

function candidates(entry: AuthServerSpec, objects: readonly ExchangeObject[]): readonly ExchangeObject[] {
  const byName = entry.name.toLowerCase() === 'evosts' ? objects.filter(isEvoSts) : objects.filter((o) => o.Name.toLowerCase() === entry.name.toLowerCase());
  return entry.realm === undefined ? byName : byName.filter((o) => String(o.Realm ?? '').toLowerCase() === entry.realm!.toLowerCase());
}

const describe = (o: ExchangeObject): string => `"${o.Name}" (Type ${String(o.Type ?? '')}, Realm ${String(o.Realm ?? '') || 'empty'}, Enabled ${String(o.Enabled)})`;

const config: ObjectKindConfig<AuthServerSpec> = {
  id: KIND,
  setCmdlet: 'Set-AuthServer',
  what: 'auth server',
  properties: PROPERTIES,
  select(entry, live, input, pointer) {
    const found = candidates(entry, live.objects);
    if (found.length === 1) return { objects: found };
    const at = { source: input.locate(`${pointer}/${entry.realm !== undefined ? 'realm' : 'name'}`), path: pointer };
    const listed = live.objects.map((o) => `  - ${describe(o)}`).join('\n') || '  (none)';
    if (found.length === 0) {
      return {
        problem: error(
          'plan.unknown-auth-server',
          `No auth server ${entry.name.toLowerCase() === 'evosts' ? 'named "EvoSts - {guid}" or "EvoSTS" with Type AzureAD' : `named "${entry.name}"`}${entry.realm !== undefined ? ` and Realm ${entry.realm}` : ''} exists in this organisation.`,
          `hybridcfg changes existing auth servers; the Hybrid Configuration Wizard creates EvoSts (run it first, with the Modern Hybrid or Classic Hybrid topology and OAuth).\nGet-AuthServer lists:\n${listed}`,
          at,
        ),
      };
    }
    return {
      problem: error(
        'plan.ambiguous-auth-server',
        `${found.length} auth servers match \`authServers[${pointer.split('/').pop()}]\`.`,
        `Several tenants each have an EvoSts auth server: add \`realm: <tenant id>\` to the entry to say which one (Microsoft's script picks the one whose Realm is the tenant id).\nCandidates:\n${found.map((o) => `  - ${describe(o)}`).join('\n')}`,
        at,
      ),
    };
  },
  exportEntry: (o, entry) => ({ name: entry?.name ?? o.Name, ...(entry?.realm !== undefined || (entry === undefined && isEvoSts(o)) ? { realm: String(o.Realm ?? '') } : {}), ...exportedProperties(PROPERTIES, o, entry) }) as AuthServerSpec,
};

function facts(input: Parameters<ResourceKind['plan']>[0]): Record<string, unknown> {
  const live = input.org as ObjectsLive;
  const entries = input.entries as readonly AuthServerSpec[];
  const i = entries.findIndex((e) => candidates(e, live.objects).length === 1);
  const entry = i >= 0 ? entries[i] : undefined;
  const object = entry ? candidates(entry, live.objects)[0]! : live.objects.filter(isEvoSts).length === 1 ? live.objects.filter(isEvoSts)[0]! : undefined;
  if (!object) return {};
  const fact: AuthServerFact = {
    name: object.Name,
    address: addressOf(KIND, object.Name),
    applicationIdentifier: entry?.applicationIdentifier ?? ((object.ApplicationIdentifier as string | null) || null),
    ...(entry?.applicationIdentifier !== undefined ? { pointer: `${input.pointer}/${i}/applicationIdentifier` } : {}),
  };
  return { [AUTH_SERVER_FACT]: fact };
}

/**
 * verify's Entra checks (src/verify/entra.ts): the dedicated application is the one whose appId the auth
 * server names, as Exchange uses it: the live ApplicationIdentifier, else the spec's (verify before apply).
 */
function verifyFacts(input: Parameters<ResourceKind['plan']>[0]): { dedicatedAppId?: string; dedicatedAppIdPointer?: string } {
  const fact = facts(input)[AUTH_SERVER_FACT] as AuthServerFact | undefined;
  if (!fact) return {};
  const live = (input.org as ObjectsLive).objects.find((o) => o.Name === fact.name);
  const liveId = (live?.ApplicationIdentifier as string | null | undefined) || null;
  const id = liveId ?? fact.applicationIdentifier;
  if (!id) return {};
  return { dedicatedAppId: id, ...(fact.pointer !== undefined ? { dedicatedAppIdPointer: fact.pointer } : {}) };
}

export const authServer: ResourceKind<AuthServerSpec, ObjectsLive, never, ObjectChangeData> = {
  id: KIND,
  specKey: 'authServers',
  scope: 'organization',
  noun: ['auth server', 'auth servers'],
  verb: 'Set-AuthServer',
  // After the partner applications and connectors, before the override that makes Exchange use it
  // (the order of Microsoft's script: auth server, then the override; docs/exchange-facts.md#hybrid-unit).
  applyOrder: 20,
  schema,
  // Read whatever the spec holds: the other kinds' cross-checks need the auth server (facts).
  orgQuery: () => ({}),
  facts,
  verifyFacts,
  ...objectKindBehaviour(config),
  drivers: { lab: authServerLab, powershell: authServerPowerShell },
};

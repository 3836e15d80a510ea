/**
 * The intra-organisation connector kind: `intraOrganizationConnectors` in the spec,
 * Get-/Set-IntraOrganizationConnector in Exchange (organisation-wide; docs/exchange-facts.md#hybrid-unit
 * H3). It tells the other kinds which connectors will be enabled (the override's precondition).
 */
import { objectKindBehaviour, addressOf, exportedProperties, selectByName, type ExchangeObject, type ObjectChangeData, type ObjectKindConfig, type ObjectsLive } from '../common/object-kind';
import type { PlanInput, ResourceKind } from '../types';
import { intraOrganizationConnectorLab } from './lab';
import { intraOrganizationConnectorPowerShell } from './powershell';
import schema from './schema.json';
import { PROPERTIES, type IntraOrganizationConnectorSpec } from './types';

export type { IntraOrganizationConnectorSpec } from './types';
export const KIND = 'intraOrganizationConnector';

/** The fact other kinds check: every connector, with the Enabled it has now and the one it will have. */
export const CONNECTORS_FACT = 'intraOrganizationConnectors';
export interface ConnectorFact {
  readonly name: string;
  readonly address: string;
  readonly enabledNow: boolean;
  readonly enabledAfter: boolean;
  readonly targetAddressDomains: readonly string[];
}

const config: ObjectKindConfig<IntraOrganizationConnectorSpec> = {
  id: KIND,
  setCmdlet: 'Set-IntraOrganizationConnector',
  what: 'intra-organisation connector',
  properties: PROPERTIES,
  select: (entry, live, input, pointer) => selectByName({ what: 'intra-organisation connector', getCmdlet: 'Get-IntraOrganizationConnector', unknownCode: 'plan.unknown-intra-organization-connector' }, entry, live, input, pointer),
  exportEntry: (o: ExchangeObject, entry) => ({ name: entry?.name === 'all' ? o.Name : (entry?.name ?? o.Name), ...exportedProperties(PROPERTIES, o, entry) }) as IntraOrganizationConnectorSpec,
};

function facts(input: PlanInput<IntraOrganizationConnectorSpec, ObjectsLive, never>): Record<string, unknown> {
  const connectors: ConnectorFact[] = input.org.objects.map((o) => {
    // The last entry that names the connector (or `all`) and states `enabled` decides.
    const wanted = [...input.entries].reverse().find((e) => e.enabled !== undefined && (e.name === 'all' || e.name.toLowerCase() === o.Name.toLowerCase()));
    return { name: o.Name, address: addressOf(KIND, o.Name), enabledNow: o.Enabled === true, enabledAfter: wanted?.enabled ?? o.Enabled === true, targetAddressDomains: (o.TargetAddressDomains as string[] | null) ?? [] };
  });
  return { [CONNECTORS_FACT]: connectors };
}

export const intraOrganizationConnector: ResourceKind<IntraOrganizationConnectorSpec, ObjectsLive, never, ObjectChangeData> = {
  id: KIND,
  specKey: 'intraOrganizationConnectors',
  scope: 'organization',
  noun: ['intra-organisation connector', 'intra-organisation connectors'],
  verb: 'Set-IntraOrganizationConnector',
  // With the partner applications, before the auth server and the override (docs/exchange-facts.md#hybrid-unit).
  applyOrder: 12,
  schema,
  // Read whatever the spec holds: the override's cross-check needs the connectors (facts).
  orgQuery: () => ({}),
  facts,
  ...objectKindBehaviour(config),
  drivers: { lab: intraOrganizationConnectorLab, powershell: intraOrganizationConnectorPowerShell },
};

/** Intra-organisation connectors (`Get-IntraOrganizationConnector`): the spec's entries and what hybridcfg reads and sets. */
import type { ObjectProperty } from '../common/object-kind';

export interface IntraOrganizationConnectorSpec {
  /** A connector's Name, or `all`. */
  readonly name: string;
  readonly enabled?: boolean;
  readonly targetAddressDomains?: readonly string[];
  readonly discoveryEndpoint?: string;
}

/** Set-IntraOrganizationConnector's parameters on 2016, 2019 and SE (Set-IntraOrganizationConnector.md [H]). */
export const PROPERTIES: readonly ObjectProperty[] = [
  { key: 'enabled', prop: 'Enabled', type: 'boolean' },
  { key: 'targetAddressDomains', prop: 'TargetAddressDomains', type: 'list' },
  { key: 'discoveryEndpoint', prop: 'DiscoveryEndpoint', type: 'string' },
];
export const READ: readonly ObjectProperty[] = [{ key: 'name', prop: 'Name', type: 'string' }, ...PROPERTIES];

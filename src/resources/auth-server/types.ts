/** Auth servers (`Get-AuthServer`): the spec's entries and what hybridcfg reads and sets. */
import type { ObjectProperty } from '../common/object-kind';

export interface AuthServerSpec {
  readonly name: string;
  readonly realm?: string;
  readonly enabled?: boolean;
  readonly applicationIdentifier?: string;
  readonly domainName?: readonly string[];
}

export const PROPERTIES: readonly ObjectProperty[] = [
  { key: 'enabled', prop: 'Enabled', type: 'boolean' },
  { key: 'applicationIdentifier', prop: 'ApplicationIdentifier', type: 'string' },
  { key: 'domainName', prop: 'DomainName', type: 'list' },
];
/** What the kind reads of each auth server (Get-AuthServer; Set-AuthServer.md [H]). */
export const READ: readonly ObjectProperty[] = [
  { key: 'name', prop: 'Name', type: 'string' },
  { key: 'type', prop: 'Type', type: 'string' },
  { key: 'realm', prop: 'Realm', type: 'string' },
  { key: 'issuerIdentifier', prop: 'IssuerIdentifier', type: 'string' },
  { key: 'authMetadataUrl', prop: 'AuthMetadataUrl', type: 'string' },
  ...PROPERTIES,
];


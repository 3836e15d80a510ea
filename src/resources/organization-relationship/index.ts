/**
 * The organisation relationship kind: `organizationRelationships` in the spec,
 * Get-/Set-OrganizationRelationship in Exchange (organisation-wide; docs/exchange-facts.md#hybrid-unit H2):
 * Microsoft's script sets TargetSharingEpr on the Exchange Online relationships.
 */
import { objectKindBehaviour, exportedProperties, selectByName, type ExchangeObject, type ObjectChangeData, type ObjectKindConfig, type ObjectsLive } from '../common/object-kind';
import type { ResourceKind } from '../types';
import { organizationRelationshipLab } from './lab';
import { organizationRelationshipPowerShell } from './powershell';
import schema from './schema.json';
import { PROPERTIES, type OrganizationRelationshipSpec } from './types';

export type { OrganizationRelationshipSpec } from './types';
export const KIND = 'organizationRelationship';

const config: ObjectKindConfig<OrganizationRelationshipSpec> = {
  id: KIND,
  setCmdlet: 'Set-OrganizationRelationship',
  what: 'organisation relationship',
  properties: PROPERTIES,
  select: (entry, live, input, pointer) => selectByName({ what: 'organisation relationship', getCmdlet: 'Get-OrganizationRelationship', unknownCode: 'plan.unknown-organization-relationship' }, entry, live, input, pointer),
  exportEntry: (o: ExchangeObject, entry) => ({ name: entry?.name === 'all' ? o.Name : (entry?.name ?? o.Name), ...exportedProperties(PROPERTIES, o, entry) }) as OrganizationRelationshipSpec,
};

export const organizationRelationship: ResourceKind<OrganizationRelationshipSpec, ObjectsLive, never, ObjectChangeData> = {
  id: KIND,
  specKey: 'organizationRelationships',
  scope: 'organization',
  noun: ['organisation relationship', 'organisation relationships'],
  verb: 'Set-OrganizationRelationship',
  // Before the auth server and the override, as Microsoft's script may set it (docs/exchange-facts.md#hybrid-unit).
  applyOrder: 14,
  schema,
  // Read when the spec has relationships, and for rollback and export (originals, `export --all`).
  orgQuery: (ctx, purpose) => (ctx.entries.length > 0 || purpose !== 'plan' ? {} : undefined),
  ...objectKindBehaviour(config),
  drivers: { lab: organizationRelationshipLab, powershell: organizationRelationshipPowerShell },
};

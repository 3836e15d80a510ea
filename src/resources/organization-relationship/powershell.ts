/** Organisation relationships on the PowerShell target: Get- in the organisation read, Set-OrganizationRelationship for a change. */
import { objectPsDriver } from '../common/object-powershell';
import { READ } from './types';

export const organizationRelationshipPowerShell = objectPsDriver({
  cmdlets: { get: 'Get-OrganizationRelationship', set: 'Set-OrganizationRelationship' },
  read: READ,
  originalsFile: 'original/organization-relationships.json',
  call: 'setOrganizationRelationship',
  what: 'Set-OrganizationRelationship',
});

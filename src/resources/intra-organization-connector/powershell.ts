/** Intra-organisation connectors on the PowerShell target: Get- in the organisation read, Set-IntraOrganizationConnector for a change. */
import { objectPsDriver } from '../common/object-powershell';
import { READ } from './types';

export const intraOrganizationConnectorPowerShell = objectPsDriver({
  cmdlets: { get: 'Get-IntraOrganizationConnector', set: 'Set-IntraOrganizationConnector' },
  read: READ,
  originalsFile: 'original/intra-organization-connectors.json',
  call: 'setIntraOrganizationConnector',
  what: 'Set-IntraOrganizationConnector',
});

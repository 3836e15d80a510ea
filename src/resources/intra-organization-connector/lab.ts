/**
 * Intra-organisation connectors in the lab (LAB.md O7): `intraOrganizationConnectors` of
 * organization.json. A new lab has the one enabled connector the Hybrid Configuration Wizard makes to
 * Exchange Online (Name `HybridIOC - {guid}` [?], TargetAddressDomains the tenant's routing domain,
 * DiscoveryEndpoint Exchange Online's Autodiscover [M]); no capture of it ships.
 */
import { randomUUID } from 'node:crypto';
import { objectLabDriver } from '../common/object-lab';

/** The lab tenant's routing domain (the example: contoso.mail.onmicrosoft.com). */
export const LAB_TENANT_DOMAIN = 'contoso.mail.onmicrosoft.com';
/** Set-IntraOrganizationConnector's parameters (Set-IntraOrganizationConnector.md, on-premises [H]). */
const SET_PARAMETERS = ['Identity', 'DiscoveryEndpoint', 'Enabled', 'TargetAddressDomains', 'Confirm', 'WhatIf', 'DomainController'];

export const intraOrganizationConnectorLab = objectLabDriver({
  collection: 'intraOrganizationConnectors',
  cmdlets: { set: 'Set-IntraOrganizationConnector' },
  originalsFile: 'intra-organization-connectors.json',
  call: 'setIntraOrganizationConnector',
  event: 'set-intraorganizationconnector',
  init: async () => ({
    objects: [
      {
        Name: `HybridIOC - ${randomUUID()}`,
        Enabled: true,
        TargetAddressDomains: [LAB_TENANT_DOMAIN],
        DiscoveryEndpoint: 'https://autodiscover-s.outlook.com/autodiscover/autodiscover.svc',
      },
    ],
    cmdlets: { 'Set-IntraOrganizationConnector': { parameters: SET_PARAMETERS, all: SET_PARAMETERS } },
  }),
});

/**
 * Organisation relationships in the lab (LAB.md O7): `organizationRelationships` of organization.json. A
 * new lab has the relationship the Hybrid Configuration Wizard makes to Exchange Online (Name
 * `On-premises to O365 - {guid}` [?]), enabled, free/busy and MailTips on, Autodiscover v1 endpoint set and
 * no TargetSharingEpr: the state Microsoft's script changes (docs/exchange-facts.md#hybrid-unit H2 [M]).
 */
import { randomUUID } from 'node:crypto';
import { objectLabDriver } from '../common/object-lab';

/** Set-OrganizationRelationship's on-premises parameters (Set-OrganizationRelationship.md [H]). */
const SET_PARAMETERS = [
  'Identity', 'ArchiveAccessEnabled', 'DeliveryReportEnabled', 'DomainNames', 'Enabled', 'Force', 'FreeBusyAccessEnabled', 'FreeBusyAccessLevel',
  'FreeBusyAccessScope', 'MailboxMoveEnabled', 'MailTipsAccessEnabled', 'MailTipsAccessLevel', 'MailTipsAccessScope', 'Name', 'OAuthApplicationId',
  'OrganizationContact', 'PhotosEnabled', 'TargetApplicationUri', 'TargetAutodiscoverEpr', 'TargetOwaURL', 'TargetSharingEpr', 'Confirm', 'WhatIf', 'DomainController',
];

export const organizationRelationshipLab = objectLabDriver({
  collection: 'organizationRelationships',
  cmdlets: { set: 'Set-OrganizationRelationship' },
  originalsFile: 'organization-relationships.json',
  call: 'setOrganizationRelationship',
  event: 'set-organizationrelationship',
  init: async () => ({
    objects: [
      {
        Name: `On-premises to O365 - ${randomUUID()}`,
        Enabled: true,
        DomainNames: ['contoso.mail.onmicrosoft.com'],
        FreeBusyAccessEnabled: true,
        FreeBusyAccessLevel: 'LimitedDetails',
        MailTipsAccessEnabled: true,
        MailTipsAccessLevel: 'All',
        TargetApplicationUri: 'outlook.com',
        TargetAutodiscoverEpr: 'https://autodiscover-s.outlook.com/autodiscover/autodiscover.svc/WSSecurity',
        TargetSharingEpr: null,
      },
    ],
    cmdlets: { 'Set-OrganizationRelationship': { parameters: SET_PARAMETERS, all: SET_PARAMETERS } },
  }),
});

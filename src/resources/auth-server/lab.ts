/**
 * Auth servers in the lab (LAB.md O7): `authServers` of organization.json. A new lab has the EvoSts auth
 * server the Hybrid Configuration Wizard makes (Name `EvoSts - {guid}`, Type AzureAD, Realm the tenant id,
 * Enabled; docs/exchange-facts.md#hybrid-unit H1), not yet moved to the dedicated application: no
 * ApplicationIdentifier and no DomainName. No capture of Get-AuthServer ships, so the other properties are
 * as the HCW is reported to set them [?].
 */
import { randomUUID } from 'node:crypto';
import { objectLabDriver } from '../common/object-lab';
import { buildProfile, DEFAULT_LAB_BUILD } from '../../targets/lab/profiles';

/** EvoSts's issuer, the Azure AD first-party issuer (docs/exchange-facts.md#hybrid-unit H1 [H]). */
const EVOSTS_ISSUER = '00000001-0000-0000-c000-000000000000';
/** The lab tenant's id: the Realm of its EvoSts. */
export const LAB_TENANT_ID = '11111111-2222-3333-4444-555555555555';

export const authServerLab = objectLabDriver({
  collection: 'authServers',
  cmdlets: { set: 'Set-AuthServer' },
  originalsFile: 'auth-servers.json',
  call: 'setAuthServer',
  event: 'set-authserver',
  async init(_org, opts) {
    // Set-AuthServer's parameters are those of the organisation's build (-ApplicationIdentifier from the
    // April 2025 HU, Set-AuthServer.md [H]); Organization Management's roles hold them all [M].
    const all = buildProfile(opts.build ?? DEFAULT_LAB_BUILD)!.cmdlets['Set-AuthServer']!;
    return {
      objects: [
        {
          Name: `EvoSts - ${randomUUID()}`,
          Type: 'AzureAD',
          Realm: LAB_TENANT_ID,
          IssuerIdentifier: EVOSTS_ISSUER,
          AuthMetadataUrl: `https://login.windows.net/${LAB_TENANT_ID}/federationmetadata/2007-06/federationmetadata.xml`,
          Enabled: true,
          ApplicationIdentifier: null,
          DomainName: null,
        },
      ],
      cmdlets: { 'Set-AuthServer': { parameters: all, all } },
    };
  },
});

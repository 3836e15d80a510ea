/**
 * The partner application kind: `partnerApplications` in the spec, Get-/Set-PartnerApplication in
 * Exchange (organisation-wide objects in Active Directory; docs/exchange-facts.md#partner-applications).
 */
import type { ResourceKind } from '../types';
import { partnerApplicationProblems } from './checks';
import { partnerApplicationLab } from './lab';
import {
  KIND,
  exportPartnerApplications,
  partnerApplicationFacts,
  planPartnerApplications,
  rollbackPartnerApplications,
  undoPartnerApplication,
} from './plan';
import { partnerApplicationPowerShell } from './powershell';
import schema from './schema.json';
import type { PartnerApplicationChangeData, PartnerApplicationRequest, PartnerApplicationSpec, PartnerApplicationsLive } from './types';

export const partnerApplication: ResourceKind<PartnerApplicationSpec, PartnerApplicationsLive, never, PartnerApplicationChangeData> = {
  id: KIND,
  specKey: 'partnerApplications',
  scope: 'organization',
  noun: ['partner application', 'partner applications'],
  verb: 'Set-PartnerApplication',
  // Before any server: servers cache partner applications and pick the change up at their restart [M].
  applyOrder: 10,
  schema,
  checkSpec: (entries, ctx) => partnerApplicationProblems(entries, ctx.pointer),
  // Every partner application is read (one Get-PartnerApplication), so that a spec entry that names
  // none can say which ones exist.
  orgQuery: () => ({}),
  facts: partnerApplicationFacts,
  plan: planPartnerApplications,
  rollback: rollbackPartnerApplications,
  export: exportPartnerApplications,
  request: (change): PartnerApplicationRequest => ({
    guid: change.data.guid,
    applicationIdentifier: change.data.applicationIdentifier,
    realm: change.data.realm,
    key: change.data.key,
    update: change.data.update,
  }),
  undo: undoPartnerApplication,
  drivers: { lab: partnerApplicationLab, powershell: partnerApplicationPowerShell },
};

/**
 * Partner applications on the PowerShell target: partner-application.ps1 reads them with
 * Get-PartnerApplication (and probes the parameters Set-PartnerApplication exposes) in the organisation
 * read, and changes one with Set-PartnerApplication, recording its originals in the run state.
 */
import * as path from 'node:path';
import type { PsDriver } from '../../targets/powershell/driver';
import { READ_PROPERTIES, SETTABLE_PROPERTIES, type AppOnlyExposure, type PartnerApplication, type PartnerApplicationRequest, type PartnerApplicationsLive } from './types';
import { parseStateText } from '../../targets/powershell/state';
import { checkedOriginals } from './originals';

/** Where the originals live in the run state folder (`<ExchangeInstallPath>hybridcfg\` of the lock server). */
export const ORIGINALS_FILE = 'original/partner-applications.json';

interface Raw {
  readonly applications?: readonly PartnerApplication[];
  readonly parameters?: readonly string[];
  readonly originals?: string | null;
  readonly probe?: { readonly roles?: readonly string[] | null; readonly error?: string | null };
}

/** The probe's answer (partner-application.ps1 Read-HcPartnerApplication) as the planner's case. */
function exposure(parameters: readonly string[], probe: Raw['probe']): AppOnlyExposure {
  if (parameters.includes('AppOnlyPermissions')) return { state: 'session' };
  if (!probe || probe.error) return { state: 'unknown', reason: probe?.error ?? 'the probe gave no answer' };
  const roles = probe.roles ?? [];
  return roles.length === 0 ? { state: 'no-role' } : { state: 'not-assigned', roles };
}

export const partnerApplicationPowerShell: PsDriver<unknown, PartnerApplicationsLive, PartnerApplicationRequest, void> = {
  scope: 'organization',
  script: path.join(__dirname, 'partner-application.ps1'),
  // Get-ManagementRoleEntry answers the -AppOnlyPermissions probe (find-exchange-cmdlet-permissions.md [H]).
  cmdlets: ['Get-PartnerApplication', 'Set-PartnerApplication', 'Get-ManagementRoleEntry'],
  stateFiles: [ORIGINALS_FILE],
  read: {
    fn: 'Read-HcPartnerApplication',
    data: () => ({ properties: READ_PROPERTIES, originalsFile: ORIGINALS_FILE }),
    parse: (raw) => {
      const r = raw as Raw;
      const parameters = r.parameters ?? [];
      return {
        applications: r.applications ?? [],
        parameters,
        appOnly: exposure(parameters, r.probe),
        originals: r.originals ? checkedOriginals(parseStateText(r.originals, 'partner application originals (original\\partner-applications.json)'), 'original\\partner-applications.json on the lock server') : {},
      };
    },
  },
  set: {
    fn: 'Set-HcPartnerApplication',
    payload: ([request]) => ({ data: { ...request, settable: SETTABLE_PROPERTIES, originalsFile: ORIGINALS_FILE } }),
    parse: (_raw, requests) => requests.map(() => undefined),
    log: (request) => ({ call: 'setPartnerApplication', applicationIdentifier: request.applicationIdentifier }),
    failCode: 'target.set-failed',
    what: 'Set-PartnerApplication',
  },
};

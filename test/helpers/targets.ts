/** Targets as the session opens them (with the registry's drivers), for tests that drive a target directly. */
import * as path from 'node:path';
import { REGISTRY, type Registry } from '../../src/resources/registry';
import { initLab as initLabWith } from '../../src/session/lab';
import type { TargetContext } from '../../src/targets';
import { createLabTarget } from '../../src/targets/lab/lab-target';
import { createPowerShellTarget } from '../../src/targets/powershell';
import { readFileSync } from 'node:fs';
import type { PartnerApplicationRequest, PartnerApplicationsLive, PartnerApplicationUpdate } from '../../src/resources/partner-application/types';
import { capturePath } from '../../src/targets/lab/captures';
import { parseClixml } from '../../src/targets/lab/clixml';
import type { WebConfigLive, WebConfigRequest, WebConfigResult } from '../../src/resources/web-config/types';
import type { ExchangeServer, Target } from '../../src/targets/types';

export function drivers(registry: Registry = REGISTRY): TargetContext['drivers'] {
  return {
    lab: Object.fromEntries(registry.kinds.flatMap((k) => (k.drivers.lab ? [[k.id, k.drivers.lab]] : []))),
    powershell: Object.fromEntries(registry.kinds.flatMap((k) => (k.drivers.powershell ? [[k.id, k.drivers.powershell]] : []))),
  };
}

export function labTarget(dir: string, registry: Registry = REGISTRY) {
  return createLabTarget(dir, drivers(registry).lab);
}

export function powershellTarget(
  dir: string,
  pwsh: string,
  opts: { timeoutSeconds?: number; parallelism?: number; files?: 'auto' | 'local' | 'winrm' } = {},
  registry: Registry = REGISTRY,
) {
  return createPowerShellTarget(
    { shell: pwsh, lab: dir, timeoutSeconds: opts.timeoutSeconds ?? 60, ...(opts.files !== undefined ? { files: opts.files } : {}) },
    { specDir: path.dirname(dir), drivers: drivers(registry), ...(opts.parallelism !== undefined ? { parallelism: opts.parallelism } : {}) },
  );
}

/**
 * A new lab with the built-in kinds. The tests' labs rehearse the seed scenario by default: the role entry
 * of Set-PartnerApplication exposes -AppOnlyPermissions (`lab init --app-only-exposed`), which is not the
 * documented state of 2016, 2019 or SE; tests of the default organisation say `appOnlyExposed: false`.
 */
export function initLab(dir: string, opts: { servers: readonly string[]; build?: string; appOnlyExposed?: boolean }, registry: Registry = REGISTRY): Promise<void> {
  return initLabWith(dir, { appOnlyExposed: true, ...opts }, registry);
}

/**
 * The Guid of each partner application of a new lab (from the capture it is made of, fixture E19
 * GetPartnerApplication.xml), so that a test can send Set-PartnerApplication's request as the engine does:
 * by Guid, with the ApplicationIdentifier and Realm it must still have.
 */
let captured: readonly { Guid: string; ApplicationIdentifier: string; Realm: string }[] | undefined;
export function labApp(applicationIdentifier: string): { guid: string; applicationIdentifier: string; realm: string; key: string } {
  captured ??= parseClixml(readFileSync(capturePath('E19/GetPartnerApplication.xml'), 'utf8')).map((o) => ({
    Guid: String(o.props.Guid),
    ApplicationIdentifier: String(o.props.ApplicationIdentifier),
    Realm: typeof o.props.Realm === 'string' ? o.props.Realm : '',
  }));
  const app = captured.find((a) => a.ApplicationIdentifier.toLowerCase() === applicationIdentifier.toLowerCase() && a.Realm === '');
  // An application the lab does not have: a Guid no object has, so the target's refusal is what is tested.
  const guid = app?.Guid ?? '00000000-0000-0000-0000-00000000dead';
  return { guid, applicationIdentifier: app?.ApplicationIdentifier ?? applicationIdentifier, realm: '', key: applicationIdentifier.toLowerCase() };
}
/** Set-PartnerApplication's request for a lab application, as the engine sends it. */
export const appRequest = (applicationIdentifier: string, update: PartnerApplicationUpdate): PartnerApplicationRequest => ({ ...labApp(applicationIdentifier), update });

/** What the session asks each kind to read, for tests that call a target's reads by hand. */
export const ORG = { partnerApplication: {} } as const;
export const files = (...f: string[]) => ({ webConfig: { files: f } });

/**
 * A target seen through the calls the kinds of the quick start make: the organisation read with the
 * partner applications, a server read of web.config files, Set-PartnerApplication, a write of files.
 * Thin: each is one call of the Target interface with the kind's request, as the session makes it.
 */
export function kindCalls<T extends Target>(target: T) {
  const calls = {
    target,
    async readOrganization() {
      const org = await target.readOrganization(ORG);
      const apps = org.resources.partnerApplication as PartnerApplicationsLive;
      return { ...org, partnerApplications: apps.applications, setPartnerApplicationParameters: apps.parameters, partnerApplicationOriginals: apps.originals };
    },
    async readServer(server: ExchangeServer, f: readonly string[]) {
      const state = await target.readServer(server, f.length > 0 ? files(...f) : {});
      return { ...state, files: f.length > 0 ? (state.resources.webConfig as WebConfigLive).files : {} };
    },
    setPartnerApplication: (applicationIdentifier: string, update: PartnerApplicationUpdate) =>
      target.setOrganization('partnerApplication', appRequest(applicationIdentifier, update)) as Promise<void>,
    writeFiles: async (server: ExchangeServer, writes: readonly WebConfigRequest[]) =>
      (await target.setServer(server, writes.map((request) => ({ kind: 'webConfig', request })))) as WebConfigResult[],
  };
  // Target objects are plain objects whose methods use no `this`: the rest of the interface is kept as is.
  return { ...(target as Omit<T, keyof typeof calls>), ...calls };
}

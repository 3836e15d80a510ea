/**
 * export: a spec that describes the live state of the resources the given spec manages. Planning the
 * exported spec against the same organisation shows no changes. Pure: (spec, live) -> spec object.
 */
import { DEFAULT_SEPARATOR } from '../domain/exchange';
import type { LiveState } from '../engine/live';
import { matchPartnerApplication, PROPERTY_MAP } from '../plan/partner-applications';
import type { LoadedSpec, PartnerApplicationSpec, Spec, WebConfigSpec } from '../spec/types';
import { decodeWebConfig, readAppSettings } from '../webconfig/appsettings';
import { relative } from 'node:path';

export function exportSpec(loaded: LoadedSpec, live: LiveState, outDir: string): Record<string, unknown> {
  const spec = loaded.spec;
  const target =
    'lab' in spec.target
      ? { lab: relPath(outDir, spec.target.lab) }
      : { powershell: { ...spec.target.powershell, ...(spec.target.powershell.lab ? { lab: relPath(outDir, spec.target.powershell.lab) } : {}) } };
  const partnerApplications = (spec.partnerApplications ?? []).flatMap((entry) => {
    const app = matchPartnerApplication(entry, live.organization.partnerApplications);
    if (!app) return [];
    const out: Record<string, unknown> = { name: app.Name, applicationIdentifier: app.ApplicationIdentifier };
    for (const [key, prop] of PROPERTY_MAP) {
      if (key === 'name' || entry[key] === undefined) continue;
      const value = app[prop];
      out[key] = Array.isArray(value) ? [...value] : value;
    }
    return [out as PartnerApplicationSpec];
  });
  const webConfigs: WebConfigSpec[] = [];
  for (const wc of spec.webConfigs ?? []) {
    // Servers whose managed values are the same share one entry; others get an entry of their own.
    const groups = new Map<string, { servers: string[]; appSettings: Record<string, string> }>();
    for (const server of live.servers) {
      const file = live.serverStates[server.Name].files[wc.file];
      if (file === undefined || !file.exists) continue;
      const settings = new Map(readAppSettings(decodeWebConfig(file.bytes, wc.file), wc.file).map((s) => [s.key.toUpperCase(), s.value]));
      const appSettings: Record<string, string> = {};
      for (const key of Object.keys(wc.appSettings)) {
        const value = settings.get(key.toUpperCase());
        if (value !== undefined) appSettings[key] = value;
      }
      const id = JSON.stringify(appSettings);
      const group = groups.get(id) ?? { servers: [], appSettings };
      group.servers.push(server.Name);
      groups.set(id, group);
    }
    const onlyOne = groups.size === 1 && [...groups.values()][0].servers.length === live.servers.length;
    for (const g of groups.values()) {
      if (Object.keys(g.appSettings).length === 0) continue;
      webConfigs.push({ file: wc.file, ...(onlyOne ? {} : { servers: g.servers }), appSettings: g.appSettings });
    }
  }
  const result: Record<string, unknown> = {
    apiVersion: spec.apiVersion,
    kind: spec.kind,
    target,
    servers: spec.servers === 'all' ? 'all' : [...spec.servers],
  };
  if (partnerApplications.length) result.partnerApplications = partnerApplications;
  if (webConfigs.length) result.webConfigs = webConfigs;
  if (spec.restart) result.restart = spec.restart;
  return result satisfies Partial<Record<keyof Spec, unknown>>;
}

function relPath(from: string, to: string): string {
  const r = relative(from, to) || '.';
  return r.startsWith('.') ? r : `./${r}`;
}

export const EXPORT_SEPARATOR_NOTE = `# Values are exact: list edits (include/exclude, separator ${DEFAULT_SEPARATOR}) are exported as the whole value.`;

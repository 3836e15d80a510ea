/**
 * planRollback(originals, live) -> Plan: the changes that put back what hybridcfg first found. Pure,
 * like the spec planner, so rollback shows its plan with the same renderer and applies it with the
 * same engine. Sources of the originals (docs/safety.md):
 *  - web.config: `hybridcfg/original/<file>` on each server, read in the same call as the file itself;
 *    restored byte for byte;
 *  - partner applications: the values the target recorded before hybridcfg first changed each property.
 * Only what hybridcfg changed has an original; everything else is left alone, so a second rollback
 * plans nothing.
 */
import { createHash } from 'node:crypto';
import { DiagnosticError, warning, type Diagnostic } from '../diag/diagnostic';
import type { LiveState } from '../engine/live';
import type { LoadedSpec } from '../spec/types';
import { originalOf, type PartnerApplicationUpdate, type SettablePartnerApplicationProperty } from '../targets/types';
import { decodeWebConfig, readAppSettings } from '../webconfig/appsettings';
import { samePermissionSet } from './partner-applications';
import { assemblePlan, canonicalJson, planRestarts, type PlanContext } from './planner';
import type { AppSettingChange, AttributeChange, FileEdit, PartnerApplicationChange, Plan } from './types';
import { appSettingAddress, sha256 } from './web-configs';

function same(prop: string, a: unknown, b: unknown): boolean {
  if (prop === 'ActAsPermissions' || prop === 'AppOnlyPermissions') return samePermissionSet(a as string[] | null, b as string[] | null);
  return JSON.stringify(a) === JSON.stringify(b);
}

/** appSetting differences between the live text and the original's, for people; the restore is the whole file. */
function settingChanges(server: string, file: string, live: Buffer, original: Buffer, diagnostics: Diagnostic[]): AppSettingChange[] {
  const label = `${server}:${file}`;
  try {
    const now = new Map(readAppSettings(decodeWebConfig(live, label), label).map((s) => [s.key, s.value]));
    const then = new Map(readAppSettings(decodeWebConfig(original, label), label).map((s) => [s.key, s.value]));
    const out: AppSettingChange[] = [];
    for (const key of new Set([...now.keys(), ...then.keys()])) {
      const before = now.get(key) ?? null;
      const after = then.get(key);
      if (before === (after ?? null)) continue;
      if (after === undefined) {
        diagnostics.push(
          warning('rollback.key-removed', `Restoring ${file} on ${server} removes appSetting "${key}", which the original did not have.`, 'The plan shows its value becoming "": the whole original file is written back.'),
        );
      }
      out.push({ kind: 'appSetting', address: appSettingAddress(server, file, key), action: before === null ? 'create' : 'update', server, file, key, before, after: after ?? '' });
    }
    return out;
  } catch (err) {
    if (!(err instanceof DiagnosticError)) throw err;
    // A file hybridcfg cannot read (a CU rewrote it oddly) is still restored byte for byte.
    diagnostics.push(warning('rollback.unreadable', `${file} on ${server} differs from its original and cannot be compared setting by setting.`, err.diagnostics.map((d) => d.summary).join('; ')));
    return [];
  }
}

export function planRollback(loaded: LoadedSpec, live: LiveState, ctx: PlanContext): Plan {
  const diagnostics: Diagnostic[] = [];
  const changes: (PartnerApplicationChange | AppSettingChange)[] = [];
  const fileEdits: FileEdit[] = [];
  const read: Record<string, Record<string, string>> = {};

  const originals = live.organization.partnerApplicationOriginals;
  if (originals === undefined) {
    diagnostics.push(warning('rollback.no-partner-application-originals', 'This target does not record partner application originals; only web.config files are restored.'));
  }
  for (const [id, values] of Object.entries(originals ?? {})) {
    const app = live.organization.partnerApplications.find((a) => a.ApplicationIdentifier.toLowerCase() === id.toLowerCase());
    if (!app) {
      diagnostics.push(warning('rollback.partner-application-gone', `Partner application ${id} has a recorded original but no longer exists; it is not recreated.`));
      continue;
    }
    const attributes: AttributeChange[] = [];
    const update: PartnerApplicationUpdate = {};
    for (const [prop, value] of Object.entries(values) as [SettablePartnerApplicationProperty, unknown][]) {
      if (same(prop, app[prop], value)) continue;
      attributes.push({ name: prop, before: app[prop], after: value });
      (update as Record<string, unknown>)[prop] = value;
    }
    if (attributes.length === 0) continue;
    changes.push({ kind: 'partnerApplication', address: `partnerApplication["${app.ApplicationIdentifier}"]`, action: 'update', applicationIdentifier: app.ApplicationIdentifier, name: app.Name, attributes, update });
  }

  for (const server of live.servers) {
    const state = live.serverStates[server.Name];
    read[server.Name] = {};
    for (const wc of loaded.spec.webConfigs ?? []) {
      const now = state.files[wc.file];
      const original = state.files[originalOf(wc.file)];
      if (now === undefined || original === undefined || !original.exists) continue;
      read[server.Name][wc.file] = now.exists ? now.sha256 : 'missing';
      if (!now.exists) {
        diagnostics.push(warning('rollback.file-missing', `${wc.file} no longer exists on ${server.Name}; hybridcfg does not recreate it.`));
        continue;
      }
      if (now.sha256 === original.sha256) continue;
      changes.push(...settingChanges(server.Name, wc.file, now.bytes, original.bytes, diagnostics));
      fileEdits.push({ server: server.Name, file: wc.file, beforeSha256: now.sha256, afterSha256: sha256(original.bytes), afterBase64: original.bytes.toString('base64') });
    }
  }

  const appNames = changes.flatMap((c) => (c.kind === 'partnerApplication' ? [c.name] : []));
  const restarts = planRestarts(loaded, live, appNames, fileEdits, 'restored');

  const fingerprint = createHash('sha256')
    .update(canonicalJson({ rollback: true, servers: live.servers.map((s) => s.Name), partnerApplications: live.organization.partnerApplications, originals, files: read }))
    .digest('hex');
  return assemblePlan(loaded, live, ctx, { changes, fileEdits, restarts, warnings: diagnostics, fingerprint });
}

/**
 * Desired appSettings per server and file, diffed against the live web.config bytes. Pure: the new
 * bytes are computed here with the byte-preserving patcher, so that the plan shows and carries exactly
 * what apply will write.
 */
import { createHash } from 'node:crypto';
import { DiagnosticError, error, type Diagnostic } from '../diag/diagnostic';
import { DEFAULT_SEPARATOR } from '../domain/exchange';
import { editTokens } from '../domain/tokens';
import type { AppSettingSpec, LoadedSpec } from '../spec/types';
import type { ExchangeServer, ServerState } from '../targets/types';
import { decodeWebConfig, encodeWebConfig, readAppSettings, setAppSetting } from '../webconfig/appsettings';
import type { AppSettingChange, FileEdit } from './types';

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The value a setting should have, given its current value (null when the key is absent). */
export function desiredAppSetting(spec: AppSettingSpec, current: string | null): string {
  if (typeof spec === 'string') return spec;
  return editTokens(current ?? '', spec, spec.separator ?? DEFAULT_SEPARATOR);
}

export function appSettingAddress(server: string, file: string, key: string): string {
  return `server["${server}"].webConfig["${file}"].appSetting["${key}"]`;
}

interface FileEditResult {
  readonly settings: readonly Pick<AppSettingChange, 'action' | 'key' | 'before' | 'after'>[];
  readonly after?: Pick<FileEdit, 'afterSha256' | 'afterBase64'>;
}

/** The appSetting changes one spec entry makes to one file's bytes, and the new bytes if any. */
function editFile(bytes: Buffer, appSettings: Readonly<Record<string, AppSettingSpec>>, label: string): FileEditResult {
  const text = decodeWebConfig(bytes, label);
  // .NET reads appSettings keys case-insensitively [?], and so do the patcher's lookups: match alike.
  const current = new Map(readAppSettings(text, label).map((s) => [s.key.toUpperCase(), s.value]));
  const settings: FileEditResult['settings'][number][] = [];
  let next = text;
  for (const [key, setting] of Object.entries(appSettings)) {
    const before = current.get(key.toUpperCase()) ?? null;
    const after = desiredAppSetting(setting, before);
    if (before === after) continue;
    next = setAppSetting(next, key, after, label);
    settings.push({ action: before === null ? 'create' : 'update', key, before, after });
  }
  if (next === text) return { settings };
  const out = encodeWebConfig(next);
  return { settings, after: { afterSha256: sha256(out), afterBase64: out.toString('base64') } };
}

export interface WebConfigPlan {
  readonly changes: AppSettingChange[];
  readonly fileEdits: FileEdit[];
  readonly diagnostics: Diagnostic[];
  /** server -> file -> sha256 (or "missing"), for the fingerprint. */
  readonly read: Record<string, Record<string, string>>;
}

export function planWebConfigs(
  loaded: LoadedSpec,
  servers: readonly ExchangeServer[],
  states: Readonly<Record<string, ServerState>>,
): WebConfigPlan {
  const changes: AppSettingChange[] = [];
  const fileEdits: FileEdit[] = [];
  const diagnostics: Diagnostic[] = [];
  const read: Record<string, Record<string, string>> = {};
  const edits = new Map<string, FileEditResult>();
  for (const server of servers) {
    const state = states[server.Name];
    read[server.Name] = {};
    (loaded.spec.webConfigs ?? []).forEach((wc, i) => {
      const file = state.files[wc.file];
      if (file === undefined) return; // this entry does not apply to this server
      const pointer = `/webConfigs/${i}`;
      const where = `${state.installPath}${wc.file}`;
      if (!file.exists) {
        read[server.Name][wc.file] = 'missing';
        diagnostics.push(
          error(
            'plan.file-missing',
            `${wc.file} does not exist on ${server.Name} (${where}).`,
            'hybridcfg edits the web.config files Exchange setup installs; it never creates one. Check the path ' +
              '(relative to ExchangeInstallPath) and that the virtual directory exists on this server, or narrow ' +
              'this entry with `servers:`.',
            { source: loaded.locate(`${pointer}/file`), path: `${pointer}/file` },
          ),
        );
        return;
      }
      read[server.Name][wc.file] = file.sha256;
      const label = `${server.Name}:${where}`;
      try {
        // Servers on the same build carry byte-identical files: compute each (file, entry) edit once.
        const cacheKey = `${i}\u0000${file.sha256}`;
        let edit = edits.get(cacheKey);
        if (edit === undefined) {
          edit = editFile(file.bytes, wc.appSettings, label);
          edits.set(cacheKey, edit);
        }
        for (const c of edit.settings) {
          changes.push({ kind: 'appSetting', address: appSettingAddress(server.Name, wc.file, c.key), server: server.Name, file: wc.file, ...c });
        }
        if (edit.after !== undefined) {
          fileEdits.push({ server: server.Name, file: wc.file, beforeSha256: file.sha256, ...edit.after });
        }
      } catch (err) {
        if (!(err instanceof DiagnosticError)) throw err;
        diagnostics.push(...err.diagnostics);
      }
    });
  }
  return { changes, fileEdits, diagnostics, read };
}

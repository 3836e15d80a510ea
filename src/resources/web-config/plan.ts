/**
 * Desired appSettings per server and file, diffed against the live web.config bytes. Pure: the new
 * bytes are computed here with the byte-preserving patcher, so that the plan shows what apply will
 * write; apply computes them again from the bytes on the server and refuses when they differ.
 */
import { DiagnosticError, error, fail, warning, type Diagnostic } from '../../diag/diagnostic';
import { DEFAULT_SEPARATOR, KNOWN_PROFILES, PROFILES_KEY } from '../../domain/exchange';
import { editTokens } from '../../domain/tokens';
import { ordinalIgnoreCaseKey } from '../../domain/dotnet';
import { sha256 } from '../../util/hash';
import { decodeWebConfig, encodeWebConfig, readAppSettings, removeAppSetting, setAppSetting } from '../../webconfig/appsettings';
import { lineDiff } from '../../util/diff';
import type { AttributeChange, Change, KindContext, KindPlan, PlanInput } from '../types';
import { resolveServers } from '../scope';
import type { AppSettingSpec, FileRead, SettingEdit, WebConfigChangeData, WebConfigLive, WebConfigQuery, WebConfigRequest, WebConfigSpec } from './types';

export const KIND = 'webConfig';
export type WebConfigChange = Change<WebConfigChangeData>;
export type Input = PlanInput<WebConfigSpec, never, WebConfigLive>;

/** Where a kind keeps the first original of a file, relative to ExchangeInstallPath. */
export const ORIGINALS_FOLDER = 'hybridcfg/original';

export function addressOf(server: string, file: string): string {
  return `server["${server}"].webConfig["${file}"]`;
}

/** The value a setting should have, given its current value (null when the key is absent). */
export function desiredAppSetting(spec: AppSettingSpec, current: string | null): string {
  if (typeof spec === 'string') return spec;
  return editTokens(current ?? '', spec, spec.separator ?? DEFAULT_SEPARATOR);
}

/** The spec entries that apply to a server (the spec's servers, narrowed by each entry's own). */
export function entriesFor(ctx: KindContext<WebConfigSpec>, server: string): { readonly entry: WebConfigSpec; readonly index: number }[] {
  return ctx.entries.flatMap((entry, index) => {
    if (entry.servers === undefined || entry.servers === 'all') return [{ entry, index }];
    return entry.servers.some((s) => s.toUpperCase() === server.toUpperCase()) ? [{ entry, index }] : [];
  });
}

/** Unknown server names in the entries' `servers:` are errors before any server is read. */
export function checkScope(ctx: KindContext<WebConfigSpec>): Diagnostic[] {
  return ctx.entries.flatMap((wc, i) =>
    wc.servers === undefined || wc.servers === 'all' ? [] : resolveServers(wc.servers, ctx.known, ctx, `${ctx.pointer}/${i}/servers`).diagnostics,
  );
}

export function serverQuery(ctx: KindContext<WebConfigSpec>, server: { readonly Name: string }, purpose: string): WebConfigQuery | undefined {
  const files = entriesFor(ctx, server.Name).map((e) => e.entry.file);
  if (files.length === 0) return undefined;
  return purpose === 'rollback' ? { files, originals: true } : { files };
}

function settingAttribute(edit: SettingEdit, spec: AppSettingSpec | undefined): AttributeChange {
  // Shown as a token list when it is one: OAuthHttpModule.Profiles, or a list edit in the spec. Exact
  // values of other keys are shown as text.
  const separator = spec !== undefined && typeof spec !== 'string' ? (spec.separator ?? DEFAULT_SEPARATOR) : DEFAULT_SEPARATOR;
  const tokens = edit.key === PROFILES_KEY || (spec !== undefined && typeof spec !== 'string');
  return {
    name: edit.key,
    action: edit.action,
    before: edit.before,
    after: edit.after,
    format: tokens ? 'tokens' : 'text',
    ...(tokens ? { separator } : {}),
    ...(edit.key === PROFILES_KEY ? { knownTokens: KNOWN_PROFILES } : {}),
  };
}

function webConfigChange(server: string, data: WebConfigChangeData, appSettings: WebConfigSpec['appSettings'] | undefined, restart: boolean): WebConfigChange {
  const verb = data.source === 'edit' ? 'changed' : 'restored';
  return {
    kind: KIND,
    address: addressOf(server, data.file),
    action: 'update',
    reason: data.source === 'edit' ? 'spec' : data.source === 'original' ? 'rollback' : 'undo',
    server,
    title: data.file,
    attributes: data.settings.map((s) => settingAttribute(s, appSettings?.[s.key])),
    effects: restart ? [{ type: 'restart', servers: [server], why: `web.config ${verb}: ${data.file}`, assumption: 'web-config-restart', files: [data.file] }] : [],
    digest: { before: data.beforeSha256, after: data.afterSha256 },
    data,
  };
}

interface FileEdit {
  readonly settings: readonly SettingEdit[];
  readonly after?: { readonly bytes: Buffer; readonly sha256: string };
}

/** The appSetting changes one spec entry makes to one file's bytes, and the new bytes if any. */
function editFile(bytes: Buffer, appSettings: Readonly<Record<string, AppSettingSpec>>, label: string, caseInsensitive: boolean): FileEdit {
  const text = decodeWebConfig(bytes, label);
  const norm = (k: string) => (caseInsensitive ? ordinalIgnoreCaseKey(k) : k);
  const options = { caseSensitiveKeys: !caseInsensitive };
  const current = new Map(readAppSettings(text, label, options).map((s) => [norm(s.key), s.value]));
  const settings: SettingEdit[] = [];
  let next = text;
  for (const [key, setting] of Object.entries(appSettings)) {
    const before = current.get(norm(key)) ?? null;
    const after = desiredAppSetting(setting, before);
    if (before === after) continue;
    next = setAppSetting(next, key, after, label, options);
    settings.push({ action: before === null ? 'create' : 'update', key, before, after });
  }
  if (next === text) return { settings };
  const out = encodeWebConfig(next);
  return { settings, after: { bytes: out, sha256: sha256(out) } };
}

/** A file's new bytes: its settings applied to `bytes` (the same patcher and options as the plan). */
export function applySettings(bytes: Buffer, settings: readonly SettingEdit[], label: string, caseInsensitive: boolean): Buffer {
  let text = decodeWebConfig(bytes, label);
  const options = { caseSensitiveKeys: !caseInsensitive };
  for (const s of settings) text = s.after === null ? removeAppSetting(text, s.key, label, options) : setAppSetting(text, s.key, s.after, label, options);
  return encodeWebConfig(text);
}

export function planWebConfigs(input: Input): KindPlan<WebConfigChangeData> {
  const changes: WebConfigChange[] = [];
  const diagnostics: Diagnostic[] = [];
  const read: Record<string, Record<string, string>> = {};
  const caseInsensitive = input.assumptions.get('app-setting-keys-case-insensitive');
  const restart = input.assumptions.get('web-config-restart');
  // Servers on the same build carry byte-identical files: compute each (entry, file) edit once.
  const edits = new Map<string, FileEdit>();
  for (const server of input.servers) {
    const live = input.server(server.Name);
    if (live === undefined) continue;
    read[server.Name] = {};
    for (const { entry: wc, index: i } of entriesFor(input, server.Name)) {
      const file = live.files[wc.file];
      if (file === undefined) continue;
      const pointer = `${input.pointer}/${i}`;
      const where = `${input.live.serverStates[server.Name]?.installPath ?? ''}${wc.file}`;
      if (!file.exists) {
        read[server.Name][wc.file] = 'missing';
        diagnostics.push(
          error(
            'plan.file-missing',
            `${wc.file} does not exist on ${server.Name} (${where}).`,
            'hybridcfg edits the web.config files Exchange setup installs; it never creates one. Check the path ' +
              '(relative to ExchangeInstallPath) and that the virtual directory exists on this server, or narrow ' +
              'this entry with `servers:`.',
            { source: input.locate(`${pointer}/file`), path: `${pointer}/file` },
          ),
        );
        continue;
      }
      read[server.Name][wc.file] = file.sha256;
      const label = `${server.Name}:${where}`;
      try {
        const cacheKey = `${i}\u0000${file.sha256}`;
        let edit = edits.get(cacheKey);
        if (edit === undefined) {
          edit = editFile(file.bytes, wc.appSettings, label, caseInsensitive);
          edits.set(cacheKey, edit);
        }
        if (edit.after === undefined) continue;
        changes.push(
          webConfigChange(
            server.Name,
            { file: wc.file, beforeSha256: file.sha256, afterSha256: edit.after.sha256, source: 'edit', settings: edit.settings },
            wc.appSettings,
            restart,
          ),
        );
      } catch (err) {
        if (!(err instanceof DiagnosticError)) throw err;
        diagnostics.push(...err.diagnostics);
      }
    }
  }
  return { changes, diagnostics, read };
}

/**
 * Why a first original may not be trusted, if it may not: its bytes must hash to the sha256 recorded
 * beside it when it was made (from the bytes in memory, before the original was written), and read as a
 * web.config. A short original (a full disk, a kill, an older hybridcfg) or one edited since is refused.
 */
function originalProblem(server: string, file: string, original: Extract<FileRead, { exists: true }>, input: Input): Diagnostic | undefined {
  const at = `${input.live.serverStates[server]?.installPath ?? ''}${ORIGINALS_FOLDER}/${file}`;
  const how =
    'Nothing was restored. Compare it with the backups in hybridcfg/backup/ (each named by its time) and the ' +
    'journal (hybridcfg/journal.jsonl: each run lists every file\'s sha256 before it changed it). If you know the ' +
    'original is right, write its sha256 into the .sha256 file beside it; otherwise restore the file by hand.';
  if (original.recordedSha256 === undefined || original.recordedSha256 === null) {
    return error('rollback.original-unverified', `The first original of ${file} on ${server} (${at}) has no recorded sha256, so hybridcfg cannot tell whether it is whole.`, how);
  }
  if (original.recordedSha256 !== original.sha256) {
    return error(
      'rollback.original-damaged',
      `The first original of ${file} on ${server} (${at}) is damaged: its sha256 is ${original.sha256}, ${original.recordedSha256} was recorded when it was made.`,
      how,
    );
  }
  try {
    readAppSettings(decodeWebConfig(original.bytes, `${server}:${at}`), `${server}:${at}`);
  } catch (err) {
    if (!(err instanceof DiagnosticError)) throw err;
    return error('rollback.original-unreadable', `The first original of ${file} on ${server} (${at}) does not read as a web.config: ${err.diagnostics.map((d) => d.summary).join('; ')}.`, how);
  }
  return undefined;
}

/**
 * hybridcfg's own edits of a file, reversed on its current bytes: each key the spec manages gets the value
 * it had in the first original (an update, or a create when something removed it since), and a key the
 * original did not have is removed. Nothing else in the file changes, so whatever else happened to it
 * since (a CU, another tool, a person) stays. Throws a DiagnosticError when the files cannot be read.
 */
function reverseEdits(now: Buffer, original: Buffer, keys: readonly string[], label: string, caseInsensitive: boolean): FileEdit {
  const options = { caseSensitiveKeys: !caseInsensitive };
  const norm = (k: string) => (caseInsensitive ? ordinalIgnoreCaseKey(k) : k);
  const text = decodeWebConfig(now, label);
  const current = new Map(readAppSettings(text, label, options).map((x) => [norm(x.key), x]));
  const then = new Map(readAppSettings(decodeWebConfig(original, `${label} (first original)`), `${label} (first original)`, options).map((x) => [norm(x.key), x.value]));
  const settings: SettingEdit[] = [];
  let next = text;
  for (const key of keys) {
    const live = current.get(norm(key));
    const before = live?.value ?? null;
    const after = then.get(norm(key)) ?? null;
    if (before === after) continue;
    if (after === null) {
      next = removeAppSetting(next, live!.key, label, options);
      settings.push({ key: live!.key, action: 'delete', before, after: null });
    } else {
      next = setAppSetting(next, live?.key ?? key, after, label, options);
      settings.push({ key: live?.key ?? key, action: before === null ? 'create' : 'update', before, after });
    }
  }
  if (next === text) return { settings };
  const out = encodeWebConfig(next);
  return { settings, after: { bytes: out, sha256: sha256(out) } };
}

/** The refusal when hybridcfg's edits cannot be reversed exactly: what failed, and the whole difference. */
function cannotReverse(server: string, file: string, now: Buffer, original: Buffer, err: DiagnosticError): Diagnostic {
  const text = (b: Buffer) => b.toString('utf8').replace(/^\uFEFF/, '');
  return error(
    'rollback.cannot-reverse',
    `hybridcfg cannot put back its own edits of ${file} on ${server} exactly: ${err.diagnostics.map((d) => d.summary.replace(/\.$/, '')).join('; ')}.`,
    'Nothing was restored, on any server. The whole difference between the first original (-) and the file now (+):\n' +
      lineDiff(text(original), text(now))
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n') +
      '\nRepair the file so that hybridcfg can read it (or edit the values back by hand), then run rollback again.',
  );
}

/**
 * Each web.config gets back the values its first original had for the keys the spec manages
 * (docs/safety.md): hybridcfg reverses its own edits on the file as it is now, never writes a whole old
 * file over later changes, and refuses (showing the whole difference) when it cannot do that exactly.
 */
export function rollbackWebConfigs(input: Input): KindPlan<WebConfigChangeData> {
  const diagnostics: Diagnostic[] = [];
  const changes: WebConfigChange[] = [];
  const read: Record<string, Record<string, string>> = {};
  const restart = input.assumptions.get('web-config-restart');
  const caseInsensitive = input.assumptions.get('app-setting-keys-case-insensitive');
  for (const server of input.servers) {
    const live = input.server(server.Name);
    if (live === undefined) continue;
    read[server.Name] = {};
    for (const { entry: wc } of entriesFor(input, server.Name)) {
      const now = live.files[wc.file];
      const original = live.originals?.[wc.file];
      if (now === undefined || original === undefined || !original.exists) continue;
      read[server.Name][wc.file] = now.exists ? `${now.sha256}:${original.sha256}` : 'missing';
      if (!now.exists) {
        diagnostics.push(warning('rollback.file-missing', `${wc.file} no longer exists on ${server.Name}; hybridcfg does not recreate it.`));
        continue;
      }
      const damaged = originalProblem(server.Name, wc.file, original, input);
      if (damaged) {
        diagnostics.push(damaged);
        continue;
      }
      let edit: FileEdit;
      try {
        edit = reverseEdits(now.bytes, original.bytes, Object.keys(wc.appSettings), `${server.Name}:${wc.file}`, caseInsensitive);
      } catch (err) {
        if (!(err instanceof DiagnosticError)) throw err;
        diagnostics.push(cannotReverse(server.Name, wc.file, now.bytes, original.bytes, err));
        continue;
      }
      if (edit.after === undefined) continue;
      changes.push(webConfigChange(server.Name, { file: wc.file, beforeSha256: now.sha256, afterSha256: edit.after.sha256, source: 'original', settings: edit.settings }, undefined, restart));
    }
  }
  return { changes, diagnostics, read };
}

/** The change that puts the pre-apply bytes back (onFailure: rollback within a run). */
export function undoWebConfig(change: WebConfigChange, input: Input): WebConfigChange {
  const d = change.data;
  return webConfigChange(
    change.server!,
    {
      file: d.file,
      beforeSha256: d.afterSha256,
      afterSha256: d.beforeSha256,
      source: 'preApply',
      settings: d.settings.map((s) => ({ key: s.key, action: s.before === null ? 'delete' : s.after === null ? 'create' : 'update', before: s.after, after: s.before })),
    },
    undefined,
    input.assumptions.get('web-config-restart'),
  );
}

/** The bytes to write, computed from the live state read for this run; refused when they are not the planned ones. */
export function webConfigRequest(change: WebConfigChange, input: Input): WebConfigRequest {
  const d = change.data;
  const server = change.server!;
  const live = input.server(server);
  const current = live?.files[d.file];
  const label = `${server}:${d.file}`;
  let bytes: Buffer | undefined;
  if (d.source === 'edit') {
    if (current?.exists && current.sha256 === d.beforeSha256) {
      bytes = applySettings(current.bytes, d.settings, label, input.assumptions.get('app-setting-keys-case-insensitive'));
    }
  } else if (d.source === 'original') {
    // The same reversal as the rollback plan, from the file and its verified original read for this run.
    const original = live?.originals?.[d.file];
    if (current?.exists && current.sha256 === d.beforeSha256 && original?.exists && originalProblem(server, d.file, original, input) === undefined) {
      const entry = input.entries.find((e) => e.file === d.file);
      try {
        bytes = reverseEdits(current.bytes, original.bytes, Object.keys(entry?.appSettings ?? {}), label, input.assumptions.get('app-setting-keys-case-insensitive')).after?.bytes;
      } catch (err) {
        if (!(err instanceof DiagnosticError)) throw err;
      }
    }
  } else if (current?.exists) {
    bytes = current.bytes;
  }
  if (bytes === undefined || sha256(bytes) !== d.afterSha256) {
    fail(
      'apply.bytes-differ',
      `The new bytes of ${d.file} on ${server} are not the ones the plan was made with.`,
      'Nothing was written to this file. The file or the spec changed since the plan: run plan again and review it.',
    );
  }
  return { file: d.file, bytes, expectedSha256: d.beforeSha256 };
}

/** Entries that describe the live values of what the spec's entries manage (servers whose values differ get their own). */
export function exportWebConfigs(input: Input): WebConfigSpec[] {
  const out: WebConfigSpec[] = [];
  for (const wc of input.entries) {
    const groups = new Map<string, { servers: string[]; appSettings: Record<string, string> }>();
    let count = 0;
    for (const server of input.servers) {
      const file = input.server(server.Name)?.files[wc.file];
      if (file === undefined || !file.exists) continue;
      count++;
      const settings = new Map(readAppSettings(decodeWebConfig(file.bytes, wc.file), wc.file).map((s) => [ordinalIgnoreCaseKey(s.key), s.value]));
      const appSettings: Record<string, string> = {};
      for (const key of Object.keys(wc.appSettings)) {
        const value = settings.get(ordinalIgnoreCaseKey(key));
        if (value !== undefined) appSettings[key] = value;
      }
      const id = JSON.stringify(appSettings);
      const group = groups.get(id) ?? { servers: [], appSettings };
      group.servers.push(server.Name);
      groups.set(id, group);
    }
    const onlyOne = groups.size === 1 && count === input.servers.length;
    for (const g of groups.values()) {
      if (Object.keys(g.appSettings).length === 0) continue;
      out.push({ file: wc.file, ...(onlyOne ? {} : { servers: g.servers }), appSettings: g.appSettings });
    }
  }
  return out;
}

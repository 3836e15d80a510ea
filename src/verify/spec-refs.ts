/**
 * Points a fix at the spec entry that makes it: the Graph partner application's appOnlyPermissions and
 * the REST front end's OAuthHttpModule.Profiles. When the spec lacks the entry, the text says what to add.
 */
import { GRAPH_APPLICATION_IDENTIFIER, PROFILES_KEY, REST_FRONTEND_WEB_CONFIG } from '../domain/exchange';
import { splitTokens } from '../domain/tokens';
import type { PartnerApplicationSpec } from '../resources/partner-application/types';
import type { WebConfigSpec } from '../resources/web-config/types';
import type { LoadedSpec } from '../spec/types';
import type { SpecRef } from './types';

/** The profile the app-only fix appends to OAuthHttpModule.Profiles (spelling [?], see src/domain/exchange.ts). */
export const APP_ONLY_PROFILE = 'V1S2SAppOnly';

/** A fix with the spec places it names. */
export interface Located {
  readonly text: string;
  readonly refs: readonly SpecRef[];
}

export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function specRef(loaded: LoadedSpec, pointer: string): SpecRef {
  const at = loaded.locate(pointer);
  return { pointer, file: loaded.path, ...(at ? { line: at.line, col: at.col } : {}) };
}

/** `file:line:col` when located, else the file and the pointer. */
export function where(ref: SpecRef): string {
  return ref.line !== undefined ? `${ref.file}:${ref.line}:${ref.col}` : `${ref.file} (${ref.pointer})`;
}

/** Only the refs that point at something that is in the file. */
function present(...refs: SpecRef[]): SpecRef[] {
  return refs.filter((r) => r.line !== undefined);
}

function partnerName(applicationIdentifier: string): string {
  return applicationIdentifier.toLowerCase() === GRAPH_APPLICATION_IDENTIFIER
    ? `"Microsoft Graph" (${GRAPH_APPLICATION_IDENTIFIER})`
    : `${applicationIdentifier}`;
}

/** Fix for "the partner application has no AppOnlyPermissions" (x-ms-diagnostics 2000008). */
export function appOnlyPermissionsFix(loaded: LoadedSpec, applicationIdentifier: string): Located {
  const apps = (loaded.spec.partnerApplications ?? []) as readonly PartnerApplicationSpec[];
  const index = apps.findIndex((a) => a.applicationIdentifier?.toLowerCase() === applicationIdentifier.toLowerCase());
  const name = partnerName(applicationIdentifier);
  if (index < 0) {
    return {
      text:
        `The spec does not manage the partner application ${name}. Add to ${loaded.path}:\n` +
        `  partnerApplications:\n` +
        `    - applicationIdentifier: ${applicationIdentifier}\n` +
        `      appOnlyPermissions: { sameAs: actAsPermissions }\n` +
        `then run "hybridcfg plan" and "hybridcfg apply".`,
      refs: present(specRef(loaded, '/partnerApplications')),
    };
  }
  const entry = apps[index];
  if (entry.appOnlyPermissions === undefined || entry.appOnlyPermissions === null) {
    const ref = specRef(loaded, `/partnerApplications/${index}`);
    return {
      text:
        `Add "appOnlyPermissions: { sameAs: actAsPermissions }" to the partner application ${name} at ${where(ref)}` +
        `${entry.appOnlyPermissions === null ? ' (it is set to null there)' : ''}, then run "hybridcfg plan" and "hybridcfg apply".`,
      refs: [ref],
    };
  }
  const ref = specRef(loaded, `/partnerApplications/${index}/appOnlyPermissions`);
  return {
    text:
      `The spec asks for AppOnlyPermissions on ${name} at ${where(ref)}, but Exchange does not have them: ` +
      `run "hybridcfg plan" to see the drift and "hybridcfg apply" to set them, then restart IIS on the front ends.`,
    refs: [ref],
  };
}

function normaliseFile(file: string): string {
  return file.replace(/\\/g, '/').replace(/^\/+/, '').toLowerCase();
}

/** Does the spec's value for OAuthHttpModule.Profiles put V1S2SAppOnly in? */
function ensuresProfile(setting: unknown): boolean {
  if (typeof setting === 'string') return splitTokens(setting, '|').includes(APP_ONLY_PROFILE);
  if (setting && typeof setting === 'object') {
    const s = setting as { include?: readonly string[]; exclude?: readonly string[] };
    return (s.include ?? []).includes(APP_ONLY_PROFILE) && !(s.exclude ?? []).includes(APP_ONLY_PROFILE);
  }
  return false;
}

/**
 * Fix for "the REST front end may not accept app-only tokens": where the spec ensures V1S2SAppOnly in
 * OAuthHttpModule.Profiles, or what to add. `ensured` tells whether the spec already asks for it.
 */
export function appOnlyProfileFix(loaded: LoadedSpec): Located & { readonly ensured: boolean } {
  const configs = (loaded.spec.webConfigs ?? []) as readonly WebConfigSpec[];
  const index = configs.findIndex((w) => normaliseFile(w.file) === normaliseFile(REST_FRONTEND_WEB_CONFIG));
  const key = escapePointerToken(PROFILES_KEY);
  if (index < 0) {
    return {
      ensured: false,
      text:
        `The spec does not manage ${REST_FRONTEND_WEB_CONFIG}. Add to ${loaded.path}:\n` +
        `  webConfigs:\n` +
        `    - file: ${REST_FRONTEND_WEB_CONFIG}\n` +
        `      appSettings:\n` +
        `        ${PROFILES_KEY}: { include: [${APP_ONLY_PROFILE}] }\n` +
        `then run "hybridcfg plan" and "hybridcfg apply" (it restarts IIS where the file changed).`,
      refs: present(specRef(loaded, '/webConfigs')),
    };
  }
  const setting = configs[index].appSettings[PROFILES_KEY];
  if (!ensuresProfile(setting)) {
    const ref =
      setting === undefined ? specRef(loaded, `/webConfigs/${index}`) : specRef(loaded, `/webConfigs/${index}/appSettings/${key}`);
    return {
      ensured: false,
      text:
        `The web.config entry at ${where(ref)} does not put ${APP_ONLY_PROFILE} into ${PROFILES_KEY}: ` +
        `set "${PROFILES_KEY}: { include: [${APP_ONLY_PROFILE}] }" there, then run "hybridcfg plan" and "hybridcfg apply".`,
      refs: [ref],
    };
  }
  const ref = specRef(loaded, `/webConfigs/${index}/appSettings/${key}`);
  return {
    ensured: true,
    text:
      `The spec asks for ${APP_ONLY_PROFILE} in ${PROFILES_KEY} at ${where(ref)}: run "hybridcfg plan" to check that ` +
      `no server has lost it (a Cumulative Update overwrites web.config) and that IIS was restarted after the change.`,
    refs: [ref],
  };
}

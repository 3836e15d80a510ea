/**
 * The seed scenario's spec (Graph AppOnlyPermissions, V1S2SAppOnly in the REST web.config) that the
 * safety tests plan and apply on the lab, with their own target, restart section and extra web.config
 * entries. One text for all of them, so that spec line numbers in their assertions mean the same thing.
 */
export const GRAPH = '00000003-0000-0000-c000-000000000000';
export const REST = 'FrontEnd/HttpProxy/rest/web.config';

export interface SeedSpec {
  /** The line under `target:`, indented; default the lab in ./lab. */
  readonly target?: string;
  /** The lines under `restart:`, indented, ending with a newline; default `  mode: iisreset`. */
  readonly restart?: string;
  /** More `webConfigs` entries, as YAML lines ending with a newline. */
  readonly webConfigs?: string;
  /** Lines between the web.config entries and `restart:` (another top-level section). */
  readonly extra?: string;
}

export function seedSpec(o: SeedSpec = {}): string {
  return `apiVersion: hybridcfg/v1
kind: HybridOAuth
target:
${o.target ?? '  lab: ./lab'}
servers: all
partnerApplications:
  - name: Microsoft Graph
    applicationIdentifier: ${GRAPH}
    appOnlyPermissions:
      sameAs: actAsPermissions
webConfigs:
  - file: ${REST}
    appSettings:
      OAuthHttpModule.Profiles:
        include: [V1S2SAppOnly]
${o.webConfigs ?? ''}${o.extra ?? ''}restart:
${o.restart ?? '  mode: iisreset\n'}`;
}

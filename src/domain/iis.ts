/** Which IIS application pools serve a file of a server, from its IIS map (src/targets/iis.ts reads it). */
import type { IisMap } from '../targets/types';

/** The pools serving the folder of a file (`FrontEnd/HttpProxy/rest/web.config` -> MSExchangeRestFrontEndAppPool). */
export function poolsServing(map: IisMap, file: string): readonly string[] {
  const folder = file.replace(/[\\/]+/g, '/').split('/').slice(0, -1).join('/').toLowerCase();
  return [...new Set(map.applications.filter((a) => a.folder.toLowerCase() === folder).map((a) => a.pool))];
}

/**
 * The default of assumption restart-durations (src/assumptions/register.ts; docs/exchange-facts.md
 * #restart-durations [?]): seconds a server is unavailable per iisreset, and per recycled pool. Kept here
 * so that the lab, which models them when a request carries no figure, needs no access to the register.
 */
export const RESTART_DURATION_DEFAULTS = { iisresetSeconds: 60, recycleSeconds: 5 } as const;

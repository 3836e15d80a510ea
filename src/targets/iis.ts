/**
 * Which IIS application pool serves which folder of an Exchange server, from IIS's own configuration
 * (%windir%\System32\inetsrv\config\applicationHost.config): each `<site>`'s `<application path
 * applicationPool>` and its root `<virtualDirectory physicalPath>`; an application without a pool takes the
 * site's `<applicationDefaults>`, then the one under `<sites>` (IIS configuration reference, sites/site/
 * application [H]). Several applications may share a folder (`/owa` and `/owa/Calendar` serve
 * FrontEnd\HttpProxy\owa from two pools: fixture E19 IIS/applicationHost.config [H]): a change to that
 * folder's web.config needs both.
 */
import { XMLParser } from 'fast-xml-parser';
import type { IisMap } from './types';

/** An application as IIS lists it: physicalPath as written (environment variables unexpanded). */
export interface IisApplication {
  readonly site: string;
  readonly path: string;
  readonly pool: string;
  readonly physicalPath: string;
}

export interface IisConfiguration {
  readonly applications: readonly IisApplication[];
  readonly pools: readonly string[];
}

type Node = Record<string, unknown>;
const asList = (v: unknown): readonly Node[] => (v === undefined || v === null ? [] : Array.isArray(v) ? (v as Node[]) : [v as Node]);

/** The applications and pools of an applicationHost.config text; throws on XML that is not one. */
/**
 * The part of applicationHost.config this map needs: `<applicationPools>` and `<sites>` of
 * `<system.applicationHost>`, comments removed, as a document of its own. The whole file (175 KB on the
 * captured server, mostly system.webServer) took most of a one-server plan's start-up to parse; the two
 * sections are a tenth of it. Undefined when the file does not have them as plain elements (then the
 * whole file is parsed).
 */
export function applicationHostSections(text: string): string | undefined {
  const body = text.replace(/^\uFEFF/, '').replace(/<!--[\s\S]*?-->/g, '');
  const start = body.indexOf('<system.applicationHost>');
  const end = body.indexOf('</system.applicationHost>', start);
  if (start < 0 || end < 0) return undefined;
  const host = body.slice(start, end);
  const section = (name: string): string | undefined => {
    const from = host.indexOf(`<${name}>`);
    const to = host.indexOf(`</${name}>`, from);
    return from < 0 || to < 0 ? undefined : host.slice(from, to + name.length + 3);
  };
  const pools = section('applicationPools');
  const sites = section('sites');
  if (pools === undefined || sites === undefined) return undefined;
  return `<configuration><system.applicationHost>${pools}${sites}</system.applicationHost></configuration>`;
}

export function parseApplicationHost(text: string): IisConfiguration {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', processEntities: true });
  const doc = parser.parse(applicationHostSections(text) ?? text.replace(/^\uFEFF/, '')) as Node;
  const host = ((doc.configuration as Node | undefined)?.['system.applicationHost'] as Node | undefined) ?? {};
  const sitesNode = (host.sites as Node | undefined) ?? {};
  const globalDefault = String(((sitesNode.applicationDefaults as Node | undefined)?.['@applicationPool'] as string | undefined) ?? 'DefaultAppPool');
  const applications: IisApplication[] = [];
  for (const site of asList(sitesNode.site)) {
    const siteDefault = ((site.applicationDefaults as Node | undefined)?.['@applicationPool'] as string | undefined) ?? globalDefault;
    for (const app of asList(site.application)) {
      const root = asList(app.virtualDirectory).find((v) => v['@path'] === '/');
      if (!root) continue;
      applications.push({
        site: String(site['@name'] ?? ''),
        path: String(app['@path'] ?? '/'),
        pool: String(app['@applicationPool'] ?? siteDefault),
        physicalPath: String(root['@physicalPath'] ?? ''),
      });
    }
  }
  const poolsNode = (host.applicationPools as Node | undefined) ?? {};
  const pools = asList(poolsNode.add).map((p) => String(p['@name'] ?? '')).filter((p) => p !== '');
  return { applications, pools };
}

/** %NAME% as Windows expands it: names case-insensitive, an unknown name left as it is. */
export function expandEnvironment(text: string, env: Readonly<Record<string, string>>): string {
  return expandWith(text, byLowerName(env));
}

const byLowerName = (env: Readonly<Record<string, string>>): ReadonlyMap<string, string> => new Map(Object.entries(env).map(([k, v]) => [k.toLowerCase(), v]));

function expandWith(text: string, lower: ReadonlyMap<string, string>): string {
  return text.includes('%') ? text.replace(/%([^%]+)%/g, (all, name: string) => lower.get(name.toLowerCase()) ?? all) : text;
}

/**
 * The map of a server: each application's folder relative to ExchangeInstallPath (with `/`, as the
 * spec's web.config paths are), compared case-insensitively as Windows does; applications outside the
 * install path (the site root, RpcProxy) are left out.
 */
export function iisMapOf(config: IisConfiguration, installPath: string, env: Readonly<Record<string, string>> = {}): IisMap {
  const norm = (p: string): string => p.replace(/[\\/]+/g, '/').replace(/\/$/, '');
  const install = norm(installPath).toLowerCase() + '/';
  // The names are looked up once per map, not once per application (a lab plan builds one per server).
  const lower = byLowerName(env);
  const applications = config.applications.flatMap((a) => {
    const full = norm(expandWith(a.physicalPath, lower));
    if (!(full.toLowerCase() + '/').startsWith(install)) return [];
    return [{ site: a.site, path: a.path, folder: full.slice(install.length), pool: a.pool }];
  });
  return { applications, pools: [...config.pools] };
}

export { poolsServing } from '../domain/iis';

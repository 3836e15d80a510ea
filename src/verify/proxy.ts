/**
 * Which proxy verify's HTTPS requests take, from the environment as curl and most tools read it:
 * HTTPS_PROXY / https_proxy name the proxy, NO_PROXY / no_proxy the hosts reached directly. Runners in
 * customer networks often reach Entra ID and Graph only through such a proxy. Pure: the environment is
 * passed in, nothing is resolved or connected here (src/verify/http.ts opens the tunnel).
 */
import { BlockList, isIP } from 'node:net';

export interface ProxySettings {
  /** The proxy URL as given, credentials included (only http.ts sees them; never print this). */
  readonly url: URL;
  /** The variable it came from, so a diagnosis can say what to change. */
  readonly from: string;
  /** The proxy without credentials, to print: `http://proxy.contoso.com:3128`. */
  readonly display: string;
  readonly noProxy: readonly string[];
  /** The variable NO_PROXY came from, when set. */
  readonly noProxyFrom?: string;
}

/** A proxy variable that cannot be used: reported before any request, naming the variable and the fix. */
export class ProxyConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProxyConfigError';
  }
}

/** The first of the names that is set and not empty (lower case first, as curl does for https_proxy). */
function firstSet(env: NodeJS.ProcessEnv, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

/** The proxy settings for verify's requests, or undefined when no proxy is configured. */
export function proxyFromEnv(env: NodeJS.ProcessEnv): ProxySettings | undefined {
  const proxy = firstSet(env, ['https_proxy', 'HTTPS_PROXY']);
  if (!proxy) return undefined;
  // `proxy:3128` without a scheme is common in the wild and means http, as in curl.
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy.value) ? proxy.value : `http://${proxy.value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ProxyConfigError(proxy.name, `${proxy.name} is not a URL: set it to http://HOST:PORT of the proxy (or unset it to connect directly)`);
  }
  if (url.protocol !== 'http:') {
    throw new ProxyConfigError(
      proxy.name,
      `${proxy.name} names a ${url.protocol.replace(/:$/, '')}:// proxy (${url.host}); verify speaks to proxies over http:// with CONNECT only: give the proxy's http:// address`,
    );
  }
  const noProxy = firstSet(env, ['no_proxy', 'NO_PROXY']);
  return {
    url,
    from: proxy.name,
    display: `http://${url.host}`,
    noProxy: noProxy ? noProxy.value.split(/[\s,]+/).filter(Boolean) : [],
    ...(noProxy ? { noProxyFrom: noProxy.name } : {}),
  };
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * Whether a request to this URL goes direct because NO_PROXY lists it. Entries: `*` (everything),
 * a host name, which also matches its subdomains (`contoso.com` and `.contoso.com` both match
 * `login.contoso.com`), an IP address, an IP range in CIDR form (`10.0.0.0/8`, matched only against
 * IP literals: no name is resolved), each optionally with `:port`. Case does not matter.
 */
export function bypassesProxy(target: URL, noProxy: readonly string[]): boolean {
  const host = stripBrackets(target.hostname.toLowerCase());
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  return noProxy.some((raw) => {
    const entry = splitEntry(raw.toLowerCase());
    if (!entry) return false;
    if (entry.name === '*') return true;
    if (entry.port !== undefined && entry.port !== port) return false;
    if (entry.name.includes('/')) return inCidr(host, entry.name);
    if (isIP(entry.name)) return sameIp(host, entry.name);
    const suffix = entry.name.replace(/^\*?\./, '');
    return host === suffix || host.endsWith(`.${suffix}`);
  });
}

/** `host`, `host:port`, `[v6]:port`, a bare IPv6 address (colons, no port) or a CIDR range. */
function splitEntry(entry: string): { name: string; port?: string } | undefined {
  if (entry.startsWith('[')) {
    const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    return m ? { name: m[1], ...(m[2] ? { port: m[2] } : {}) } : undefined;
  }
  if (isIP(entry) === 6 || entry.includes('/')) return { name: entry };
  const m = /^(.*):(\d+)$/.exec(entry);
  return m ? { name: m[1], port: m[2] } : { name: entry };
}

/** Compared as addresses, so that `::1` and `0:0:0:0:0:0:0:1` are the same. */
function sameIp(a: string, b: string): boolean {
  if (isIP(a) === 0 || isIP(a) !== isIP(b)) return false;
  const family = isIP(b) === 6 ? 'ipv6' : 'ipv4';
  const list = new BlockList();
  list.addAddress(b, family);
  return list.check(a, family);
}

function inCidr(host: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const family = isIP(base);
  const prefix = Number(bits);
  if (family === 0 || isIP(host) !== family || !Number.isInteger(prefix)) return false;
  const list = new BlockList();
  const kind = family === 6 ? 'ipv6' : 'ipv4';
  try {
    list.addSubnet(base, prefix, kind);
  } catch {
    return false;
  }
  return list.check(host, kind);
}

/** The proxy a request to this URL takes, or undefined to go direct. */
export function proxyFor(target: URL, settings: ProxySettings | undefined): ProxySettings | undefined {
  if (!settings || bypassesProxy(target, settings.noProxy)) return undefined;
  return settings;
}

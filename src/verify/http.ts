/**
 * HTTPS for verify: one request, a deadline on the whole exchange, an optional extra CA (for a
 * private identity provider or the tests' loopback one), and the proxy of HTTPS_PROXY / NO_PROXY
 * (src/verify/proxy.ts). No retries here; the caller decides.
 *
 * The proxy is spoken to with node's own http CONNECT and the TLS session runs inside the tunnel, so
 * the proxy sees only the host and port, never a token or a secret; no proxy-agent package is needed
 * for one request shape.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import tls from 'node:tls';
import { proxyFor, type ProxySettings } from './proxy';

export interface HttpOptions {
  /** PEM of extra CA certificates trusted in addition to Node's built-in roots. */
  readonly caCerts?: string;
  /** Deadline for connect, send and the whole answer. */
  readonly timeoutMs: number;
  /** From HTTPS_PROXY / NO_PROXY (proxyFromEnv); absent: always direct. */
  readonly proxy?: ProxySettings;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface HttpAnswer {
  readonly status: number;
  /** Lower-case names; a repeated header's values joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * No answer: `code` is `timeout`, Node's error code (ECONNREFUSED, ENOTFOUND, DEPTH_ZERO_SELF_SIGNED_CERT,
 * ...), or, when the proxy was the problem, `proxy-unreachable` / `proxy-refused` with the proxy named.
 */
export class HttpFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpFailure';
  }
}

export function send(request: HttpRequest, opts: HttpOptions): Promise<HttpAnswer> {
  const url = new URL(request.url);
  if (url.protocol !== 'https:') {
    return Promise.reject(new HttpFailure('not-https', `${url.origin} is not an https URL: tokens are only sent over TLS`));
  }
  const proxy = proxyFor(url, opts.proxy);
  return new Promise((resolve, reject) => {
    let settled = false;
    let abort = (err: Error): void => void err;
    const deadline = setTimeout(() => {
      const via = proxy ? ` through the proxy ${proxy.display} (${proxy.from})` : '';
      abort(new HttpFailure('timeout', `no answer from ${url.host}${via} within ${Math.round(opts.timeoutMs / 1000)} s`));
    }, opts.timeoutMs);
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (err instanceof HttpFailure) reject(err);
      else reject(new HttpFailure((err as NodeJS.ErrnoException).code ?? 'network', `${url.host}: ${err.message}`));
    };
    const done = (answer: HttpAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(answer);
    };
    abort = fail;
    const ca = opts.caCerts ? { ca: [...tls.rootCertificates, opts.caCerts] } : {};
    const start = (tunnel?: Socket): void => {
      const req = https.request(url, {
        method: request.method,
        headers: {
          ...(request.body !== undefined ? { 'content-length': String(Buffer.byteLength(request.body)) } : {}),
          ...request.headers,
        },
        ...ca,
        // Through a proxy: TLS to the real host inside the CONNECT tunnel; the certificate is checked
        // against the host's name (SNI only for names, as TLS allows no IP there).
        ...(tunnel
          ? {
              agent: false,
              createConnection: () =>
                tls.connect({ socket: tunnel, host: url.hostname, ...(isIP(url.hostname) ? {} : { servername: url.hostname }), ...ca }),
            }
          : {}),
      });
      abort = (err) => {
        req.destroy(err);
        tunnel?.destroy();
        fail(err);
      };
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => {
          tunnel?.destroy();
          const headers: Record<string, string> = {};
          for (const [name, values] of Object.entries(res.headersDistinct)) {
            if (values) headers[name] = values.join(', ');
          }
          done({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.end(request.body);
    };
    if (!proxy) start();
    else openTunnel(url, proxy, (req) => (abort = (err) => (req.destroy(), fail(err))), fail, start);
  });
}

/** `host:port` of the URL, as CONNECT names it (IPv6 in brackets). */
function authority(url: URL): string {
  return `${url.hostname}:${url.port || '443'}`;
}

/** Asks the proxy for a tunnel to the URL's host; calls `ready` with the tunnel's socket. */
function openTunnel(url: URL, proxy: ProxySettings, started: (req: http.ClientRequest) => void, fail: (err: Error) => void, ready: (socket: Socket) => void): void {
  const target = authority(url);
  const auth =
    proxy.url.username !== ''
      ? { 'proxy-authorization': `Basic ${Buffer.from(`${decodeURIComponent(proxy.url.username)}:${decodeURIComponent(proxy.url.password)}`).toString('base64')}` }
      : {};
  const req = http.request({
    host: proxy.url.hostname.replace(/^\[|\]$/g, ''),
    port: proxy.url.port || 80,
    method: 'CONNECT',
    path: target,
    headers: { host: target, ...auth },
    agent: false,
  });
  started(req);
  const name = `the proxy ${proxy.display} (from ${proxy.from})`;
  const bypass = `, or list ${url.hostname} in NO_PROXY to connect directly`;
  req.on('error', (err: NodeJS.ErrnoException) => {
    fail(
      new HttpFailure(
        'proxy-unreachable',
        `could not reach ${name} to open a tunnel to ${target}: ${err.code ?? err.message}. Check the proxy's address in ${proxy.from}${bypass}`,
      ),
    );
  });
  req.on('connect', (res, socket) => {
    if (res.statusCode !== 200) {
      socket.destroy();
      const why = `${res.statusCode ?? '?'} ${res.statusMessage ?? ''}`.trim();
      const hint =
        res.statusCode === 407
          ? `The proxy wants credentials: put them in ${proxy.from} as http://USER:PASSWORD@${proxy.url.host}`
          : `Ask the proxy's owners to allow CONNECT to ${target}`;
      fail(new HttpFailure('proxy-refused', `${name} refused to open a tunnel to ${target}: ${why}. ${hint}${bypass}`));
      return;
    }
    ready(socket);
  });
  req.end();
}

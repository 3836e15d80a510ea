/**
 * HTTPS for verify: one request, a deadline on the whole exchange, an optional extra CA (for a
 * private identity provider or the tests' loopback one). No retries here; the caller decides.
 */
import https from 'node:https';
import tls from 'node:tls';

export interface HttpOptions {
  /** PEM of extra CA certificates trusted in addition to Node's built-in roots. */
  readonly caCerts?: string;
  /** Deadline for connect, send and the whole answer. */
  readonly timeoutMs: number;
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

/** No answer: `code` is `timeout` or Node's error code (ECONNREFUSED, ENOTFOUND, DEPTH_ZERO_SELF_SIGNED_CERT, ...). */
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
  return new Promise((resolve, reject) => {
    const req = https.request(url, {
      method: request.method,
      headers: {
        ...(request.body !== undefined ? { 'content-length': String(Buffer.byteLength(request.body)) } : {}),
        ...request.headers,
      },
      ...(opts.caCerts ? { ca: [...tls.rootCertificates, opts.caCerts] } : {}),
    });
    const deadline = setTimeout(() => {
      req.destroy(new HttpFailure('timeout', `no answer from ${url.host} within ${Math.round(opts.timeoutMs / 1000)} s`));
    }, opts.timeoutMs);
    const failed = (err: Error): void => {
      clearTimeout(deadline);
      if (err instanceof HttpFailure) reject(err);
      else reject(new HttpFailure((err as NodeJS.ErrnoException).code ?? 'network', `${url.host}: ${err.message}`));
    };
    req.on('error', failed);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', failed);
      res.on('end', () => {
        clearTimeout(deadline);
        const headers: Record<string, string> = {};
        for (const [name, values] of Object.entries(res.headersDistinct)) {
          if (values) headers[name] = values.join(', ');
        }
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(request.body);
  });
}

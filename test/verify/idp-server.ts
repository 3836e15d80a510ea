/**
 * A loopback identity provider and Graph for verify's tests (HTTPS on 127.0.0.1, random port).
 * The token endpoint checks the client secret, or the client assertion's PS256 signature and its
 * x5t#S256 against the registered certificate, and answers with Entra ID's error shapes (AADSTS codes).
 * Graph answers each mailbox as the test case says, with the real header formats Exchange sends, and
 * serves a directory of applications and service principals for the Entra checks (fake-directory.ts).
 */
import { createHash, randomBytes, verify as verifySignature, X509Certificate, constants } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveDirectory, type FakeDirectory } from './fake-directory';

export type MailboxBehaviour =
  | { readonly kind: 'ok' }
  | { readonly kind: 'graph-error'; readonly status: number; readonly code: string; readonly message?: string; readonly headers?: Record<string, string> }
  /** Exchange on premises refused the token: 401 with WWW-Authenticate and x-ms-diagnostics. */
  | { readonly kind: 'exchange'; readonly diagnostics?: string; readonly wwwAuthenticate?: string }
  /** `times` answers 429 with this Retry-After, then `then`. */
  | { readonly kind: 'throttle'; readonly times: number; readonly retryAfter: string; readonly then: MailboxBehaviour };

export interface FakeCloudOptions {
  readonly tenantId: string;
  readonly clientId: string;
  readonly secret?: string;
  readonly expiredSecret?: string;
  /** PEM of the certificate registered on the app. */
  readonly certificatePem?: string;
  /** The token's roles claim; null leaves the claim out (no admin consent). */
  readonly roles: readonly string[] | null;
  readonly mailboxes: Readonly<Record<string, MailboxBehaviour>>;
  /** The applications and service principals Graph serves (the Entra checks); absent: an empty directory. */
  readonly directory?: FakeDirectory;
  /** Answer the token endpoint with an error that is not one of the above. */
  readonly tokenError?: { readonly status: number; readonly aadsts: number; readonly error: string; readonly description: string };
}

export interface FakeCloud {
  /** https://127.0.0.1:<port> */
  readonly url: string;
  readonly issuedTokens: string[];
  /** Graph requests, in order: mailbox (decoded) and the query string. */
  readonly graphRequests: { readonly mailbox: string; readonly query: string }[];
  /** Token requests that reached the endpoint, with how the client authenticated. */
  readonly tokenRequests: { readonly auth: 'secret' | 'assertion' | 'none'; readonly scope: string }[];
  /** Directory requests (applications, service principals), in order: path and query, decoded. */
  readonly directoryRequests: string[];
  close(): Promise<void>;
}

export const EXCHANGE_WWW_AUTHENTICATE =
  'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", ' +
  'token_types="app_asserted_user_v1 service_asserted_app_v1", error="invalid_token"';

export const DIAG_2000008 =
  '2000008;reason="The token should have valid permissions or linked account associated with partner application ' +
  '\'00000003-0000-0000-c000-000000000000\'.";error_category="invalid_grant"';

const MAIL_ROLES = ['Mail.Read', 'Mail.ReadBasic.All', 'Mail.ReadBasic', 'Mail.ReadWrite'];

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'request-id': randomBytes(8).toString('hex'), ...headers });
  res.end(text);
}

function aadError(res: ServerResponse, status: number, error: string, code: number, description: string): void {
  json(res, status, {
    error,
    error_description: `AADSTS${code}: ${description}\r\nTrace ID: 0000\r\nCorrelation ID: 1111\r\nTimestamp: 2025-01-01 00:00:00Z`,
    error_codes: [code],
    timestamp: '2025-01-01 00:00:00Z',
    trace_id: '0000',
    correlation_id: '1111',
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** Checks a client assertion as Entra ID does: PS256 signature by the registered certificate, x5t#S256 names it. */
function assertionValid(assertion: string, certPem: string | undefined): boolean {
  if (!certPem) return false;
  const [h, p, s] = assertion.split('.');
  if (!h || !p || !s) return false;
  const cert = new X509Certificate(certPem);
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, string>;
  if (header.alg !== 'PS256' || header['x5t#S256'] !== b64url(createHash('sha256').update(cert.raw).digest())) return false;
  return verifySignature(
    'sha256',
    Buffer.from(`${h}.${p}`),
    { key: cert.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
    Buffer.from(s, 'base64url'),
  );
}

export async function startFakeCloud(opts: FakeCloudOptions, tlsPair: { certPem: string; keyPem: string }): Promise<FakeCloud> {
  const issuedTokens: string[] = [];
  const graphRequests: { mailbox: string; query: string }[] = [];
  const tokenRequests: { auth: 'secret' | 'assertion' | 'none'; scope: string }[] = [];
  const directoryRequests: string[] = [];
  const throttled = new Map<string, number>();
  let base = '';

  const issue = (scope: string): string => {
    const claims: Record<string, unknown> = {
      aud: scope.replace(/\/\.default$/, ''),
      iss: `https://sts.windows.net/${opts.tenantId}/`,
      tid: opts.tenantId,
      appid: opts.clientId,
      jti: randomBytes(8).toString('hex'),
      ...(opts.roles !== null ? { roles: opts.roles } : {}),
    };
    const token = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}.${b64url(randomBytes(64))}`;
    issuedTokens.push(token);
    return token;
  };

  const token = async (req: IncomingMessage, res: ServerResponse, tenant: string): Promise<void> => {
    const form = new URLSearchParams(await readBody(req));
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    tokenRequests.push({ auth: secret !== null ? 'secret' : assertion !== null ? 'assertion' : 'none', scope: form.get('scope') ?? '' });
    if (tenant !== opts.tenantId) return aadError(res, 400, 'invalid_request', 90002, `Tenant '${tenant}' not found.`);
    if (form.get('client_id') !== opts.clientId) {
      return aadError(res, 400, 'unauthorized_client', 700016, `Application with identifier '${form.get('client_id')}' was not found in the directory '${tenant}'.`);
    }
    if (opts.tokenError) return aadError(res, opts.tokenError.status, opts.tokenError.error, opts.tokenError.aadsts, opts.tokenError.description);
    if (secret !== null) {
      if (opts.expiredSecret !== undefined && secret === opts.expiredSecret) {
        return aadError(res, 401, 'invalid_client', 7000222, `The provided client secret keys for app '${opts.clientId}' are expired.`);
      }
      if (secret !== opts.secret) return aadError(res, 401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.');
    } else if (assertion === null || !assertionValid(assertion, opts.certificatePem)) {
      return aadError(res, 401, 'invalid_client', 700027, 'Client assertion failed signature validation.');
    }
    json(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: issue(form.get('scope') ?? '') });
  };

  const answer = (res: ServerResponse, mailbox: string, b: MailboxBehaviour): void => {
    switch (b.kind) {
      case 'ok':
        return json(res, 200, { '@odata.context': `${base}/v1.0/$metadata#users('${mailbox}')/messages(id)`, value: [{ id: 'AAMkAGI2TG93AAA=' }] });
      case 'graph-error':
        return json(res, b.status, { error: { code: b.code, message: b.message ?? 'Error.', innerError: { date: '2025-01-01T00:00:00', 'request-id': 'r' } } }, b.headers);
      case 'exchange':
        res.writeHead(401, {
          'www-authenticate': b.wwwAuthenticate ?? EXCHANGE_WWW_AUTHENTICATE,
          ...(b.diagnostics !== undefined ? { 'x-ms-diagnostics': b.diagnostics } : {}),
          'content-length': '0',
        });
        return void res.end();
      case 'throttle': {
        const seen = throttled.get(mailbox) ?? 0;
        if (seen < b.times) {
          throttled.set(mailbox, seen + 1);
          return json(res, 429, { error: { code: 'TooManyRequests', message: 'Too many requests.' } }, { 'retry-after': b.retryAfter });
        }
        return answer(res, mailbox, b.then);
      }
    }
  };

  const graph = (req: IncomingMessage, res: ServerResponse, mailbox: string, query: string): void => {
    graphRequests.push({ mailbox, query });
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !issuedTokens.includes(bearer)) {
      return json(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' } });
    }
    if (opts.roles === null || !opts.roles.some((r) => MAIL_ROLES.includes(r))) {
      return json(res, 403, { error: { code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' } });
    }
    const b = opts.mailboxes[mailbox];
    if (!b) return json(res, 404, { error: { code: 'ErrorInvalidUser', message: `The requested user '${mailbox}' is invalid.` } });
    answer(res, mailbox, b);
  };

  const server: Server = createServer({ cert: tlsPair.certPem, key: tlsPair.keyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', base);
    const p = url.pathname;
    let m: RegExpExecArray | null;
    if ((m = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(p))) {
      const t = m[1];
      // As Entra ID does: an unknown tenant has no metadata either.
      if (t !== opts.tenantId) return aadError(res, 400, 'invalid_tenant', 90002, `Tenant '${t}' not found.`);
      return json(res, 200, {
        token_endpoint: `${base}/${t}/oauth2/v2.0/token`,
        issuer: `${base}/${t}/v2.0`,
        authorization_endpoint: `${base}/${t}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${base}/${t}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/${t}/discovery/v2.0/keys`,
      });
    }
    if (req.method === 'POST' && (m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(p))) return void token(req, res, m[1]);
    if (req.method === 'GET' && (m = /^\/v1\.0\/users\/([^/]+)\/messages$/.exec(p))) return graph(req, res, decodeURIComponent(m[1]), url.search);
    if (req.method === 'GET' && /^\/v1\.0\/(applications|servicePrincipals)\b/.test(p)) {
      directoryRequests.push(decodeURIComponent(p + url.search));
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!bearer || !issuedTokens.includes(bearer)) return json(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' } });
      if (serveDirectory(opts.directory ?? { applications: [], servicePrincipals: [] }, base, p, url.searchParams, opts.roles, res, json)) return;
    }
    json(res, 404, { error: { code: 'NotFound', message: `no route ${req.method} ${p}` } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    issuedTokens,
    graphRequests,
    tokenRequests,
    directoryRequests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * The app-only token, from msal-node's client credentials flow. msal is loaded here, lazily, so that
 * other commands do not pay for it. Its network goes through src/verify/http.ts (deadline, extra CA,
 * no retries) and its logging is off: msal's messages are scrubbed before anyone sees them.
 */
import type { INetworkModule, NetworkResponse } from '@azure/msal-node';
import type { VerifySpec } from '../spec/types';
import type { Credential } from './credentials';
import { aadstsFromMessage, authorityHost, graphEndpoint, type TokenFailure } from './diagnose';
import { HttpFailure, send, type HttpOptions } from './http';
import type { Scrubber } from './scrub';

export type TokenOutcome = { readonly ok: true; readonly accessToken: string } | { readonly ok: false; readonly failure: TokenFailure };

/** Marks failures of our network client so they are told apart from the identity provider's refusals. */
const NETWORK_PREFIX = 'hybridcfg-network:';

/**
 * The last identity-provider error seen on the wire. msal drops the body of a failed metadata request
 * (an unknown tenant fails there, as endpoints_resolution_error), so the AADSTS code is kept from here.
 */
interface SeenError {
  aadsts?: string;
  description?: string;
  /** A request that got no answer; msal reports that as endpoints_resolution_error too. */
  network?: { code: string; message: string };
}

function networkClient(http: HttpOptions, seen: SeenError): INetworkModule {
  const call = async <T>(method: 'GET' | 'POST', url: string, options?: { headers?: Record<string, string>; body?: string }): Promise<NetworkResponse<T>> => {
    let answer;
    try {
      answer = await send({ method, url, headers: options?.headers ?? {}, ...(options?.body !== undefined ? { body: options.body } : {}) }, http);
    } catch (err) {
      seen.network = { code: err instanceof HttpFailure ? err.code : 'network', message: (err as Error).message };
      throw new Error(`${NETWORK_PREFIX}${seen.network.code}:${seen.network.message}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      throw new Error(`${NETWORK_PREFIX}http-${answer.status}:${new URL(url).host} answered ${answer.status} with a body that is not JSON`);
    }
    const e = body as { error_codes?: unknown; error_description?: unknown };
    if (answer.status >= 400 && Array.isArray(e?.error_codes) && e.error_codes.length > 0) {
      seen.aadsts = String(e.error_codes[0]);
      if (typeof e.error_description === 'string') seen.description = e.error_description;
    }
    return { status: answer.status, headers: { ...answer.headers }, body: body as T };
  };
  return {
    sendGetRequestAsync: (url, options) => call('GET', url, options),
    sendPostRequestAsync: (url, options) => call('POST', url, options),
  };
}

function failureOf(err: unknown, seen: SeenError, scrub: Scrubber): TokenFailure {
  const e = err as { errorCode?: unknown; errorNo?: unknown; errorMessage?: unknown; message?: unknown };
  const raw = scrub(String(e.errorMessage || e.message || err));
  const marker = raw.indexOf(NETWORK_PREFIX);
  if (marker >= 0) {
    const [code, ...rest] = raw.slice(marker + NETWORK_PREFIX.length).split(':');
    return { errorCode: code, message: rest.join(':').trim(), network: true };
  }
  if (seen.network && seen.aadsts === undefined && typeof e.errorNo !== 'string') {
    return { errorCode: seen.network.code, message: scrub(seen.network.message), network: true };
  }
  // msal reports "Error(s): 7000215 - Timestamp: ... - Description: AADSTS7000215: ..."; keep the description.
  const fromMsal = /Description: ([\s\S]*?)(?: - Correlation ID:|$)/.exec(raw)?.[1]?.trim();
  const aadsts = typeof e.errorNo === 'string' && /^\d+$/.test(e.errorNo) ? e.errorNo : (aadstsFromMessage(raw) ?? seen.aadsts);
  const description = fromMsal ?? (seen.description !== undefined ? scrub(seen.description) : raw);
  return {
    errorCode: typeof e.errorCode === 'string' && e.errorCode !== '' ? e.errorCode : 'token-error',
    message: description.split(/\r?\n/)[0],
    network: false,
    ...(aadsts ? { aadsts } : {}),
  };
}

export async function acquireToken(v: VerifySpec, credential: Credential, http: HttpOptions, scrub: Scrubber): Promise<TokenOutcome> {
  const msal = require('@azure/msal-node') as typeof import('@azure/msal-node');
  const host = authorityHost(v);
  const seen: SeenError = {};
  const app = new msal.ConfidentialClientApplication({
    auth: {
      clientId: v.clientId,
      authority: `${host}/${v.tenantId}`,
      // Trust this host as given: skips instance discovery, which would otherwise call the public cloud.
      knownAuthorities: [new URL(host).host],
      ...(credential.kind === 'clientSecret'
        ? { clientSecret: credential.secret }
        : { clientCertificate: { thumbprintSha256: credential.thumbprintSha256, privateKey: credential.privateKeyPem } }),
    },
    system: {
      networkClient: networkClient(http, seen),
      loggerOptions: { loggerCallback: () => undefined, piiLoggingEnabled: false, logLevel: msal.LogLevel.Error },
    },
  });
  try {
    const result = await app.acquireTokenByClientCredential({ scopes: [`${graphEndpoint(v)}/.default`], skipCache: true });
    if (!result?.accessToken) return { ok: false, failure: { errorCode: 'no-token', message: 'the identity provider issued no access token', network: false } };
    return { ok: true, accessToken: result.accessToken };
  } catch (err) {
    return { ok: false, failure: failureOf(err, seen, scrub) };
  }
}

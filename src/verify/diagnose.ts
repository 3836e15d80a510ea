/**
 * Pure diagnosis: what the identity provider, Graph or Exchange answered, what it means, and what to
 * change, in the words of the spec. No I/O here; src/verify/run.ts feeds it the answers.
 */
import { EXCHANGE_ONLINE_APPLICATION_IDENTIFIER, GRAPH_APPLICATION_IDENTIFIER } from '../domain/exchange';
import type { LoadedSpec, VerifySpec } from '../spec/types';
import { parseMsDiagnostics, parseWwwAuthenticate, type MsDiagnostics } from './headers';
import { appOnlyPermissionsFix, appOnlyProfileFix, specRef, where } from './spec-refs';
import type { Diagnosis, Evidence, SpecRef } from './types';

export interface DiagnoseContext {
  readonly loaded: LoadedSpec;
  readonly verify: VerifySpec;
  readonly credential: 'clientSecret' | 'certificate';
  /** Of the client certificate, when one is used (hex, upper case). */
  readonly thumbprintSha256?: string;
}

/** Application roles that let an app-only token read a mailbox's messages. */
export const MAIL_READ_ROLES: readonly string[] = ['Mail.Read', 'Mail.ReadBasic.All', 'Mail.ReadBasic', 'Mail.ReadWrite'];

export const HYBRID_REST_NOTE =
  'Microsoft has deprecated hybrid REST access to on-premises mailboxes through Graph (end announced for 2023); ' +
  'whether Graph still proxies such calls is unconfirmed. A failure for an on-premises mailbox may come from that ' +
  'and not from the configuration. This report shows only what was observed.';

function located(ctx: DiagnoseContext, ...pointers: string[]): SpecRef[] {
  return pointers.map((p) => specRef(ctx.loaded, p)).filter((r) => r.line !== undefined);
}

function at(refs: readonly SpecRef[]): string {
  return refs.length > 0 ? ` (${refs.map(where).join(', ')})` : '';
}

// ---------------------------------------------------------------------------------------------------
// Identity provider

/** What msal reported, reduced to what diagnosis needs (messages already scrubbed of secrets). */
export interface TokenFailure {
  /** AADSTS number without the prefix, when the identity provider sent one. */
  readonly aadsts?: string;
  /** OAuth error (`invalid_client`) or msal's own code (`network_error`). */
  readonly errorCode: string;
  readonly message: string;
  /** No answer from the identity provider (DNS, TLS, timeout). */
  readonly network: boolean;
}

export function aadstsFromMessage(message: string): string | undefined {
  return /AADSTS(\d+)/.exec(message)?.[1];
}

export function diagnoseTokenFailure(ctx: DiagnoseContext, failure: TokenFailure): Diagnosis {
  const v = ctx.verify;
  const app = `app ${v.clientId}`;
  const secretRef = located(ctx, '/verify/clientSecretEnv');
  const idp = (code: string, cause: string, fix: string, refs: SpecRef[]): Diagnosis => ({
    source: 'identity-provider',
    code: `AADSTS${code}`,
    cause,
    fix: fix + at(refs),
    refs,
  });
  if (failure.network) {
    const refs = located(ctx, '/verify/authorityHost');
    return {
      source: 'network',
      code: failure.errorCode,
      cause: `No answer from the identity provider: ${failure.message}`,
      fix: failure.errorCode.startsWith('proxy-')
        ? `Fix the proxy named in HTTPS_PROXY (or https_proxy), or add the authority host to NO_PROXY if it is reachable without one.${at(refs)}`
        : `Check that the authority host is reachable from here (proxy, firewall, DNS) and that its TLS certificate ` +
          `is trusted (an extra CA can be given in HYBRIDCFG_CA_FILE).${at(refs)}`,
      refs,
    };
  }
  switch (failure.aadsts) {
    case '7000215':
      return idp(
        '7000215',
        'The identity provider rejected the client secret (invalid client secret).',
        `Put the secret's Value (not its Secret ID) of ${app} into the environment variable ${v.clientSecretEnv}; ` +
          `if it is lost, create a new one under App registrations > Certificates & secrets`,
        secretRef,
      );
    case '7000222':
      return idp(
        '7000222',
        'The client secret has expired.',
        `Create a new client secret for ${app} (App registrations > Certificates & secrets) and put its value into ${v.clientSecretEnv}`,
        secretRef,
      );
    case '700016':
      return idp(
        '700016',
        `No application with client id ${v.clientId} was found in tenant ${v.tenantId}.`,
        `Check clientId; an app registered in another tenant needs admin consent in this tenant first`,
        located(ctx, '/verify/clientId', '/verify/tenantId'),
      );
    case '90002':
    case '900023':
      return idp(
        failure.aadsts,
        `The identity provider does not know the tenant ${v.tenantId}${failure.aadsts === '900023' ? ' (not a valid tenant id or domain)' : ''}.`,
        `Check tenantId; a tenant in a national cloud also needs its authorityHost (e.g. https://login.microsoftonline.us)`,
        located(ctx, '/verify/tenantId', '/verify/authorityHost'),
      );
    case '700027':
      return idp(
        '700027',
        `The identity provider could not validate the client assertion: the certificate is not registered on ${app}, or not this one.`,
        `Upload the certificate of certificateFile (SHA-256 thumbprint ${ctx.thumbprintSha256 ?? 'unknown'}) under ` +
          `App registrations > Certificates & secrets of ${app}`,
        located(ctx, '/verify/certificate/certificateFile'),
      );
    case '700024':
      return idp(
        '700024',
        'The client assertion is outside its valid time range: this machine\'s clock is off.',
        'Synchronise the clock of the machine that runs hybridcfg (NTP)',
        [],
      );
    case '7000112':
      return idp(
        '7000112',
        `The application ${v.clientId} is disabled in tenant ${v.tenantId}.`,
        `Enable it: Enterprise applications > ${v.clientId} > Properties > Enabled for users to sign in`,
        [],
      );
    case '65001':
      return idp(
        '65001',
        `Nobody has consented to ${app} using Microsoft Graph in this tenant.`,
        `Grant admin consent: App registrations > ${v.clientId} > API permissions > Grant admin consent (application permission Mail.Read)`,
        [],
      );
    case '500011':
      return idp(
        '500011',
        `The resource ${graphEndpoint(v)} was not found in tenant ${v.tenantId}.`,
        `Check graphEndpoint: it must be the Graph of the tenant's cloud (https://graph.microsoft.com, https://graph.microsoft.us, ...)`,
        located(ctx, '/verify/graphEndpoint', '/verify/tenantId'),
      );
    default:
      return {
        source: 'identity-provider',
        code: failure.aadsts ? `AADSTS${failure.aadsts}` : failure.errorCode,
        cause: `The identity provider refused the token request: ${failure.message}`,
        fix: failure.aadsts
          ? `Look the code up at https://login.microsoftonline.com/error?code=${failure.aadsts}`
          : 'Check tenantId, clientId and the credential in the verify section',
        refs: located(ctx, '/verify'),
      };
  }
}

export function authorityHost(v: VerifySpec): string {
  return (v.authorityHost ?? 'https://login.microsoftonline.com').replace(/\/+$/, '');
}

export function graphEndpoint(v: VerifySpec): string {
  return (v.graphEndpoint ?? 'https://graph.microsoft.com').replace(/\/+$/, '');
}

// ---------------------------------------------------------------------------------------------------
// Token claims (decoded, never trusted: they only explain failures ahead of time)

export function diagnoseRoles(ctx: DiagnoseContext, roles: readonly string[] | null): Diagnosis | null {
  const consent = `App registrations > ${ctx.verify.clientId} > API permissions: add the Microsoft Graph application permission Mail.Read, then Grant admin consent`;
  if (roles === null || roles.length === 0) {
    return {
      source: 'token-claims',
      code: 'no-roles',
      cause: 'The token carries no application roles: admin consent for the app\'s application permissions is missing.',
      fix: consent,
      refs: [],
    };
  }
  if (!roles.some((r) => MAIL_READ_ROLES.includes(r))) {
    return {
      source: 'token-claims',
      code: 'no-mail-role',
      cause: `The token's roles (${roles.join(', ')}) include none that reads mail (${MAIL_READ_ROLES.join(', ')}).`,
      fix: consent,
      refs: [],
    };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Exchange (x-ms-diagnostics, docs/exchange-facts.md#diagnostics D2 [H/M]; causes and fixes are guidance for each documented code)

const EXCHANGE_CODES: Record<string, { category: string; cause: string; fix: string }> = {
  '2000000': {
    category: 'invalid_signature',
    cause: 'Exchange could not validate the token\'s signature: it does not have the current signing keys of Microsoft Entra ID.',
    fix: 'Refresh the auth server metadata (Set-AuthServer "EvoSts - <tenant id>" -RefreshAuthMetadata) or rerun the Hybrid Configuration Wizard',
  },
  '2000001': {
    category: 'invalid_token',
    cause: 'Exchange rejected the token as malformed or from an issuer it does not trust.',
    fix: 'Check that the EvoSts auth server (Get-AuthServer) is enabled and its metadata is current; run Test-OAuthConnectivity',
  },
  '2000002': {
    category: 'token_expired',
    cause: 'Exchange considers the token expired: the Exchange server\'s clock is off.',
    fix: 'Synchronise the clocks of the Exchange servers (NTP) and run verify again',
  },
  '2000003': {
    category: 'invalid_resource',
    cause: 'Exchange does not accept the token\'s audience: its external URL is not a service principal name of Exchange Online in Entra ID.',
    fix: 'Rerun the Hybrid Configuration Wizard, or add the on-premises external URLs to the service principal names of 00000002-0000-0ff1-ce00-000000000000',
  },
  '2000004': {
    category: 'invalid_tenant',
    cause: 'Exchange does not accept the token\'s tenant: the EvoSts auth server\'s realm does not match the tenant.',
    fix: 'Check Get-AuthServer "EvoSts*" (Realm = tenant id) and Get-IntraOrganizationConnector, or rerun the Hybrid Configuration Wizard',
  },
  '2000005': {
    category: 'invalid_user',
    cause: 'Exchange could not find the mailbox the token is for.',
    fix: 'Check that the address belongs to a mailbox on the Exchange servers (Get-Mailbox) and that the remote mailbox in the cloud points at it',
  },
  '2000006': {
    category: 'invalid_client',
    cause: 'Exchange does not know or does not allow the calling partner application.',
    fix: 'Check that the partner application "Microsoft Graph" (00000003-0000-0000-c000-000000000000) exists and is enabled (Get-PartnerApplication)',
  },
  '2000007': {
    category: 'internal_error',
    cause: 'Exchange failed internally while checking the token.',
    fix: 'Look at the Exchange servers\' event logs and the HttpProxy REST logs at the time of the request, then run verify again',
  },
  '2000008': {
    category: 'invalid_grant',
    cause: 'Exchange found no permission for the call on the partner application.',
    fix: 'Give the partner application AppOnlyPermissions',
  },
  '2000009': {
    category: 'invalid_certificate',
    cause: 'Exchange\'s OAuth certificate (Get-AuthConfig CurrentCertificateThumbprint) is missing, expired or not published.',
    fix: 'Renew the OAuth certificate on the Exchange servers and republish it (then rerun the Hybrid Configuration Wizard)',
  },
};

export function diagnoseExchange(ctx: DiagnoseContext, d: MsDiagnostics): Diagnosis {
  const reason = d.reason ? ` Exchange said: "${d.reason}"` : '';
  if (d.code === '2000008') {
    const app = /partner application '([^']+)'/.exec(d.reason ?? '')?.[1] ?? GRAPH_APPLICATION_IDENTIFIER;
    const perms = appOnlyPermissionsFix(ctx.loaded, app);
    const profile = appOnlyProfileFix(ctx.loaded);
    return {
      source: 'exchange',
      code: '2000008',
      cause: `The partner application ${app === GRAPH_APPLICATION_IDENTIFIER ? `"Microsoft Graph" (${app})` : app} has no AppOnlyPermissions, so Exchange refuses app-only tokens.${reason}`,
      fix: perms.text + (profile.ensured ? '' : `\nAlso, the web.config profile may be missing: ${profile.text}`),
      refs: [...perms.refs, ...(profile.ensured ? [] : profile.refs)],
    };
  }
  const known = EXCHANGE_CODES[d.code];
  if (!known) {
    return {
      source: 'exchange',
      code: d.code,
      cause: `Exchange refused the token (code ${d.code}${d.errorCategory ? `, ${d.errorCategory}` : ''}).${reason}`,
      fix: 'Run Test-OAuthConnectivity -Service EWS on an Exchange server and read its output',
      refs: [],
    };
  }
  return { source: 'exchange', code: d.code, cause: known.cause + reason, fix: known.fix, refs: [] };
}

// ---------------------------------------------------------------------------------------------------
// Graph

export interface GraphAnswer {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

export interface GraphDiagnosis {
  readonly diagnosis: Diagnosis | null;
  readonly evidence: Evidence;
  /** The failure looks like it came from (or through) on-premises Exchange. */
  readonly onPremises: boolean;
}

function graphError(body: string): { code?: string; message?: string } {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    const e = parsed?.error;
    return {
      ...(typeof e?.code === 'string' ? { code: e.code } : {}),
      ...(typeof e?.message === 'string' ? { message: e.message } : {}),
    };
  } catch {
    return {};
  }
}

/** Retry-After as seconds (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterSeconds(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

export function diagnoseGraphAnswer(
  ctx: DiagnoseContext,
  mailboxIndex: number,
  answer: GraphAnswer,
  /** undefined when the token could not be read (then roles explain nothing). */
  tokenRoles: readonly string[] | null | undefined,
  now: number,
): GraphDiagnosis {
  const g = graphError(answer.body);
  const h = answer.headers;
  const retryAfter = retryAfterSeconds(h['retry-after'], now);
  const evidence: Evidence = {
    ...(g.code !== undefined ? { graphErrorCode: g.code } : {}),
    ...(g.message !== undefined ? { graphErrorMessage: g.message } : {}),
    ...(h['www-authenticate'] !== undefined ? { wwwAuthenticate: h['www-authenticate'] } : {}),
    ...(h['x-ms-diagnostics'] !== undefined ? { xMsDiagnostics: h['x-ms-diagnostics'] } : {}),
    ...(h['request-id'] !== undefined ? { requestId: h['request-id'] } : {}),
    ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
  };
  if (answer.status >= 200 && answer.status < 300) return { diagnosis: null, evidence, onPremises: false };

  const ms = h['x-ms-diagnostics'] !== undefined ? parseMsDiagnostics(h['x-ms-diagnostics']) : undefined;
  if (ms) return { diagnosis: diagnoseExchange(ctx, ms), evidence, onPremises: true };

  const mailboxRef = located(ctx, `/verify/mailboxes/${mailboxIndex}`);
  const graph = (code: string, cause: string, fix: string, refs: SpecRef[] = []): Diagnosis => ({
    source: 'graph',
    code,
    cause,
    fix: fix + at(refs),
    refs,
  });
  const roles = tokenRoles === undefined ? null : diagnoseRoles(ctx, tokenRoles);

  switch (g.code) {
    case 'ErrorAccessDenied':
      return {
        evidence,
        onPremises: false,
        diagnosis: roles
          ? { ...roles, source: 'graph', code: 'ErrorAccessDenied', cause: `Graph denied access. ${roles.cause}` }
          : graph(
              'ErrorAccessDenied',
              'Graph denied access although the token has a mail role: an application access policy in Exchange Online may restrict the app to other mailboxes.',
              `Check with Test-ApplicationAccessPolicy -Identity <mailbox> -AppId ${ctx.verify.clientId} in Exchange Online PowerShell`,
            ),
      };
    case 'MailboxNotEnabledForRESTAPI': {
      const profile = appOnlyProfileFix(ctx.loaded);
      return {
        evidence,
        onPremises: true,
        diagnosis: graph(
          'MailboxNotEnabledForRESTAPI',
          'Graph cannot reach this mailbox through REST: it is on premises and hybrid REST access is not set up (or no longer offered), or the mailbox is inactive.',
          `Check that the mailbox is active and that hybrid REST access is configured. ${profile.text}`,
          [...mailboxRef, ...profile.refs],
        ),
      };
    }
    case 'ResourceNotFound':
    case 'ErrorInvalidUser':
    case 'Request_ResourceNotFound':
      return {
        evidence,
        onPremises: false,
        diagnosis: graph(g.code, 'The tenant has no user or mailbox with this address.', 'Check the address in the spec\'s verify.mailboxes', mailboxRef),
      };
    case 'UnknownError': {
      // [M] Graph answers UnknownError for the same root cause as 2000008 when it proxies to on-premises.
      const perms = appOnlyPermissionsFix(ctx.loaded, GRAPH_APPLICATION_IDENTIFIER);
      const profile = appOnlyProfileFix(ctx.loaded);
      return {
        evidence,
        onPremises: true,
        diagnosis: graph(
          'UnknownError',
          'Graph failed without saying why. For an on-premises mailbox this is what Graph has been seen to answer when Exchange refuses app-only tokens.',
          `${perms.text}\n${profile.text}`,
          [...perms.refs, ...profile.refs],
        ),
      };
    }
  }
  if (answer.status === 429 || answer.status === 503) {
    return {
      evidence,
      onPremises: false,
      diagnosis: graph(
        answer.status === 429 ? g.code ?? 'throttled' : g.code ?? 'unavailable',
        answer.status === 429
          ? `Graph throttled the request (429)${retryAfter !== undefined ? `; it asked to wait ${retryAfter} s` : ''}.`
          : `Graph was unavailable (503)${retryAfter !== undefined ? `; it asked to wait ${retryAfter} s` : ''}.`,
        'Run verify again later; nothing about the configuration was learned from this mailbox',
      ),
    };
  }
  if (answer.status === 401 && h['www-authenticate'] !== undefined) {
    // Exchange's challenge names its own identity as client_id; Graph's own 401 does not.
    const exchange = parseWwwAuthenticate(h['www-authenticate']).find(
      (c) => c.scheme.toLowerCase() === 'bearer' && c.params.client_id?.toLowerCase() === EXCHANGE_ONLINE_APPLICATION_IDENTIFIER,
    );
    if (exchange) {
      const perms = appOnlyPermissionsFix(ctx.loaded, GRAPH_APPLICATION_IDENTIFIER);
      const profile = appOnlyProfileFix(ctx.loaded);
      return {
        evidence,
        onPremises: true,
        diagnosis: {
          source: 'exchange',
          code: exchange.params.error ?? 'http-401',
          cause: `On-premises Exchange refused the token without an x-ms-diagnostics code${exchange.params.error ? ` (error="${exchange.params.error}")` : ''}.`,
          fix: `${profile.text}\n${perms.text}`,
          refs: [...profile.refs, ...perms.refs],
        },
      };
    }
  }
  return {
    evidence,
    onPremises: false,
    diagnosis: graph(
      g.code ?? `http-${answer.status}`,
      `Graph answered ${answer.status}${g.code ? ` ${g.code}` : ''}${g.message ? `: ${g.message}` : ''}.`,
      answer.status >= 500 ? 'Run verify again later; if it persists, open a support case with the request id' : 'See the Graph error above',
    ),
  };
}

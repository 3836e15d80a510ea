/**
 * The Entra checks of `verify`: with the verify app's token (it needs Application.Read.All), read through
 * Graph the dedicated Exchange hybrid application (its appId is the auth server's ApplicationIdentifier),
 * its service principal's app role assignments and the shared Office 365 Exchange Online service
 * principal, and diagnose them (src/verify/entra-diagnose.ts). Read-only: only GETs, one at a time, at
 * most one retry on 429/503, and after a refusal (401/403) or no answer nothing more is asked.
 *
 * The input comes from the live state: each resource kind may give parts of it (ResourceKind.verifyFacts),
 * merged here; the checks run only when the facts are complete.
 */
import { EXCHANGE_ONLINE_APPLICATION_IDENTIFIER } from '../domain/exchange';
import { graphEndpoint, type DiagnoseContext } from './diagnose';
import {
  APPLICATION_READ_ROLES,
  diagnoseEntra,
  entraNotRun,
  GUID,
  normalizeThumbprint,
  type EntraReads,
  type GraphAppRoleAssignment,
  type Lookup,
} from './entra-diagnose';
import { getWithOneRetry } from './graph-get';
import { HttpFailure, type HttpAnswer, type HttpOptions } from './http';
import type { AuthCertificateFact, EntraDiagnosis, EntraInput, EntraReport, VerifyFacts } from './types';

/** The Entra checks could not run, and why: reported, and verify's outcome does not depend on them. */
export interface EntraNotChecked {
  readonly notChecked: string;
}

/** How many pages of app role assignments are followed before giving up (a service principal has a handful). */
const MAX_PAGES = 20;

// ---------------------------------------------------------------------------------------------------
// Facts from the live state

/**
 * The facts of every kind that gave some, merged. A field is given by one kind: two kinds that give
 * different values for one field are a bug in those kinds, not a user's problem.
 */
export function mergeVerifyFacts(given: readonly { readonly kind: string; readonly facts: VerifyFacts }[]): VerifyFacts {
  const merged: Record<string, unknown> = {};
  const from: Record<string, string> = {};
  for (const { kind, facts } of given) {
    for (const [field, value] of Object.entries(facts)) {
      if (value === undefined) continue;
      if (field in merged && JSON.stringify(merged[field]) !== JSON.stringify(value)) {
        throw new Error(`verify fact "${field}" is given differently by the kinds ${from[field]} and ${kind}`);
      }
      merged[field] = value;
      from[field] = kind;
    }
  }
  return merged as VerifyFacts;
}

function certificate(fact: AuthCertificateFact | undefined, what: string): AuthCertificateFact | string | undefined {
  if (fact === undefined) return undefined;
  const thumbprint = normalizeThumbprint(fact.thumbprint);
  if (thumbprint === null) return `the ${what} "${fact.thumbprint}" is not a SHA-1 thumbprint (40 hex digits)`;
  return { thumbprint, ...(fact.notAfter !== undefined && !Number.isNaN(Date.parse(fact.notAfter)) ? { notAfter: new Date(fact.notAfter).toISOString() } : {}) };
}

/** The checks' input when the facts are complete; else why the checks cannot run. */
export function entraInputFrom(facts: VerifyFacts): EntraInput | EntraNotChecked {
  const missing: string[] = [];
  const appId = facts.dedicatedAppId?.trim();
  if (!appId) missing.push("the dedicated application's appId (the auth server has no ApplicationIdentifier: Set-AuthServer -ApplicationIdentifier)");
  const current = certificate(facts.authCertificates?.current?.thumbprint ? facts.authCertificates.current : undefined, 'current Auth certificate thumbprint');
  const next = certificate(facts.authCertificates?.next?.thumbprint ? facts.authCertificates.next : undefined, 'next Auth certificate thumbprint');
  if (current === undefined) missing.push("the Auth certificate's thumbprint (Get-AuthConfig CurrentCertificateThumbprint)");
  const malformed = [current, next].filter((c): c is string => typeof c === 'string');
  if (missing.length > 0 || malformed.length > 0) {
    const why = [...(missing.length > 0 ? [`The live state does not give ${missing.join(', nor ')}.`] : []), ...malformed.map((m) => `${m.charAt(0).toUpperCase()}${m.slice(1)}.`)];
    return { notChecked: why.join(' ') };
  }
  return {
    dedicatedAppId: appId!,
    ...(facts.dedicatedAppIdPointer !== undefined ? { dedicatedAppIdPointer: facts.dedicatedAppIdPointer } : {}),
    authCertificates: { current: current as AuthCertificateFact, ...(next !== undefined ? { next: next as AuthCertificateFact } : {}) },
  };
}

// ---------------------------------------------------------------------------------------------------
// Graph reads

function graphError(body: string): { code?: string; message?: string } {
  try {
    const e = (JSON.parse(body) as { error?: { code?: unknown; message?: unknown } })?.error;
    return { ...(typeof e?.code === 'string' ? { code: e.code } : {}), ...(typeof e?.message === 'string' && e.message !== '' ? { message: e.message } : {}) };
  } catch {
    return {};
  }
}

function failure(ctx: DiagnoseContext, answer: HttpAnswer, what: string, roles: readonly string[] | null | undefined): EntraDiagnosis {
  const g = graphError(answer.body);
  const code = g.code ?? `http-${answer.status}`;
  const said = `Graph answered ${answer.status}${g.code ? ` ${g.code}` : ''}${g.message ? `: ${g.message}` : ''}`;
  const requestId = answer.headers['request-id'] ? ` (request-id ${answer.headers['request-id']})` : '';
  const base = { source: 'graph' as const, severity: 'error' as const, code, refs: [] };
  if (answer.status === 403) {
    const readers = roles ? roles.filter((r) => APPLICATION_READ_ROLES.includes(r)) : null;
    const why =
      readers === null
        ? 'The verify app probably lacks the Microsoft Graph application permission Application.Read.All.'
        : readers.length === 0
          ? `The token's roles (${(roles ?? []).join(', ') || 'none'}) include none that reads applications (${APPLICATION_READ_ROLES.join(', ')}).`
          : `The token carries ${readers.join(', ')}, so the permission may have been granted only moments ago: Entra ID can take a while to apply it.`;
    return {
      ...base,
      cause: `Graph refused to read ${what}: ${said}${requestId}. ${why} The Entra checks could not be made.`,
      fix: `App registrations > ${ctx.verify.clientId} > API permissions > Add a permission > Microsoft Graph > Application permissions > Application.Read.All, then Grant admin consent for the tenant`,
    };
  }
  if (answer.status === 429 || answer.status === 503) {
    return { ...base, cause: `Graph was busy while reading ${what}: ${said}.`, fix: 'Run verify again later; nothing about the Entra configuration was learned from this read' };
  }
  return {
    ...base,
    cause: `Reading ${what} failed: ${said}${requestId}.`,
    fix: answer.status >= 500 ? 'Run verify again later; if it persists, open a support case with the request id' : 'Check graphEndpoint in the verify section, then see the Graph error above',
  };
}

/**
 * The reads, one after the other, stopping at the first refusal or missing answer: every later read would
 * meet the same, and the checks that needed them carry that one diagnosis.
 */
async function readDirectory(ctx: DiagnoseContext, input: EntraInput, token: string, roles: readonly string[] | null | undefined, http: HttpOptions, capSeconds: number): Promise<EntraReads> {
  const graph = graphEndpoint(ctx.verify);
  let requests = 0;
  let stop: EntraDiagnosis | undefined;

  const get = async (url: string, what: string): Promise<Lookup<Record<string, unknown>>> => {
    if (stop) return { failed: stop };
    let answer: HttpAnswer;
    try {
      const r = await getWithOneRetry(url, token, http, capSeconds);
      requests += r.attempts;
      answer = r.answer;
    } catch (err) {
      requests++;
      const code = err instanceof HttpFailure ? err.code : 'network';
      stop = {
        source: 'network',
        severity: 'error',
        code,
        cause: `No answer from Graph while reading ${what}: ${(err as Error).message}`,
        fix: code.startsWith('proxy-')
          ? 'Fix the proxy named in HTTPS_PROXY (or https_proxy), or add the Graph host to NO_PROXY if it is reachable without one'
          : 'Check that graphEndpoint is reachable from here (proxy, firewall, DNS) and that its TLS certificate is trusted',
        refs: [],
      };
      return { failed: stop };
    }
    if (answer.status >= 200 && answer.status < 300) {
      try {
        const body = JSON.parse(answer.body) as unknown;
        if (body && typeof body === 'object') return { found: body as Record<string, unknown> };
      } catch {
        // reported below
      }
      return { failed: { source: 'graph', severity: 'error', code: 'unreadable-answer', cause: `Graph answered ${answer.status} for ${what}, but not with a JSON object.`, fix: 'Check graphEndpoint in the verify section: it must be Microsoft Graph', refs: [] } };
    }
    const g = graphError(answer.body);
    // Graph's "does not exist" (docs/exchange-facts.md#hybrid-unit H16); any other 404 is a failure to read.
    if (answer.status === 404 && (g.code === 'Request_ResourceNotFound' || g.code === 'ResourceNotFound')) return { notFound: true };
    const d = failure(ctx, answer, what, roles);
    if (answer.status === 401 || answer.status === 403) stop = d;
    return { failed: d };
  };

  const appId = input.dedicatedAppId;
  const application = GUID.test(appId)
    ? await get(`${graph}/v1.0/applications(appId='${appId}')?$select=id,appId,displayName,keyCredentials,requiredResourceAccess`, `the dedicated application ${appId}`)
    : undefined;
  const sharedServicePrincipal = await get(
    `${graph}/v1.0/servicePrincipals(appId='${EXCHANGE_ONLINE_APPLICATION_IDENTIFIER}')?$select=id,appId,displayName,keyCredentials`,
    `the Office 365 Exchange Online service principal`,
  );
  if (!application || !('found' in application)) return { ...(application ? { application } : {}), sharedServicePrincipal, requests };
  const servicePrincipal = await get(`${graph}/v1.0/servicePrincipals(appId='${appId}')?$select=id,appId,displayName`, `the service principal of ${appId}`);
  if (!('found' in servicePrincipal) || typeof servicePrincipal.found.id !== 'string') return { application, sharedServicePrincipal, servicePrincipal, requests };

  const assignments: GraphAppRoleAssignment[] = [];
  let url: string | undefined = `${graph}/v1.0/servicePrincipals/${encodeURIComponent(servicePrincipal.found.id)}/appRoleAssignments`;
  let appRoleAssignments: Lookup<readonly GraphAppRoleAssignment[]> | undefined;
  for (let page = 0; url !== undefined && appRoleAssignments === undefined; page++) {
    const r = await get(url, `the app role assignments of ${appId}`);
    if (!('found' in r)) {
      appRoleAssignments = r;
      break;
    }
    if (Array.isArray(r.found.value)) assignments.push(...(r.found.value as GraphAppRoleAssignment[]));
    const next = r.found['@odata.nextLink'];
    url = undefined;
    if (typeof next === 'string') {
      // The token goes only to the Graph endpoint the spec names.
      if (new URL(next, graph).origin !== new URL(graph).origin || page + 1 >= MAX_PAGES) {
        appRoleAssignments = {
          failed: { source: 'graph', severity: 'error', code: 'unexpected-next-link', cause: `Graph's list of the app role assignments of ${appId} continues at ${new URL(next, graph).origin}, or past ${MAX_PAGES} pages: not followed.`, fix: 'Check graphEndpoint in the verify section: it must be Microsoft Graph', refs: [] },
        };
      } else url = new URL(next, graph).toString();
    }
  }
  return { application, sharedServicePrincipal, servicePrincipal, appRoleAssignments: appRoleAssignments ?? { found: assignments }, requests };
}

/** Reads Graph and diagnoses; a refusal or a missing answer is a diagnosis in the report, never a throw. */
export async function checkEntra(
  ctx: DiagnoseContext,
  input: EntraInput,
  token: string,
  /** The token's roles; undefined when the token could not be read. */
  roles: readonly string[] | null | undefined,
  http: HttpOptions,
  capSeconds: number,
): Promise<EntraReport> {
  const reads = await readDirectory(ctx, input, token, roles, http, capSeconds);
  return diagnoseEntra(ctx, input, reads, Date.now());
}

export { entraNotRun };

/**
 * `verify`: sign in as the app with client credentials, read one message id from each mailbox through
 * Graph, and diagnose every answer; then, when asked, the Entra checks of the dedicated hybrid
 * application (src/verify/entra.ts). Reports only what was observed: a mailbox counts as readable only
 * when Graph answered 2xx for it.
 */
import type { LoadedSpec } from '../spec/types';
import { decodeClaims, rolesOf } from './claims';
import { readCredential, verifySection } from './credentials';
import {
  authorityHost,
  diagnoseGraphAnswer,
  diagnoseRoles,
  diagnoseTokenFailure,
  graphEndpoint,
  HYBRID_REST_NOTE,
  MAIL_READ_ROLES,
  type DiagnoseContext,
} from './diagnose';
import { DiagnosticError } from '../diag/diagnostic';
import { checkEntra, entraNotRun, type EntraNotChecked } from './entra';
import { getWithOneRetry } from './graph-get';
import { HttpFailure, type HttpOptions } from './http';
import { proxyFor, proxyFromEnv, ProxyConfigError, type ProxySettings } from './proxy';
import { makeScrubber, scrubDeep } from './scrub';
import { acquireToken } from './token';
import { VERIFY_FORMAT_VERSION, type EntraInput, type EntraReport, type MailboxResult, type NetworkRoute, type TokenResult, type VerifyReport } from './types';

export interface VerifyOptions {
  readonly env: NodeJS.ProcessEnv;
  /** PEM of extra CA certificates to trust (the CLI reads them from HYBRIDCFG_CA_FILE). */
  readonly caCerts?: string;
  /** Deadline per HTTP request; default 30 s. */
  readonly timeoutMs?: number;
  /** Longest Retry-After honoured for the one retry after a 429/503; default 10 s. Longer asks are not retried. */
  readonly retryCapSeconds?: number;
  /**
   * The Entra checks of the dedicated hybrid application (docs/verify.md#entra): their input from the
   * live state, or why the live state could not give it. Absent: no Entra checks (the report's entra is null).
   */
  readonly entra?: EntraInput | EntraNotChecked;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRY_CAP_SECONDS = 10;

function toolVersion(): string {
  return (require('../../package.json') as { version: string }).version;
}

export function mailboxUrl(graph: string, mailbox: string): string {
  return `${graph}/v1.0/users/${encodeURIComponent(mailbox)}/messages?$top=1&$select=id`;
}

async function probeMailbox(
  ctx: DiagnoseContext,
  index: number,
  token: string,
  roles: readonly string[] | null | undefined,
  http: HttpOptions,
  capSeconds: number,
): Promise<{ result: MailboxResult; onPremises: boolean }> {
  const mailbox = ctx.verify.mailboxes[index];
  const url = mailboxUrl(graphEndpoint(ctx.verify), mailbox);
  try {
    const { answer, attempts } = await getWithOneRetry(url, token, http, capSeconds);
    const d = diagnoseGraphAnswer(ctx, index, answer, roles, Date.now());
    return {
      onPremises: d.onPremises,
      result: {
        mailbox,
        outcome: d.diagnosis === null ? 'success' : 'failure',
        status: answer.status,
        attempts,
        diagnosis: d.diagnosis,
        evidence: d.evidence,
      },
    };
  } catch (err) {
    const code = err instanceof HttpFailure ? err.code : 'network';
    return {
      onPremises: false,
      result: {
        mailbox,
        outcome: 'failure',
        status: null,
        attempts: 1,
        diagnosis: {
          source: 'network',
          code,
          cause: `No answer from Graph: ${(err as Error).message}`,
          fix: code.startsWith('proxy-')
            ? `Fix the proxy named in HTTPS_PROXY (or https_proxy), or add the Graph host to NO_PROXY if it is reachable without one`
            : 'Check that graphEndpoint is reachable from here (proxy, firewall, DNS) and that its TLS certificate is trusted',
          refs: [],
        },
        evidence: {},
      },
    };
  }
}

/** HTTPS_PROXY / NO_PROXY, or a diagnostic naming the variable when it cannot be used. */
function proxySettings(env: NodeJS.ProcessEnv): ProxySettings | undefined {
  try {
    return proxyFromEnv(env);
  } catch (err) {
    if (!(err instanceof ProxyConfigError)) throw err;
    throw new DiagnosticError({
      severity: 'error',
      code: 'verify.proxy-config',
      summary: `The proxy setting ${err.variable} cannot be used`,
      detail: err.message,
    });
  }
}

/** How each endpoint is reached, for the report: through the proxy or directly. */
function networkOf(proxy: ProxySettings | undefined, authority: string, graph: string): NetworkRoute {
  if (!proxy) return { proxy: null };
  const via = (url: string): 'proxy' | 'direct' => (proxyFor(new URL(url), proxy) ? 'proxy' : 'direct');
  return {
    proxy: proxy.display,
    proxyFrom: proxy.from,
    ...(proxy.noProxyFrom ? { noProxyFrom: proxy.noProxyFrom } : {}),
    authorityHost: via(authority),
    graphEndpoint: via(graph),
  };
}

export async function runVerify(loaded: LoadedSpec, opts: VerifyOptions): Promise<VerifyReport> {
  const startedAt = new Date().toISOString();
  const v = verifySection(loaded);
  const credential = await readCredential(loaded, v, opts.env);
  const proxy = proxySettings(opts.env);
  const http: HttpOptions = {
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(opts.caCerts ? { caCerts: opts.caCerts } : {}),
    ...(proxy ? { proxy } : {}),
  };
  const capSeconds = opts.retryCapSeconds ?? DEFAULT_RETRY_CAP_SECONDS;
  const ctx: DiagnoseContext = {
    loaded,
    verify: v,
    credential: credential.kind,
    ...(credential.kind === 'certificate' ? { thumbprintSha256: credential.thumbprintSha256 } : {}),
  };
  const notes: string[] = [];
  if (credential.kind === 'certificate' && Date.parse(credential.notAfter) < Date.now()) {
    notes.push(`The client certificate expired on ${credential.notAfter}: the identity provider will refuse it. Make a new one and upload it to app ${v.clientId}.`);
  }

  const scrubValues = [...credential.sensitive];
  const outcome = await acquireToken(v, credential, http, makeScrubber(scrubValues));
  let token: TokenResult;
  let mailboxes: MailboxResult[];
  const entraIn = opts.entra;
  let entra: EntraReport | null = entraIn === undefined ? null : 'notChecked' in entraIn ? entraNotRun('not-checked', entraIn.notChecked, null) : null;
  if (!outcome.ok) {
    token = { acquired: false, roles: null, mailRoles: [], diagnosis: diagnoseTokenFailure(ctx, outcome.failure) };
    mailboxes = v.mailboxes.map((mailbox) => ({ mailbox, outcome: 'not-attempted', status: null, attempts: 0, diagnosis: null, evidence: {} }));
    if (entraIn !== undefined && !('notChecked' in entraIn)) entra = entraNotRun('not-attempted', 'No token was issued (see Token above), so Graph was not asked.', entraIn);
  } else {
    scrubValues.push(outcome.accessToken);
    const claims = decodeClaims(outcome.accessToken);
    const roles = claims ? rolesOf(claims) : null;
    if (!claims) notes.push('The access token is not a readable JWT, so its roles were not checked before calling Graph.');
    token = {
      acquired: true,
      roles,
      mailRoles: (roles ?? []).filter((r) => MAIL_READ_ROLES.includes(r)),
      diagnosis: claims ? diagnoseRoles(ctx, roles) : null,
    };
    // One mailbox at a time: a verification run must not add to any throttling it is diagnosing.
    mailboxes = [];
    let onPremises = false;
    for (let i = 0; i < v.mailboxes.length; i++) {
      const probe = await probeMailbox(ctx, i, outcome.accessToken, claims ? roles : undefined, http, capSeconds);
      mailboxes.push(probe.result);
      onPremises ||= probe.onPremises;
    }
    if (onPremises) notes.push(HYBRID_REST_NOTE);
    if (entraIn !== undefined && !('notChecked' in entraIn)) entra = await checkEntra(ctx, entraIn as EntraInput, outcome.accessToken, claims ? roles : undefined, http, capSeconds);
  }

  const succeeded = mailboxes.filter((m) => m.outcome === 'success').length;
  const report: VerifyReport = {
    formatVersion: VERIFY_FORMAT_VERSION,
    tool: { name: 'hybridcfg', version: toolVersion() },
    startedAt,
    spec: { path: loaded.path },
    tenantId: v.tenantId,
    clientId: v.clientId,
    credential: credential.kind,
    authorityHost: authorityHost(v),
    graphEndpoint: graphEndpoint(v),
    network: networkOf(proxy, authorityHost(v), graphEndpoint(v)),
    token,
    mailboxes,
    notes,
    summary: { total: mailboxes.length, succeeded, failed: mailboxes.length - succeeded },
    entra,
    ok: mailboxes.length > 0 && succeeded === mailboxes.length && (entra === null || entra.ok),
  };
  return scrubDeep(report, makeScrubber(scrubValues));
}

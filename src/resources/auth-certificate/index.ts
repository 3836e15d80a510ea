/**
 * The Auth certificate (`authCertificate` in the spec; docs/exchange-facts.md#hybrid-unit H9, H12): two
 * read-only kinds that share the section. `authConfig` reads Get-AuthConfig in the organisation read;
 * `authCertificate` reads, on each server in scope and in that server's one read, the certificates
 * AuthConfig names (current and next) from the local machine store: present, NotAfter, private key.
 * The plan fails when a server lacks the current one or its private key, or when it expires within
 * `minimumDaysValid` days, and warns below 60 days. hybridcfg never creates or rotates the certificate:
 * each failure names Microsoft's procedure.
 *
 * The live state keeps both reads in an easy shape (AuthConfigLive, AuthCertificateLive), and
 * `authCertificateState(live)` joins them (for verify's Entra checks, which compare them with the
 * dedicated application's keyCredentials).
 */
import { error, warning, type Diagnostic } from '../../diag/diagnostic';
import type { KindPlan, LiveState, PlanInput, ResourceKind } from '../types';
import type { VerifyFacts } from '../../verify/types';
import { authCertificateLab, authConfigLab } from './lab';
import { authCertificatePowerShell, authConfigPowerShell } from './powershell';
import schema from './schema.json';
import { WARN_DAYS_VALID, type AuthCertificateLive, type AuthCertificateQuery, type AuthCertificateSpec, type AuthConfigLive } from './types';

export type { AuthCertificateLive, AuthCertificateSpec, AuthConfigLive, StoreCertificate } from './types';
export const AUTH_CONFIG_KIND = 'authConfig';
export const AUTH_CERTIFICATE_KIND = 'authCertificate';
const DAY_MS = 24 * 60 * 60 * 1000;

/** The Auth certificates of the organisation as verify needs them: AuthConfig's thumbprints, and each server's copies. */
export interface AuthCertificateState {
  readonly currentThumbprint: string | null;
  readonly nextThumbprint: string | null;
  readonly nextEffectiveDate: string | null;
  /** Per server in scope that was read: the current and next certificate (null: not in its store, or AuthConfig names none). */
  readonly servers: Readonly<Record<string, { readonly current: CertificateOnServer | null; readonly next: CertificateOnServer | null }>>;
}
export interface CertificateOnServer {
  readonly thumbprint: string;
  readonly notAfter: string;
  readonly hasPrivateKey: boolean;
}

export function authCertificateState(live: LiveState): AuthCertificateState {
  const config = live.organization.resources[AUTH_CONFIG_KIND] as AuthConfigLive | undefined;
  const current = config?.currentThumbprint ?? null;
  const next = config?.nextThumbprint ?? null;
  const servers: Record<string, { current: CertificateOnServer | null; next: CertificateOnServer | null }> = {};
  for (const s of live.servers) {
    const read = live.serverStates[s.Name]?.resources[AUTH_CERTIFICATE_KIND] as AuthCertificateLive | undefined;
    if (live.serverStates[s.Name] === undefined) continue;
    const find = (t: string | null): CertificateOnServer | null => {
      const c = t === null ? undefined : read?.certificates.find((x) => x.thumbprint === t);
      return c && c.found ? { thumbprint: c.thumbprint, notAfter: c.notAfter, hasPrivateKey: c.hasPrivateKey } : null;
    };
    servers[s.Name] = { current: find(current), next: find(next) };
  }
  return { currentThumbprint: current, nextThumbprint: next, nextEffectiveDate: config?.nextEffectiveDate ?? null, servers };
}

const ROTATE =
  'Microsoft\'s procedure, "Maintain (rotate) the Exchange Server Auth certificate" ' +
  '(https://learn.microsoft.com/exchange/plan-and-deploy/integration-with-sharepoint-and-skype/maintain-oauth-certificate), in the Exchange Management Shell:\n' +
  '  $c = New-ExchangeCertificate -KeySize 2048 -PrivateKeyExportable $true -SubjectName "cn=Microsoft Exchange Server Auth Certificate" -FriendlyName "Microsoft Exchange Server Auth Certificate" -DomainName @()\n' +
  '  Set-AuthConfig -NewCertificateThumbprint $c.Thumbprint -NewCertificateEffectiveDate (Get-Date).AddDays(2)\n' +
  'then, on that date, Set-AuthConfig -PublishCertificate and Set-AuthConfig -ClearPreviousCertificate; or Microsoft\'s MonitorExchangeAuthCertificate.ps1 (https://aka.ms/MonitorExchangeAuthCertificate), which does it for you. ' +
  'With the dedicated hybrid application, upload the new certificate to it as well (ConfigureExchangeHybridApplication.ps1). hybridcfg never creates or rotates the certificate.';

const specOf = (input: { readonly loaded: { readonly spec: Readonly<Record<string, unknown>> } }): AuthCertificateSpec | undefined => input.loaded.spec.authCertificate as AuthCertificateSpec | undefined;
const nothing = (read: unknown): KindPlan<never> => ({ changes: [], diagnostics: [], read });
const readOnly = (): never => {
  throw new Error('hybridcfg never changes the Auth configuration or certificate: no change of them is ever planned');
};

/**
 * verify's Entra checks: AuthConfig's current and next thumbprints, each with the NotAfter the servers'
 * stores show (the earliest, should copies differ), which the dedicated application's keys must outlast.
 */
function verifyFacts(input: PlanInput<never, AuthConfigLive, never>): VerifyFacts {
  const state = authCertificateState(input.live);
  if (state.currentThumbprint === null) return {};
  const notAfter = (which: 'current' | 'next'): string | undefined =>
    Object.values(state.servers)
      .map((s) => s[which]?.notAfter)
      .filter((d): d is string => typeof d === 'string')
      .sort((a, b) => Date.parse(a) - Date.parse(b))[0];
  const fact = (thumbprint: string, which: 'current' | 'next') => {
    const n = notAfter(which);
    return { thumbprint, ...(n !== undefined ? { notAfter: n } : {}) };
  };
  return {
    authCertificates: {
      current: fact(state.currentThumbprint, 'current'),
      ...(state.nextThumbprint !== null ? { next: fact(state.nextThumbprint, 'next') } : {}),
    },
  };
}

export const authConfig: ResourceKind<never, AuthConfigLive, never, never> = {
  id: AUTH_CONFIG_KIND,
  specKey: 'authCertificate',
  scope: 'organization',
  noun: ['Auth configuration', 'Auth configurations'],
  applyOrder: 1,
  schema,
  // Always read (one cmdlet in the organisation's one read): the servers' reads look its thumbprints up,
  // and verify compares them with Entra ID's.
  orgQuery: () => ({}),
  verifyFacts,
  facts: (input) => ({ authCertificates: authCertificateState(input.live) }),
  plan: (input) => nothing(input.org ?? null),
  rollback: () => nothing(null),
  export: () => [],
  request: readOnly,
  undo: () => undefined,
  drivers: { lab: authConfigLab, powershell: authConfigPowerShell },
};

function planCertificates(input: PlanInput<never, never, AuthCertificateLive>): KindPlan<never> {
  const read: Record<string, unknown> = {};
  for (const s of input.servers) read[s.Name] = input.server(s.Name)?.certificates ?? null;
  const spec = specOf(input);
  if (spec === undefined || input.now === undefined) return nothing(read);
  const at = { source: input.locate('/authCertificate/minimumDaysValid'), path: '/authCertificate/minimumDaysValid' };
  const config = input.live.organization.resources[AUTH_CONFIG_KIND] as AuthConfigLive | undefined;
  const current = config?.currentThumbprint ?? null;
  if (current === null) {
    return {
      changes: [],
      read,
      diagnostics: [
        error('plan.auth-certificate-not-configured', 'AuthConfig names no Auth certificate (Get-AuthConfig CurrentCertificateThumbprint is empty).', `Exchange signs its OAuth tokens with the certificate AuthConfig names; without one, hybrid OAuth fails. ${ROTATE}`, at),
      ],
    };
  }
  const out: Diagnostic[] = [];
  const now = input.now.getTime();
  for (const s of input.servers) {
    const live = input.server(s.Name);
    if (live === undefined) continue;
    const c = live.certificates.find((x) => x.thumbprint === current);
    if (!c || !c.found) {
      out.push(
        error(
          'plan.auth-certificate-missing',
          `${s.Name} does not have the Auth certificate ${current} (AuthConfig CurrentCertificateThumbprint) in Cert:\\LocalMachine\\My.`,
          `Exchange on ${s.Name} cannot sign OAuth tokens, or PowerShell serialisation payloads, without it. The Exchange certificate servicelet (MSExchangeServiceHost) copies it to every server; check that service on ${s.Name}, or replace the certificate: ${ROTATE}`,
          at,
        ),
      );
      continue;
    }
    if (!c.hasPrivateKey) {
      out.push(
        error(
          'plan.auth-certificate-no-private-key',
          `${s.Name} has the Auth certificate ${current}, but without its private key.`,
          `Exchange on ${s.Name} cannot sign with a certificate whose private key it lacks. Replace the certificate: ${ROTATE}`,
          at,
        ),
      );
      continue;
    }
    const days = Math.floor((Date.parse(c.notAfter) - now) / DAY_MS);
    const when = days < 0 ? `expired on ${c.notAfter.slice(0, 10)}` : `expires on ${c.notAfter.slice(0, 10)}, in ${days} day${days === 1 ? '' : 's'}`;
    if (days < spec.minimumDaysValid) {
      out.push(error('plan.auth-certificate-expiring', `The Auth certificate ${current} on ${s.Name} ${when}, less than authCertificate.minimumDaysValid (${spec.minimumDaysValid}).`, `Rotate it before it expires: ${ROTATE}`, at));
    } else if (days < WARN_DAYS_VALID) {
      out.push(warning('plan.auth-certificate-expires-soon', `The Auth certificate ${current} on ${s.Name} ${when}, less than ${WARN_DAYS_VALID} days from now.`, `Plan its rotation now: ${ROTATE}`, at));
    }
  }
  return { changes: [], diagnostics: out, read };
}

export const authCertificate: ResourceKind<never, never, AuthCertificateLive, never> = {
  id: AUTH_CERTIFICATE_KIND,
  specKey: 'authCertificate',
  scope: 'server',
  noun: ['Auth certificate', 'Auth certificates'],
  applyOrder: 1,
  schema,
  serverQuery: (_ctx, _server, _purpose, organization): AuthCertificateQuery | undefined => {
    const config = organization?.resources[AUTH_CONFIG_KIND] as AuthConfigLive | undefined;
    const thumbprints = [...new Set([config?.currentThumbprint, config?.nextThumbprint].filter((t): t is string => typeof t === 'string'))];
    return thumbprints.length > 0 ? { thumbprints } : undefined;
  },
  plan: planCertificates,
  rollback: () => nothing(null),
  export: () => [],
  request: readOnly,
  undo: () => undefined,
  drivers: { lab: authCertificateLab, powershell: authCertificatePowerShell },
};

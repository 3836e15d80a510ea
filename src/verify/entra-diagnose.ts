/**
 * Pure diagnosis of the Entra side of the dedicated Exchange hybrid application: what Graph showed of the
 * dedicated application, its service principal's app role assignments and the shared Office 365 Exchange
 * Online service principal, checked against the Auth certificate Exchange signs with. No I/O here;
 * src/verify/entra.ts reads Graph and feeds the answers in. What "right" means is Microsoft's
 * ConfigureExchangeHybridApplication.ps1 (docs/exchange-facts.md#hybrid-unit H6, H12-H16).
 */
import { createHash } from 'node:crypto';
import { EXCHANGE_ONLINE_APPLICATION_IDENTIFIER } from '../domain/exchange';
import type { DiagnoseContext } from './diagnose';
import { specRef, where } from './spec-refs';
import type { EntraCheck, EntraCheckId, EntraDiagnosis, EntraInput, EntraReport, KeyCredentialSummary, SpecRef } from './types';

/** full_access_as_app, the application permission of Office 365 Exchange Online (H6). */
export const FULL_ACCESS_AS_APP_ROLE_ID = 'dc890d15-9560-4a4c-9b7f-a736ec74ec40';

/** Application permissions that let the verify app read applications and service principals (H12). */
export const APPLICATION_READ_ROLES: readonly string[] = ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];

export const CHECK_TITLES: Readonly<Record<EntraCheckId, string>> = {
  application: 'Dedicated application exists',
  'current-certificate': 'Current Auth certificate is a key of the app',
  'next-certificate': 'Next Auth certificate is a key of the app',
  'permission-requested': 'full_access_as_app among its API permissions',
  'admin-consent': 'Admin consent for full_access_as_app',
  'shared-service-principal': 'Shared service principal holds no Auth certificate',
};

const CHECK_ORDER: readonly EntraCheckId[] = ['application', 'current-certificate', 'next-certificate', 'permission-requested', 'admin-consent', 'shared-service-principal'];

/** Graph's JSON, as far as it is read; anything may be missing or of the wrong type. */
export interface GraphObject {
  readonly id?: unknown;
  readonly appId?: unknown;
  readonly displayName?: unknown;
  readonly keyCredentials?: unknown;
  readonly requiredResourceAccess?: unknown;
}

export interface GraphAppRoleAssignment {
  readonly id?: unknown;
  readonly appRoleId?: unknown;
  readonly principalId?: unknown;
  readonly resourceId?: unknown;
  readonly resourceDisplayName?: unknown;
}

/** One Graph read: the object, Graph's 404, or why there is no answer to use. */
export type Lookup<T> = { readonly found: T } | { readonly notFound: true } | { readonly failed: EntraDiagnosis };

export interface EntraReads {
  /** Not read when the appId is not a GUID. */
  readonly application?: Lookup<GraphObject>;
  readonly sharedServicePrincipal: Lookup<GraphObject>;
  /** Read only when the application was found. */
  readonly servicePrincipal?: Lookup<GraphObject>;
  /** Read only when the service principal was found. */
  readonly appRoleAssignments?: Lookup<readonly GraphAppRoleAssignment[]>;
  readonly requests: number;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** 40 hex digits, upper case, separators dropped; null when it is not a SHA-1 thumbprint. */
export function normalizeThumbprint(value: string): string | null {
  const t = value.replace(/[\s:]/g, '').toUpperCase();
  return /^[0-9A-F]{40}$/.test(t) ? t : null;
}

/**
 * A keyCredential's thumbprint: customKeyIdentifier, which defaults to the certificate's thumbprint and
 * which Microsoft's script compares with it (H13); else the SHA-1 of the key, which Graph returns for a
 * single object read with $select (the certificate's DER, H9, H13).
 */
export function keySummary(raw: unknown): KeyCredentialSummary {
  const k = (raw ?? {}) as Record<string, unknown>;
  const fromIdentifier = typeof k.customKeyIdentifier === 'string' ? normalizeThumbprint(k.customKeyIdentifier) : null;
  let fromKey: string | null = null;
  if (fromIdentifier === null && typeof k.key === 'string' && k.key !== '') {
    const der = Buffer.from(k.key, 'base64');
    if (der.length > 0) fromKey = createHash('sha1').update(der).digest('hex').toUpperCase();
  }
  return {
    keyId: str(k.keyId),
    displayName: str(k.displayName),
    type: str(k.type),
    usage: str(k.usage),
    thumbprint: fromIdentifier ?? fromKey,
    startDateTime: str(k.startDateTime),
    endDateTime: str(k.endDateTime),
  };
}

export function keysOf(o: GraphObject): KeyCredentialSummary[] {
  return Array.isArray(o.keyCredentials) ? o.keyCredentials.map(keySummary) : [];
}

const seconds = (iso: string | null | undefined): number | null => {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : Math.floor(t / 1000);
};

const short = (iso: string): string => iso.replace(/\.\d+Z$/, 'Z');

function describeKeys(keys: readonly KeyCredentialSummary[]): string {
  if (keys.length === 0) return 'It has no keys.';
  return `Its keys: ${keys.map((k) => `${k.thumbprint ?? '(no thumbprint)'} (${k.type ?? '?'}/${k.usage ?? '?'}${k.endDateTime ? `, until ${short(k.endDateTime)}` : ''})`).join(', ')}.`;
}

interface Parts {
  readonly ctx: DiagnoseContext;
  readonly input: EntraInput;
  readonly now: number;
}

function located(ctx: DiagnoseContext, ...pointers: string[]): SpecRef[] {
  return pointers.map((p) => specRef(ctx.loaded, p)).filter((r) => r.line !== undefined);
}

function diag(severity: 'error' | 'warning', code: string, cause: string, fix: string, refs: SpecRef[] = []): EntraDiagnosis {
  return { source: 'entra', severity, code, cause, fix: fix + (refs.length > 0 ? ` (${refs.map(where).join(', ')})` : ''), refs };
}

function check(id: EntraCheckId, outcome: EntraCheck['outcome'], diagnosis: EntraDiagnosis | null): EntraCheck {
  return { check: id, title: CHECK_TITLES[id], outcome, diagnosis };
}

export const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The certificate upload, as Microsoft's script does it and by hand (H13, H14). */
function uploadFix(appId: string, thumbprint: string): string {
  return (
    `On an Exchange server, run Microsoft's .\\ConfigureExchangeHybridApplication.ps1 -UpdateCertificate (it uploads the current and the next Auth certificate). ` +
    `Or by hand: export the certificate without its private key (Export-Certificate -Cert Cert:\\LocalMachine\\My\\${thumbprint} -FilePath auth.cer) ` +
    `and upload it under App registrations > ${appId} > Certificates & secrets > Certificates > Upload certificate`
  );
}

function certificateCheck(p: Parts, which: 'current' | 'next', app: GraphObject): EntraCheck {
  const id: EntraCheckId = which === 'current' ? 'current-certificate' : 'next-certificate';
  const cert = p.input.authCertificates[which]!;
  const appId = p.input.dedicatedAppId;
  const field = which === 'current' ? 'CurrentCertificateThumbprint' : 'NextCertificateThumbprint';
  const keys = keysOf(app);
  const same = keys.filter((k) => k.thumbprint === cert.thumbprint);
  const usable = same.filter((k) => k.type === 'AsymmetricX509Cert' && k.usage === 'Verify');
  const consequence =
    which === 'current'
      ? 'Exchange Online refuses the tokens Exchange signs with it, so free/busy, MailTips and photos fail.'
      : 'Exchange Online will refuse the tokens Exchange signs with it once it becomes the current one (Get-AuthConfig NextCertificateEffectiveDate).';
  if (usable.length === 0) {
    const wrongKind = same.length > 0 ? ` A key with this thumbprint is there, but as ${same.map((k) => `${k.type ?? '?'}/${k.usage ?? '?'}`).join(', ')}, not AsymmetricX509Cert/Verify.` : '';
    return check(
      id,
      'failed',
      diag(
        'error',
        'auth-certificate-not-uploaded',
        `The dedicated application ${appId} has no key for the ${which} Auth certificate ${cert.thumbprint} (Get-AuthConfig ${field}): ${consequence}${wrongKind} ${describeKeys(keys)}`,
        uploadFix(appId, cert.thumbprint),
      ),
    );
  }
  const best = [...usable].sort((a, b) => (seconds(b.endDateTime) ?? Infinity) - (seconds(a.endDateTime) ?? Infinity))[0]!;
  const end = seconds(best.endDateTime);
  const notAfter = seconds(cert.notAfter);
  const replace =
    `Under App registrations > ${appId} > Certificates & secrets > Certificates, delete the key ${best.keyId ?? best.thumbprint} and upload the certificate again; ` +
    `export it without its private key with Export-Certificate -Cert Cert:\\LocalMachine\\My\\${cert.thumbprint} -FilePath auth.cer ` +
    `(Microsoft's -UpdateCertificate adds a certificate only when no key has its thumbprint)`;
  if (end !== null && end * 1000 < p.now) {
    const certExpired = notAfter !== null && notAfter * 1000 <= p.now;
    return check(
      id,
      'failed',
      diag(
        'error',
        'auth-certificate-key-expired',
        `The dedicated application's key for the ${which} Auth certificate ${cert.thumbprint} expired on ${short(best.endDateTime!)}: ${consequence}` +
          (certExpired ? ` The Auth certificate itself expired on ${short(cert.notAfter!)}.` : ''),
        certExpired
          ? `Renew the Auth certificate (Microsoft's MonitorExchangeAuthCertificate.ps1, or New-ExchangeCertificate and Set-AuthConfig), then upload the new one: ${uploadFix(appId, '<new thumbprint>')}`
          : replace,
      ),
    );
  }
  if (end !== null && notAfter !== null && end < notAfter) {
    return check(
      id,
      'failed',
      diag(
        'error',
        'auth-certificate-key-expires-early',
        `The dedicated application's key for the ${which} Auth certificate ${cert.thumbprint} ends on ${short(best.endDateTime!)}, before the certificate does (${short(cert.notAfter!)}): after that date ${consequence}`,
        replace,
      ),
    );
  }
  return check(id, 'ok', null);
}

function permissionRequested(p: Parts, app: GraphObject): EntraCheck {
  const rra = Array.isArray(app.requiredResourceAccess) ? (app.requiredResourceAccess as Record<string, unknown>[]) : [];
  const has = rra.some(
    (r) =>
      String(r?.resourceAppId ?? '').toLowerCase() === EXCHANGE_ONLINE_APPLICATION_IDENTIFIER &&
      Array.isArray(r.resourceAccess) &&
      (r.resourceAccess as Record<string, unknown>[]).some((a) => String(a?.id ?? '').toLowerCase() === FULL_ACCESS_AS_APP_ROLE_ID && a.type === 'Role'),
  );
  if (has) return check('permission-requested', 'ok', null);
  const appId = p.input.dedicatedAppId;
  return check(
    'permission-requested',
    'warning',
    diag(
      'warning',
      'full-access-as-app-not-requested',
      `The dedicated application ${appId} does not list full_access_as_app (Office 365 Exchange Online, application permission) among its API permissions. ` +
        `Microsoft's script counts such an application as "not configured as expected".`,
      `App registrations > ${appId} > API permissions > Add a permission > APIs my organization uses > Office 365 Exchange Online > Application permissions > full_access_as_app, then Grant admin consent`,
    ),
  );
}

function adminConsent(p: Parts, reads: EntraReads, sharedId: string | null): EntraCheck {
  const appId = p.input.dedicatedAppId;
  const tenant = p.ctx.verify.tenantId;
  const sp = reads.servicePrincipal;
  if (!sp) return check('admin-consent', 'not-checked', null);
  if ('failed' in sp) return check('admin-consent', 'not-checked', sp.failed);
  const grant = `App registrations > ${appId} > API permissions > Grant admin consent for the tenant (Office 365 Exchange Online, full_access_as_app)`;
  if ('notFound' in sp) {
    return check(
      'admin-consent',
      'failed',
      diag(
        'error',
        'no-service-principal',
        `The dedicated application ${appId} has no service principal (enterprise application) in tenant ${tenant}, so nothing has been granted to it.`,
        `Create it (New-MgServicePrincipal -AppId ${appId} in Microsoft Graph PowerShell), then ${grant}`,
      ),
    );
  }
  const spId = str(sp.found.id) ?? '?';
  const assignments = reads.appRoleAssignments;
  if (!assignments) return check('admin-consent', 'not-checked', null);
  if ('failed' in assignments) return check('admin-consent', 'not-checked', assignments.failed);
  const list = 'found' in assignments ? assignments.found : [];
  // As Microsoft's Test-AzureApplicationPermission: an assignment to the app's own principal of the role (H12).
  const granted = list.some((a) => String(a.principalId ?? '').toLowerCase() === spId.toLowerCase() && String(a.appRoleId ?? '').toLowerCase() === FULL_ACCESS_AS_APP_ROLE_ID);
  if (granted) return check('admin-consent', 'ok', null);
  const others = list.map((a) => `${str(a.resourceDisplayName) ?? str(a.resourceId) ?? '?'} ${str(a.appRoleId) ?? '?'}`);
  return check(
    'admin-consent',
    'failed',
    diag(
      'error',
      'no-admin-consent',
      `Admin consent for full_access_as_app on Office 365 Exchange Online is missing: the dedicated application's service principal ${spId} has no such app role assignment ` +
        `(${others.length > 0 ? `it has: ${others.join(', ')}` : 'it has none'}). Exchange Online does not accept its tokens for EWS.`,
      `${grant}; or with Microsoft Graph PowerShell: New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId ${spId} -PrincipalId ${spId} ` +
        `-ResourceId ${sharedId ?? '<id of the Office 365 Exchange Online service principal>'} -AppRoleId ${FULL_ACCESS_AS_APP_ROLE_ID}`,
    ),
  );
}

function sharedServicePrincipal(p: Parts, shared: GraphObject): EntraCheck {
  const keys = keysOf(shared);
  const certs = (['current', 'next'] as const).flatMap((w) => (p.input.authCertificates[w] ? [{ which: w, thumbprint: p.input.authCertificates[w]!.thumbprint }] : []));
  const held = certs.filter((c) => keys.some((k) => k.thumbprint === c.thumbprint));
  if (held.length === 0) return check('shared-service-principal', 'ok', null);
  const others = keys.filter((k) => !held.some((h) => h.thumbprint === k.thumbprint)).length;
  return check(
    'shared-service-principal',
    'warning',
    diag(
      'warning',
      'shared-service-principal-holds-auth-certificate',
      `The shared service principal of Office 365 Exchange Online (${EXCHANGE_ONLINE_APPLICATION_IDENTIFIER}) still holds the ${held.map((h) => `${h.which} Auth certificate ${h.thumbprint}`).join(' and the ')} ` +
        `as a keyCredential: Microsoft's script removes it once the dedicated application works (its clean-up of CVE-2025-53786).` +
        (others > 0 ? ` It holds ${others} other key${others === 1 ? '' : 's'} as well.` : ''),
      `Once the dedicated application works and every Exchange server runs a build that supports it, run on an Exchange server ` +
        held.map((h) => `.\\ConfigureExchangeHybridApplication.ps1 -ResetFirstPartyServicePrincipalKeyCredentials -CertificateInformation ${h.thumbprint}`).join(', then ') +
        ` (it also removes expired keys). Servers on older builds keep using the shared service principal and break once it is cleaned up.`,
    ),
  );
}

export function diagnoseEntra(ctx: DiagnoseContext, input: EntraInput, reads: EntraReads, now: number): EntraReport {
  const p: Parts = { ctx, input, now };
  const appId = input.dedicatedAppId;
  const appRefs = input.dedicatedAppIdPointer ? located(ctx, input.dedicatedAppIdPointer) : [];
  const checks: EntraCheck[] = [];
  const app = reads.application;
  let appFound: GraphObject | null = null;
  const setAppId = `set the auth server's ApplicationIdentifier to the dedicated application's appId (Set-AuthServer <EvoSts auth server> -ApplicationIdentifier <appId>${appRefs.length > 0 ? ', or the spec line named here' : ''})`;
  if (!GUID.test(appId) || app === undefined) {
    checks.push(
      check(
        'application',
        'failed',
        diag('error', 'dedicated-app-id-invalid', `The auth server's ApplicationIdentifier "${appId}" is not an application (client) id: a GUID.`, `${setAppId.charAt(0).toUpperCase()}${setAppId.slice(1)}`, appRefs),
      ),
    );
  } else if ('failed' in app) {
    checks.push(check('application', 'not-checked', app.failed));
  } else if ('notFound' in app) {
    checks.push(
      check(
        'application',
        'failed',
        diag(
          'error',
          'dedicated-app-missing',
          `Tenant ${ctx.verify.tenantId} has no application with appId ${appId}, the auth server's ApplicationIdentifier: Exchange asks Entra ID for tokens of an application that does not exist.`,
          `If the application exists under another appId, ${setAppId}; ` +
            `else create it on an Exchange server with Microsoft's .\\ConfigureExchangeHybridApplication.ps1 -FullyConfigureExchangeHybridApplication ` +
            `(it creates ExchangeServerApp-<organisation GUID>, uploads the Auth certificate and sets the auth server)`,
          appRefs,
        ),
      ),
    );
  } else {
    appFound = app.found;
    checks.push(check('application', 'ok', null));
  }
  const appMissing = checks[0]!.diagnosis;
  const needsApp = (id: EntraCheckId, f: (a: GraphObject) => EntraCheck): EntraCheck => (appFound ? f(appFound) : check(id, 'not-checked', appMissing));
  checks.push(needsApp('current-certificate', (a) => certificateCheck(p, 'current', a)));
  if (input.authCertificates.next) checks.push(needsApp('next-certificate', (a) => certificateCheck(p, 'next', a)));
  checks.push(needsApp('permission-requested', (a) => permissionRequested(p, a)));

  const shared = reads.sharedServicePrincipal;
  const sharedObject = 'found' in shared ? shared.found : null;
  checks.push(appFound ? adminConsent(p, reads, sharedObject ? str(sharedObject.id) : null) : check('admin-consent', 'not-checked', appMissing));

  if ('failed' in shared) checks.push(check('shared-service-principal', 'not-checked', shared.failed));
  else if ('notFound' in shared) {
    const refs = located(ctx, '/verify/tenantId', '/verify/graphEndpoint');
    checks.push(
      check(
        'shared-service-principal',
        'failed',
        diag(
          'error',
          'exchange-online-missing',
          `Tenant ${ctx.verify.tenantId} has no service principal of Office 365 Exchange Online (${EXCHANGE_ONLINE_APPLICATION_IDENTIFIER}): it is not a tenant with Exchange Online, or Graph is another cloud's.`,
          'Check tenantId and graphEndpoint in the verify section',
          refs,
        ),
      ),
    );
  } else checks.push(sharedServicePrincipal(p, shared.found));

  // In a fixed order; a check that could not run carries the diagnosis of the read it needed.
  const ordered = CHECK_ORDER.flatMap((id) => checks.filter((c) => c.check === id));
  const count = (o: EntraCheck['outcome']): number => ordered.filter((c) => c.outcome === o).length;
  const sp = reads.servicePrincipal && 'found' in reads.servicePrincipal ? reads.servicePrincipal.found : null;
  return {
    status: 'checked',
    reason: null,
    input,
    application: appFound ? { id: str(appFound.id) ?? '?', displayName: str(appFound.displayName), keyCredentials: keysOf(appFound) } : null,
    servicePrincipal: sp ? { id: str(sp.id) ?? '?', displayName: str(sp.displayName) } : null,
    sharedServicePrincipal: sharedObject ? { id: str(sharedObject.id) ?? '?', keyCredentials: keysOf(sharedObject) } : null,
    requests: reads.requests,
    checks: ordered,
    summary: { total: ordered.length, passed: count('ok'), failed: count('failed'), warnings: count('warning'), notChecked: count('not-checked') },
    ok: !ordered.some((c) => c.diagnosis?.severity === 'error'),
  };
}

/** The report when the checks did not run: the facts were incomplete (`not-checked`) or there was no token (`not-attempted`). */
export function entraNotRun(status: 'not-checked' | 'not-attempted', reason: string, input: EntraInput | null): EntraReport {
  return {
    status,
    reason,
    input,
    application: null,
    servicePrincipal: null,
    sharedServicePrincipal: null,
    requests: 0,
    checks: [],
    summary: { total: 0, passed: 0, failed: 0, warnings: 0, notChecked: 0 },
    ok: true,
  };
}

/**
 * The directory part of the loopback Graph: applications and service principals with their keyCredentials
 * and app role assignments, served in Graph v1.0's shapes (docs/exchange-facts.md#hybrid-unit H12, H13,
 * H16). An object is addressed by appId (`applications(appId='…')`, `servicePrincipals(appId='…')`), a
 * service principal's assignments by its id, paged with @odata.nextLink; reading needs an application
 * permission that reads applications, or Graph answers 403 Authorization_RequestDenied.
 */
import { X509Certificate } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** A certificate as a keyCredential; the defaults are what Entra ID makes of an uploaded certificate. */
export interface FakeKey {
  readonly certPem: string;
  /** Default: the certificate's NotAfter. */
  readonly endDateTime?: string;
  readonly type?: string;
  readonly usage?: string;
  /** Default: the certificate's SHA-1 thumbprint (40 hex digits); null: none. */
  readonly customKeyIdentifier?: string | null;
}

export interface FakeApplication {
  readonly id: string;
  readonly appId: string;
  readonly displayName: string;
  readonly keyCredentials: readonly FakeKey[];
  readonly requiredResourceAccess: readonly { readonly resourceAppId: string; readonly resourceAccess: readonly { readonly id: string; readonly type: string }[] }[];
}

export interface FakeAssignment {
  readonly id: string;
  readonly appRoleId: string;
  readonly resourceId: string;
  readonly resourceDisplayName: string;
}

export interface FakeServicePrincipal {
  readonly id: string;
  readonly appId: string;
  readonly displayName: string;
  readonly keyCredentials: readonly FakeKey[];
  /** Granted to this service principal (principalId = its id). */
  readonly appRoleAssignments: readonly FakeAssignment[];
}

export interface FakeDirectory {
  readonly applications: readonly FakeApplication[];
  readonly servicePrincipals: readonly FakeServicePrincipal[];
  /** Assignments per page (default: all on one). */
  readonly pageSize?: number;
  /** Where @odata.nextLink points (default: this Graph): a Graph that sends the client elsewhere. */
  readonly nextLinkOrigin?: string;
  /** Answer this collection with an error instead. */
  readonly fault?: { readonly on: 'applications' | 'servicePrincipals' | 'appRoleAssignments'; readonly status: number; readonly code: string; readonly message: string };
}

/** Graph application permissions that read applications (learn.microsoft.com graph/api/application-get). */
const READ_ROLES = ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];

export const thumbprintOf = (pem: string): string => new X509Certificate(pem).fingerprint.replace(/:/g, '');
export const notAfterOf = (pem: string): string => new Date(new X509Certificate(pem).validTo).toISOString();

type Json = (res: ServerResponse, status: number, body: unknown) => void;

function keyCredential(k: FakeKey, withKey: boolean, index: number): Record<string, unknown> {
  const cert = new X509Certificate(k.certPem);
  return {
    customKeyIdentifier: k.customKeyIdentifier === undefined ? thumbprintOf(k.certPem) : k.customKeyIdentifier,
    displayName: `CN=${cert.subject.replace(/^CN=/, '')}`,
    endDateTime: k.endDateTime ?? new Date(cert.validTo).toISOString(),
    key: withKey ? cert.raw.toString('base64') : null,
    keyId: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    startDateTime: new Date(cert.validFrom).toISOString(),
    type: k.type ?? 'AsymmetricX509Cert',
    usage: k.usage ?? 'Verify',
  };
}

function selected(object: Record<string, unknown>, select: readonly string[] | null): Record<string, unknown> {
  return select === null ? object : Object.fromEntries(Object.entries(object).filter(([k]) => select.includes(k)));
}

function notFound(json: Json, res: ServerResponse, id: string): void {
  json(res, 404, { error: { code: 'Request_ResourceNotFound', message: `Resource '${id}' does not exist or one of its queried reference-property objects are not present.` } });
}

/**
 * Serves a directory request when `path` is one; returns false for any other path. `roles` are the
 * calling token's (already checked to be one this Graph issued).
 */
export function serveDirectory(dir: FakeDirectory, base: string, path: string, query: URLSearchParams, roles: readonly string[] | null, res: ServerResponse, json: Json): boolean {
  const app = /^\/v1\.0\/applications\(appId='([^']*)'\)$/.exec(path);
  const sp = /^\/v1\.0\/servicePrincipals\(appId='([^']*)'\)$/.exec(path);
  const assignments = /^\/v1\.0\/servicePrincipals\/([^/]+)\/appRoleAssignments$/.exec(path);
  if (!app && !sp && !assignments) return false;
  if (roles === null || !roles.some((r) => READ_ROLES.includes(r))) {
    json(res, 403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.', innerError: { 'request-id': 'r' } } });
    return true;
  }
  const on = app ? 'applications' : sp ? 'servicePrincipals' : 'appRoleAssignments';
  if (dir.fault?.on === on) {
    json(res, dir.fault.status, { error: { code: dir.fault.code, message: dir.fault.message } });
    return true;
  }
  const select = query.get('$select')?.split(',') ?? null;
  const withKey = select?.includes('keyCredentials') ?? false;
  if (app) {
    const a = dir.applications.find((x) => x.appId === decodeURIComponent(app[1]));
    if (!a) return notFound(json, res, decodeURIComponent(app[1])), true;
    json(res, 200, {
      '@odata.context': `${base}/v1.0/$metadata#applications/$entity`,
      ...selected({ id: a.id, appId: a.appId, displayName: a.displayName, keyCredentials: a.keyCredentials.map((k, i) => keyCredential(k, withKey, i)), requiredResourceAccess: a.requiredResourceAccess }, select),
    });
    return true;
  }
  if (sp) {
    const s = dir.servicePrincipals.find((x) => x.appId === decodeURIComponent(sp[1]));
    if (!s) return notFound(json, res, decodeURIComponent(sp[1])), true;
    json(res, 200, {
      '@odata.context': `${base}/v1.0/$metadata#servicePrincipals/$entity`,
      ...selected({ id: s.id, appId: s.appId, displayName: s.displayName, appDisplayName: s.displayName, keyCredentials: s.keyCredentials.map((k, i) => keyCredential(k, withKey, i)) }, select),
    });
    return true;
  }
  const id = decodeURIComponent(assignments![1]);
  const s = dir.servicePrincipals.find((x) => x.id === id);
  if (!s) return notFound(json, res, id), true;
  const all = s.appRoleAssignments.map((a) => ({
    id: a.id,
    appRoleId: a.appRoleId,
    createdDateTime: '2025-06-01T00:00:00Z',
    principalDisplayName: s.displayName,
    principalId: s.id,
    principalType: 'ServicePrincipal',
    resourceDisplayName: a.resourceDisplayName,
    resourceId: a.resourceId,
  }));
  const size = dir.pageSize ?? Math.max(all.length, 1);
  const from = Number(query.get('$skiptoken') ?? '0');
  const page = all.slice(from, from + size);
  json(res, 200, {
    '@odata.context': `${base}/v1.0/$metadata#servicePrincipals('${id}')/appRoleAssignments`,
    ...(from + size < all.length ? { '@odata.nextLink': `${dir.nextLinkOrigin ?? base}/v1.0/servicePrincipals/${id}/appRoleAssignments?$skiptoken=${from + size}` } : {}),
    value: page,
  });
  return true;
}

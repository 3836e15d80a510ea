/**
 * The Auth certificate on the PowerShell target: Get-AuthConfig in the organisation read, and each
 * server's local machine store in that server's read (auth-certificate.ps1). Read only: the set specs
 * exist because every driver has one, and no plan ever reaches them.
 */
import * as path from 'node:path';
import { DiagnosticError, error } from '../../diag/diagnostic';
import type { PsDriver, PsSetSpec } from '../../targets/powershell/driver';
import type { AuthCertificateLive, AuthCertificateQuery, AuthConfigLive, StoreCertificate } from './types';
import { normalizeThumbprint, THUMBPRINT } from './types';

const SCRIPT = path.join(__dirname, 'auth-certificate.ps1');
const READ_ONLY = 'hybridcfg never changes the Auth configuration or certificate: no change of them is ever planned';
const readOnly: PsSetSpec<never, never> = {
  fn: 'Read-HcAuthConfig',
  payload: () => {
    throw new Error(READ_ONLY);
  },
  parse: () => {
    throw new Error(READ_ONLY);
  },
  log: () => {
    throw new Error(READ_ONLY);
  },
  failCode: 'target.set-failed',
  what: 'The Auth certificate',
};

const damaged = (what: string, server?: string): DiagnosticError =>
  new DiagnosticError(error('target.read-failed', `${what}${server ? ` of ${server}` : ''} arrived in a shape hybridcfg does not know.`, 'Run plan again; if it persists, report it with the output of Get-AuthConfig | Format-List.'));
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export const authConfigPowerShell: PsDriver<unknown, AuthConfigLive, never, never> = {
  scope: 'organization',
  script: SCRIPT,
  cmdlets: ['Get-AuthConfig'],
  read: {
    fn: 'Read-HcAuthConfig',
    data: () => ({}),
    parse: (raw) => {
      if (typeof raw !== 'object' || raw === null) throw damaged('Get-AuthConfig');
      const r = raw as Record<string, unknown>;
      return {
        currentThumbprint: normalizeThumbprint(text(r.currentThumbprint)),
        nextThumbprint: normalizeThumbprint(text(r.nextThumbprint)),
        nextEffectiveDate: text(r.nextEffectiveDate),
        previousThumbprint: normalizeThumbprint(text(r.previousThumbprint)),
      };
    },
  },
  set: readOnly,
};

export const authCertificatePowerShell: PsDriver<AuthCertificateQuery, AuthCertificateLive, never, never> = {
  scope: 'server',
  script: SCRIPT,
  read: {
    fn: 'Read-HcAuthCertificate',
    data: (query) => {
      // Thumbprints become a Cert:\ path on the server: only 40 hexadecimal digits travel.
      for (const t of query.thumbprints) if (!THUMBPRINT.test(t)) throw new DiagnosticError(error('target.read-failed', `AuthConfig names "${t}", which is not a certificate thumbprint.`, 'Check Get-AuthConfig | Format-List *Thumbprint.'));
      return { thumbprints: query.thumbprints };
    },
    parse: (raw, _query, server) => {
      const list = (raw as { certificates?: unknown } | null)?.certificates;
      const items = list === undefined || list === null ? [] : Array.isArray(list) ? list : [list];
      const certificates: StoreCertificate[] = items.map((c) => {
        const r = c as Record<string, unknown>;
        const thumbprint = normalizeThumbprint(text(r.thumbprint));
        if (thumbprint === null) throw damaged('The certificate store', server?.Name);
        if (r.found !== true) return { thumbprint, found: false };
        const notAfter = text(r.notAfter);
        if (notAfter === null || Number.isNaN(Date.parse(notAfter))) throw damaged('The Auth certificate', server?.Name);
        return { thumbprint, found: true, subject: text(r.subject) ?? '', notBefore: text(r.notBefore) ?? '', notAfter, hasPrivateKey: r.hasPrivateKey === true };
      });
      return { certificates };
    },
  },
  set: readOnly,
};

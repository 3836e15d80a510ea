/**
 * The Auth certificate in the lab (LAB.md, "The Auth certificate"): AuthConfig is organization.json's
 * `authConfig` (from the capture fixtures/exchange/E19/GetAuthConfig.xml), and each server's local machine
 * store is the folder `Cert/LocalMachine/My/` of the server's folder, one `<THUMBPRINT>.json` per
 * certificate with X509Certificate2's properties. A new lab gives every server the Auth certificate of the
 * capture GetExchangeCertificate.xml (its thumbprint and subject, which AuthConfig names), valid for one
 * year from `lab init`: the capture's own dates expired in 2024. The fault `authCertificate` of a server
 * (`missing`, `expiring`, `no-private-key`) changes what its read finds, not the file.
 */
import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { LabOrganizationDriver, LabServerDriver } from '../../targets/lab/driver';
import { LAB_FILE_MAX_BYTES } from '../../targets/lab/format';
import { readCapture } from '../../targets/lab/init';
import { readFileBoundedSync } from '../../util/fs';
import type { AuthCertificateLive, AuthCertificateQuery, AuthConfigLive, StoreCertificate } from './types';
import { normalizeThumbprint } from './types';

const READ_ONLY = 'hybridcfg never changes the Auth configuration or certificate: no change of them is ever planned';
/** The lab's `expiring` fault: the certificate expires this many days after the read (below 60, the warning, and below a minimumDaysValid of 30). */
export const LAB_EXPIRING_DAYS = 20;
const DAY_MS = 24 * 60 * 60 * 1000;

export const storeFolder = (serverFolder: string): string => path.join(serverFolder, 'Cert', 'LocalMachine', 'My');

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export const authConfigLab: LabOrganizationDriver<unknown, AuthConfigLive, never, never> = {
  scope: 'organization',
  async read(ctx) {
    const org = await ctx.organization();
    const a = (org.authConfig ?? {}) as Record<string, unknown>;
    return {
      currentThumbprint: normalizeThumbprint(text(a.CurrentCertificateThumbprint)),
      nextThumbprint: normalizeThumbprint(text(a.NextCertificateThumbprint)),
      nextEffectiveDate: text(a.NextCertificateEffectiveDate),
      previousThumbprint: normalizeThumbprint(text(a.PreviousCertificateThumbprint)),
    };
  },
  set() {
    throw new Error(READ_ONLY);
  },
  call() {
    throw new Error(READ_ONLY);
  },
  shape(org) {
    const a = org.authConfig;
    if (a === undefined) return undefined;
    return typeof a === 'object' && a !== null && !Array.isArray(a) ? undefined : '"authConfig" is not an object';
  },
};

interface LabStoreFile {
  readonly Thumbprint: string;
  readonly Subject: string;
  readonly NotBefore: string;
  readonly NotAfter: string;
  readonly HasPrivateKey: boolean;
}

export const authCertificateLab: LabServerDriver<AuthCertificateQuery, AuthCertificateLive, never, never> = {
  scope: 'server',
  async read(ctx, query) {
    const fault = ctx.server.faults?.authCertificate;
    const certificates: StoreCertificate[] = [];
    for (const thumbprint of query.thumbprints) {
      let raw: string | null;
      try {
        // Synchronous, as the lab's small local files are (LAB_FILE_MAX_BYTES says why).
        raw = readFileBoundedSync(path.join(storeFolder(ctx.folder), `${thumbprint}.json`), LAB_FILE_MAX_BYTES).toString('utf8');
      } catch {
        raw = null;
      }
      if (raw === null || fault === 'missing') {
        certificates.push({ thumbprint, found: false });
        continue;
      }
      const c = JSON.parse(raw) as LabStoreFile;
      certificates.push({
        thumbprint: normalizeThumbprint(c.Thumbprint) ?? thumbprint,
        found: true,
        subject: c.Subject,
        notBefore: new Date(c.NotBefore).toISOString(),
        notAfter: fault === 'expiring' ? new Date(Date.now() + LAB_EXPIRING_DAYS * DAY_MS).toISOString() : new Date(c.NotAfter).toISOString(),
        hasPrivateKey: fault === 'no-private-key' ? false : c.HasPrivateKey === true,
      });
    }
    return { certificates };
  },
  set() {
    throw new Error(READ_ONLY);
  },
  call: 'none',
  async initServer(folder) {
    const [authConfig] = await readCapture('E19/GetAuthConfig.xml');
    const current = normalizeThumbprint(text(authConfig!.props.CurrentCertificateThumbprint));
    for (const o of await readCapture('E19/GetExchangeCertificate.xml')) {
      const rawData = o.props.RawData;
      if (typeof rawData !== 'string') continue;
      const x509 = new X509Certificate(Buffer.from(rawData, 'base64'));
      const thumbprint = x509.fingerprint.replace(/:/g, '');
      if (thumbprint !== current) continue;
      const now = new Date();
      const file: LabStoreFile = {
        Thumbprint: thumbprint,
        Subject: x509.subject.replace(/\n/g, ', '),
        NotBefore: now.toISOString(),
        NotAfter: new Date(Date.UTC(now.getUTCFullYear() + 1, now.getUTCMonth(), now.getUTCDate(), now.getUTCHours(), now.getUTCMinutes(), now.getUTCSeconds())).toISOString(),
        HasPrivateKey: true,
      };
      await fs.mkdir(storeFolder(folder), { recursive: true });
      await fs.writeFile(path.join(storeFolder(folder), `${thumbprint}.json`), JSON.stringify(file, null, 2) + '\n', { flag: 'wx' });
    }
  },
};

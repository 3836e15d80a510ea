/**
 * The Auth certificate (docs/exchange-facts.md#hybrid-unit H9, H12): AuthConfig names it organisation-wide
 * (Get-AuthConfig), each server holds it in its local machine store (Cert:\LocalMachine\My). hybridcfg
 * only reads it: it never creates, renews or rotates the certificate.
 */

export interface AuthCertificateSpec {
  /** The plan fails when the current Auth certificate is valid for fewer days than this on a server in scope. */
  readonly minimumDaysValid: number;
}

/** Below this many days the plan warns (HealthChecker's threshold for certificate lifetime, H12). */
export const WARN_DAYS_VALID = 60;

/** Get-AuthConfig, in the shape the plan and verify read it; null where AuthConfig has no value. */
export interface AuthConfigLive {
  readonly currentThumbprint: string | null;
  readonly nextThumbprint: string | null;
  /** NextCertificateEffectiveDate, ISO 8601 (UTC), or null. */
  readonly nextEffectiveDate: string | null;
  readonly previousThumbprint: string | null;
}

/** What a server's read is asked for: the thumbprints AuthConfig names (current first). */
export interface AuthCertificateQuery {
  readonly thumbprints: readonly string[];
}

/** One certificate of the server's Cert:\LocalMachine\My, by thumbprint. */
export type StoreCertificate =
  | { readonly thumbprint: string; readonly found: false }
  | {
      readonly thumbprint: string;
      readonly found: true;
      readonly subject: string;
      /** ISO 8601, UTC. */
      readonly notBefore: string;
      readonly notAfter: string;
      readonly hasPrivateKey: boolean;
    };

export interface AuthCertificateLive {
  readonly certificates: readonly StoreCertificate[];
}

/** A thumbprint as Windows prints it: 40 hexadecimal digits (SHA-1), upper case. */
export const THUMBPRINT = /^[0-9A-F]{40}$/;
export const normalizeThumbprint = (t: string | null | undefined): string | null => {
  const v = (t ?? '').replace(/\s+/g, '').toUpperCase();
  return v === '' ? null : v;
};

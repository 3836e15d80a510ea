/**
 * The outcome of `hybridcfg verify`: data, rendered by src/verify/render.ts as a table or as JSON.
 * The JSON form (`verify --json`) is this shape; bump VERIFY_FORMAT_VERSION on any incompatible change
 * and document it in docs/verify.md. Nothing in a report may hold a secret, a token or a key.
 */

export const VERIFY_FORMAT_VERSION = 2;

/** Where in the spec a fix belongs: the place when the spec has it, else only the pointer of the parent. */
export interface SpecRef {
  /** JSON pointer into the spec (`/partnerApplications/1/appOnlyPermissions`). */
  readonly pointer: string;
  readonly file: string;
  /** Absent when the spec lacks the entry (then `fix` says what to add). */
  readonly line?: number;
  readonly col?: number;
}

/**
 * Who answered: the identity provider (token), Graph itself, on-premises Exchange behind Graph, or nobody;
 * `entra`: what Graph showed of the Entra objects (the dedicated application, the shared service principal).
 */
export type DiagnosisSource = 'identity-provider' | 'token-claims' | 'graph' | 'exchange' | 'network' | 'entra';

export interface Diagnosis {
  readonly source: DiagnosisSource;
  /** Stable: `AADSTS7000215`, `ErrorAccessDenied`, `2000008`, `http-500`, `timeout`, `no-roles`. */
  readonly code: string;
  /** What the answer means, in words. */
  readonly cause: string;
  /** What to change. */
  readonly fix: string;
  /** Spec entries the fix is about. */
  readonly refs: readonly SpecRef[];
}

/** What Exchange or Graph actually sent, kept for support cases (never includes the request's token). */
export interface Evidence {
  readonly graphErrorCode?: string;
  readonly graphErrorMessage?: string;
  readonly wwwAuthenticate?: string;
  readonly xMsDiagnostics?: string;
  readonly requestId?: string;
  readonly retryAfterSeconds?: number;
}

export type MailboxOutcome = 'success' | 'failure' | 'not-attempted';

export interface MailboxResult {
  readonly mailbox: string;
  readonly outcome: MailboxOutcome;
  /** HTTP status of the last answer; null when no answer came (network error, not attempted). */
  readonly status: number | null;
  /** Requests made (2 when a 429/503 was retried once). */
  readonly attempts: number;
  /** null on success. */
  readonly diagnosis: Diagnosis | null;
  readonly evidence: Evidence;
}

export interface TokenResult {
  readonly acquired: boolean;
  /** Application roles read from the token (decoded, not trusted); null when there is no roles claim or no token. */
  readonly roles: readonly string[] | null;
  /** The roles among them that allow reading a mailbox. */
  readonly mailRoles: readonly string[];
  /** Why no token was issued, or why its claims will not let it read mail; null when all looks right. */
  readonly diagnosis: Diagnosis | null;
}

/**
 * How verify reached the identity provider and Graph: `proxy: null` when no HTTPS_PROXY / https_proxy
 * was set; else the proxy (without credentials), the variable it came from, and per endpoint whether
 * NO_PROXY sent it direct.
 */
export type NetworkRoute =
  | { readonly proxy: null }
  | {
      readonly proxy: string;
      readonly proxyFrom: string;
      readonly noProxyFrom?: string;
      readonly authorityHost: 'proxy' | 'direct';
      readonly graphEndpoint: 'proxy' | 'direct';
    };

export interface VerifyReport {
  readonly formatVersion: typeof VERIFY_FORMAT_VERSION;
  readonly tool: { readonly name: 'hybridcfg'; readonly version: string };
  readonly startedAt: string;
  readonly spec: { readonly path: string };
  readonly tenantId: string;
  readonly clientId: string;
  readonly credential: 'clientSecret' | 'certificate';
  readonly authorityHost: string;
  readonly graphEndpoint: string;
  readonly network: NetworkRoute;
  readonly token: TokenResult;
  readonly mailboxes: readonly MailboxResult[];
  /** Notes for people (the end of hybrid REST access, when an on-premises failure was seen). */
  readonly notes: readonly string[];
  readonly summary: { readonly total: number; readonly succeeded: number; readonly failed: number };
  /** The Entra checks (docs/verify.md#entra); null when nothing asked for them. */
  readonly entra: EntraReport | null;
  /** True only when every mailbox read was observed to succeed and no Entra check found an error. */
  readonly ok: boolean;
}

// ---------------------------------------------------------------------------------------------------
// The Entra side of the dedicated Exchange hybrid application (docs/exchange-facts.md#hybrid-unit H6, H12-H16)

/** An Auth certificate as Get-AuthConfig names it, and when it expires when that was read (Get-ExchangeCertificate). */
export interface AuthCertificateFact {
  /** SHA-1 thumbprint, 40 hex digits. */
  readonly thumbprint: string;
  /** ISO 8601; absent when the live state did not say. */
  readonly notAfter?: string;
}

/** What the Entra checks need to know from Exchange: plain data, assembled from the resource kinds' verifyFacts. */
export interface EntraInput {
  /** The dedicated application's appId: the auth server's ApplicationIdentifier. */
  readonly dedicatedAppId: string;
  /** JSON pointer of the spec entry that sets it, when the spec does (fixes point at that line). */
  readonly dedicatedAppIdPointer?: string;
  readonly authCertificates: {
    /** Get-AuthConfig CurrentCertificateThumbprint. */
    readonly current: AuthCertificateFact;
    /** Get-AuthConfig NextCertificateThumbprint, when set. */
    readonly next?: AuthCertificateFact;
  };
}

/** What one resource kind's live state gives (ResourceKind.verifyFacts); each field comes from one kind. */
export type VerifyFacts = Partial<EntraInput>;

export type EntraCheckId = 'application' | 'current-certificate' | 'next-certificate' | 'permission-requested' | 'admin-consent' | 'shared-service-principal';

/** `failed`: an error; `warning`: worth fixing, not failing verify; `not-checked`: a read it needs failed or found nothing. */
export type EntraOutcome = 'ok' | 'failed' | 'warning' | 'not-checked';

export interface EntraDiagnosis extends Diagnosis {
  /** An error makes verify fail. */
  readonly severity: 'error' | 'warning';
}

export interface EntraCheck {
  readonly check: EntraCheckId;
  /** For people: what is checked. */
  readonly title: string;
  readonly outcome: EntraOutcome;
  /** Why it failed, warns or was not checked; null when ok. */
  readonly diagnosis: EntraDiagnosis | null;
}

/** A keyCredential as Graph listed it (without the key itself). */
export interface KeyCredentialSummary {
  readonly keyId: string | null;
  readonly displayName: string | null;
  readonly type: string | null;
  readonly usage: string | null;
  /** SHA-1 thumbprint (upper-case hex) from customKeyIdentifier or from the key Graph returned; null when neither says. */
  readonly thumbprint: string | null;
  readonly startDateTime: string | null;
  readonly endDateTime: string | null;
}

export interface EntraReport {
  /** `checked`: Graph was read; `not-checked`: the live state did not give the facts (see reason); `not-attempted`: no token. */
  readonly status: 'checked' | 'not-checked' | 'not-attempted';
  /** Why not checked or not attempted; null when checked. */
  readonly reason: string | null;
  /** The facts the checks ran on; null when they were incomplete. */
  readonly input: EntraInput | null;
  /** What Graph holds, for support cases; null when not read or not found. */
  readonly application: { readonly id: string; readonly displayName: string | null; readonly keyCredentials: readonly KeyCredentialSummary[] } | null;
  readonly servicePrincipal: { readonly id: string; readonly displayName: string | null } | null;
  readonly sharedServicePrincipal: { readonly id: string; readonly keyCredentials: readonly KeyCredentialSummary[] } | null;
  /** Graph requests made. */
  readonly requests: number;
  /** In a fixed order; [] unless checked. */
  readonly checks: readonly EntraCheck[];
  readonly summary: { readonly total: number; readonly passed: number; readonly failed: number; readonly warnings: number; readonly notChecked: number };
  /** False when a check's diagnosis is an error. */
  readonly ok: boolean;
}

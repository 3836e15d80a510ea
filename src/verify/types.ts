/**
 * The outcome of `hybridcfg verify`: data, rendered by src/verify/render.ts as a table or as JSON.
 * The JSON form (`verify --json`) is this shape; bump VERIFY_FORMAT_VERSION on any incompatible change
 * and document it in docs/verify.md. Nothing in a report may hold a secret, a token or a key.
 */

export const VERIFY_FORMAT_VERSION = 1;

/** Where in the spec a fix belongs: the place when the spec has it, else only the pointer of the parent. */
export interface SpecRef {
  /** JSON pointer into the spec (`/partnerApplications/1/appOnlyPermissions`). */
  readonly pointer: string;
  readonly file: string;
  /** Absent when the spec lacks the entry (then `fix` says what to add). */
  readonly line?: number;
  readonly col?: number;
}

/** Who answered: the identity provider (token), Graph itself, on-premises Exchange behind Graph, or nobody. */
export type DiagnosisSource = 'identity-provider' | 'token-claims' | 'graph' | 'exchange' | 'network';

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
  /** True only when every mailbox read was observed to succeed. */
  readonly ok: boolean;
}

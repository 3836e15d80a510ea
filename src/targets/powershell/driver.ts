/**
 * What a resource kind implements to run on the PowerShell target (its `powershell.ts` and `.ps1`).
 * A kind's script defines PowerShell functions; the target sends them with the generic script of the
 * call (read-organization, set-organization, read-server, set-server), so that reading the whole
 * organisation stays one round trip and reading or changing a server stays one, whatever the number of
 * kinds. Every value travels as data (base64 of JSON, large bytes as a separate base64 blob), never as code.
 */
import type { ExchangeServer } from '../types';

/** A kind function's input: JSON data, and optionally bytes too large for 5.1's ConvertFrom-Json (docs/exchange-facts.md#powershell-51). */
export interface PsPayload {
  readonly data: unknown;
  /** Bytes the function reads from `$Blob` at offsets the data names. */
  readonly blob?: Buffer;
}

export interface PsReadSpec<Q, L> {
  /** The function that reads, e.g. `Read-HcPartnerApplications`; it receives the data and returns a JSON-able object. */
  readonly fn: string;
  /** Throws a DiagnosticError for a query the server must not receive (a path outside ExchangeInstallPath). */
  data(query: Q, server?: ExchangeServer): unknown;
  /** The function's result as the kind's live state; throws a DiagnosticError when it arrived damaged. */
  parse(raw: unknown, query: Q, server?: ExchangeServer): L;
}

export interface PsSetSpec<R, O> {
  readonly fn: string;
  /** Organisation kinds: one request; server kinds: all of one server's requests of the kind. */
  payload(requests: readonly R[], server?: ExchangeServer): PsPayload;
  /** The function's result for each request, in order. */
  parse(raw: unknown, requests: readonly R[]): readonly O[];
  /** The calls.jsonl line in lab mode (the same line the lab target writes, LAB.md E2). */
  log(request: R): Readonly<Record<string, unknown>> & { readonly call: string };
  /** The diagnostic code of a failure nothing more specific explains (`target.set-failed`). */
  readonly failCode: string;
  /** What failed, for the diagnostic (`Set-PartnerApplication`, `Writing web.config`). */
  readonly what: string;
}

export interface PsDriver<Q = unknown, L = unknown, R = unknown, O = unknown> {
  readonly scope: 'organization' | 'server';
  /** Absolute path of the .ps1 file that defines the kind's functions. */
  readonly script: string;
  readonly read: PsReadSpec<Q, L>;
  readonly set: PsSetSpec<R, O>;
  /** Exchange cmdlets the kind calls, imported from a remote Exchange endpoint (Import-PSSession -CommandName). */
  readonly cmdlets?: readonly string[];
  /**
   * Files of the run state folder (`<ExchangeInstallPath>hybridcfg\` of the lock server, relative to
   * it) the kind's read needs, read in the same call as the lock and the journal: the read function
   * gets their texts (null when absent) as `$StateFiles[<file>]`.
   */
  readonly stateFiles?: readonly string[];
}

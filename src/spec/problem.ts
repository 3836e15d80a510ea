/**
 * A problem found in the spec, by JSON pointer. Validators work on the parsed data and know nothing of
 * the text; the loader turns each problem into a Diagnostic with file:line:col (tfdiags' contextual
 * diagnostics: the validator says where in the data, the loader says where in the file).
 */
import type { Severity } from '../diag/diagnostic';

export interface Problem {
  readonly severity: Severity;
  readonly code: string;
  readonly summary: string;
  readonly detail?: string;
  readonly pointer: string;
  /** Point at the key (unknown key, missing key in this mapping) or at the value (wrong type or value). */
  readonly at: 'key' | 'value';
  /** Index into a scalar value of the part to point at, e.g. one token of `S2SAppOnly|V1S2SAppOnIy`. */
  readonly within?: number;
}

export function problem(
  code: string,
  pointer: string,
  summary: string,
  detail?: string,
  extra?: Partial<Pick<Problem, 'severity' | 'at' | 'within'>>,
): Problem {
  return { severity: 'error', code, summary, ...(detail ? { detail } : {}), pointer, at: 'value', ...extra };
}

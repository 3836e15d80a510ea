/**
 * Expected failures are diagnostics, not exceptions (house style, after Terraform's tfdiags):
 * a stable code, a one-line summary, a detail that says why and how to fix it, and where in the
 * user's input the problem sits when there is such a place.
 */
export type Severity = 'error' | 'warning';

export interface SourceRange {
  readonly file: string;
  readonly line: number; // 1-based
  readonly col: number; // 1-based
}

export interface Diagnostic {
  readonly severity: Severity;
  /** Stable, machine-readable, e.g. `spec.unknown-key`, `plan.unknown-server`. */
  readonly code: string;
  /** One line: what is wrong, naming the thing. */
  readonly summary: string;
  /** Why it matters and the way out. */
  readonly detail?: string;
  readonly source?: SourceRange;
  /** JSON pointer into the spec, when the problem is in the spec. */
  readonly path?: string;
  /** The change of the plan this is about (`partnerApplication["..."]`), so that views can show them together. */
  readonly address?: string;
}

/**
 * Thrown to carry diagnostics up to the CLI, which renders them and exits 1.
 * Anything else that is thrown is a bug and is reported as one.
 */
export class DiagnosticError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: Diagnostic | readonly Diagnostic[]) {
    const list = Array.isArray(diagnostics) ? (diagnostics as readonly Diagnostic[]) : [diagnostics as Diagnostic];
    super(list.map((d) => d.summary).join('; '));
    this.name = 'DiagnosticError';
    this.diagnostics = list;
  }
}

export function error(code: string, summary: string, detail?: string, extra?: Partial<Diagnostic>): Diagnostic {
  return { severity: 'error', code, summary, ...(detail ? { detail } : {}), ...extra };
}

export function warning(code: string, summary: string, detail?: string, extra?: Partial<Diagnostic>): Diagnostic {
  return { severity: 'warning', code, summary, ...(detail ? { detail } : {}), ...extra };
}

export function fail(code: string, summary: string, detail?: string, extra?: Partial<Diagnostic>): never {
  throw new DiagnosticError(error(code, summary, detail, extra));
}

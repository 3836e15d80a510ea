/**
 * The JSON documents hybridcfg prints with --json, each with its own kind and format version
 * (docs/json-output.md; the plan's own format: docs/plan-json.md). A pipeline reads exactly one document
 * on stdout, whatever happened: a result, or an error document.
 */
import type { ApplyResult } from '../apply/apply';
import type { Diagnostic } from '../diag/diagnostic';
import type { Plan } from '../plan/types';

/** Bump on any incompatible change of the apply document or the error document; document it. */
export const JSON_FORMAT_VERSION = 1;

export function planJson(plan: Plan): Plan {
  return plan;
}

export interface ApplyDocument {
  readonly kind: 'hybridcfg-apply' | 'hybridcfg-rollback';
  readonly formatVersion: typeof JSON_FORMAT_VERSION;
  readonly plan: Plan;
  /** `no-changes` and `cancelled` when nothing was carried out; the engine's result otherwise. */
  readonly result: ApplyResult | { readonly status: 'no-changes' } | { readonly status: 'cancelled' };
  /** `apply --verify`: the verify report (docs/verify.md). */
  readonly verify?: unknown;
  /** Who carried the plan out: the run's lock holder (the plan's plannedBy says who planned). */
  readonly run?: { readonly runId: string; readonly user: string; readonly host: string; readonly startedAt: string };
}

export function applyJson(command: 'apply' | 'rollback', plan: Plan, result: ApplyDocument['result'], run?: ApplyDocument['run']): ApplyDocument {
  return { kind: command === 'apply' ? 'hybridcfg-apply' : 'hybridcfg-rollback', formatVersion: JSON_FORMAT_VERSION, plan, result, ...(run ? { run: { runId: run.runId, user: run.user, host: run.host, startedAt: run.startedAt } } : {}) };
}

export interface ErrorDocument {
  readonly kind: 'hybridcfg-error';
  readonly formatVersion: typeof JSON_FORMAT_VERSION;
  readonly command: string;
  /** Every diagnostic, errors and warnings, as the text view shows them. */
  readonly diagnostics: readonly Diagnostic[];
}

export function errorJson(command: string, diagnostics: readonly Diagnostic[]): ErrorDocument {
  return { kind: 'hybridcfg-error', formatVersion: JSON_FORMAT_VERSION, command, diagnostics };
}

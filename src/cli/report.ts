/** Writes the HTML report of a plan or an apply, atomically; a run that fails still leaves a report. */
import { DiagnosticError } from '../diag/diagnostic';
import { writeFileAtomic } from '../engine/fs';
import type { Plan } from '../plan/types';
import type { ApplyOutcome } from '../render/html';

export function writeHtmlReport(file: string, plan: Plan, applied?: ApplyOutcome): void {
  const { renderPlanHtml } = require('../render/html') as typeof import('../render/html');
  writeFileAtomic(file, renderPlanHtml(plan, applied === undefined ? undefined : { applied }));
}

/**
 * Runs `fn`; when it fails with diagnostics and a report was asked for, writes them as the report
 * (a pipeline publishes the file whatever happened) and rethrows.
 */
export async function reportFailures<T>(file: string | undefined, title: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (file !== undefined && err instanceof DiagnosticError) {
      const { renderDiagnosticsHtml } = require('../render/html') as typeof import('../render/html');
      writeFileAtomic(file, renderDiagnosticsHtml(err.diagnostics, { title }));
    }
    throw err;
  }
}

/** Writes the HTML report of a plan or an apply, atomically; a run that fails still leaves a report. */
import { DiagnosticError } from '../diag/diagnostic';
import { asDiagnosticError } from '../diag/system';
import type { Plan } from '../plan/types';
import { writeFileAtomicSync } from '../util/fs';
import { renderDiagnosticsHtml, renderPlanHtml, type ApplyOutcome } from '../views/html';

export function writeHtmlReport(file: string, plan: Plan, applied?: ApplyOutcome): void {
  try {
    writeFileAtomicSync(file, renderPlanHtml(plan, applied === undefined ? undefined : { applied }));
  } catch (err) {
    asDiagnosticError(err, `Writing the HTML report ${file}`, 'report.write-failed');
  }
}

/**
 * Runs `fn`; when it fails with diagnostics and a report was asked for, writes them as the report
 * (a pipeline publishes the file whatever happened) and rethrows.
 */
export async function reportFailures<T>(file: string | undefined, title: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (file !== undefined && err instanceof DiagnosticError) writeFileAtomicSync(file, renderDiagnosticsHtml(err.diagnostics, { title }));
    throw err;
  }
}

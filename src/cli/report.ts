/** Writes the HTML report next to a plan or an apply, atomically. */
import type { Plan } from '../plan/types';
import { writeFileAtomic } from '../engine/fs';

export function writeHtmlReport(file: string, plan: Plan, applied?: unknown): void {
  const { renderPlanHtml } = require('../render/html') as { renderPlanHtml: (p: Plan, o?: { applied?: unknown }) => string };
  writeFileAtomic(file, renderPlanHtml(plan, applied === undefined ? undefined : { applied }));
}

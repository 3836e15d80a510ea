/** Saved plans (`plan --out FILE`, `apply FILE`): the Plan as JSON, checked on the way back in. */
import { readFileSync } from 'node:fs';
import { DiagnosticError, error } from '../diag/diagnostic';
import { writeFileAtomic } from '../engine/fs';
import { PLAN_FORMAT_VERSION, type Plan } from './types';

export const PLAN_FILE_KIND = 'hybridcfg-plan';

export function savePlan(file: string, plan: Plan): void {
  writeFileAtomic(file, JSON.stringify({ kind: PLAN_FILE_KIND, ...plan }, null, 2) + '\n');
}

/** A file is taken as a saved plan when it is JSON; a spec is YAML. */
export function looksLikePlanFile(text: string): boolean {
  return text.trimStart().startsWith('{');
}

export function loadPlan(file: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DiagnosticError(
      error('plan-file.unreadable', `${file} is not a readable hybridcfg plan file.`, `${(err as Error).message}. Make one with \`hybridcfg plan SPEC --out ${file}\`.`),
    );
  }
  const p = raw as Partial<Plan> & { kind?: string };
  if (p?.kind !== PLAN_FILE_KIND) {
    throw new DiagnosticError(error('plan-file.not-a-plan', `${file} is not a hybridcfg plan file.`, `Make one with \`hybridcfg plan SPEC --out ${file}\`.`));
  }
  if (p.formatVersion !== PLAN_FORMAT_VERSION) {
    throw new DiagnosticError(
      error(
        'plan-file.version',
        `${file} has plan format ${String(p.formatVersion)}; this hybridcfg reads format ${PLAN_FORMAT_VERSION}.`,
        'Make the plan again with this version of hybridcfg.',
      ),
    );
  }
  const { kind: _kind, ...plan } = p;
  return plan as Plan;
}

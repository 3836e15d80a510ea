/**
 * Saved plans (`plan --out FILE`, `apply FILE`): the Plan as JSON, checked on the way back in. The
 * spec's path is stored relative to the plan file, so a plan made in one folder applies wherever the
 * same spec sits beside it (a pipeline's artifact, another checkout).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DiagnosticError, error } from '../diag/diagnostic';
import { writeFileAtomicSync } from '../util/fs';
import { PLAN_FORMAT_VERSION, type Plan } from './types';

export const PLAN_FILE_KIND = 'hybridcfg-plan';

export function savePlan(file: string, plan: Plan): void {
  const spec = path.relative(path.dirname(path.resolve(file)), plan.spec.path).split(path.sep).join('/') || '.';
  writeFileAtomicSync(file, JSON.stringify({ kind: PLAN_FILE_KIND, ...plan, spec: { ...plan.spec, path: spec } }, null, 2) + '\n');
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
  if (p === null || typeof p !== 'object' || p.kind !== PLAN_FILE_KIND) {
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
  if (typeof p.spec?.path !== 'string' || typeof p.spec.digest !== 'string') {
    throw new DiagnosticError(error('plan-file.not-a-plan', `${file} has no spec path and digest: it is not a hybridcfg plan file.`, `Make one with \`hybridcfg plan SPEC --out ${file}\`.`));
  }
  const { kind: _kind, ...plan } = p;
  return { ...(plan as Plan), spec: { ...p.spec, path: path.resolve(path.dirname(path.resolve(file)), p.spec.path) } };
}

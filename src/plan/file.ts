/**
 * Saved plans (`plan --out FILE`, `apply FILE`): the Plan as JSON, checked on the way back in. The
 * spec's path is stored relative to the plan file, so a plan made in one folder applies wherever the
 * same spec sits beside it (a pipeline's artifact, another checkout).
 */
import * as path from 'node:path';
import { DiagnosticError, error } from '../diag/diagnostic';
import { asDiagnosticError } from '../diag/system';
import { readFileBoundedSync, writeFileAtomicSync } from '../util/fs';
import { PLAN_FORMAT_VERSION, type Plan } from './types';

export const PLAN_FILE_KIND = 'hybridcfg-plan';

/** Paths of the plan (the spec's, and the files its warnings point at) relative to the plan file's folder, with `/`. */
function relativeTo(dir: string, p: string): string {
  return path.relative(dir, p).split(path.sep).join('/') || '.';
}

/** The warnings' places (`spec.yaml:3:5`), moved with `map`, so that a plan file means the same in any folder. */
function mapSources(warnings: Plan['warnings'], map: (file: string) => string): Plan['warnings'] {
  return warnings.map((w) => (w.source ? { ...w, source: { ...w.source, file: map(w.source.file) } } : w));
}

/**
 * A plan file holds what apply needs to check and redo each change (addresses, values, hashes), never
 * the files themselves: no web.config bytes (a static machineKey, connection strings) end up in a CI artifact.
 */
export function savePlan(file: string, plan: Plan): void {
  const dir = path.dirname(path.resolve(file));
  const stored = { kind: PLAN_FILE_KIND, ...plan, spec: { ...plan.spec, path: relativeTo(dir, plan.spec.path) }, warnings: mapSources(plan.warnings, (f) => relativeTo(dir, f)) };
  try {
    writeFileAtomicSync(file, JSON.stringify(stored, null, 2) + '\n');
  } catch (err) {
    asDiagnosticError(err, `Saving the plan to ${file}`, 'plan-file.write-failed');
  }
}

/** A file is taken as a saved plan when it is JSON; a spec is YAML. */
export function looksLikePlanFile(text: string): boolean {
  return text.trimStart().startsWith('{');
}

/** A plan file is at most this large (a plan of thousands of servers is a few megabytes). */
export const PLAN_MAX_BYTES = 256 * 1024 * 1024;

/** Whether `file` is a readable regular file holding a saved plan; anything else is left to the spec loader to explain. */
export function isPlanFile(file: string): boolean {
  try {
    return looksLikePlanFile(readFileBoundedSync(file, PLAN_MAX_BYTES).toString('utf8'));
  } catch {
    return false;
  }
}

export function loadPlan(file: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileBoundedSync(file, PLAN_MAX_BYTES).toString('utf8'));
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
  if (!Array.isArray(p.changes) || !Array.isArray(p.servers) || !Array.isArray(p.restarts) || !Array.isArray(p.warnings) || typeof p.fingerprint !== 'string') {
    throw new DiagnosticError(error('plan-file.damaged', `${file} is damaged: it lacks the changes, servers, restarts, warnings or fingerprint of a plan.`, `Nothing was changed. Make the plan again with \`hybridcfg plan SPEC --out ${file}\`.`));
  }
  // Shown in the report as who planned and where: a value of another shape is a damaged file, not a name.
  const named = (v: unknown, keys: readonly string[]) => v === undefined || (v !== null && typeof v === 'object' && keys.every((k) => typeof (v as Record<string, unknown>)[k] === 'string'));
  if (!named(p.plannedBy, ['user', 'host']) || !named(p.organization, ['name'])) {
    throw new DiagnosticError(error('plan-file.damaged', `${file} is damaged: its plannedBy or organization is not the shape hybridcfg writes.`, `Nothing was changed. Make the plan again with \`hybridcfg plan SPEC --out ${file}\`.`));
  }
  const dir = path.dirname(path.resolve(file));
  const { kind: _kind, ...plan } = p;
  const warnings = (p.warnings as unknown[]).every((w) => w !== null && typeof w === 'object') ? mapSources(p.warnings, (f) => (typeof f === 'string' ? path.resolve(dir, f) : f)) : p.warnings;
  return { ...(plan as Plan), spec: { ...p.spec, path: path.resolve(dir, p.spec.path) }, warnings };
}

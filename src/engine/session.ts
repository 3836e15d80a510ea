/**
 * What plan, apply and export share: load the spec, open its target, read the live state, plan.
 * The caller closes the target.
 */
import { resolve } from 'node:path';
import { DiagnosticError } from '../diag/diagnostic';
import type { LiveState } from './live';
import { readLive } from './live';
import { plan as makePlan } from '../plan/planner';
import type { Plan } from '../plan/types';
import { loadSpec } from '../spec/load';
import type { LoadedSpec } from '../spec/types';
import { openTarget } from '../targets';
import type { LockHolder, Target } from '../targets/types';
import type { PlanContext } from '../plan/planner';

export const DEFAULT_SPEC = 'hybridcfg.yaml';

export function toolVersion(): string {
  return (require('../../package.json') as { version: string }).version;
}

export function specPath(arg: string | undefined, cwd: string): string {
  return resolve(cwd, arg ?? DEFAULT_SPEC);
}

export interface Session {
  readonly loaded: LoadedSpec;
  readonly target: Target;
  readonly live: LiveState;
  readonly plan: Plan;
  /** Present when the session took the organisation's lock (apply, rollback). */
  readonly holder?: LockHolder;
  /** Set when the target cannot lock, so the command can say so. */
  readonly lockUnsupported?: boolean;
}

export interface SessionOptions {
  readonly parallelism?: number;
  readonly onServerRead?: (server: string) => void;
  /** Take the organisation's lock for this command before reading anything; released at the end. */
  readonly lock?: { readonly command: string; readonly specArg: string };
  /** Also read each file's first original (rollback). */
  readonly withOriginals?: boolean;
  /** Another pure planner over the same inputs (rollback); default: the spec planner. */
  readonly planner?: (loaded: LoadedSpec, live: LiveState, ctx: PlanContext) => Plan;
}

export async function withSession<T>(file: string, opts: SessionOptions, fn: (s: Session) => Promise<T>): Promise<T> {
  const { newHolder, lockedError, previousRunWarnings } = require('../apply/lock') as typeof import('../apply/lock');
  const loaded = await loadSpec(file);
  const target = await openTarget(loaded.spec, { specDir: loaded.dir, ...(opts.parallelism !== undefined ? { parallelism: opts.parallelism } : {}) });
  let holder: LockHolder | undefined;
  try {
    if (opts.lock && target.acquireLock) {
      const candidate = newHolder(opts.lock.command);
      const current = await target.acquireLock(candidate);
      if (current !== null) throw new DiagnosticError(lockedError(current, opts.lock.specArg));
      holder = candidate;
    }
    const live = await readLive(loaded, target, opts);
    const planned = (opts.planner ?? makePlan)(loaded, live, {
      toolVersion: toolVersion(),
      target: { kind: target.kind, description: target.description },
      now: new Date(),
    });
    // What the journal says about an interrupted run travels with the plan, so every view shows it.
    const { preflight } = require('../apply/apply') as typeof import('../apply/apply');
    const runWarnings = [
      ...previousRunWarnings(live.organization, live.serverStates),
      // apply refuses these up front; plan shows them so nobody is surprised.
      ...preflight(planned, live).map((d) => ({ ...d, severity: 'warning' as const, code: 'plan.backup-impossible' })),
    ];
    const plan = runWarnings.length > 0 ? { ...planned, warnings: [...planned.warnings, ...runWarnings] } : planned;
    return await fn({
      loaded,
      target,
      live,
      plan,
      ...(holder ? { holder } : {}),
      ...(opts.lock && !target.acquireLock ? { lockUnsupported: true } : {}),
    });
  } finally {
    try {
      if (holder && target.releaseLock) await target.releaseLock(holder.runId);
    } finally {
      await target.close();
    }
  }
}
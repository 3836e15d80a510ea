/**
 * What plan, apply and export share: load the spec, open its target, read the live state, plan.
 * The caller closes the target.
 */
import { resolve } from 'node:path';
import type { LiveState } from './live';
import { readLive } from './live';
import { plan as makePlan } from '../plan/planner';
import type { Plan } from '../plan/types';
import { loadSpec } from '../spec/load';
import type { LoadedSpec } from '../spec/types';
import { openTarget } from '../targets';
import type { Target } from '../targets/types';

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
}

export async function withSession<T>(
  file: string,
  opts: { parallelism?: number; onServerRead?: (server: string) => void },
  fn: (s: Session) => Promise<T>,
): Promise<T> {
  const loaded = await loadSpec(file);
  const target = await openTarget(loaded.spec, { specDir: loaded.dir });
  try {
    const live = await readLive(loaded, target, opts);
    const plan = makePlan(loaded, live, {
      toolVersion: toolVersion(),
      target: { kind: target.kind, description: target.description },
      now: new Date(),
    });
    return await fn({ loaded, target, live, plan });
  } finally {
    await target.close();
  }
}

/** Opens the target a spec names. Each kind is loaded only when used (node-powershell is heavy). */
import type { Spec } from '../spec/types';
import type { Target } from './types';

/** What a target may need from the command: where the spec is, and how many servers to work on at once. */
export interface TargetContext {
  readonly specDir: string;
  /** --parallelism: the PowerShell target runs up to this many shells for per-server calls. */
  readonly parallelism?: number;
}

export async function openTarget(spec: Spec, ctx: TargetContext): Promise<Target> {
  if ('lab' in spec.target) {
    const { createLabTarget } = require('./lab/lab-target') as typeof import('./lab/lab-target');
    return createLabTarget(spec.target.lab);
  }
  const { createPowerShellTarget } = require('./powershell') as typeof import('./powershell');
  return createPowerShellTarget(spec.target.powershell, ctx);
}

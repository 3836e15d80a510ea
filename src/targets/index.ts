/** Opens the target a spec names. Each kind is loaded only when used (node-powershell is heavy). */
import type { Spec } from '../spec/types';
import type { Target } from './types';

export async function openTarget(spec: Spec, ctx: { specDir: string }): Promise<Target> {
  if ('lab' in spec.target) {
    const { createLabTarget } = require('./lab/lab-target') as typeof import('./lab/lab-target');
    return createLabTarget(spec.target.lab);
  }
  const { createPowerShellTarget } = require('./powershell') as typeof import('./powershell');
  return createPowerShellTarget(spec.target.powershell, ctx);
}

/** Opens the target a spec names, with the drivers of the kinds it must serve. Each kind of target is loaded only when used (node-powershell is heavy). */
import type { PsCallRecord } from './powershell/session';
import type { TargetSpec } from '../spec/types';
import type { LabDriver } from './lab/driver';
import type { PsDriver } from './powershell/driver';
import type { Target } from './types';

/** What a target may need from the command: where the spec is, how many servers to work on at once, the kinds' drivers. */
export interface TargetContext {
  readonly specDir: string;
  /** --parallelism: how many servers the PowerShell target works on at once. */
  readonly parallelism?: number;
  readonly drivers: { readonly lab: Readonly<Record<string, LabDriver>>; readonly powershell: Readonly<Record<string, PsDriver>> };
  /** The PowerShell target tells of every call it made (script, server, duration, result), for the log. */
  readonly onPowerShellCall?: (call: PsCallRecord) => void;
}

export async function openTarget(spec: TargetSpec, ctx: TargetContext): Promise<Target> {
  if ('lab' in spec) {
    const { createLabTarget } = require('./lab/lab-target') as typeof import('./lab/lab-target');
    return createLabTarget(spec.lab, ctx.drivers.lab);
  }
  const { createPowerShellTarget } = require('./powershell') as typeof import('./powershell');
  return createPowerShellTarget(spec.powershell, ctx);
}

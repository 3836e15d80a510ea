/** The lab from the session's side: the registry's lab drivers, for `lab init` and the lab target. */
import type { Registry } from '../resources/registry';
import type { LabDriver } from '../targets/lab/driver';
import { initLab as initLabWith, type LabInitRequest } from '../targets/lab/init';

export function labDrivers(registry: Registry): Record<string, LabDriver> {
  return Object.fromEntries(registry.kinds.flatMap((k) => (k.drivers.lab ? [[k.id, k.drivers.lab]] : [])));
}

/** A new lab with every registered kind's part of the organisation. */
export function initLab(dir: string, opts: LabInitRequest, registry: Registry): Promise<void> {
  return initLabWith(dir, opts, labDrivers(registry));
}

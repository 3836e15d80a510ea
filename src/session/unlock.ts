/** `hybridcfg force-unlock`: break the organisation's apply lock left by a run that is gone, once asked. */
import { describeHolder, holderState } from '../apply/lock';
import { DiagnosticError, error } from '../diag/diagnostic';
import type { IoHost } from '../io/host';
import { IO } from '../io/messages';
import { REGISTRY, type Registry } from '../resources/registry';
import type { LockHolder } from '../targets/types';
import { loadSpec, openSpecTarget } from './session';

export type UnlockOutcome =
  | { readonly state: 'free' }
  | { readonly state: 'kept'; readonly holder: LockHolder }
  | { readonly state: 'broken'; readonly holder: LockHolder }
  | { readonly state: 'changed-hands'; readonly holder: LockHolder };

export async function forceUnlock(file: string, opts: { readonly host: IoHost; readonly force: boolean; readonly registry?: Registry }): Promise<UnlockOutcome> {
  const registry = opts.registry ?? REGISTRY;
  const loaded = await loadSpec(file, registry);
  const target = await openSpecTarget(loaded, registry);
  try {
    const holder = (await target.readOrganization({})).lock;
    if (!holder) return { state: 'free' };
    const state = holderState(holder);
    if (state === 'alive' && !opts.force) {
      throw new DiagnosticError(
        error(
          'force-unlock.holder-alive',
          `Process ${holder.pid} on ${holder.host} is still running: the lock was not broken.`,
          'Wait for that run to finish, or stop it. Only if you are sure it is not hybridcfg working on this organisation, run again with --force.',
        ),
      );
    }
    if (holder.damaged !== undefined) {
      await opts.host.notify(IO.UNLOCK_NOTE.msg(`The lock file is damaged (${holder.damaged}): make sure no hybridcfg run is working on this organisation.`, { host: holder.host }));
    } else if (state === 'unknown') await opts.host.notify(IO.UNLOCK_NOTE.msg(`It was taken on ${holder.host}: make sure no hybridcfg run is working there.`, { host: holder.host }));
    const yes = await opts.host.requestResponse(IO.UNLOCK_CONFIRM.req(`The lock is held by ${describeHolder(holder)}. Break this lock?`, { holder: describeHolder(holder) }, false));
    if (!yes) return { state: 'kept', holder };
    return (await target.releaseLock(holder.runId)) ? { state: 'broken', holder } : { state: 'changed-hands', holder };
  } finally {
    await target.close();
  }
}

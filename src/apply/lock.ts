/**
 * One apply (or rollback) at a time per organisation. The lock lives on the target (the lab: a file in
 * the lab folder created exclusively; real servers: see docs/safety.md) and names its holder so that a
 * person can find the run, and tell a run that is gone from one that is still working.
 */
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { error, warning, type Diagnostic } from '../diag/diagnostic';
import type { Actor, Plan } from '../plan/types';
import type { LockHolder, OrganizationRead } from '../targets/types';

export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers): the environment is the best there is.
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

/** Who runs this process, as every record of a run names them: the plan (plannedBy), the lock, the audit line. */
export function currentActor(): Actor {
  return { user: currentUser(), host: hostname() };
}

export function newHolder(command: string, now: Date = new Date(), by: Actor = currentActor()): LockHolder {
  return { runId: randomUUID(), command, host: by.host, user: by.user, pid: process.pid, startedAt: now.toISOString() };
}

export type HolderState = 'alive' | 'gone' | 'unknown';

/** Whether the holder's process still runs: knowable only on the holder's own host. */
export function holderState(holder: LockHolder): HolderState {
  if (holder.damaged !== undefined || holder.host !== hostname()) return 'unknown';
  try {
    process.kill(holder.pid, 0);
    return 'alive';
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? 'alive' : 'gone';
  }
}

export function describeHolder(h: LockHolder): string {
  if (h.damaged !== undefined) return `a damaged lock file (${h.damaged})`;
  return `"${h.command}" by ${h.user} on ${h.host}, process ${h.pid}, started ${h.startedAt} (run ${h.runId})`;
}

export function lockedError(holder: LockHolder, specArg: string): Diagnostic {
  if (holder.damaged !== undefined) {
    return error(
      'apply.lock-damaged',
      `The organisation's lock file is damaged (${holder.damaged}): hybridcfg cannot tell which run holds it.`,
      `Nothing was changed. Make sure no hybridcfg run is working on this organisation, then break the lock with \`hybridcfg force-unlock ${specArg}\` and run again.`,
    );
  }
  const state = holderState(holder);
  const way =
    state === 'gone'
      ? `That process is gone: the run was interrupted. Check what it left with \`hybridcfg plan ${specArg}\`, then break the lock with \`hybridcfg force-unlock ${specArg}\` and run again.`
      : state === 'alive'
        ? 'That process is still running on this host. Wait for it to finish, then run again.'
        : `It runs on another host, so hybridcfg cannot tell whether it is still working. Ask there; if it is gone, break the lock with \`hybridcfg force-unlock ${specArg}\`.`;
  return error('apply.locked', `Another hybridcfg run holds this organisation's lock: ${describeHolder(holder)}.`, `Nothing was changed. ${way}`);
}

/**
 * What the journal and the lock say about the previous run, for every plan and apply: a run that
 * started and never ended was interrupted. Where it left each change it meant to make is read off the
 * plan just made: no change pending at that address means it was made; a pending change from the same
 * digest means it was not; any other digest means someone changed the object since.
 */
export function previousRunWarnings(org: OrganizationRead, plan: Plan): Diagnostic[] {
  const last = org.lastRun;
  if (!last || last.end) return [];
  const lockedByIt = org.lock?.runId === last.start.runId;
  if (lockedByIt && holderState(last.start.holder) === 'alive') {
    return [warning('plan.run-in-progress', `A hybridcfg run is in progress: ${describeHolder(last.start.holder)}.`, 'What this plan shows may change under it.')];
  }
  const changes = (last.start.changes ?? []).map((c) => {
    const now = plan.changes.find((p) => p.address === c.address);
    const where =
      plan.purpose !== 'apply'
        ? 'see the plan'
        : now === undefined
          ? 'changed'
          : now.digest?.before === c.before
            ? 'not changed'
            : 'changed by someone else since';
    return `  ${c.address}: ${where}`;
  });
  return [
    warning(
      'plan.previous-run-interrupted',
      `The previous run was interrupted: ${describeHolder(last.start.holder)} started and never finished.`,
      [
        'Every web.config is either as it was or fully changed (writes are atomic); where that run left what it meant to change:',
        ...changes,
        lockedByIt
          ? 'Its lock is still held. Review this plan, then `hybridcfg force-unlock` and `hybridcfg apply` to converge.'
          : 'Review this plan and apply it to converge.',
      ].join('\n'),
    ),
  ];
}

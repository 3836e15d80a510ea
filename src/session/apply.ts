/**
 * What apply and rollback share after their plan is made: show it (through the host), ask (through the
 * host), carry it out, audit. And apply's own part: a saved plan is applied only when the plan made now
 * from the same spec and the live state is that very plan.
 */
import { resolve } from 'node:path';
import { applyPlan, type ApplyResult } from '../apply/apply';
import { appendAuditLine, auditRecord } from '../apply/audit';
import { DiagnosticError, error } from '../diag/diagnostic';
import type { IoHost } from '../io/host';
import { IO } from '../io/messages';
import { planRollback } from '../plan/planner';
import type { Plan } from '../plan/types';
import type { Registry } from '../resources/registry';
import { canonicalJson } from '../util/json';
import { withSession, type Session } from './session';

export interface CarryOutOptions {
  readonly command: 'apply' | 'rollback';
  readonly host: IoHost;
  /** `--audit-log FILE`, relative to `cwd`. */
  readonly auditLog?: string;
  readonly cwd: string;
}

export interface Outcome {
  readonly plan: Plan;
  readonly result?: ApplyResult;
  readonly cancelled?: boolean;
}

export async function carryOut(s: Session, plan: Plan, opts: CarryOutOptions): Promise<Outcome> {
  const audit = (result: ApplyResult | 'no-changes' | 'cancelled') => {
    if (opts.auditLog === undefined) return;
    appendAuditLine(resolve(opts.cwd, opts.auditLog), auditRecord(opts.command, plan, result, s.holder ? { runId: s.holder.runId } : {}));
  };
  await opts.host.notify(IO.APPLY_PLAN.msg('the plan', { plan }));
  if (plan.changes.length === 0) {
    audit('no-changes');
    return { plan };
  }
  const question = opts.command === 'apply' ? 'Apply these changes?' : 'Roll back to these originals?';
  const yes = await opts.host.requestResponse(IO.APPLY_CONFIRM.req(question, { plan, command: opts.command }, false));
  if (!yes) {
    await opts.host.notify(IO.APPLY_CANCELLED.msg(`${opts.command === 'apply' ? 'Apply' : 'Rollback'} cancelled. Nothing was changed.`, { command: opts.command }));
    audit('cancelled');
    return { plan, cancelled: true };
  }
  const restart = s.loaded.spec.restart;
  const result = await applyPlan(plan, s.target, s.live, s.loaded, s.registry, {
    // A rollback that fails stops where it is: rolling back a rollback would only confuse.
    ...(restart ? { restart: opts.command === 'rollback' ? { ...restart, onFailure: 'stop' as const } : restart } : {}),
    host: opts.host,
    ...(s.holder ? { journal: { holder: s.holder } } : {}),
  });
  audit(result);
  return { plan, result };
}

export interface ApplyOptions extends Omit<CarryOutOptions, 'command'> {
  readonly registry?: Registry;
  readonly parallelism?: number;
  /** The spec argument as given, for messages (`hybridcfg force-unlock prod.yaml`). */
  readonly specArg: string;
  /** A plan saved with `plan --out`, to apply exactly. */
  readonly saved?: { readonly plan: Plan; readonly file: string };
  /** `--servers A,B` (a saved plan brings its own). */
  readonly only?: readonly string[];
}

/** `hybridcfg apply`: plan now, and carry out that plan (or the saved one, when they are the same). */
export async function applySpec(file: string, opts: ApplyOptions): Promise<Outcome & { readonly loaded: Session['loaded'] }> {
  return withSession(
    file,
    { host: opts.host, ...(opts.registry ? { registry: opts.registry } : {}), ...(opts.parallelism !== undefined ? { parallelism: opts.parallelism } : {}), lock: { command: 'apply', specArg: opts.specArg }, ...(opts.only ? { only: opts.only } : {}) },
    async (s) => {
      if (opts.saved) checkSaved(opts.saved.plan, opts.saved.file, s);
      const done = await carryOut(s, s.plan, { ...opts, command: 'apply' });
      return { ...done, loaded: s.loaded };
    },
  );
}

/** `hybridcfg rollback`: put back what hybridcfg first found, with the same engine. */
export async function rollbackSpec(file: string, opts: Omit<ApplyOptions, 'saved'>): Promise<Outcome> {
  return withSession(
    file,
    {
      host: opts.host,
      ...(opts.registry ? { registry: opts.registry } : {}),
      ...(opts.parallelism !== undefined ? { parallelism: opts.parallelism } : {}),
      lock: { command: 'rollback', specArg: opts.specArg },
      purpose: 'rollback',
      planner: planRollback,
      ...(opts.only ? { only: opts.only } : {}),
    },
    (s) => carryOut(s, s.plan, { ...opts, command: 'rollback' }),
  );
}

/**
 * A saved plan is applied only when the spec is the one it was made from, the live state is the one it
 * was made from, and the plan made now is that plan change for change: apply carries out what it
 * computes now, so a plan file edited after it was shown (even with its hashes fixed up) changes nothing.
 */
function checkSaved(saved: Plan, planFile: string, s: Session): void {
  if (saved.spec.digest !== s.loaded.digest) {
    throw new DiagnosticError(
      error('apply.spec-changed', `The spec ${s.loaded.path} changed since the plan ${planFile} was made.`, 'Nothing was changed. Make the plan again from the current spec and review it.'),
    );
  }
  if (saved.fingerprint !== s.plan.fingerprint) {
    throw new DiagnosticError(
      error(
        'apply.stale-plan',
        `The saved plan ${planFile} is stale: the live state changed since it was made.`,
        'Nothing was changed. Run `hybridcfg plan --out ' + planFile + '` again, review it, and apply the new plan.',
      ),
    );
  }
  const same = (p: Plan) => canonicalJson({ purpose: p.purpose, servers: p.servers, changes: p.changes, restarts: p.restarts });
  if (same(saved) !== same(s.plan)) {
    throw new DiagnosticError(
      error(
        'apply.plan-differs',
        `The saved plan ${planFile} is not the plan this spec and this live state give.`,
        'Nothing was changed. The file was edited after it was made, or by another version of hybridcfg. Make the plan again, review it, and apply the new file.',
      ),
    );
  }
}

/**
 * What apply and rollback share after their plan is made: show it (through the host), ask (through the
 * host), carry it out, audit. And apply's own part: a saved plan is applied only when the plan made now
 * from the same spec and the live state is that very plan.
 */
import { resolve } from 'node:path';
import { applyPlan, type ApplyResult } from '../apply/apply';
import { appendAuditLine, auditRecord } from '../apply/audit';
import { hasPendingWork } from '../apply/debts';
import { DiagnosticError, error } from '../diag/diagnostic';
import { isSystemError, systemErrorDiagnostic } from '../diag/system';
import type { IoHost } from '../io/host';
import { IO } from '../io/messages';
import { planRollback } from '../plan/planner';
import type { Actor, Plan } from '../plan/types';
import type { Registry } from '../resources/registry';
import { canonicalJson } from '../util/json';
import { withSession, type Session } from './session';

export interface CarryOutOptions {
  readonly command: 'apply' | 'rollback';
  readonly host: IoHost;
  /** `--audit-log FILE`, relative to `cwd`. */
  readonly auditLog?: string;
  readonly cwd: string;
  /** Asked between steps of the run: a reason when it was asked to stop (a signal). */
  readonly interrupted?: () => string | undefined;
}

export interface Outcome {
  readonly plan: Plan;
  readonly result?: ApplyResult;
  readonly cancelled?: boolean;
  /** Who carried the plan out, and when the run took the organisation's lock: the run's lock holder. */
  readonly appliedBy?: AppliedBy;
}

/** The run that applied a plan, as its lock names it. */
export interface AppliedBy {
  readonly user: string;
  readonly host: string;
  readonly runId: string;
  readonly startedAt: string;
}

function appliedBy(s: Session): { appliedBy?: AppliedBy } {
  return s.holder ? { appliedBy: { user: s.holder.user, host: s.holder.host, runId: s.holder.runId, startedAt: s.holder.startedAt } } : {};
}

export async function carryOut(s: Session, plan: Plan, opts: CarryOutOptions): Promise<Outcome> {
  // The audit line records the run; a disk that cannot take it does not change what the run did: a
  // warning on stderr (audit.write-failed), and the run's own exit code.
  const audit = async (result: ApplyResult | 'no-changes' | 'cancelled') => {
    if (opts.auditLog === undefined) return;
    const file = resolve(opts.cwd, opts.auditLog);
    try {
      appendAuditLine(file, auditRecord(opts.command, plan, result, s.holder ? { runId: s.holder.runId } : {}));
    } catch (err) {
      const d = err instanceof DiagnosticError ? err.diagnostics[0]! : isSystemError(err) ? systemErrorDiagnostic(err, `Writing the audit line to ${file}`) : undefined;
      if (d === undefined) throw err;
      const w = { ...d, severity: 'warning' as const, code: 'audit.write-failed', detail: `The ${opts.command} itself is reported as it happened. Add the run to the audit trail by hand: ${d.detail ?? ''}` };
      await opts.host.notify(IO.RUN_WARNING.msg(w.summary, { diagnostic: w }));
    }
  };
  await opts.host.notify(IO.APPLY_PLAN.msg('the plan', { plan }));
  if (!hasPendingWork(plan)) {
    await audit('no-changes');
    return { plan, ...appliedBy(s) };
  }
  const question = opts.command === 'apply' ? 'Apply these changes?' : 'Roll back to these originals?';
  const yes = await opts.host.requestResponse(IO.APPLY_CONFIRM.req(question, { plan, command: opts.command }, false));
  if (!yes) {
    await opts.host.notify(IO.APPLY_CANCELLED.msg(`${opts.command === 'apply' ? 'Apply' : 'Rollback'} cancelled. Nothing was changed.`, { command: opts.command }));
    await audit('cancelled');
    return { plan, cancelled: true, ...appliedBy(s) };
  }
  const restart = s.loaded.spec.restart;
  const result = await applyPlan(plan, s.target, s.live, s.loaded, s.registry, {
    // A rollback that fails stops where it is: rolling back a rollback would only confuse.
    ...(restart ? { restart: opts.command === 'rollback' ? { ...restart, onFailure: 'stop' as const } : restart } : {}),
    host: opts.host,
    ...(s.holder ? { journal: { holder: s.holder } } : {}),
    ...(opts.interrupted ? { interrupted: opts.interrupted } : {}),
  });
  await audit(result);
  return { plan, result, ...appliedBy(s) };
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
  /** Who runs the command (SessionOptions.by). */
  readonly by?: Actor;
}

/** `hybridcfg apply`: plan now, and carry out that plan (or the saved one, when they are the same). */
export async function applySpec(file: string, opts: ApplyOptions): Promise<Outcome & { readonly loaded: Session['loaded'] }> {
  return withSession(
    file,
    {
      host: opts.host,
      ...(opts.registry ? { registry: opts.registry } : {}),
      ...(opts.parallelism !== undefined ? { parallelism: opts.parallelism } : {}),
      lock: { command: 'apply', specArg: opts.specArg },
      ...(opts.only ? { only: opts.only } : {}),
      ...(opts.by ? { by: opts.by } : {}),
    },
    async (s) => {
      if (opts.saved) checkSaved(opts.saved.plan, opts.saved.file, s);
      const done = await carryOut(s, opts.saved ? withProvenance(s.plan, opts.saved.plan) : s.plan, { ...opts, command: 'apply' });
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
      ...(opts.by ? { by: opts.by } : {}),
    },
    (s) => carryOut(s, s.plan, { ...opts, command: 'rollback' }),
  );
}

/**
 * The plan carried out for a saved one is the plan made now (checkSaved proved them the same), with the
 * saved plan's time and author: the report then says who planned what was approved, and when.
 */
function withProvenance(now: Plan, saved: Plan): Plan {
  const { plannedBy: _made, ...rest } = now;
  return { ...rest, createdAt: saved.createdAt, ...(saved.plannedBy ? { plannedBy: saved.plannedBy } : {}) };
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
  // Every field but the time it was made and where the files sit (the spec's path, the target's folder in
  // its description, which the recomputed plan shows): what is shown (kinds, summary, warnings,
  // assumptions) is what is carried out, and an edited field of any kind refuses the file.
  // Who planned, and the organisation's name, are for people too: the person applying is often not the one
  // who planned, and a name read differently does not change a single change.
  const same = (p: Plan) =>
    canonicalJson({ ...p, createdAt: undefined, plannedBy: undefined, organization: undefined, spec: { digest: p.spec.digest }, target: { kind: p.target.kind } });
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

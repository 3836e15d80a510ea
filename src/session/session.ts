/**
 * The one orchestrator every command uses: load the spec, open its target with the kinds' drivers, take
 * the organisation's lock when the command changes anything, read the live state, plan. The commands
 * (src/cli) only parse arguments and pick a view; everything between the spec and the result is here.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { preflight } from '../apply/apply';
import { owedRestarts, withDebts } from '../apply/debts';
import { currentActor, lockedError, newHolder, previousRunWarnings } from '../apply/lock';
import { DiagnosticError, error, type Diagnostic } from '../diag/diagnostic';
import { IO } from '../io/messages';
import type { IoHost } from '../io/host';
import { plan as makePlan, type PlanContext, type PlanOutcome } from '../plan/planner';
import type { Actor, Plan } from '../plan/types';
import { REGISTRY, type Registry } from '../resources/registry';
import type { LiveState } from '../resources/types';
import { loadSpec as loadSpecWith } from '../spec/load';
import type { LoadedSpec } from '../spec/types';
import { openTarget } from '../targets';
import type { LabDriver } from '../targets/lab/driver';
import type { PsDriver } from '../targets/powershell/driver';
import type { PsCallRecord } from '../targets/powershell/session';
import type { LockHolder, Target } from '../targets/types';
import { readLive } from './live';

export const DEFAULT_SPEC = 'hybridcfg.yaml';

/** package.json sits one level above dist/ and src/. */
export function toolVersion(): string {
  return (JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export function specPath(arg: string | undefined, cwd: string): string {
  return path.resolve(cwd, arg ?? DEFAULT_SPEC);
}

/** Loads a spec whose resource sections are the registry's kinds. */
export function loadSpec(file: string, registry: Registry = REGISTRY): Promise<LoadedSpec> {
  return loadSpecWith(file, registry.kinds);
}

/**
 * Opens the target a loaded spec names, with the drivers of the registry's kinds. A kind the spec uses
 * that this kind of target cannot serve is an error before anything is read.
 */
export function openSpecTarget(loaded: LoadedSpec, registry: Registry, parallelism?: number, host?: IoHost): Promise<Target> {
  const lab: Record<string, LabDriver> = {};
  const powershell: Record<string, PsDriver> = {};
  const targetKind = 'lab' in loaded.spec.target ? 'lab' : 'powershell';
  const missing: Diagnostic[] = [];
  for (const k of registry.kinds) {
    if (k.drivers.lab) lab[k.id] = k.drivers.lab;
    if (k.drivers.powershell) powershell[k.id] = k.drivers.powershell;
    const used = Array.isArray(loaded.spec[k.specKey]) && (loaded.spec[k.specKey] as unknown[]).length > 0;
    if (used && k.drivers[targetKind] === undefined) {
      missing.push(
        error('target.kind-unsupported', `The ${targetKind} target cannot manage ${k.noun[1]} (\`${k.specKey}\`).`, `Remove \`${k.specKey}\` from the spec, or use a target that manages them.`, {
          source: loaded.locate(`/${k.specKey}`),
        }),
      );
    }
  }
  if (missing.length > 0) throw new DiagnosticError(missing);
  const onPowerShellCall = host
    ? (c: PsCallRecord) =>
        void host.notify(IO.POWERSHELL_CALL.msg(`${c.script}${c.server ? ` on ${c.server}` : c.servers ? ` on ${c.servers.length} server${c.servers.length === 1 ? '' : 's'}` : ''}: ${c.ok ? 'ok' : `failed (${c.code ?? 'error'})`} in ${c.ms} ms`, c))
    : undefined;
  return openTarget(loaded.spec.target, { specDir: loaded.dir, ...(parallelism !== undefined ? { parallelism } : {}), drivers: { lab, powershell }, ...(onPowerShellCall ? { onPowerShellCall } : {}) });
}

export interface Session {
  readonly loaded: LoadedSpec;
  readonly registry: Registry;
  readonly target: Target;
  readonly live: LiveState;
  readonly plan: Plan;
  /** Present when the session took the organisation's lock (apply, rollback). */
  readonly holder?: LockHolder;
}

export interface SessionOptions {
  readonly host: IoHost;
  readonly registry?: Registry;
  readonly parallelism?: number;
  /** Take the organisation's lock for this command before reading anything; released at the end. */
  readonly lock?: { readonly command: string; readonly specArg: string };
  /** What to read and plan: the spec's resources (apply) or their originals (rollback). */
  readonly purpose?: 'apply' | 'rollback';
  /** Another pure planner over the same inputs (rollback); default: the spec planner. */
  readonly planner?: (loaded: LoadedSpec, live: LiveState, registry: Registry, ctx: PlanContext) => PlanOutcome;
  /** `--servers A,B`: scope the run to these servers; organisation-wide changes are then refused. */
  readonly only?: readonly string[];
  /** Who runs the command (the CLI's OS user and host): the plan's plannedBy and the lock's holder. Default: this process's. */
  readonly by?: Actor;
}

export async function withSession<T>(file: string, opts: SessionOptions, fn: (s: Session) => Promise<T>): Promise<T> {
  const registry = opts.registry ?? REGISTRY;
  const by = opts.by ?? currentActor();
  const loaded = await loadSpec(file, registry);
  const target = await openSpecTarget(loaded, registry, opts.parallelism, opts.host);
  let holder: LockHolder | undefined;
  try {
    if (opts.lock) {
      const candidate = newHolder(opts.lock.command, new Date(), by);
      let current = await target.acquireLock(candidate);
      if (current !== null && current.damaged === undefined) {
        // A holder that wrote its end line and died before releasing said it was gone: its lock does not block.
        const last = (await target.readOrganization({})).lastRun;
        if (last?.end?.runId === current.runId && (await target.releaseLock(current.runId))) current = await target.acquireLock(candidate);
      }
      if (current !== null) throw new DiagnosticError(lockedError(current, opts.lock.specArg));
      holder = candidate;
      await opts.host.notify(IO.LOCK_TAKEN.msg(`took the organisation's lock (run ${candidate.runId})`, { runId: candidate.runId }));
    }
    await opts.host.notify(IO.READ_START.msg(`Reading the live state for ${file} ...`, { spec: file }));
    const live = await readLive(loaded, target, registry, {
      ...(opts.parallelism !== undefined ? { parallelism: opts.parallelism } : {}),
      purpose: opts.purpose === 'rollback' ? 'rollback' : 'plan',
      host: opts.host,
      ...(opts.only !== undefined ? { only: opts.only } : {}),
    });
    const outcome = (opts.planner ?? makePlan)(loaded, live, registry, {
      toolVersion: toolVersion(),
      target: { kind: target.kind, description: target.description },
      now: new Date(),
      by,
    });
    if (!outcome.plan) throw new DiagnosticError(outcome.diagnostics.filter((d) => d.severity === 'error'));
    // What an earlier run owes (restarts it never observed) is pending work of this plan.
    const withOwed = withDebts(outcome.plan, owedRestarts(live.organization));
    const planned = opts.only !== undefined ? { ...withOwed, selected: [...opts.only] } : withOwed;
    if (opts.only !== undefined) refuseOrganizationChanges(planned, opts.only);
    // What the journal says about an interrupted run travels with the plan, so every view shows it.
    const runWarnings: Diagnostic[] = [
      ...previousRunWarnings(live.organization, planned),
      // apply refuses these up front; plan shows them so nobody is surprised.
      ...preflight(planned, live).map((d) => ({ ...d, severity: 'warning' as const, code: 'plan.backup-impossible' })),
    ];
    const plan = runWarnings.length > 0 ? { ...planned, warnings: [...planned.warnings, ...runWarnings] } : planned;
    await opts.host.notify(IO.PLAN_READY.msg(`planned ${plan.summary.changes} change(s)`, { plan }));
    return await fn({ loaded, registry, target, live, plan, ...(holder ? { holder } : {}) });
  } finally {
    try {
      if (holder) await target.releaseLock(holder.runId);
    } finally {
      await target.close();
    }
  }
}

/**
 * Under `--servers`, the left-out servers are not read, so the checks an organisation-wide change needs
 * (every server's build, its Auth certificate) would see part of the organisation only, while the change
 * itself reaches every server. Such a plan is refused rather than made on half the facts.
 */
function refuseOrganizationChanges(plan: Plan, only: readonly string[]): void {
  const org = plan.changes.filter((c) => c.server === undefined);
  if (org.length === 0) return;
  throw new DiagnosticError(
    error(
      'plan.servers-organization-change',
      `--servers ${only.join(',')} cannot carry organisation-wide changes, and this plan has ${org.length}: ${org.map((c) => c.address).join(', ')}.`,
      'They apply to every server, and --servers reads only some, so their checks would be incomplete. Nothing was changed. ' +
        'Run plan and apply without --servers to make them (or narrow `servers:` in the spec); then --servers scopes server changes.',
    ),
  );
}

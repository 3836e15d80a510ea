/**
 * Carries out a plan, whatever kinds its changes are of. The order is the safe one, after Microsoft's
 * own support scripts (docs/exchange-facts.md#config-across-servers):
 *  0. preflight: every server with a change must be able to take a backup (its read said so); one that
 *     cannot stops the run before any change;
 *  1. organisation-wide changes, kind by kind in apply order (partner applications first: servers cache
 *     them, so the change takes effect on a server only when it restarts [M]);
 *  2. servers in batches of restart.rolling.maxUnavailable (default 1; a percentage of the servers, as
 *     "25%"): each server's changes in one call (the target checks they still apply to what was planned,
 *     backs up, writes atomically), the servers of a batch written in parallel, then the batch restarts together, each restart carrying its health check, and the next batch starts only
 *     when every server of this one is healthy.
 * Every request is computed from the live state read for this run (kind.request): a change whose result
 * would differ from the plan is refused. The first failure stops the run: later batches are left
 * untouched. With `onFailure: rollback` the failing batch's changes are undone (kind.undo: a web.config
 * gets the bytes read before the apply back), the organisation-wide changes of this run are undone, and
 * the servers of the batch that were restarted are restarted again. Servers of earlier batches keep the
 * change (they are healthy with it): the result says so. The engine never prints; it reports messages.
 */
import { DiagnosticError, error, type Diagnostic } from '../diag/diagnostic';
import { isSystemError, systemErrorDiagnostic } from '../diag/system';
import { IO, type IoHost } from '../io/messages';
import { inApplyOrder, planInput } from '../plan/planner';
import { owedOf } from './debts';
import { batchSize } from '../plan/rolling';
import type { Plan } from '../plan/types';
import { kindOf, type Registry } from '../resources/registry';
import type { Change, LiveState, ResourceKind } from '../resources/types';
import { assumptions as assumptionsFor } from '../assumptions/register';
import type { LoadedSpec, RestartSpec } from '../spec/types';
import type { PlannedRestart } from '../plan/types';
import type { ExchangeServer, HealthCheckRequest, HealthCheckResult, LockHolder, RestartRequest, RestartResult, Target } from '../targets/types';

export type ServerOutcome = 'changed' | 'restarted' | 'unchanged' | 'failed' | 'not-started' | 'rolledBack';

export interface ServerResult {
  readonly server: string;
  readonly outcome: ServerOutcome;
  /** The titles of this server's changes that were made (web.config files). */
  readonly written: readonly string[];
  readonly backups: readonly string[];
  readonly restarted: boolean;
  /** The health check of the last restart, when one was asked for. */
  readonly health?: HealthCheckResult;
  /** How long the server was unavailable for its restarts in this run, as the target reported it. */
  readonly unavailability?: { readonly ms: number; readonly how: 'measured' | 'modelled' };
  /** Titles of the changes undone by the rollback (files put back to their pre-apply bytes). */
  readonly restored?: readonly string[];
  /** For people: what happened to this server when it did not simply succeed. */
  readonly message?: string;
}

/** An organisation-wide change and what became of it. */
export interface OrganizationResult {
  readonly kind: string;
  readonly address: string;
  readonly title?: string;
  readonly done: boolean;
  /** Set back to the values read before the apply by the rollback. */
  readonly restored?: boolean;
  /**
   * What became of it, in one word every view shows as it is (text, JSON, HTML, audit): `done`,
   * `not-done`, `restored` (done, then put back by onFailure: rollback), `restore-failed`.
   */
  readonly state: OrganizationState;
}

export type OrganizationState = 'done' | 'not-done' | 'restored' | 'restore-failed';

export function organizationState(done: boolean, restored: boolean | undefined): OrganizationState {
  return !done ? 'not-done' : restored === true ? 'restored' : restored === false ? 'restore-failed' : 'done';
}

export interface ApplyResult {
  readonly status: 'succeeded' | 'failed';
  readonly organization: readonly OrganizationResult[];
  readonly servers: readonly ServerResult[];
  /** What the rollback did, when onFailure was rollback and something failed. */
  readonly rollback?: { readonly complete: boolean; readonly notes: readonly string[] };
  readonly diagnostics: readonly Diagnostic[];
}

export interface ApplyOptions {
  readonly restart?: RestartSpec;
  readonly host?: IoHost;
  /** When given, the run is recorded in the target's journal (start before any change, end after). */
  readonly journal?: { readonly holder: LockHolder };
  /**
   * Asked between steps: a reason (`SIGINT`) when the run was asked to stop. The run then stops before
   * its next step (the step it is in finishes), undoes nothing, and records in the journal what it owes.
   */
  readonly interrupted?: () => string | undefined;
}

/** Health checks wait this long unless the spec says otherwise (docs/exchange-facts.md#health [M]). */
export const DEFAULT_HEALTH_TIMEOUT_SECONDS = 300;

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function describeRestart(mode: 'iisreset' | 'appPools', appPools?: readonly string[], allExchangePools?: boolean): string {
  if (mode === 'iisreset') return 'iisreset /noforce';
  if (allExchangePools) return `recycle every Exchange application pool${appPools && appPools.length > 0 ? ` (and ${appPools.join(', ')})` : ''}`;
  return `recycle ${(appPools ?? []).join(', ')}`;
}

/** The target's request for a planned restart, with the health gate's paths and the plan's probes of the changed vdirs. */
function restartRequestOf(r: PlannedRestart, healthCheck: HealthCheckRequest | undefined): RestartRequest {
  return {
    mode: r.mode as 'iisreset' | 'appPools',
    ...(r.appPools ? { appPools: r.appPools } : {}),
    ...(r.allExchangePools ? { allExchangePools: true } : {}),
    ...(healthCheck ? { healthCheck: { ...healthCheck, ...(r.probes && r.probes.length > 0 ? { probes: r.probes } : {}) } } : {}),
    ...(r.expectedUnavailableSeconds !== undefined ? { expectedUnavailableSeconds: r.expectedUnavailableSeconds } : {}),
  };
}

/**
 * The order servers are changed and restarted in: the plan's, with the server that hosts hybridcfg's own
 * Exchange session last, so that restarting IIS there cannot cut the session while other servers wait
 * (remote PowerShell runs in IIS on that server; docs/exchange-facts.md#powershell).
 */
export function sessionHostLast(servers: readonly string[], host: string | undefined): string[] {
  if (host === undefined) return [...servers];
  const h = host.toUpperCase();
  return [...servers.filter((s) => s.toUpperCase() !== h), ...servers.filter((s) => s.toUpperCase() === h)];
}

/** Servers of the plan that have changes but reported they cannot back them up: refused up front. */
export function preflight(plan: Plan, live: LiveState): Diagnostic[] {
  const changing = new Set(plan.changes.flatMap((c) => (c.server !== undefined ? [c.server] : [])));
  return [...changing].flatMap((name) => {
    const backup = live.serverStates[name]?.backup;
    if (backup === undefined || backup.possible) return [];
    return [
      error(
        'apply.backup-impossible',
        `${name} cannot back up its web.config files, so nothing was changed anywhere.`,
        `${backup.reason ?? 'The server reported that backups are not possible.'}\n` +
          'hybridcfg never changes a file it cannot back up. Free disk space or fix the permissions of ' +
          '<ExchangeInstallPath>hybridcfg\\backup on that server, then run apply again.',
      ),
    ];
  });
}

/** An expected failure's diagnostics: a DiagnosticError's, or a system error's (full disk, denied access); anything else is a bug. */
function diagnosticsOf(err: unknown, what = 'A target call'): readonly Diagnostic[] {
  if (err instanceof DiagnosticError) return err.diagnostics;
  if (isSystemError(err)) return [systemErrorDiagnostic(err, what)];
  throw err;
}

export async function applyPlan(plan: Plan, target: Target, live: LiveState, loaded: LoadedSpec, registry: Registry, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const host = opts.host;
  const refused = preflight(plan, live);
  if (refused.length > 0) throw new DiagnosticError(refused);

  const assumptions = assumptionsFor(loaded.spec.assumptions);
  const inputs = new Map<string, ReturnType<typeof planInput>>();
  const inputOf = (kind: ResourceKind) => {
    let input = inputs.get(kind.id);
    if (!input) inputs.set(kind.id, (input = planInput(kind, loaded, live, assumptions)));
    return input;
  };
  /** The target request of a change, computed now from the live state; a refusal is a diagnostic. */
  const requestOf = (change: Change) => {
    const kind = kindOf(registry, change.kind);
    return kind.request(change, inputOf(kind));
  };
  const order = new Map(inApplyOrder(registry).map((k, i) => [k.id, i]));
  const byOrder = (a: Change, b: Change) => (order.get(a.kind) ?? 0) - (order.get(b.kind) ?? 0);

  const orgChanges = plan.changes.filter((c) => c.server === undefined).sort(byOrder);
  const orgState = new Map(orgChanges.map((c) => [c.address, { done: false, restored: undefined as boolean | undefined }]));
  type State = { -readonly [K in keyof ServerResult]: ServerResult[K] } & { written: string[]; backups: string[]; made: Change[] };
  const serverState = new Map<string, State>(
    plan.servers.map((s) => [s, { server: s, outcome: 'not-started', written: [], backups: [], restarted: false, made: [] }]),
  );
  const byName = new Map(live.servers.map((s) => [s.Name, s]));
  const serverOf = (name: string): ExchangeServer => {
    const s = byName.get(name);
    if (!s) throw new Error(`server ${name} of the plan was not read`);
    return s;
  };
  const onFailure = opts.restart?.onFailure ?? 'stop';
  const health = opts.restart?.rolling?.healthCheck;
  const healthCheck: HealthCheckRequest | undefined = health
    ? { paths: health.paths, timeoutSeconds: health.timeoutSeconds ?? DEFAULT_HEALTH_TIMEOUT_SECONDS }
    : undefined;
  let rollback: ApplyResult['rollback'];

  const result = (status: 'succeeded' | 'failed', diagnostics: readonly Diagnostic[]): ApplyResult => ({
    status,
    organization: orgChanges.map((c) => {
      const st = orgState.get(c.address)!;
      return {
        kind: c.kind,
        address: c.address,
        ...(c.title !== undefined ? { title: c.title } : {}),
        done: st.done,
        ...(st.restored !== undefined ? { restored: st.restored } : {}),
        state: organizationState(st.done, st.restored),
      };
    }),
    servers: plan.servers.map((s) => {
      const { made: _made, ...rest } = serverState.get(s)!;
      return rest;
    }),
    ...(rollback ? { rollback } : {}),
    diagnostics,
  });

  /**
   * After a server call that failed (a shell that died right after the write, a full disk half way),
   * which of its changes were made anyway: the server is read again and each change planned again; a
   * change that is no longer pending was made. Undefined when the server cannot be read back.
   */
  const madeDespite = async (name: string, changes: readonly Change[]): Promise<Change[] | undefined> => (await readBack(name, changes))?.made;

  /**
   * The server read again, each change planned again: `made` are no longer pending; `undone` are pending
   * again from the very digest they were planned from (put back). Undefined when the server cannot be read.
   */
  const readBack = async (name: string, changes: readonly Change[]): Promise<{ made: Change[]; undone: Change[] } | undefined> => {
    const server = serverOf(name);
    const kinds = [...new Set(changes.map((c) => c.kind))].map((id) => kindOf(registry, id));
    const queries: Record<string, unknown> = {};
    for (const k of kinds) {
      const q = k.serverQuery?.(inputOf(k), server, plan.purpose === 'rollback' ? 'rollback' : 'plan');
      if (q !== undefined) queries[k.id] = q;
    }
    let read;
    try {
      read = await target.readServer(server, queries);
    } catch {
      return undefined;
    }
    const after: LiveState = { ...live, serverStates: { ...live.serverStates, [name]: read } };
    const again = (c: Change) => {
      const k = kindOf(registry, c.kind);
      const input = planInput(k, loaded, after, assumptions);
      return (plan.purpose === 'rollback' ? k.rollback(input) : k.plan(input)).changes.find((x) => x.address === c.address);
    };
    const now = changes.map((c) => ({ c, again: again(c) }));
    return {
      made: now.filter((x) => x.again === undefined).map((x) => x.c),
      undone: now.filter((x) => x.again !== undefined && x.c.digest !== undefined && x.again.digest?.before === x.c.digest.before).map((x) => x.c),
    };
  };

  /** Whether an organisation-wide change whose call failed is in place anyway (read back, planned again). */
  const orgChangeMade = async (kind: ResourceKind, change: Change): Promise<boolean> => {
    try {
      const q = kind.orgQuery?.(inputOf(kind), plan.purpose === 'rollback' ? 'rollback' : 'plan');
      const org = await target.readOrganization(q === undefined ? {} : { [kind.id]: q });
      const after: LiveState = { ...live, organization: { ...live.organization, resources: { ...live.organization.resources, ...org.resources } } };
      const input = planInput(kind, loaded, after, assumptions);
      return (plan.purpose === 'rollback' ? kind.rollback(input) : kind.plan(input)).changes.every((x) => x.address !== change.address);
    } catch {
      return false;
    }
  };

  /** One server's changes in one call; their requests are computed first, so a refusal changes nothing. */
  const setServer = async (name: string, changes: readonly Change[]): Promise<readonly unknown[]> => {
    const requests = changes.map((c) => ({ kind: c.kind, request: requestOf(c) }));
    return target.setServer(serverOf(name), requests);
  };

  /**
   * One server's changes and its restart in one round trip, where the target can (setServerThenRestart):
   * the restart runs there only once the whole batch is written; `restarted` is undefined when it did not.
   */
  const setServerThenRestart = async (name: string, changes: readonly Change[], restart: RestartRequest) => {
    const requests = changes.map((c) => ({ kind: c.kind, request: requestOf(c) }));
    return target.setServerThenRestart!(serverOf(name), requests, restart);
  };

  /**
   * One restart call with its health check; a thrown failure or an unhealthy answer is a diagnostic.
   * `made`: the answer of a restart the target already ran with the server's write (setServerThenRestart).
   */
  const restartOne = async (
    name: string,
    request: RestartRequest,
    why: string,
    made?: Promise<RestartResult | undefined>,
  ): Promise<{ health?: HealthCheckResult; problem?: readonly Diagnostic[] }> => {
    try {
      const answer = (made ? await made : undefined) ?? (await target.restart(serverOf(name), request));
      if (answer.unavailability) {
        // A rollback's restart adds to the first: the server was down for both.
        const st = serverState.get(name)!;
        st.unavailability = { ms: (st.unavailability?.ms ?? 0) + answer.unavailability.ms, how: answer.unavailability.how };
      }
      const h = answer.health;
      if (request.healthCheck && h === undefined) {
        // Never claim a health it did not observe: a target that cannot check fails the gate.
        return {
          problem: [
            error('apply.health-unknown', `${name}: the target did not report the health check after ${why}.`, `Target "${target.description}" cannot check health yet; remove restart.rolling.healthCheck or use a target that can.`),
          ],
        };
      }
      if (h && !h.ok) {
        return {
          health: h,
          problem: [error('apply.health-check-failed', `${name} failed its health check after ${why}.`, h.failures.map((f) => `${f.path || '(server)'}: ${f.reason}`).join('\n'))],
        };
      }
      return { health: h };
    } catch (err) {
      return { problem: diagnosticsOf(err) };
    }
  };

  /** Puts the failing batch back (onFailure: rollback) and explains what is where. */
  const undo = async (batch: readonly string[]): Promise<void> => {
    const notes: string[] = [];
    let complete = true;
    for (const name of batch) {
      const st = serverState.get(name)!;
      if (st.made.length === 0) continue;
      const undos = st.made.flatMap((c) => {
        const kind = kindOf(registry, c.kind);
        const u = kind.undo(c, inputOf(kind));
        return u ? [u] : [];
      });
      try {
        await setServer(name, undos);
        st.restored = undos.map((u) => u.title ?? u.address);
        st.outcome = 'rolledBack';
        notes.push(`${name}: restored ${st.restored.join(', ')} to the bytes read before the apply`);
        await host?.notify(IO.APPLY_ROLLBACK.msg(`${name}: restored ${st.restored.join(', ')}`, { what: `${name}: restored ${st.restored.join(', ')}`, ok: true }));
      } catch (err) {
        const d = diagnosticsOf(err, `Restoring on ${name}`);
        // The restore call failed: only what is read back as put back is reported restored.
        const back = await readBack(name, st.made);
        const undone = back?.undone ?? [];
        const notUndone = st.made.filter((c) => !undone.includes(c));
        if (undone.length > 0) {
          st.restored = undone.map((c) => c.title ?? c.address);
          notes.push(`${name}: restored ${st.restored.join(', ')} to the bytes read before the apply (read back after the restore call failed)`);
        }
        if (notUndone.length > 0) {
          complete = false;
          notes.push(
            `${name}: could NOT restore ${notUndone.map((c) => c.title ?? c.address).join(', ')}: ${d.map((x) => x.summary).join('; ')}` +
              `${back === undefined ? ' (and the server could not be read back: its state is unknown)' : ''}; backups: ${st.backups.join(', ') || '(see hybridcfg/backup on the server)'}`,
          );
        }
        await host?.notify(IO.APPLY_ROLLBACK.msg(`${name}: restore ${notUndone.length === 0 ? 'done (read back)' : 'failed'}`, { what: `${name}: restore ${notUndone.length === 0 ? 'done (read back)' : 'failed'}`, ok: notUndone.length === 0 }));
      }
    }
    for (const change of orgChanges) {
      const st = orgState.get(change.address)!;
      if (!st.done) continue;
      const kind = kindOf(registry, change.kind);
      const what = `${kind.noun[0]} "${change.title ?? change.address}"`;
      try {
        const u = kind.undo(change, inputOf(kind));
        if (u) await target.setOrganization(kind.id, kind.request(u, inputOf(kind)));
        st.restored = true;
        notes.push(`${what}: ${change.attributes.map((a) => a.name).join(', ')} set back to the values read before the apply`);
        await host?.notify(IO.APPLY_ROLLBACK.msg(`${what} restored`, { what: `${what} restored`, ok: true }));
      } catch (err) {
        complete = false;
        st.restored = false;
        notes.push(`${what}: could NOT be restored: ${diagnosticsOf(err).map((x) => x.summary).join('; ')}`);
        await host?.notify(IO.APPLY_ROLLBACK.msg(`${what}: restore failed`, { what: `${what}: restore failed`, ok: false }));
      }
    }
    const restartAgain = batch.filter((name) => serverState.get(name)!.restarted || serverState.get(name)!.restored !== undefined);
    for (const name of restartAgain) {
      const restart = plan.restarts.find((r) => r.server === name);
      if (!restart || restart.mode === 'none') continue;
      const r = await restartOne(name, restartRequestOf(restart, healthCheck), 'the rollback restart');
      const st = serverState.get(name)!;
      if (r.health) st.health = r.health;
      if (r.problem) {
        complete = false;
        notes.push(`${name}: restarted again after the rollback, and that failed: ${r.problem.map((x) => x.summary).join('; ')}`);
      } else notes.push(`${name}: restarted again after the rollback${r.health ? ' and healthy' : ''}`);
    }
    const earlier = plan.servers.filter((s) => !batch.includes(s) && (serverState.get(s)!.outcome === 'restarted' || serverState.get(s)!.outcome === 'changed'));
    if (earlier.length > 0) {
      const restoredOrg = orgChanges.some((c) => orgState.get(c.address)!.restored);
      notes.push(
        `${earlier.join(', ')} completed before the failure and ${earlier.length === 1 ? 'keeps' : 'keep'} the change` +
          (restoredOrg
            ? `; ${earlier.length === 1 ? 'it' : 'they'} cached the new organisation-wide values at the restart and ${earlier.length === 1 ? 'keeps' : 'keep'} them until the next restart`
            : '') +
          '. Run `hybridcfg rollback` to restore them too.',
      );
    }
    rollback = { complete, notes };
  };

  /**
   * The planned restarts this run did not pay: a server not restarted (healthy or not) after a change of
   * this run on it, or after an organisation-wide change of this run that was not put back, or a debt
   * it carried from an earlier run.
   */
  const unpaid = () => {
    const orgChanged = orgChanges.some((c) => orgState.get(c.address)!.done && orgState.get(c.address)!.restored !== true);
    return plan.restarts
      .filter((r) => r.mode !== 'none')
      .filter((r) => {
        const st = serverState.get(r.server);
        if (st === undefined || st.restarted) return false;
        const hasOwnChange = plan.changes.some((c) => c.server === r.server);
        const written = st.made.length > 0 && st.restored === undefined;
        return written || orgChanged || !hasOwnChange;
      })
      .map(owedOf);
  };

  const finish = async (status: 'succeeded' | 'failed', diagnostics: readonly Diagnostic[]) => {
    if (opts.journal) {
      try {
        await target.appendJournal({ event: 'end', runId: opts.journal.holder.runId, status: rollback ? `${status}, rolled back` : status, owed: unpaid() });
      } catch (err) {
        // What was done stays done; the next plan will say this run did not finish, which is what it can know.
        const d = diagnosticsOf(err, "Adding the run's end to the journal");
        const w = { ...d[0]!, severity: 'warning' as const, code: 'apply.journal-end-failed' };
        await host?.notify(IO.RUN_WARNING.msg(w.summary, { diagnostic: w }));
        return result(status, [...diagnostics, w]);
      }
    }
    return result(status, diagnostics);
  };

  const stop = async (step: string, diagnostics: readonly Diagnostic[], batch: readonly string[], failedServers: readonly string[]): Promise<ApplyResult> => {
    for (const s of failedServers) {
      const st = serverState.get(s)!;
      st.outcome = 'failed';
      st.message = [diagnostics.map((d) => d.summary.replace(/\.$/, '')).join('; '), st.message].filter(Boolean).join('; ');
    }
    await host?.notify(IO.APPLY_FAILED.msg(`FAILED: ${step}`, { step, ...(failedServers[0] ? { server: failedServers[0] } : {}), diagnostics }));
    if (onFailure === 'rollback') await undo(batch);
    for (const s of failedServers) {
      const st = serverState.get(s)!;
      if (st.restored !== undefined) st.outcome = 'rolledBack';
    }
    return finish('failed', diagnostics);
  };

  /** A stop asked for from outside (a signal): no rollback, what is owed recorded, the rest reported not started. */
  const interruption = async (): Promise<ApplyResult | undefined> => {
    const why = opts.interrupted?.();
    if (why === undefined) return undefined;
    const d = error(
      'apply.interrupted',
      `The run was stopped (${why}) after the step it was in; nothing more was changed.`,
      'What was done and what was not is listed above; restarts it owes are recorded and shown by the next plan. Run apply again to converge.',
    );
    await host?.notify(IO.APPLY_FAILED.msg(`STOPPED: ${why}`, { step: why, diagnostics: [d] }));
    return finish('failed', [d]);
  };

  if (opts.journal) {
    // Before any change: a journal that cannot take the line stops the run with nothing changed.
    await target.appendJournal({
      event: 'start',
      runId: opts.journal.holder.runId,
      holder: opts.journal.holder,
      // A server change records the server's build (ExSetup.exe) with its before/after: what the backup and the
      // original were taken on (docs/exchange-facts.md#web-config W6).
      changes: plan.changes.map((c) => ({
        address: c.address,
        ...(c.server !== undefined ? { server: c.server } : {}),
        ...(c.server !== undefined && typeof plan.builds?.[c.server] === 'string' ? { build: plan.builds[c.server]! } : {}),
        ...(c.digest ? { before: c.digest.before, after: c.digest.after } : {}),
      })),
      // Recorded before the first change: an interruption from here on leaves them owed.
      owes: plan.restarts.filter((r) => r.mode !== 'none').map(owedOf),
    });
  }

  for (const change of orgChanges) {
    const kind = kindOf(registry, change.kind);
    const stopped = await interruption();
    if (stopped) return stopped;
    try {
      await target.setOrganization(kind.id, requestOf(change));
    } catch (err) {
      const diagnostics = diagnosticsOf(err, `${kind.verb ?? kind.noun[0]} "${change.title ?? change.address}"`);
      // A set that failed may have been made (a shell that died after it): read back, and undo it too if so.
      if (await orgChangeMade(kind, change)) orgState.get(change.address)!.done = true;
      return stop(`${kind.verb ?? kind.noun[0]} "${change.title ?? change.address}"`, diagnostics, [], []);
    }
    orgState.get(change.address)!.done = true;
    await host?.notify(
      IO.APPLY_ORGANIZATION.msg(`${kind.verb ?? kind.noun[0]} "${change.title ?? change.address}": ${change.attributes.map((a) => a.name).join(', ')} ... done`, {
        kind: kind.id,
        address: change.address,
        ...(change.title !== undefined ? { title: change.title } : {}),
        attributes: change.attributes.map((a) => a.name),
      }),
    );
  }

  const restarting = plan.restarts.filter((r) => r.mode !== 'none').length;
  const size = batchSize(opts.restart?.rolling?.maxUnavailable, restarting || plan.servers.length);
  for (const batch of batches(sessionHostLast(plan.servers, target.sessionHost?.()), size)) {
    // The servers of a batch are written in parallel (they restart together anyway); a failure stops the
    // run after every write of the batch has settled, so none is left running unseen.
    if (batch.some((name) => plan.changes.some((c) => c.server === name))) {
      const stopped = await interruption();
      if (stopped) return stopped;
    }
    // Where the target can, a written server's restart goes out in the same round trip as the batch's
    // writes, and runs there only once the whole batch is written (the rule below, kept by the target).
    const restartsWith = new Map<string, Promise<RestartResult | undefined>>();
    const written = await Promise.all(
      batch.map(async (name) => {
        const changes = plan.changes.filter((c) => c.server === name).sort(byOrder);
        const state = serverState.get(name)!;
        state.outcome = 'unchanged';
        if (changes.length === 0) return { name };
        const planned = plan.restarts.find((x) => x.server === name && x.mode !== 'none');
        try {
          let results: readonly unknown[];
          if (planned && target.setServerThenRestart) {
            const both = await setServerThenRestart(name, changes, restartRequestOf(planned, healthCheck));
            restartsWith.set(name, both.restarted);
            results = await both.written;
          } else {
            results = await setServer(name, changes);
          }
          changes.forEach((c, i) => {
            state.made.push(c);
            state.written.push(c.title ?? c.address);
            state.backups.push(...(kindOf(registry, c.kind).backupsOf?.(results[i]) ?? []));
          });
          state.outcome = 'changed';
          await host?.notify(
            IO.APPLY_SERVER.msg(`${name}: wrote ${state.written.join(', ')} (backup: ${state.backups.join(', ')})`, { server: name, written: [...state.written], backups: [...state.backups] }),
          );
          return { name };
        } catch (err) {
          const problem = diagnosticsOf(err, `Writing on ${name}`);
          // The call failed: what did it leave? Only what is observed is reported as written (and undone).
          const made = await madeDespite(name, changes);
          for (const c of made ?? []) {
            state.made.push(c);
            state.written.push(c.title ?? c.address);
          }
          if (made === undefined) state.message = 'could not be read back after the failure: what it holds is unknown; run plan';
          return { name, problem };
        }
      }),
    );
    const unwritten = written.filter((w) => w.problem);
    if (unwritten.length > 0) {
      return stop(
        `writing web.config on ${unwritten.map((w) => w.name).join(', ')}`,
        unwritten.flatMap((w) => w.problem!),
        batch,
        unwritten.map((w) => w.name),
      );
    }
    // The batch restarts together: maxUnavailable servers at most are down at once.
    const restarts = batch.flatMap((name) => {
      const r = plan.restarts.find((x) => x.server === name);
      return r && r.mode !== 'none' ? [{ name, mode: r.mode, planned: r }] : [];
    });
    // A stop asked for now stops before the restarts, unless they went out with the writes: those ran, and
    // are recorded as such.
    if (restarts.length > 0 && restartsWith.size === 0) {
      const stopped = await interruption();
      if (stopped) return stopped;
    }
    const outcomes = await Promise.all(
      restarts.map(async (r) => {
        const how = describeRestart(r.mode as 'iisreset' | 'appPools', r.planned.appPools, r.planned.allExchangePools);
        await host?.notify(IO.APPLY_RESTART_START.msg(`${r.name}: ${how} ...`, { server: r.name, how }));
        const answer = await restartOne(r.name, restartRequestOf(r.planned, healthCheck), how, restartsWith.get(r.name));
        const st = serverState.get(r.name)!;
        if (answer.health) st.health = answer.health;
        // A failed health check still restarted the server; a thrown restart may not have.
        if (!answer.problem || answer.health) {
          st.restarted = true;
          st.outcome = 'restarted';
        }
        if (!answer.problem) {
          await host?.notify(
            IO.APPLY_RESTART_DONE.msg(`${r.name}: ${how} done${answer.health ? ', health check passed' : ''}`, { server: r.name, how, ...(answer.health ? { healthy: true } : {}) }),
          );
        }
        return { name: r.name, problem: answer.problem };
      }),
    );
    const failures = outcomes.filter((o) => o.problem);
    if (failures.length > 0) {
      return stop(
        `restarting ${failures.map((f) => f.name).join(', ')}`,
        failures.flatMap((f) => f.problem!),
        batch,
        failures.map((f) => f.name),
      );
    }
  }
  return finish('succeeded', []);
}

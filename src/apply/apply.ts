/**
 * Carries out a plan. The order is the safe one, after Microsoft's own support scripts (EXCHANGE.md,
 * last section):
 *  0. preflight: every server with a file to change must be able to take a backup (its read said so);
 *     one that cannot stops the run before any change;
 *  1. partner applications (organisation-wide; servers cache them, so the change takes effect on a
 *     server only when it restarts [M]);
 *  2. servers in batches of restart.rolling.maxUnavailable (default 1): each server's web.config files
 *     in one call (the target checks the bytes are still those planned, backs them up, writes
 *     atomically), then the batch restarts together, each restart carrying its health check, and the
 *     next batch starts only when every server of this one is healthy. A changed server costs three
 *     target calls: read, writeFiles, restart (+health).
 * The first failure stops the run: later batches are left untouched. With `onFailure: rollback` the
 * failing batch's files are restored byte for byte from the bytes read before the apply, the partner
 * applications changed by this run get their values from before the apply back, and the servers of
 * the batch that were restarted are restarted again. Servers of earlier batches keep the change (they
 * are healthy with it); they cached the new partner application values at their restart and keep them
 * until they next restart: the result says so. The engine never prints; it reports events.
 */
import { DiagnosticError, error, type Diagnostic } from '../diag/diagnostic';
import type { LiveState } from '../engine/live';
import type { AttributeChange, Plan } from '../plan/types';
import type { RestartSpec } from '../spec/types';
import type {
  ExchangeServer,
  HealthCheckRequest,
  HealthCheckResult,
  LockHolder,
  PartnerApplicationUpdate,
  RestartRequest,
  Target,
} from '../targets/types';

export type ApplyEvent =
  | { readonly type: 'partner-application'; readonly name: string; readonly properties: readonly string[] }
  | { readonly type: 'write-files'; readonly server: string; readonly files: readonly string[]; readonly backups: readonly string[] }
  | { readonly type: 'restart-start'; readonly server: string; readonly how: string }
  | { readonly type: 'restart-done'; readonly server: string; readonly how: string; readonly healthy?: boolean }
  | { readonly type: 'failed'; readonly step: string; readonly server?: string; readonly diagnostics: readonly Diagnostic[] }
  | { readonly type: 'rollback'; readonly what: string; readonly ok: boolean };

export type ServerOutcome = 'changed' | 'restarted' | 'unchanged' | 'failed' | 'not-started' | 'rolledBack';

export interface ServerResult {
  readonly server: string;
  readonly outcome: ServerOutcome;
  readonly filesWritten: readonly string[];
  readonly backups: readonly string[];
  readonly restarted: boolean;
  /** The health check of the last restart, when one was asked for. */
  readonly health?: HealthCheckResult;
  /** Files put back to their pre-apply bytes by the rollback. */
  readonly restored?: readonly string[];
  /** For people: what happened to this server when it did not simply succeed. */
  readonly message?: string;
}

export interface ApplyResult {
  readonly status: 'succeeded' | 'failed';
  readonly partnerApplications: readonly {
    readonly name: string;
    readonly applicationIdentifier: string;
    readonly done: boolean;
    /** Set back to the values read before the apply by the rollback. */
    readonly restored?: boolean;
  }[];
  readonly servers: readonly ServerResult[];
  /** What the rollback did, when onFailure was rollback and something failed. */
  readonly rollback?: { readonly complete: boolean; readonly notes: readonly string[] };
  readonly diagnostics: readonly Diagnostic[];
}

export interface ApplyOptions {
  readonly restart?: RestartSpec;
  readonly onEvent?: (e: ApplyEvent) => void;
  /** When given, the run is recorded in the target's journal (start before any change, end after). */
  readonly journal?: { readonly holder: LockHolder };
}

/** Health checks wait this long unless the spec says otherwise (EXCHANGE.md: healthcheck.htm [M]). */
export const DEFAULT_HEALTH_TIMEOUT_SECONDS = 300;

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function describeRestart(mode: 'iisreset' | 'appPools', appPools?: readonly string[]): string {
  return mode === 'iisreset' ? 'iisreset /noforce' : `Restart-WebAppPool ${(appPools ?? []).join(', ')}`;
}

/** Servers of the plan that have files to change but reported they cannot back them up: refused up front. */
export function preflight(plan: Plan, live: LiveState): Diagnostic[] {
  const changing = new Set(plan.fileEdits.map((e) => e.server));
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

function diagnosticsOf(err: unknown): readonly Diagnostic[] {
  if (err instanceof DiagnosticError) return err.diagnostics;
  throw err;
}

/** The update that puts back the values a partner application change replaced. */
export function restoringUpdate(attributes: readonly AttributeChange[]): PartnerApplicationUpdate {
  const update: Record<string, unknown> = {};
  for (const a of attributes) update[a.name] = a.before;
  return update as PartnerApplicationUpdate;
}

export async function applyPlan(plan: Plan, target: Target, live: LiveState, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const emit = opts.onEvent ?? (() => undefined);
  const refused = preflight(plan, live);
  if (refused.length > 0) throw new DiagnosticError(refused);

  const apps = plan.changes.flatMap((c) => (c.kind === 'partnerApplication' ? [c] : []));
  const appState = new Map(apps.map((a) => [a.applicationIdentifier, { done: false, restored: undefined as boolean | undefined }]));
  type State = { -readonly [K in keyof ServerResult]: ServerResult[K] } & { filesWritten: string[]; backups: string[] };
  const serverState = new Map<string, State>(
    plan.servers.map((s) => [s, { server: s, outcome: 'not-started', filesWritten: [], backups: [], restarted: false }]),
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
    partnerApplications: apps.map((a) => {
      const st = appState.get(a.applicationIdentifier)!;
      return { name: a.name, applicationIdentifier: a.applicationIdentifier, done: st.done, ...(st.restored !== undefined ? { restored: st.restored } : {}) };
    }),
    servers: plan.servers.map((s) => ({ ...serverState.get(s)! })),
    ...(rollback ? { rollback } : {}),
    diagnostics,
  });

  /** One restart call with its health check; a thrown failure or an unhealthy answer is a diagnostic. */
  const restartOne = async (name: string, request: RestartRequest, why: string): Promise<{ health?: HealthCheckResult; problem?: readonly Diagnostic[] }> => {
    try {
      const answer = await target.restart(serverOf(name), request);
      const h = answer ? answer.health : undefined;
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
          problem: [
            error(
              'apply.health-check-failed',
              `${name} failed its health check after ${why}.`,
              h.failures.map((f) => `${f.path || '(server)'}: ${f.reason}`).join('\n'),
            ),
          ],
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
      if (st.filesWritten.length === 0) continue;
      const edits = plan.fileEdits.filter((e) => e.server === name && st.filesWritten.includes(e.file));
      try {
        await target.writeFiles(
          serverOf(name),
          edits.map((e) => {
            const before = live.serverStates[name].files[e.file];
            if (!before?.exists) throw new Error(`pre-apply bytes of ${e.file} on ${name} were not read`);
            return { file: e.file, bytes: before.bytes, expectedSha256: e.afterSha256 };
          }),
        );
        st.restored = edits.map((e) => e.file);
        st.outcome = 'rolledBack';
        notes.push(`${name}: restored ${st.restored.join(', ')} to the bytes read before the apply`);
        emit({ type: 'rollback', what: `${name}: restored ${st.restored.join(', ')}`, ok: true });
      } catch (err) {
        complete = false;
        const d = diagnosticsOf(err);
        notes.push(`${name}: could NOT restore ${st.filesWritten.join(', ')}: ${d.map((x) => x.summary).join('; ')}; backups: ${st.backups.join(', ')}`);
        emit({ type: 'rollback', what: `${name}: restore failed`, ok: false });
      }
    }
    for (const app of apps) {
      const st = appState.get(app.applicationIdentifier)!;
      if (!st.done) continue;
      try {
        await target.setPartnerApplication(app.applicationIdentifier, restoringUpdate(app.attributes));
        st.restored = true;
        notes.push(`partner application "${app.name}": ${app.attributes.map((a) => a.name).join(', ')} set back to the values read before the apply`);
        emit({ type: 'rollback', what: `partner application "${app.name}" restored`, ok: true });
      } catch (err) {
        complete = false;
        st.restored = false;
        notes.push(`partner application "${app.name}": could NOT be restored: ${diagnosticsOf(err).map((x) => x.summary).join('; ')}`);
        emit({ type: 'rollback', what: `partner application "${app.name}": restore failed`, ok: false });
      }
    }
    const restartAgain = batch.filter((name) => serverState.get(name)!.restarted || serverState.get(name)!.restored !== undefined);
    for (const name of restartAgain) {
      const restart = plan.restarts.find((r) => r.server === name);
      if (!restart || restart.mode === 'none') continue;
      const r = await restartOne(name, { mode: restart.mode, appPools: restart.appPools, healthCheck }, 'the rollback restart');
      const st = serverState.get(name)!;
      if (r.health) st.health = r.health;
      if (r.problem) {
        complete = false;
        notes.push(`${name}: restarted again after the rollback, and that failed: ${r.problem.map((x) => x.summary).join('; ')}`);
      } else notes.push(`${name}: restarted again after the rollback${r.health ? ' and healthy' : ''}`);
    }
    const earlier = plan.servers.filter((s) => !batch.includes(s) && (serverState.get(s)!.outcome === 'restarted' || serverState.get(s)!.outcome === 'changed'));
    if (earlier.length > 0) {
      notes.push(
        `${earlier.join(', ')} completed before the failure and ${earlier.length === 1 ? 'keeps' : 'keep'} the change` +
          (apps.some((a) => appState.get(a.applicationIdentifier)!.restored)
            ? `; ${earlier.length === 1 ? 'it' : 'they'} cached the new partner application values at the restart and ${earlier.length === 1 ? 'keeps' : 'keep'} them until the next restart`
            : '') +
          '. Run `hybridcfg rollback` to restore them too.',
      );
    }
    rollback = { complete, notes };
  };

  const stop = async (step: string, diagnostics: readonly Diagnostic[], batch: readonly string[], failedServers: readonly string[]): Promise<ApplyResult> => {
    for (const s of failedServers) {
      const st = serverState.get(s)!;
      st.outcome = 'failed';
      st.message = diagnostics.map((d) => d.summary.replace(/\.$/, '')).join('; ');
    }
    emit({ type: 'failed', step, server: failedServers[0], diagnostics });
    if (onFailure === 'rollback') await undo(batch);
    for (const s of failedServers) {
      const st = serverState.get(s)!;
      if (st.restored !== undefined) st.outcome = 'rolledBack';
    }
    return finish('failed', diagnostics);
  };

  const finish = async (status: 'succeeded' | 'failed', diagnostics: readonly Diagnostic[]): Promise<ApplyResult> => {
    if (opts.journal && target.appendJournal) {
      await target.appendJournal({ event: 'end', runId: opts.journal.holder.runId, status: rollback ? `${status}, rolled back` : status });
    }
    return result(status, diagnostics);
  };

  if (opts.journal && target.appendJournal) {
    await target.appendJournal({
      event: 'start',
      runId: opts.journal.holder.runId,
      holder: opts.journal.holder,
      files: plan.fileEdits.map((e) => ({ server: e.server, file: e.file, beforeSha256: e.beforeSha256, afterSha256: e.afterSha256 })),
      partnerApplications: apps.map((a) => a.applicationIdentifier),
    });
  }

  for (const app of apps) {
    try {
      await target.setPartnerApplication(app.applicationIdentifier, app.update);
    } catch (err) {
      return stop(`Set-PartnerApplication "${app.name}"`, diagnosticsOf(err), [], []);
    }
    appState.get(app.applicationIdentifier)!.done = true;
    emit({ type: 'partner-application', name: app.name, properties: app.attributes.map((a) => a.name) });
  }

  const size = Math.max(1, opts.restart?.rolling?.maxUnavailable ?? 1);
  for (const batch of batches(plan.servers, size)) {
    for (const name of batch) {
      const edits = plan.fileEdits.filter((e) => e.server === name);
      const state = serverState.get(name)!;
      state.outcome = 'unchanged';
      if (edits.length === 0) continue;
      try {
        const written = await target.writeFiles(
          serverOf(name),
          edits.map((e) => ({ file: e.file, bytes: Buffer.from(e.afterBase64, 'base64'), expectedSha256: e.beforeSha256 })),
        );
        state.filesWritten.push(...written.map((w) => w.file));
        state.backups.push(...written.map((w) => w.backupPath));
        state.outcome = 'changed';
        emit({ type: 'write-files', server: name, files: state.filesWritten, backups: state.backups });
      } catch (err) {
        return stop(`writing web.config on ${name}`, diagnosticsOf(err), batch, [name]);
      }
    }
    // The batch restarts together: maxUnavailable servers at most are down at once.
    const restarts = batch.flatMap((name) => {
      const r = plan.restarts.find((x) => x.server === name);
      return r && r.mode !== 'none' ? [{ name, mode: r.mode, appPools: r.appPools }] : [];
    });
    const outcomes = await Promise.all(
      restarts.map(async (r) => {
        const how = describeRestart(r.mode, r.appPools);
        emit({ type: 'restart-start', server: r.name, how });
        const answer = await restartOne(r.name, { mode: r.mode, appPools: r.appPools, healthCheck }, how);
        const st = serverState.get(r.name)!;
        if (answer.health) st.health = answer.health;
        // A failed health check still restarted the server; a thrown restart may not have.
        if (!answer.problem || answer.health) {
          st.restarted = true;
          st.outcome = 'restarted';
        }
        if (!answer.problem) emit({ type: 'restart-done', server: r.name, how, ...(answer.health ? { healthy: true } : {}) });
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

export function stalePlanError(planFile: string): DiagnosticError {
  return new DiagnosticError(
    error(
      'apply.stale-plan',
      `The saved plan ${planFile} is stale: the live state changed since it was made.`,
      'Nothing was changed. Run `hybridcfg plan --out ' + planFile + '` again, review it, and apply the new plan.',
    ),
  );
}

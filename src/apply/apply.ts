/**
 * Carries out a plan. The order is the safe one:
 *  1. partner applications (organisation-wide; servers cache them, so the change takes effect on a
 *     server only when it restarts [M]);
 *  2. servers in batches of restart.rolling.maxUnavailable (default 1): each server's web.config files
 *     in one call (the target checks the bytes are still those planned, backs them up, writes
 *     atomically), then the restarts of that batch, before the next batch starts.
 * The first failure stops the run: later servers are left untouched and the result says, server by
 * server, what was done. The engine never prints; it reports events.
 */
import { DiagnosticError, error, type Diagnostic } from '../diag/diagnostic';
import type { Plan } from '../plan/types';
import type { RestartSpec } from '../spec/types';
import type { ExchangeServer, Target } from '../targets/types';

export type ApplyEvent =
  | { readonly type: 'partner-application'; readonly name: string; readonly properties: readonly string[] }
  | { readonly type: 'write-files'; readonly server: string; readonly files: readonly string[]; readonly backups: readonly string[] }
  | { readonly type: 'restart-start'; readonly server: string; readonly how: string }
  | { readonly type: 'restart-done'; readonly server: string; readonly how: string }
  | { readonly type: 'failed'; readonly step: string; readonly server?: string; readonly diagnostics: readonly Diagnostic[] };

export type ServerOutcome = 'changed' | 'restarted' | 'unchanged' | 'failed' | 'not-started';

export interface ApplyResult {
  readonly status: 'succeeded' | 'failed';
  readonly partnerApplications: readonly { readonly name: string; readonly applicationIdentifier: string; readonly done: boolean }[];
  readonly servers: readonly {
    readonly server: string;
    readonly outcome: ServerOutcome;
    readonly filesWritten: readonly string[];
    readonly backups: readonly string[];
    readonly restarted: boolean;
  }[];
  readonly diagnostics: readonly Diagnostic[];
}

export interface ApplyOptions {
  readonly restart?: RestartSpec;
  readonly onEvent?: (e: ApplyEvent) => void;
}

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function applyPlan(plan: Plan, target: Target, servers: readonly ExchangeServer[], opts: ApplyOptions = {}): Promise<ApplyResult> {
  const emit = opts.onEvent ?? (() => undefined);
  const apps = plan.changes.flatMap((c) => (c.kind === 'partnerApplication' ? [c] : []));
  const appDone = new Map(apps.map((a) => [a.applicationIdentifier, false]));
  const serverState = new Map(
    plan.servers.map((s) => [s, { outcome: 'not-started' as ServerOutcome, filesWritten: [] as string[], backups: [] as string[], restarted: false }]),
  );
  const result = (status: 'succeeded' | 'failed', diagnostics: readonly Diagnostic[]): ApplyResult => ({
    status,
    partnerApplications: apps.map((a) => ({ name: a.name, applicationIdentifier: a.applicationIdentifier, done: appDone.get(a.applicationIdentifier)! })),
    servers: plan.servers.map((s) => ({ server: s, ...serverState.get(s)! })),
    diagnostics,
  });
  const failed = (step: string, err: unknown, server?: string): ApplyResult => {
    if (!(err instanceof DiagnosticError)) throw err;
    if (server) serverState.get(server)!.outcome = 'failed';
    emit({ type: 'failed', step, server, diagnostics: err.diagnostics });
    return result('failed', err.diagnostics);
  };

  for (const app of apps) {
    try {
      await target.setPartnerApplication(app.applicationIdentifier, app.update);
    } catch (err) {
      return failed(`Set-PartnerApplication "${app.name}"`, err);
    }
    appDone.set(app.applicationIdentifier, true);
    emit({ type: 'partner-application', name: app.name, properties: app.attributes.map((a) => a.name) });
  }

  const byName = new Map(servers.map((s) => [s.Name, s]));
  const size = Math.max(1, opts.restart?.rolling?.maxUnavailable ?? 1);
  for (const batch of batches(plan.servers, size)) {
    for (const name of batch) {
      const edits = plan.fileEdits.filter((e) => e.server === name);
      const state = serverState.get(name)!;
      state.outcome = 'unchanged';
      if (edits.length === 0) continue;
      const server = byName.get(name);
      if (!server) throw new Error(`server ${name} of the plan was not read`);
      try {
        const written = await target.writeFiles(
          server,
          edits.map((e) => ({ file: e.file, bytes: Buffer.from(e.afterBase64, 'base64'), expectedSha256: e.beforeSha256 })),
        );
        state.filesWritten.push(...written.map((w) => w.file));
        state.backups.push(...written.map((w) => w.backupPath));
        state.outcome = 'changed';
        emit({ type: 'write-files', server: name, files: state.filesWritten, backups: state.backups });
      } catch (err) {
        return failed(`writing web.config on ${name}`, err, name);
      }
    }
    for (const name of batch) {
      const restart = plan.restarts.find((r) => r.server === name);
      if (!restart || restart.mode === 'none') continue;
      const how = restart.mode === 'iisreset' ? 'iisreset /noforce' : `Restart-WebAppPool ${restart.appPools?.join(', ')}`;
      emit({ type: 'restart-start', server: name, how });
      try {
        await target.restart(byName.get(name)!, { mode: restart.mode, appPools: restart.appPools });
      } catch (err) {
        return failed(`restarting IIS on ${name}`, err, name);
      }
      const state = serverState.get(name)!;
      state.restarted = true;
      state.outcome = 'restarted';
      emit({ type: 'restart-done', server: name, how });
    }
  }
  return result('succeeded', []);
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

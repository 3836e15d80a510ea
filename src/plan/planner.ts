/**
 * plan(spec, live) -> Plan. A pure function: it reads nothing and changes nothing, so the same inputs
 * always give the same plan (apart from createdAt), which is what makes a saved plan checkable.
 */
import { createHash } from 'node:crypto';
import { DiagnosticError, warning, type Diagnostic } from '../diag/diagnostic';
import type { LiveState } from '../engine/live';
import type { LoadedSpec } from '../spec/types';
import { planPartnerApplications } from './partner-applications';
import { PLAN_FORMAT_VERSION, type Plan, type PlannedRestart } from './types';
import { planWebConfigs } from './web-configs';

export interface PlanContext {
  readonly toolVersion: string;
  readonly target: { readonly kind: string; readonly description: string };
  readonly now: Date;
}

/** Stable JSON (sorted keys) so that the fingerprint does not depend on property order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function plan(loaded: LoadedSpec, live: LiveState, ctx: PlanContext): Plan {
  const apps = planPartnerApplications(loaded, live.organization);
  const files = planWebConfigs(loaded, live.servers, live.serverStates);
  const errors = [...apps.diagnostics, ...files.diagnostics].filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new DiagnosticError(errors);
  // Spec warnings (near-miss keys, empty tokens) travel with the plan so every view shows them.
  const warnings: Diagnostic[] = [...(loaded.warnings ?? []), ...apps.diagnostics, ...files.diagnostics].filter((d) => d.severity === 'warning');

  const restarts = planRestarts(loaded, live, apps.changes.map((c) => c.name), files.fileEdits);
  if (restarts.length > 0 && (loaded.spec.restart?.mode ?? 'iisreset') === 'none') {
    warnings.push(
      warning(
        'plan.restart-none',
        `restart.mode is none: the changes take effect only after IIS restarts on ${restarts.map((r) => r.server).join(', ')}.`,
        'Exchange reads OAuthHttpModule.Profiles once per application pool and caches partner applications; ' +
          'recycle MSExchangeRestFrontEndAppPool or run iisreset yourself, or set restart.mode.',
        { source: loaded.locate('/restart/mode') },
      ),
    );
  }
  if (apps.changes.length > 0 && loaded.spec.servers !== 'all' && live.organization.servers.length > live.servers.length) {
    const others = live.organization.servers.filter((s) => !live.servers.includes(s)).map((s) => s.Name);
    warnings.push(
      warning(
        'plan.partner-application-out-of-scope',
        `Partner applications are organisation-wide: ${others.join(', ')} will pick up the change at their next restart.`,
        'Only the servers in `servers:` are restarted by this run. Use `servers: all` to restart every server now.',
        { source: loaded.locate('/servers') },
      ),
    );
  }

  const fingerprint = createHash('sha256')
    .update(
      canonicalJson({
        servers: live.servers.map((s) => s.Name),
        partnerApplications: apps.read,
        files: files.read,
        parameters: live.organization.setPartnerApplicationParameters,
      }),
    )
    .digest('hex');

  return assemblePlan(loaded, live, ctx, { changes: [...apps.changes, ...files.changes], fileEdits: files.fileEdits, restarts, warnings, fingerprint });
}

/** The parts every plan shares, around what a planner (apply or rollback) decided. */
export function assemblePlan(
  loaded: LoadedSpec,
  live: LiveState,
  ctx: PlanContext,
  parts: Pick<Plan, 'changes' | 'fileEdits' | 'restarts' | 'warnings' | 'fingerprint'>,
): Plan {
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    tool: { name: 'hybridcfg', version: ctx.toolVersion },
    createdAt: ctx.now.toISOString(),
    spec: { path: loaded.path, digest: loaded.digest },
    target: ctx.target,
    servers: live.servers.map((s) => s.Name),
    ...parts,
    summary: {
      changes: parts.changes.length,
      servers: new Set(parts.fileEdits.map((e) => e.server)).size,
      restarts: parts.restarts.filter((r) => r.mode !== 'none').length,
    },
  };
}

/**
 * A server restarts when one of its web.config files changed (ASP.NET reads appSettings once per
 * AppDomain [M]) or when a partner application changed, since every server caches them: then every
 * server in scope restarts. Once per server, whatever the number of reasons.
 */
export function planRestarts(
  loaded: LoadedSpec,
  live: LiveState,
  changedApps: readonly string[],
  edits: readonly { server: string; file: string }[],
  verb: 'changed' | 'restored' = 'changed',
): PlannedRestart[] {
  const restart = loaded.spec.restart ?? { mode: 'iisreset' as const };
  const out: PlannedRestart[] = [];
  for (const server of live.servers) {
    const reasons = [
      ...edits.filter((e) => e.server === server.Name).map((e) => `web.config ${verb}: ${e.file}`),
      ...changedApps.map((name) => `partner application "${name}" ${verb} (every server caches partner applications)`),
    ];
    if (reasons.length === 0) continue;
    out.push({
      server: server.Name,
      mode: restart.mode,
      ...(restart.mode === 'appPools' ? { appPools: [...(restart.appPools ?? [])] } : {}),
      reasons,
    });
  }
  return out;
}

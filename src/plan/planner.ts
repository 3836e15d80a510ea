/**
 * plan(spec, live) -> Plan. A pure function: it reads nothing and changes nothing, so the same inputs
 * always give the same plan (apart from createdAt), which is what makes a saved plan checkable. It
 * iterates over the registered resource kinds; nothing here names one. Diagnostics come back beside
 * the plan; a plan with an error is not a plan (plan is then undefined).
 */
import { assumptions as assumptionsFor, type Assumptions } from '../assumptions/register';
import { warning, type Diagnostic } from '../diag/diagnostic';
import type { Registry } from '../resources/registry';
import type { Change, KindContext, KindPlan, LiveState, PlanInput, ResourceKind } from '../resources/types';
import type { LoadedSpec } from '../spec/types';
import { canonicalJson } from '../util/json';
import { sha256 } from '../util/hash';
import { PLAN_FORMAT_VERSION, type Plan, type PlanKind, type PlannedRestart } from './types';

export interface PlanContext {
  readonly toolVersion: string;
  readonly target: { readonly kind: string; readonly description: string };
  readonly now: Date;
}

export interface PlanOutcome {
  readonly plan?: Plan;
  readonly diagnostics: readonly Diagnostic[];
}

/** The context every kind function gets for one spec and one live state. */
export function kindContext(kind: ResourceKind, loaded: LoadedSpec, known: LiveState['organization']['servers'], servers: LiveState['servers'], assumptions: Assumptions): KindContext {
  const entries = loaded.spec[kind.specKey];
  return {
    loaded,
    entries: Array.isArray(entries) ? entries : [],
    pointer: `/${kind.specKey}`,
    locate: (p) => loaded.locate(p),
    known,
    servers,
    assumptions,
  };
}

export function planInput(kind: ResourceKind, loaded: LoadedSpec, live: LiveState, assumptions: Assumptions): PlanInput {
  return {
    ...kindContext(kind, loaded, live.organization.servers, live.servers, assumptions),
    org: live.organization.resources[kind.id],
    server: (name) => live.serverStates[name]?.resources[kind.id],
    live,
  };
}

/** Kinds in the order their changes are made: organisation-wide first, then by applyOrder. */
export function inApplyOrder(registry: Registry): ResourceKind[] {
  return [...registry.kinds].sort((a, b) => (a.scope === b.scope ? a.applyOrder - b.applyOrder : a.scope === 'organization' ? -1 : 1));
}

export function plan(loaded: LoadedSpec, live: LiveState, registry: Registry, ctx: PlanContext): PlanOutcome {
  return planWith('apply', (k, input) => k.plan(input), loaded, live, registry, ctx);
}

/** The plan that puts back what hybridcfg first found, from the originals each kind recorded. */
export function planRollback(loaded: LoadedSpec, live: LiveState, registry: Registry, ctx: PlanContext): PlanOutcome {
  return planWith('rollback', (k, input) => k.rollback(input), loaded, live, registry, ctx);
}

function planWith(
  purpose: Plan['purpose'],
  planKind: (kind: ResourceKind, input: PlanInput) => KindPlan,
  loaded: LoadedSpec,
  live: LiveState,
  registry: Registry,
  ctx: PlanContext,
): PlanOutcome {
  const assumptions = assumptionsFor(loaded.spec.assumptions);
  const changes: Change[] = [];
  const diagnostics: Diagnostic[] = [...(loaded.warnings ?? [])];
  const read: Record<string, unknown> = {};
  const kinds = inApplyOrder(registry);
  for (const kind of kinds) {
    const result = planKind(kind, planInput(kind, loaded, live, assumptions));
    changes.push(...result.changes);
    diagnostics.push(...result.diagnostics);
    read[kind.id] = result.read;
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };

  const restarts = planRestarts(loaded, live, changes);
  const warnings = diagnostics.filter((d) => d.severity === 'warning');
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
  const fingerprint = sha256(canonicalJson({ purpose, servers: live.servers.map((s) => s.Name), read }));
  const byKind: Record<string, number> = {};
  for (const c of changes) byKind[c.kind] = (byKind[c.kind] ?? 0) + 1;
  const planKinds: Record<string, PlanKind> = {};
  for (const k of kinds) if (byKind[k.id]) planKinds[k.id] = { scope: k.scope, noun: k.noun };
  return {
    diagnostics: warnings,
    plan: {
      formatVersion: PLAN_FORMAT_VERSION,
      tool: { name: 'hybridcfg', version: ctx.toolVersion },
      createdAt: ctx.now.toISOString(),
      purpose,
      spec: { path: loaded.path, digest: loaded.digest },
      target: ctx.target,
      servers: live.servers.map((s) => s.Name),
      changes,
      kinds: planKinds,
      restarts,
      assumptions: assumptions.used(),
      warnings,
      fingerprint,
      summary: {
        changes: changes.length,
        byKind,
        servers: new Set(changes.flatMap((c) => (c.server !== undefined ? [c.server] : []))).size,
        restarts: restarts.filter((r) => r.mode !== 'none').length,
      },
    },
  };
}

/**
 * One restart per server, whatever the number of reasons: the restart effects of every change, merged.
 * A server's own reasons come first, then those of organisation-wide changes (every server caches them).
 */
export function planRestarts(loaded: LoadedSpec, live: LiveState, changes: readonly Change[]): PlannedRestart[] {
  const restart = loaded.spec.restart ?? { mode: 'iisreset' as const };
  const out: PlannedRestart[] = [];
  const effects = changes.flatMap((c) => c.effects.filter((e) => e.type === 'restart'));
  for (const server of live.servers) {
    const own = effects.filter((e) => e.servers !== 'all' && e.servers.includes(server.Name)).map((e) => e.why);
    const all = effects.filter((e) => e.servers === 'all').map((e) => e.why);
    const reasons = [...own, ...all];
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

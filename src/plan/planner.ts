/**
 * plan(spec, live) -> Plan. A pure function: it reads nothing and changes nothing, so the same inputs
 * always give the same plan (apart from createdAt), which is what makes a saved plan checkable. It
 * iterates over the registered resource kinds; nothing here names one. Diagnostics come back beside
 * the plan; a plan with an error is not a plan (plan is then undefined).
 */
import { assumptions as assumptionsFor, type Assumptions } from '../assumptions/register';
import { warning, type Diagnostic } from '../diag/diagnostic';
import type { Registry } from '../resources/registry';
import type { Change, KindContext, KindPlan, LiveState, PlanInput, ResourceKind, RestartEffect } from '../resources/types';
import { poolsServing } from '../domain/iis';
import { buildProblems } from './builds';
import type { LoadedSpec } from '../spec/types';
import { canonicalJson } from '../util/json';
import { sha256 } from '../util/hash';
import { PLAN_FORMAT_VERSION, type Actor, type HealthProbe, type Plan, type PlanKind, type PlannedRestart } from './types';

export interface PlanContext {
  readonly toolVersion: string;
  readonly target: { readonly kind: string; readonly description: string };
  readonly now: Date;
  /** Who is planning: given by the caller, like the time, so that the planner stays pure. */
  readonly by?: Actor;
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

export function planInput(kind: ResourceKind, loaded: LoadedSpec, live: LiveState, assumptions: Assumptions, facts: Readonly<Record<string, unknown>> = {}, now?: Date): PlanInput {
  return {
    ...(now !== undefined ? { now } : {}),
    ...kindContext(kind, loaded, live.organization.servers, live.servers, assumptions),
    org: live.organization.resources[kind.id],
    server: (name) => live.serverStates[name]?.resources[kind.id],
    live,
    facts,
  };
}

/** Every kind's facts for the others' cross-checks (ResourceKind.facts), merged; a fact name is owned by one kind. */
export function kindFacts(kinds: readonly ResourceKind[], loaded: LoadedSpec, live: LiveState, assumptions: Assumptions): Readonly<Record<string, unknown>> {
  const facts: Record<string, unknown> = {};
  for (const kind of kinds) {
    if (!kind.facts || live.organization.resources[kind.id] === undefined) continue;
    for (const [name, value] of Object.entries(kind.facts(planInput(kind, loaded, live, assumptions)))) {
      if (name in facts) throw new Error(`fact "${name}" is given by two kinds (the second is ${kind.id})`);
      facts[name] = value;
    }
  }
  return facts;
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
  const facts = kindFacts(kinds, loaded, live, assumptions);
  for (const kind of kinds) {
    const result = planKind(kind, planInput(kind, loaded, live, assumptions, facts, ctx.now));
    changes.push(...result.changes);
    diagnostics.push(...result.diagnostics);
    read[kind.id] = result.read;
  }
  // The spec's minimum build gates changes; putting back what hybridcfg found (rollback) is never gated.
  if (purpose === 'apply') diagnostics.push(...buildProblems(loaded, live));
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };

  const planned = planRestarts(loaded, live, changes, assumptions);
  const restarts = planned.restarts;
  diagnostics.push(...planned.diagnostics, ...(live.notices ?? []));
  const warnings = diagnostics.filter((d) => d.severity === 'warning');
  if (restarts.length > 0 && (loaded.spec.restart?.mode ?? 'iisreset') === 'none') {
    warnings.push(
      warning(
        'plan.restart-none',
        `restart.mode is none: the changes take effect only after IIS restarts on ${restarts.map((r) => r.server).join(', ')}.`,
        'Exchange reads OAuthHttpModule.Profiles once per application pool and caches partner applications; ' +
          'recycle the pools yourself (the plan names them with restart.mode: appPools), or set restart.mode.',
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
      ...(ctx.by ? { plannedBy: { user: ctx.by.user, host: ctx.by.host } } : {}),
      ...(live.organization.name ? { organization: { name: live.organization.name } } : {}),
      purpose,
      spec: { path: loaded.path, digest: loaded.digest },
      target: ctx.target,
      servers: live.servers.map((s) => s.Name),
      builds: Object.fromEntries(live.servers.flatMap((s) => (live.serverStates[s.Name]?.build !== undefined ? [[s.Name, live.serverStates[s.Name]!.build]] : []))),
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

/** What hybridcfg calls every Exchange application pool: IIS's MSExchange* pools (HealthChecker's filter, IIS-1 [H]). */
export const isExchangePool = (pool: string): boolean => /^MSExchange/i.test(pool);

/**
 * Health probes for the vdirs a change touched, where an answer is known (docs/exchange-facts.md#health):
 * `<vdir>/healthcheck.htm` answers 200 for owa, ecp, ews, mapi, oab, autodiscover and rpc [M]; /api
 * answers an anonymous request with 401 and a Bearer challenge [?].
 */
const HEALTHCHECK_VDIRS = new Set(['owa', 'ecp', 'ews', 'mapi', 'oab', 'autodiscover', 'rpc']);
export function probesFor(appPaths: readonly string[]): HealthProbe[] {
  const out: HealthProbe[] = [];
  for (const p of appPaths) {
    const first = p.split('/').filter((x) => x !== '')[0]?.toLowerCase();
    if (first === undefined) continue;
    const probe: HealthProbe | undefined = HEALTHCHECK_VDIRS.has(first)
      ? { path: `/${first}/healthcheck.htm`, expect: 'ok' }
      : first === 'api'
        ? { path: '/api/', expect: 'bearer-challenge' }
        : undefined;
    if (probe && !out.some((o) => o.path === probe.path)) out.push(probe);
  }
  return out;
}

/**
 * One restart per server, whatever the number of reasons: the restart effects of every change, merged.
 * A server's own reasons come first, then those of organisation-wide changes (every server caches them).
 * With `restart.mode: appPools` (the default) and no list of pools, a server recycles the pools that serve
 * its changed files (from its IIS configuration) and, for what every process caches, every Exchange pool
 * (assumption partner-application-recycle); when hybridcfg cannot tell a file's pool it restarts IIS on
 * that server and says why.
 */
export function planRestarts(loaded: LoadedSpec, live: LiveState, changes: readonly Change[], assumptions?: Assumptions): { restarts: PlannedRestart[]; diagnostics: Diagnostic[] } {
  const spec = loaded.spec.restart;
  const mode = spec?.mode ?? 'appPools';
  const out: PlannedRestart[] = [];
  const diagnostics: Diagnostic[] = [];
  const gate = spec?.rolling?.healthCheck !== undefined;
  const effects = changes.flatMap((c) => c.effects.filter((e): e is RestartEffect => e.type === 'restart'));
  // Each server's effects (by index, in the changes' order), indexed once: filtering every effect for
  // every server was quadratic in the fleet.
  const everywhere: number[] = [];
  const byServer = new Map<string, number[]>();
  effects.forEach((e, i) => {
    if (e.servers === 'all') {
      everywhere.push(i);
      return;
    }
    for (const name of new Set(e.servers)) {
      const list = byServer.get(name);
      if (list) list.push(i);
      else byServer.set(name, [i]);
    }
  });
  for (const server of live.servers) {
    const ownIndexes = byServer.get(server.Name) ?? [];
    const mine = (everywhere.length === 0 ? ownIndexes : [...ownIndexes, ...everywhere].sort((a, b) => a - b)).map((i) => effects[i]);
    if (mine.length === 0) continue;
    const own = mine.filter((e) => e.servers !== 'all').map((e) => e.why);
    const all = mine.filter((e) => e.servers === 'all').map((e) => e.why);
    const reasons = [...own, ...all];
    if (mode === 'none') {
      out.push({ server: server.Name, mode: 'none', reasons });
      continue;
    }
    if (mode === 'iisreset') {
      out.push({ server: server.Name, mode: 'iisreset', reasons });
      continue;
    }
    const iis = live.serverStates[server.Name]?.iis ?? null;
    const pools = new Set<string>();
    const appPaths: string[] = [];
    let everyPool = false;
    let iisreset: string | undefined;
    for (const e of mine) {
      if (e.pools === 'all') {
        if (assumptions?.get('partner-application-recycle') === false) iisreset ??= `${e.why}, and recycling pools is assumed not to be enough (assumption partner-application-recycle)`;
        else everyPool = true;
      } else if (e.pools !== undefined) {
        for (const p of e.pools) pools.add(p);
      }
      for (const file of e.files ?? []) {
        const serving = iis ? poolsServing(iis, file) : [];
        if (serving.length === 0) {
          iisreset ??= iis
            ? `no IIS application of ${server.Name} serves the folder of ${file}`
            : `${server.Name}'s IIS configuration (applicationHost.config) could not be read, so the pool serving ${file} is not known`;
        }
        for (const p of serving) pools.add(p);
        if (iis) appPaths.push(...iis.applications.filter((a) => `${a.folder}/`.toLowerCase() === file.toLowerCase().replace(/[^/]*$/, '')).map((a) => a.path));
      }
      if (e.pools === undefined && (e.files ?? []).length === 0) iisreset ??= `${e.why}: no pool is known for it`;
    }
    const probes = gate && assumptions?.get('health-probes') !== false ? probesFor(appPaths) : [];
    const withProbes = probes.length > 0 ? { probes } : {};
    if (spec?.appPools !== undefined) {
      // The spec's own list wins; a pool a change needs and the list lacks is said, not silently added.
      const missing = [...pools].filter((p) => !spec.appPools!.some((q) => q.toLowerCase() === p.toLowerCase()));
      if (missing.length > 0) {
        diagnostics.push(
          warning(
            'plan.restart-misses-pool',
            `restart.appPools does not recycle ${missing.join(', ')} on ${server.Name}, which serve${missing.length === 1 ? 's' : ''} a changed file there.`,
            'Add the pools to restart.appPools, or leave restart.appPools out so that hybridcfg recycles the pools each change needs.',
            { source: loaded.locate('/restart/appPools') },
          ),
        );
      }
      out.push({ server: server.Name, mode: 'appPools', appPools: [...spec.appPools], reasons, ...withProbes });
      continue;
    }
    if (iisreset !== undefined) {
      diagnostics.push(
        warning('plan.restart-iisreset', `${server.Name} restarts IIS (iisreset) instead of recycling application pools: ${iisreset}.`, 'iisreset stops every application pool of the server for a while; hybridcfg waits for W3SVC and WAS to run again.', {
          source: loaded.locate('/restart'),
        }),
      );
      out.push({ server: server.Name, mode: 'iisreset', reasons, ...withProbes });
      continue;
    }
    if (everyPool) {
      if (iis) for (const p of iis.pools.filter(isExchangePool)) pools.add(p);
      else {
        out.push({ server: server.Name, mode: 'appPools', allExchangePools: true, ...(pools.size > 0 ? { appPools: [...pools] } : {}), reasons, ...withProbes });
        continue;
      }
    }
    out.push({ server: server.Name, mode: 'appPools', appPools: [...pools], reasons, ...withProbes });
  }
  const durations = out.some((r) => r.mode !== 'none') ? assumptions?.get('restart-durations') : undefined;
  return { restarts: durations ? out.map((r) => withExpectedUnavailability(r, durations)) : out, diagnostics };
}

/**
 * Pools Exchange runs on a server when the plan could not count them: "about 25" (docs/exchange-facts.md
 * #files-iis F4 [M]).
 */
const EXCHANGE_POOLS_ESTIMATE = 25;

/** A restart with the unavailability it is expected to cost: iisreset once, or each pool recycled in turn. */
function withExpectedUnavailability(r: PlannedRestart, d: { readonly iisresetSeconds: number; readonly recycleSeconds: number }): PlannedRestart {
  if (r.mode === 'none') return r;
  const pools = (r.appPools ?? []).length + (r.allExchangePools ? EXCHANGE_POOLS_ESTIMATE : 0);
  return { ...r, expectedUnavailableSeconds: r.mode === 'iisreset' ? d.iisresetSeconds : pools * d.recycleSeconds };
}

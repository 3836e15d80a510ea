/** How a planned restart reads for people, the same in every view. */
import { knownBuild } from '../domain/builds';
import type { Plan, PlannedRestart } from '../plan/types';

export function restartHow(r: PlannedRestart): string {
  switch (r.mode) {
    case 'iisreset':
      return 'iisreset /noforce (all of IIS on this server)';
    case 'appPools':
      if (r.allExchangePools) return `recycle every Exchange application pool${r.appPools && r.appPools.length > 0 ? `, and ${r.appPools.join(', ')}` : ''}`;
      return `recycle ${(r.appPools ?? []).join(', ') || '(no pool)'}`;
    case 'none':
      // ASP.NET reads appSettings once per AppDomain [M]: a changed file is not live until a recycle.
      return 'none (restart.mode: none): the change takes effect only after the next recycle';
  }
}

/** `about 60 s` for a plan's expectation (assumption restart-durations); empty when the plan has none. */
export function expectedUnavailability(r: PlannedRestart): string {
  return r.expectedUnavailableSeconds === undefined ? '' : `expected unavailability about ${seconds(r.expectedUnavailableSeconds * 1000)} (assumption restart-durations)`;
}

/** What an apply reported for a server's restarts: `unavailable 60 s (modelled by the lab)`. */
export function observedUnavailability(u: { readonly ms: number; readonly how: 'measured' | 'modelled' }): string {
  return `unavailable ${seconds(u.ms)} (${u.how === 'modelled' ? 'modelled by the lab' : 'measured: restart to health check'})`;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

export function probeText(p: NonNullable<PlannedRestart['probes']>[number]): string {
  return p.expect === 'ok' ? `${p.path} answers 200` : `${p.path} answers 401 with a Bearer challenge`;
}

/** `15.2.1748.43 (2019 CU15 Feb26SU)`, or the build alone when Microsoft's table does not list it. */
export function buildText(build: string | null | undefined): string {
  if (build === null || build === undefined) return 'build unknown (ExSetup.exe not read)';
  const k = knownBuild(build);
  return k ? `${build} (${k.product} ${k.cu}${k.name !== k.cu ? ` ${k.name}` : ''})` : build;
}

/** `EX01 15.2.1748.43 (2019 CU15 Feb26SU), EX02 ...`: the servers' builds, when they were read. */
export function buildsLine(plan: Plan): string | undefined {
  const builds = plan.builds ?? {};
  const names = plan.servers.filter((s) => s in builds);
  if (names.length === 0) return undefined;
  return names.map((s) => `${s} ${buildText(builds[s])}`).join(', ');
}

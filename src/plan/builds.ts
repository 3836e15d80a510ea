/**
 * `builds.minimum`: every server in scope must run at least this build, read from its ExSetup.exe
 * (ServerRead.build; docs/exchange-facts.md#hybrid-unit H7, H8). A named update (`Apr25HU`) means that
 * update of each server's own product and CU (resolveMinimum). Pure: the live state in, diagnostics out.
 */
import { error, warning, type Diagnostic } from '../diag/diagnostic';
import { BUILDS, belowMinimum, compareBuilds, knownBuild, normalizeBuild, productOf, resolveMinimum } from '../domain/builds';
import type { LiveState } from '../resources/types';
import type { LoadedSpec } from '../spec/types';

/** `15.2.1748.24 (2019 CU15 Apr25HU)`, or the bare build when Microsoft's list does not have it. */
export function describeBuild(build: string): string {
  const known = knownBuild(build);
  if (known) return `${build} (${known.product === 'SE' ? 'SE' : known.product} ${known.cu === known.name ? known.cu : `${known.cu} ${known.name}`})`;
  const product = productOf(build);
  return product ? `${build} (Exchange ${product})` : build;
}

/** The servers in scope whose build is below the spec's minimum (for other checks that would say less). */
export function serversBelowMinimum(loaded: LoadedSpec, live: LiveState): readonly string[] {
  return belowMinimum(
    loaded.spec.builds?.minimum,
    live.servers.map((s) => ({ name: s.Name, build: live.serverStates[s.Name]?.build })),
  );
}

export function buildProblems(loaded: LoadedSpec, live: LiveState): Diagnostic[] {
  const minimum = loaded.spec.builds?.minimum;
  if (minimum === undefined) return [];
  const at = { source: loaded.locate('/builds/minimum'), path: '/builds/minimum' };
  const out: Diagnostic[] = [];
  for (const s of live.servers) {
    const state = live.serverStates[s.Name];
    if (state === undefined) continue;
    const build = state.build;
    if (build === null) {
      out.push(
        error(
          'plan.build-unknown',
          `${s.Name}'s build could not be read (bin\\ExSetup.exe under its ExchangeInstallPath), so it cannot be checked against builds.minimum ${minimum}.`,
          `hybridcfg reads a server's build from ExSetup.exe's file version, as Microsoft's scripts do; AdminDisplayVersion (${s.AdminDisplayVersion}) shows only the cumulative update. Check that ${s.Name} has ${state.installPath}bin\\ExSetup.exe and that your account can read it, or remove builds.minimum from the spec.`,
          at,
        ),
      );
      continue;
    }
    const floor = resolveMinimum(minimum, build);
    if (floor === undefined) {
      const product = productOf(build);
      const names = product ? [...new Set(BUILDS.filter((b) => b.product === product).map((b) => b.name))] : [];
      out.push(
        warning(
          'plan.build-minimum-not-for-product',
          `${s.Name} (${describeBuild(build)}) is not checked against builds.minimum ${minimum}: Microsoft's build list has no ${minimum} for ${product ? `Exchange ${product}` : 'its product'}.`,
          `Give builds.minimum as a build number, or as an update that ${product ? `Exchange ${product}` : 'the product'} has${names.length > 0 ? `: ${names.join(', ')}` : ''}.`,
          at,
        ),
      );
      continue;
    }
    if (compareBuilds(build, floor) >= 0) continue;
    const named = normalizeBuild(minimum) === undefined ? `${minimum} (${describeBuild(floor)} for this server)` : describeBuild(floor);
    out.push(
      error(
        'plan.build-below-minimum',
        `${s.Name} runs ${describeBuild(build)}, below builds.minimum ${named}.`,
        `Install ${floor} or a later update on ${s.Name} (Microsoft's build list: https://learn.microsoft.com/exchange/new-features/build-numbers-and-release-dates), then plan again; or lower builds.minimum. Nothing is changed while a server in scope is below the minimum.`,
        at,
      ),
    );
  }
  return out;
}

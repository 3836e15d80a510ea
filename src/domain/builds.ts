/**
 * Exchange builds from 2016 CU23, 2019 CU14 and SE on: the table of Microsoft's own build list
 * (microsoft/CSS-Exchange@f88378b1:Shared/Get-ExchangeBuildVersionInformation.ps1:728-883,
 * docs/exchange-facts.md#hybrid-unit H7). A server's build is ExSetup.exe's file version (H8), whose
 * parts are zero-padded (`15.02.1748.024`).
 */

export type Product = '2016' | '2019' | 'SE';

export interface ExchangeBuild {
  readonly product: Product;
  /** The cumulative update the build belongs to (`CU15`, `RTM` for SE). */
  readonly cu: string;
  /** The update's name in Microsoft's table (`Apr25HU`, `Feb26SU`), or the CU itself. */
  readonly name: string;
  /** Four numeric parts: `15.2.1748.24`. */
  readonly build: string;
}

/** [product, cu, name, build], in the order of Microsoft's table. */
const TABLE: readonly (readonly [Product, string, string, string])[] = [
  ['2016', 'CU23', 'CU23', '15.1.2507.6'],
  ['2016', 'CU23', 'May22SU', '15.1.2507.9'],
  ['2016', 'CU23', 'Aug22SU', '15.1.2507.12'],
  ['2016', 'CU23', 'Oct22SU', '15.1.2507.13'],
  ['2016', 'CU23', 'Nov22SU', '15.1.2507.16'],
  ['2016', 'CU23', 'Jan23SU', '15.1.2507.17'],
  ['2016', 'CU23', 'Feb23SU', '15.1.2507.21'],
  ['2016', 'CU23', 'Mar23SU', '15.1.2507.23'],
  ['2016', 'CU23', 'Jun23SU', '15.1.2507.27'],
  ['2016', 'CU23', 'Aug23SU', '15.1.2507.31'],
  ['2016', 'CU23', 'Aug23SUv2', '15.1.2507.32'],
  ['2016', 'CU23', 'Oct23SU', '15.1.2507.34'],
  ['2016', 'CU23', 'Nov23SU', '15.1.2507.35'],
  ['2016', 'CU23', 'Mar24SU', '15.1.2507.37'],
  ['2016', 'CU23', 'Apr24HU', '15.1.2507.39'],
  ['2016', 'CU23', 'Nov24SU', '15.1.2507.43'],
  ['2016', 'CU23', 'Nov24SUv2', '15.1.2507.44'],
  ['2016', 'CU23', 'Apr25HU', '15.1.2507.55'],
  ['2016', 'CU23', 'May25HU', '15.1.2507.57'],
  ['2016', 'CU23', 'Aug25SU', '15.1.2507.58'],
  ['2016', 'CU23', 'Sep25HU', '15.1.2507.59'],
  ['2016', 'CU23', 'Oct25SU', '15.1.2507.61'],
  ['2016', 'CU23', 'Dec25SU', '15.1.2507.63'],
  ['2016', 'CU23', 'Feb26SU', '15.1.2507.66'],
  ['2019', 'CU14', 'CU14', '15.2.1544.4'],
  ['2019', 'CU14', 'Mar24SU', '15.2.1544.9'],
  ['2019', 'CU14', 'Apr24HU', '15.2.1544.11'],
  ['2019', 'CU14', 'Nov24SU', '15.2.1544.13'],
  ['2019', 'CU14', 'Nov24SUv2', '15.2.1544.14'],
  ['2019', 'CU14', 'Apr25HU', '15.2.1544.25'],
  ['2019', 'CU14', 'May25HU', '15.2.1544.27'],
  ['2019', 'CU14', 'Aug25SU', '15.2.1544.33'],
  ['2019', 'CU14', 'Sep25HU', '15.2.1544.34'],
  ['2019', 'CU14', 'Oct25SU', '15.2.1544.36'],
  ['2019', 'CU14', 'Dec25SU', '15.2.1544.37'],
  ['2019', 'CU14', 'Feb26SU', '15.2.1544.39'],
  ['2019', 'CU15', 'CU15', '15.2.1748.10'],
  ['2019', 'CU15', 'Apr25HU', '15.2.1748.24'],
  ['2019', 'CU15', 'May25HU', '15.2.1748.26'],
  ['2019', 'CU15', 'Aug25SU', '15.2.1748.36'],
  ['2019', 'CU15', 'Sep25HU', '15.2.1748.37'],
  ['2019', 'CU15', 'Oct25SU', '15.2.1748.39'],
  ['2019', 'CU15', 'Dec25SU', '15.2.1748.42'],
  ['2019', 'CU15', 'Feb26SU', '15.2.1748.43'],
  ['SE', 'RTM', 'RTM', '15.2.2562.17'],
  ['SE', 'RTM', 'Aug25SU', '15.2.2562.20'],
  ['SE', 'RTM', 'Sep25HU', '15.2.2562.27'],
  ['SE', 'RTM', 'Oct25SU', '15.2.2562.29'],
  ['SE', 'RTM', 'Dec25SU', '15.2.2562.35'],
  ['SE', 'RTM', 'Feb26SU', '15.2.2562.37'],
];

export const BUILDS: readonly ExchangeBuild[] = TABLE.map(([product, cu, name, build]) => ({ product, cu, name, build }));

/** The update that brought the dedicated hybrid application (April 2025 HU): its builds per CU (H7). */
export const DEDICATED_HYBRID_APP_UPDATE = 'Apr25HU';

/** `15.02.1748.024`, `15.2.1748.24` -> [15, 2, 1748, 24]; undefined when it is not four numbers. */
export function parseBuild(text: string): readonly [number, number, number, number] | undefined {
  const m = /^\s*(\d+)\.(\d+)\.(\d+)\.(\d+)\s*$/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] : undefined;
}

/** The build in its canonical form (`15.2.1748.24`), or undefined. */
export function normalizeBuild(text: string): string | undefined {
  const p = parseBuild(text);
  return p ? p.join('.') : undefined;
}

export function compareBuilds(a: string, b: string): number {
  const pa = parseBuild(a);
  const pb = parseBuild(b);
  if (!pa || !pb) throw new Error(`not a build: ${pa ? b : a}`);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

/** The product of a build: 15.1 is 2016, 15.2 below 2562 is 2019, 15.2.2562 and later SE (the table's rule). */
export function productOf(build: string): Product | undefined {
  const p = parseBuild(build);
  if (!p || p[0] !== 15) return undefined;
  if (p[1] === 1) return '2016';
  if (p[1] === 2) return p[2] >= 2562 ? 'SE' : '2019';
  return undefined;
}

/** The table's entry for a build, when Microsoft lists it. */
export function knownBuild(build: string): ExchangeBuild | undefined {
  const b = normalizeBuild(build);
  return b === undefined ? undefined : BUILDS.find((x) => x.build === b);
}

/**
 * Whether a build has the dedicated hybrid application: at or above its CU's April 2025 HU; SE from
 * RTM; a CU below those listed (2019 CU13, 2016 CU22) or older never. Microsoft's rule
 * (CompareExchangeBuildLevel.ps1:116-156) with one exception it makes in its own script and hybridcfg
 * does not: that script passes every 2019 server from 15.2.1748.0, so 2019 CU15 without the HU
 * (15.2.1748.10) passes there and fails here (CSS-Exchange ConfigureExchangeHybridApplication.ps1:499-527).
 */
export function hasDedicatedHybridApp(build: string): boolean {
  const p = parseBuild(build);
  const product = productOf(build);
  if (!p || !product) return false;
  if (product === 'SE') return true;
  const minimums = BUILDS.filter((b) => b.product === product && b.name === DEDICATED_HYBRID_APP_UPDATE);
  // Same CU (same third part): at or above that CU's HU; a later CU than any listed: it has it.
  const sameCu = minimums.find((m) => parseBuild(m.build)![2] === p[2]);
  if (sameCu) return compareBuilds(build, sameCu.build) >= 0;
  return minimums.every((m) => parseBuild(m.build)![2] < p[2]);
}

/** A minimum given as a build or as a named update (`Apr25HU`): the lowest build of that name on the server's product and CU. */
export function resolveMinimum(minimum: string, forBuild: string): string | undefined {
  const direct = normalizeBuild(minimum);
  if (direct) return direct;
  const product = productOf(forBuild);
  const p = parseBuild(forBuild);
  if (!product || !p) return undefined;
  const named = BUILDS.filter((b) => b.product === product && b.name.toLowerCase() === minimum.toLowerCase());
  const sameCu = named.find((b) => parseBuild(b.build)![2] === p[2]);
  return (sameCu ?? named[named.length - 1])?.build;
}

/** The names of the servers whose build is below `minimum` (a build or a named update, per server's product); unknown builds are not judged here. */
export function belowMinimum(minimum: string | undefined, servers: readonly { readonly name: string; readonly build: string | null | undefined }[]): readonly string[] {
  if (minimum === undefined) return [];
  return servers.flatMap((s) => {
    if (s.build === undefined || s.build === null) return [];
    const floor = resolveMinimum(minimum, s.build);
    return floor !== undefined && compareBuilds(s.build, floor) < 0 ? [s.name] : [];
  });
}

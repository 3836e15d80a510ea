/** Which servers a spec (or an entry of it) covers: names resolved against the organisation's servers. */
import { error, type Diagnostic, type SourceRange } from '../diag/diagnostic';
import { suggest } from '../domain/tokens';
import type { ExchangeServer, ExcludedServer } from '../targets/types';

function sameName(a: string, b: string): boolean {
  // Exchange server names are NetBIOS names: case-insensitive.
  return a.toUpperCase() === b.toUpperCase();
}

/** Resolve a list of names against the organisation's servers; unknown names are diagnostics. */
export function resolveServers(
  names: 'all' | readonly string[],
  known: readonly ExchangeServer[],
  at: { locate(pointer: string): SourceRange | undefined },
  pointer: string,
  excluded: readonly ExcludedServer[] = [],
): { servers: ExchangeServer[]; diagnostics: Diagnostic[] } {
  if (names === 'all') return { servers: [...known], diagnostics: [] };
  const servers: ExchangeServer[] = [];
  const diagnostics: Diagnostic[] = [];
  names.forEach((name, i) => {
    const found = known.find((s) => sameName(s.Name, name));
    if (found) {
      if (!servers.includes(found)) servers.push(found);
      return;
    }
    const left = excluded.find((s) => sameName(s.Name, name));
    if (left) {
      diagnostics.push(
        error('plan.server-out-of-scope', `Server "${name}" is not one hybridcfg manages: it is ${left.reason}.`, 'hybridcfg manages Exchange 2016, 2019 and SE servers with the client access front end. Remove it from `servers:`.', {
          source: at.locate(`${pointer}/${i}`),
          path: `${pointer}/${i}`,
        }),
      );
      return;
    }
    const guess = suggest(name, known.map((s) => s.Name));
    diagnostics.push(
      error(
        'plan.unknown-server',
        `Server "${name}" is not an Exchange server with the client access front end in this organisation.`,
        `${guess ? `Did you mean "${guess}"? ` : ''}Known servers: ${known.map((s) => s.Name).join(', ') || '(none)'}. ` +
          'Fix the name in the spec, or use `servers: all`.',
        { source: at.locate(`${pointer}/${i}`), path: `${pointer}/${i}` },
      ),
    );
  });
  return { servers, diagnostics };
}

/**
 * `--servers A,B`: narrows the servers in scope to those named, like Terraform's -target. Each name must
 * be a server the spec covers; the servers in scope it leaves out are returned for the run's warning.
 */
export function selectServers(
  names: readonly string[],
  inScope: readonly ExchangeServer[],
  known: readonly ExchangeServer[],
): { servers: ExchangeServer[]; leftOut: ExchangeServer[]; diagnostics: Diagnostic[] } {
  const picked = new Set<ExchangeServer>();
  const diagnostics: Diagnostic[] = [];
  for (const name of names) {
    const found = inScope.find((s) => sameName(s.Name, name));
    if (found) {
      picked.add(found);
      continue;
    }
    const other = known.find((s) => sameName(s.Name, name));
    const guess = suggest(name, inScope.map((s) => s.Name));
    diagnostics.push(
      error(
        'plan.servers-unknown',
        other
          ? `--servers names "${name}", which the spec's \`servers:\` does not cover.`
          : `--servers names "${name}", which is not an Exchange server with the client access front end in this organisation.`,
        `${guess ? `Did you mean "${guess}"? ` : ''}Servers in scope: ${inScope.map((s) => s.Name).join(', ') || '(none)'}. ` +
          (other ? 'Add it to `servers:` in the spec, or leave it out of --servers.' : 'Fix the name in --servers.'),
      ),
    );
  }
  // The spec's order is the order servers are changed in; --servers does not reorder them.
  const servers = inScope.filter((s) => picked.has(s));
  return { servers, leftOut: inScope.filter((s) => !picked.has(s)), diagnostics };
}

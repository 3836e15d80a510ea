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

/**
 * Reading the live state a spec needs: the organisation once per run, then each server in scope, in
 * parallel up to a limit. This is the only I/O the planner depends on; the planner itself is pure.
 */
import { error, DiagnosticError, type Diagnostic } from '../diag/diagnostic';
import { suggest } from '../domain/tokens';
import type { LoadedSpec } from '../spec/types';
import { originalOf, type ExchangeServer, type OrganizationState, type ServerState, type Target } from '../targets/types';
import { mapLimit } from './limit';

export interface LiveState {
  readonly organization: OrganizationState;
  /** The servers in scope, in the order the spec names them (or Exchange lists them for `all`). */
  readonly servers: readonly ExchangeServer[];
  readonly serverStates: Readonly<Record<string, ServerState>>;
}

export const DEFAULT_PARALLELISM = 10;

function sameName(a: string, b: string): boolean {
  // Exchange server names are NetBIOS names: case-insensitive.
  return a.toUpperCase() === b.toUpperCase();
}

/** Resolve a list of names against the organisation's servers; unknown names are diagnostics. */
export function resolveServers(
  names: 'all' | readonly string[],
  known: readonly ExchangeServer[],
  loaded: LoadedSpec,
  pointer: string,
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
    const guess = suggest(name, known.map((s) => s.Name));
    diagnostics.push(
      error(
        'plan.unknown-server',
        `Server "${name}" is not an Exchange server with the client access front end in this organisation.`,
        `${guess ? `Did you mean "${guess}"? ` : ''}Known servers: ${known.map((s) => s.Name).join(', ') || '(none)'}. ` +
          'Fix the name in the spec, or use `servers: all`.',
        { source: loaded.locate(`${pointer}/${i}`), path: `${pointer}/${i}` },
      ),
    );
  });
  return { servers, diagnostics };
}

/** The web.config files each server must be read for, by server name. */
export function filesByServer(loaded: LoadedSpec, inScope: readonly ExchangeServer[], known: readonly ExchangeServer[]) {
  const diagnostics: Diagnostic[] = [];
  const files = new Map<string, string[]>(inScope.map((s) => [s.Name, []]));
  (loaded.spec.webConfigs ?? []).forEach((wc, i) => {
    let servers = inScope;
    if (wc.servers !== undefined && wc.servers !== 'all') {
      const r = resolveServers(wc.servers, known, loaded, `/webConfigs/${i}/servers`);
      diagnostics.push(...r.diagnostics);
      servers = r.servers.filter((s) => inScope.includes(s));
    }
    for (const s of servers) files.get(s.Name)!.push(wc.file);
  });
  return { files, diagnostics };
}

export async function readLive(
  loaded: LoadedSpec,
  target: Target,
  opts: { parallelism?: number; onServerRead?: (server: string) => void; withOriginals?: boolean } = {},
): Promise<LiveState> {
  const organization = await target.readOrganization();
  const scope = resolveServers(loaded.spec.servers, organization.servers, loaded, '/servers');
  const wanted = filesByServer(loaded, scope.servers, organization.servers);
  const diagnostics = [...scope.diagnostics, ...wanted.diagnostics];
  if (diagnostics.length > 0) throw new DiagnosticError(diagnostics);
  if (scope.servers.length === 0 && (loaded.spec.webConfigs ?? []).length > 0) {
    throw new DiagnosticError(
      error(
        'plan.no-servers',
        'No Exchange server with the client access front end was found, so no web.config can be managed.',
        'Check that the account running hybridcfg can run Get-ExchangeServer, or name the servers in `servers:`.',
        { source: loaded.locate('/servers') },
      ),
    );
  }
  // Every server is read even when one fails, so that one run reports every unreachable server.
  const readFailures: Diagnostic[] = [];
  const states = await mapLimit(scope.servers, opts.parallelism ?? DEFAULT_PARALLELISM, async (server) => {
    const managed = wanted.files.get(server.Name) ?? [];
    // Rollback reads each file and its first original in the same call.
    const files = opts.withOriginals ? [...managed, ...managed.map(originalOf)] : managed;
    try {
      const state = files.length === 0 ? { name: server.Name, installPath: '', files: {} } : await target.readServer(server, files);
      opts.onServerRead?.(server.Name);
      return state;
    } catch (err) {
      if (!(err instanceof DiagnosticError)) throw err;
      readFailures.push(...err.diagnostics);
      return undefined;
    }
  });
  if (readFailures.length > 0) throw new DiagnosticError(readFailures);
  const serverStates: Record<string, ServerState> = {};
  scope.servers.forEach((s, i) => (serverStates[s.Name] = states[i]!));
  return { organization, servers: scope.servers, serverStates };
}

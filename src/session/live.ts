/**
 * Reading the live state a spec needs: the organisation once per run (every organisation-wide kind in
 * the same call), then each server in scope (every server kind in the same call), in parallel up to a
 * limit. This is the only I/O the planner depends on; the planner itself is pure.
 */
import { assumptions as assumptionsFor } from '../assumptions/register';
import { DiagnosticError, error, warning, type Diagnostic } from '../diag/diagnostic';
import { IO, type IoHost } from '../io/messages';
import { kindContext } from '../plan/planner';
import type { Registry } from '../resources/registry';
import { resolveServers, selectServers } from '../resources/scope';
import type { LiveState, ReadPurpose } from '../resources/types';
import type { LoadedSpec } from '../spec/types';
import type { ExchangeServer, ServerRead, Target } from '../targets/types';
import { mapLimit } from '../util/limit';

export const DEFAULT_PARALLELISM = 10;

export interface ReadOptions {
  readonly parallelism?: number;
  readonly purpose?: ReadPurpose;
  readonly host?: IoHost;
  /** `--servers A,B`: only these of the servers in scope are read and planned. */
  readonly only?: readonly string[];
}

export async function readLive(loaded: LoadedSpec, target: Target, registry: Registry, opts: ReadOptions = {}): Promise<LiveState> {
  const purpose = opts.purpose ?? 'plan';
  const assumptions = assumptionsFor(loaded.spec.assumptions);
  const orgQueries: Record<string, unknown> = {};
  for (const kind of registry.kinds) {
    if (kind.scope !== 'organization') continue;
    const q = kind.orgQuery?.(kindContext(kind, loaded, [], [], assumptions), purpose);
    if (q !== undefined) orgQueries[kind.id] = q;
  }
  const started = Date.now();
  const organization = await target.readOrganization(orgQueries);
  await opts.host?.notify(IO.READ_ORGANIZATION.msg(`organisation read in ${Date.now() - started} ms`, { ms: Date.now() - started, servers: organization.servers.length }));
  const resolved = resolveServers(loaded.spec.servers, organization.servers, loaded, '/servers', organization.excluded ?? []);
  const notices: Diagnostic[] = [...(organization.notices ?? [])];
  let scope = resolved;
  if (opts.only !== undefined && resolved.diagnostics.length === 0) {
    const picked = selectServers(opts.only, resolved.servers, organization.servers);
    if (picked.diagnostics.length > 0) throw new DiagnosticError(picked.diagnostics);
    scope = { servers: picked.servers, diagnostics: [] };
    if (picked.leftOut.length > 0) notices.push(serversScopedWarning(picked.servers, picked.leftOut));
  }
  if (loaded.spec.servers === 'all' && (organization.excluded ?? []).length > 0) {
    const left = organization.excluded!;
    notices.push(
      warning(
        'plan.servers-left-out',
        `${left.length} server${left.length === 1 ? '' : 's'} of the organisation ${left.length === 1 ? 'is' : 'are'} left out: ${left.map((s) => `${s.Name} (${s.reason})`).join(', ')}.`,
        'hybridcfg manages Exchange 2016, 2019 and SE servers with the client access front end; nothing of this spec is read or changed on these.',
        { source: loaded.locate('/servers') },
      ),
    );
  }
  const serverKinds = registry.kinds.filter((k) => k.scope === 'server');
  const diagnostics: Diagnostic[] = [...scope.diagnostics];
  for (const kind of registry.kinds) diagnostics.push(...(kind.checkScope?.(kindContext(kind, loaded, organization.servers, scope.servers, assumptions)) ?? []));
  if (diagnostics.length > 0) throw new DiagnosticError(diagnostics);
  const managesServers = serverKinds.some((k) => Array.isArray(loaded.spec[k.specKey]) && (loaded.spec[k.specKey] as unknown[]).length > 0);
  if (scope.servers.length === 0 && managesServers) {
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
  let done = 0;
  // A target that fans out throttles on its own: every server's read is handed to it at once.
  const limit = target.fansOut ? scope.servers.length : (opts.parallelism ?? DEFAULT_PARALLELISM);
  const states = await mapLimit(scope.servers, limit, async (server) => {
    const queries: Record<string, unknown> = {};
    for (const kind of serverKinds) {
      const q = kind.serverQuery?.(kindContext(kind, loaded, organization.servers, scope.servers, assumptions), server, purpose, organization);
      if (q !== undefined) queries[kind.id] = q;
    }
    try {
      // Every server in scope is read, even when no server kind of the spec concerns it: its build (from
      // ExSetup.exe) is what the plan shows and the hybrid unit's cross-checks need, one round trip each.
      const t = Date.now();
      const state = await target.readServer(server, queries);
      done++;
      await opts.host?.notify(
        IO.READ_SERVER.msg(`[${done}/${scope.servers.length}] ${server.Name} read ${Date.now() - t} ms`, { server: server.Name, index: done, total: scope.servers.length, ms: Date.now() - t }),
      );
      return state;
    } catch (err) {
      if (!(err instanceof DiagnosticError)) throw err;
      readFailures.push(...err.diagnostics);
      return undefined;
    }
  });
  if (readFailures.length > 0) throw new DiagnosticError(readFailures);
  const serverStates: Record<string, ServerRead> = {};
  scope.servers.forEach((s, i) => (serverStates[s.Name] = states[i]!));
  return { organization, servers: scope.servers, serverStates, notices };
}

/** What a `--servers` run leaves out, said on every plan it makes (plan.servers-scoped in docs/diagnostics.md). */
function serversScopedWarning(servers: readonly ExchangeServer[], leftOut: readonly ExchangeServer[]): Diagnostic {
  const names = (l: readonly ExchangeServer[]) => l.map((s) => s.Name).join(', ');
  return warning(
    'plan.servers-scoped',
    `--servers ${names(servers)}: ${names(leftOut)} ${leftOut.length === 1 ? 'is' : 'are'} left out of this run (not read, not changed, not restarted).`,
    'Organisation-wide resources are not changed by a --servers run: they concern every server, including those left out. ' +
      'Run without --servers to converge the whole organisation.',
  );
}

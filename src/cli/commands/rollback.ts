/** hybridcfg rollback [SPEC]: put back the originals that earlier applies recorded. */
import { EXIT, note, type CliIo } from '../io';
import { parallelismOption, parseCommandArgs } from '../args';

const USAGE = `Usage: hybridcfg rollback [SPEC] [options]

Restores what hybridcfg first found, for the resources the spec manages: each web.config from
<ExchangeInstallPath>hybridcfg/original/<file> on its server (byte for byte), and each partner
application property from the value recorded before hybridcfg first changed it. Shows its plan,
asks for confirmation, then goes server by server like apply (same lock, restarts and health checks;
a failure stops it). Running it again when everything is restored changes nothing.

Options:
  --yes, -y              Do not ask for confirmation (required when there is no terminal)
  --json                 Print the plan and the result as JSON
  --audit-log FILE       Append one JSON line describing this run
  --parallelism N        Servers read at the same time (default 10)

Examples:
  hybridcfg rollback
  hybridcfg rollback prod.yaml --yes --audit-log audit.jsonl
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(
    'rollback',
    argv,
    {
      yes: { type: 'boolean', short: 'y' },
      json: { type: 'boolean' },
      'audit-log': { type: 'string' },
      parallelism: { type: 'string' },
    },
    1,
  );
  if (args.help) {
    io.stdout.write(USAGE);
    return EXIT.ok;
  }
  const { specPath, withSession } = require('../../engine/session') as typeof import('../../engine/session');
  const { planRollback } = require('../../plan/rollback') as typeof import('../../plan/rollback');
  const { carryOut } = require('./apply') as typeof import('./apply');
  const file = specPath(args.positionals[0], io.cwd);
  const parallelism = parallelismOption(args.values.parallelism, 'rollback');
  note(io, `Reading the live state and the recorded originals for ${file} ...`);
  const outcome = await withSession(
    file,
    { parallelism, withOriginals: true, planner: planRollback, lock: { command: 'rollback', specArg: args.positionals[0] ?? '' } },
    (s) =>
      carryOut('rollback', s, s.plan, io, {
        yes: args.values.yes === true,
        json: args.values.json === true,
        auditLog: typeof args.values['audit-log'] === 'string' ? args.values['audit-log'] : undefined,
      }),
  );
  if (outcome.cancelled) return EXIT.error;
  if (outcome.result?.status === 'failed') {
    const { renderDiagnostics } = require('../../render/diagnostics') as typeof import('../../render/diagnostics');
    io.stderr.write(renderDiagnostics(outcome.result.diagnostics, { color: io.color }));
    return EXIT.error;
  }
  return EXIT.ok;
}

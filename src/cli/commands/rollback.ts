/** hybridcfg rollback [SPEC]: put back the originals that earlier applies recorded. */
import { COMMAND_OPTIONS } from '../options';
import { currentActor } from '../../apply/lock';
import { rollbackSpec } from '../../session/apply';
import { specPath } from '../../session/session';
import { renderApplyResult } from '../../views/apply-text';
import { renderDiagnostics } from '../../views/diagnostics';
import { applyJson } from '../../views/json';
import { parallelismOption, parseCommandArgs, serversOption } from '../args';
import { ROLLBACK_USAGE } from '../help';
import { cliHost } from '../host';
import { EXIT, endedWith, out, type CliIo } from '../io';
import { interruptOnSignals } from '../signals';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(
    'rollback',
    argv,
    COMMAND_OPTIONS.rollback,
    1,
  );
  if (args.help) {
    io.stdout.write(ROLLBACK_USAGE);
    return EXIT.ok;
  }
  const parallelism = parallelismOption(args.values.parallelism, 'rollback');
  const only = serversOption(args.values.servers, 'rollback');
  const json = args.values.json === true;
  const signals = interruptOnSignals(io);
  const outcome = await rollbackSpec(specPath(args.positionals[0], io.cwd), {
    host: cliHost(io, { yes: args.values.yes === true, json }),
    cwd: io.cwd,
    specArg: args.positionals[0] ?? '',
    ...(parallelism !== undefined ? { parallelism } : {}),
    ...(only ? { only } : {}),
    ...(typeof args.values['audit-log'] === 'string' ? { auditLog: args.values['audit-log'] } : {}),
    interrupted: signals.requested,
    by: currentActor(),
  }).finally(signals.dispose);
  if (json) out(io, JSON.stringify(applyJson('rollback', outcome.plan, outcome.result ?? { status: outcome.cancelled ? 'cancelled' : 'no-changes' }, outcome.appliedBy), null, 2));
  else if (outcome.result) out(io, renderApplyResult(outcome.result, outcome.plan, 'Rollback'));
  if (outcome.cancelled) return EXIT.error;
  if (outcome.result?.status === 'failed') {
    io.stderr.write(renderDiagnostics(outcome.result.diagnostics, { color: io.color }));
    return endedWith(io, outcome.result.diagnostics, signals.exitCode() ?? EXIT.error);
  }
  return EXIT.ok;
}

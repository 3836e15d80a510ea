/** hybridcfg force-unlock [SPEC]: break the organisation's apply lock left by a run that is gone. */
import { COMMAND_OPTIONS } from '../options';
import { describeHolder } from '../../apply/lock';
import { specPath } from '../../session/session';
import { forceUnlock } from '../../session/unlock';
import { parseCommandArgs } from '../args';
import { FORCE_UNLOCK_USAGE } from '../help';
import { cliHost } from '../host';
import { EXIT, note, out, type CliIo } from '../io';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs('force-unlock', argv, COMMAND_OPTIONS['force-unlock'], 1);
  if (args.help) {
    io.stdout.write(FORCE_UNLOCK_USAGE);
    return EXIT.ok;
  }
  const outcome = await forceUnlock(specPath(args.positionals[0], io.cwd), { host: cliHost(io, { yes: args.values.yes === true }), force: args.values.force === true });
  switch (outcome.state) {
    case 'free':
      out(io, 'The organisation is not locked. Nothing to do.');
      return EXIT.ok;
    case 'kept':
      out(io, `The lock is held by ${describeHolder(outcome.holder)}.`);
      note(io, 'The lock was kept.');
      return EXIT.error;
    case 'broken':
      out(io, `The lock was held by ${describeHolder(outcome.holder)}.`);
      out(io, 'Lock broken. Run "hybridcfg plan" to see what the interrupted run left.');
      return EXIT.ok;
    case 'changed-hands':
      out(io, 'The lock changed hands meanwhile; it was kept. Run force-unlock again to see its holder.');
      return EXIT.error;
  }
}

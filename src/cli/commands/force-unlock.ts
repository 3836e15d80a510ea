/** hybridcfg force-unlock [SPEC]: break the organisation's apply lock left by a run that is gone. */
import { DiagnosticError, error } from '../../diag/diagnostic';
import { EXIT, note, out, type CliIo } from '../io';
import { parseCommandArgs } from '../args';

const USAGE = `Usage: hybridcfg force-unlock [SPEC] [options]

Shows who holds the organisation's apply lock and, once confirmed, removes it. Use it only when that
run is gone (killed, its machine lost); then run "hybridcfg plan" to see what it left, and apply.
A lock whose process is still alive on this host is kept unless --force is given.

Options:
  --yes, -y              Do not ask for confirmation (required when there is no terminal)
  --force                Break the lock even though its process is alive on this host

Examples:
  hybridcfg force-unlock
  hybridcfg force-unlock prod.yaml --yes
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs('force-unlock', argv, { yes: { type: 'boolean', short: 'y' }, force: { type: 'boolean' } }, 1);
  if (args.help) {
    io.stdout.write(USAGE);
    return EXIT.ok;
  }
  const { specPath } = require('../../engine/session') as typeof import('../../engine/session');
  const { loadSpec } = require('../../spec/load') as typeof import('../../spec/load');
  const { openTarget } = require('../../targets') as typeof import('../../targets');
  const { describeHolder, holderState } = require('../../apply/lock') as typeof import('../../apply/lock');
  const { confirm } = require('./apply') as typeof import('./apply');
  const loaded = await loadSpec(specPath(args.positionals[0], io.cwd));
  const target = await openTarget(loaded.spec, { specDir: loaded.dir });
  try {
    if (!target.releaseLock) {
      throw new DiagnosticError(error('force-unlock.unsupported', `Target "${target.description}" has no apply lock to break.`));
    }
    const holder = (await target.readOrganization()).lock;
    if (!holder) {
      out(io, 'The organisation is not locked. Nothing to do.');
      return EXIT.ok;
    }
    out(io, `The lock is held by ${describeHolder(holder)}.`);
    const state = holderState(holder);
    if (state === 'alive' && args.values.force !== true) {
      throw new DiagnosticError(
        error(
          'force-unlock.holder-alive',
          `Process ${holder.pid} on ${holder.host} is still running: the lock was not broken.`,
          'Wait for that run to finish, or stop it. Only if you are sure it is not hybridcfg working on this organisation, run again with --force.',
        ),
      );
    }
    if (state === 'unknown') note(io, `It was taken on ${holder.host}: make sure no hybridcfg run is working there.`);
    if (args.values.yes !== true && !(await confirm(io, 'force-unlock', 'Break this lock?'))) {
      note(io, 'The lock was kept.');
      return EXIT.error;
    }
    const removed = await target.releaseLock(holder.runId);
    out(io, removed ? 'Lock broken. Run "hybridcfg plan" to see what the interrupted run left.' : 'The lock changed hands meanwhile; it was kept. Run force-unlock again to see its holder.');
    return removed ? EXIT.ok : EXIT.error;
  } finally {
    await target.close();
  }
}

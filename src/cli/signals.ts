/**
 * SIGINT and SIGTERM during apply and rollback (issue 13 #5): the first asks the run to stop after the
 * step it is in (it then releases the lock, records what it owes, prints what was and was not done, and
 * exits non-zero); a second stops the process at once, which every write survives whole (temp file,
 * flush, rename). Installed only around the run, and removed after it.
 */
import type { CliIo } from './io';

export interface Interruption {
  /** The signal that asked the run to stop, if one did. */
  readonly requested: () => string | undefined;
  /** The exit code for a run stopped by a signal (128 + its number), or undefined. */
  readonly exitCode: () => number | undefined;
  readonly dispose: () => void;
}

const NUMBER: Readonly<Record<string, number>> = { SIGINT: 2, SIGTERM: 15 };

export function interruptOnSignals(io: CliIo): Interruption {
  let signal: string | undefined;
  const handler = (name: NodeJS.Signals) => {
    if (signal !== undefined) {
      io.stderr.write(`\n${name} again: stopping now. Every file is whole; run \`hybridcfg plan\` to see where things stand.\n`);
      process.exit(128 + (NUMBER[name] ?? 1));
    }
    signal = name;
    io.stderr.write(`\n${name}: stopping after the current step (send it again to stop at once) ...\n`);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    requested: () => signal,
    exitCode: () => (signal === undefined ? undefined : 128 + (NUMBER[signal] ?? 1)),
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

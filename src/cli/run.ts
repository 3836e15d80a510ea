/** Runs a command and maps what it throws to diagnostics and an exit code: never a stack trace for bad input. */
import { DiagnosticError } from '../diag/diagnostic';
import { renderDiagnostics } from '../render/diagnostics';
import type { CliIo } from './io';
import { EXIT } from './io';

export async function runCommand(fn: () => Promise<number>, io: CliIo): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DiagnosticError) {
      io.stderr.write(renderDiagnostics(err.diagnostics, { color: io.color && io.stderr.isTTY === true }));
      return EXIT.error;
    }
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(
      `Error: hybridcfg failed unexpectedly: ${message}\n` +
        `This is a bug in hybridcfg, not in your spec. Nothing more was changed after this point.\n` +
        (io.env.HYBRIDCFG_DEBUG ? `${err instanceof Error ? err.stack : ''}\n` : 'Set HYBRIDCFG_DEBUG=1 for details.\n'),
    );
    return EXIT.error;
  }
}

/**
 * Runs a command and maps what it throws to diagnostics and an exit code: never a stack trace for bad
 * input. With --json the failure is a JSON document on stdout (docs/json-output.md), never text there.
 */
import { DiagnosticError, type Diagnostic } from '../diag/diagnostic';
import { renderDiagnostics } from '../views/diagnostics';
import { errorJson } from '../views/json';
import type { CliIo } from './io';
import { EXIT, out } from './io';

export interface RunOptions {
  readonly command: string;
  readonly json: boolean;
  /** Told the diagnostics a thrown failure ended the run with (an unexpected exception as `internal.bug`): for --log-file. */
  readonly failed?: (diagnostics: readonly Diagnostic[]) => void;
}

export async function runCommand(fn: () => Promise<number>, io: CliIo, opts: RunOptions): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DiagnosticError) {
      opts.failed?.(err.diagnostics);
      if (opts.json) out(io, JSON.stringify(errorJson(opts.command, err.diagnostics), null, 2));
      io.stderr.write(renderDiagnostics(err.diagnostics, { color: io.color && io.stderr.isTTY === true }));
      return EXIT.error;
    }
    const message = err instanceof Error ? err.message : String(err);
    const bug: Diagnostic = {
      severity: 'error',
      code: 'internal.bug',
      summary: `hybridcfg failed unexpectedly: ${message}`,
      detail: 'This is a bug in hybridcfg, not in your spec. Nothing more was changed after this point. Run again with HYBRIDCFG_DEBUG=1 for the details and report it.',
    };
    opts.failed?.([bug]);
    if (opts.json) {
      out(io, JSON.stringify(errorJson(opts.command, [{ severity: 'error', code: 'internal.bug', summary: bug.summary }]), null, 2));
    }
    io.stderr.write(
      `Error: hybridcfg failed unexpectedly: ${message}\n` +
        `This is a bug in hybridcfg, not in your spec. Nothing more was changed after this point.\n` +
        (io.env.HYBRIDCFG_DEBUG ? `${err instanceof Error ? err.stack : ''}\n` : 'Set HYBRIDCFG_DEBUG=1 for details.\n'),
    );
    return EXIT.error;
  }
}

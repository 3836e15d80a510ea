/** What a command may touch of the process: its streams and environment. Only src/cli/ sees these. */
import type { Diagnostic } from '../diag/diagnostic';
import type { IoMessage } from '../io/host';
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Colour on stdout: a terminal, and neither NO_COLOR nor --no-color. */
  readonly color: boolean;
  /** --quiet: nothing on stderr but errors. */
  readonly quiet: boolean;
  /** -v/--verbose: the debug and trace messages on stderr too (each server read, each PowerShell call). */
  readonly verbose?: boolean;
  /** --log-file FILE: where every message goes as a JSON line. */
  readonly log?: (msg: IoMessage) => void;
  /**
   * Told the errors that end a run which the command reports itself instead of throwing them (a failed
   * apply prints its result, then exits 1), so that --log-file ends with them as it does with a thrown one.
   */
  readonly ended?: (diagnostics: readonly Diagnostic[]) => void;
}

/** A command's own report of the errors that end its run (see CliIo.ended): the exit code it then returns. */
export function endedWith(io: CliIo, diagnostics: readonly Diagnostic[], code: number): number {
  io.ended?.(diagnostics);
  return code;
}

export function out(io: CliIo, text: string): void {
  io.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/** Progress and notes for people go to stderr so that stdout carries only the result. */
export function note(io: CliIo, text: string): void {
  if (!io.quiet) io.stderr.write(text.endsWith('\n') ? text : text + '\n');
}

/** Exit codes, in one place. */
export const EXIT = {
  ok: 0,
  error: 1,
  /** plan --detailed-exitcode: changes are pending. */
  changes: 2,
} as const;

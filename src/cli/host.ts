/**
 * The CLI's message host: renders the engine's messages for a terminal or a pipeline log. Progress and
 * notes go to stderr, so that stdout carries only the result; the plan shown before a confirmation goes
 * to stdout (it is the result a person reads), unless the command prints JSON. Prompts are answered by
 * --yes, asked on a terminal, or refused with a diagnostic when there is neither.
 */
import { createInterface } from 'node:readline/promises';
import { DiagnosticError, error, type Diagnostic } from '../diag/diagnostic';
import { renderDiagnostic } from '../views/diagnostics';
import type { IoHost, IoMessage, IoRequest } from '../io/host';
import { IO } from '../io/messages';
import type { Plan } from '../plan/types';
import { printable, renderPlanText } from '../views/plan-text';
import { note, out, type CliIo } from './io';

export interface CliHostOptions {
  /** --yes: every confirmation is answered yes. */
  readonly yes?: boolean;
  /** --json: the plan is not printed as text (the command prints one JSON document at the end). */
  readonly json?: boolean;
}

/** Messages whose text is the line people see on stderr while a command runs. */
const PROGRESS = new Set<string>([
  IO.READ_START.code,
  IO.APPLY_ORGANIZATION.code,
  IO.APPLY_SERVER.code,
  IO.APPLY_RESTART_START.code,
  IO.APPLY_RESTART_DONE.code,
  IO.APPLY_FAILED.code,
  IO.APPLY_CANCELLED.code,
  IO.UNLOCK_NOTE.code,
]);

/** Spelt out, not built from the command's name, so that docs/diagnostics.md can be checked against the source. */
const NEEDS_CONFIRMATION = {
  apply: 'apply.needs-confirmation',
  rollback: 'rollback.needs-confirmation',
  'force-unlock': 'force-unlock.needs-confirmation',
} as const;

export function cliHost(io: CliIo, opts: CliHostOptions = {}): IoHost {
  return {
    async notify(msg: IoMessage): Promise<void> {
      io.log?.(msg);
      if (io.verbose && (msg.level === 'debug' || msg.level === 'trace') && !PROGRESS.has(msg.code)) note(io, msg.message);
      if (msg.code === IO.APPLY_PLAN.code) {
        if (!opts.json) out(io, renderPlanText((msg.data as { plan: Plan }).plan, { color: io.color }));
        return;
      }
      if (msg.code === IO.RUN_WARNING.code) {
        io.stderr.write(renderDiagnostic((msg.data as { diagnostic: Diagnostic }).diagnostic, { color: false }));
        return;
      }
      if (msg.code === IO.APPLY_ROLLBACK.code) {
        const d = msg.data as { what: string; ok: boolean };
        note(io, printable(`rollback: ${d.what}${d.ok ? '' : ' (FAILED)'}`));
        return;
      }
      // Progress lines name servers and files from the live state: escaped like every text view.
      if (PROGRESS.has(msg.code)) note(io, printable(msg.message));
    },

    async requestResponse<T, R>(msg: IoRequest<T, R>): Promise<R> {
      if (opts.yes) return true as R;
      const command: keyof typeof NEEDS_CONFIRMATION =
        msg.code === IO.UNLOCK_CONFIRM.code ? 'force-unlock' : ((msg.data as { command?: 'apply' | 'rollback' }).command ?? 'apply');
      if (io.stdin.isTTY !== true) {
        throw new DiagnosticError(
          error(
            NEEDS_CONFIRMATION[command],
            `${command} needs confirmation, and there is no terminal to ask on.`,
            'Nothing was changed. Review the plan above, then run again with --yes (in a pipeline: apply a saved plan with --yes).',
          ),
        );
      }
      const rl = createInterface({ input: io.stdin, output: io.stderr });
      try {
        const answer = await rl.question(`${msg.message} Only "yes" is accepted: `);
        return (answer.trim() === 'yes') as R;
      } finally {
        rl.close();
      }
    },
  };
}

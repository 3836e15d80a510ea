/**
 * Every message the engine sends, declared once with its code, level and payload type (after
 * aws-cdk-cli's private/messages.ts). Codes are stable: a log consumer may rely on them. I = information,
 * W = warning, E = error; the number groups them (1xxx reading, 2xxx apply, 3xxx rollback and lock,
 * 4xxx the PowerShell target, 5xxx the end of a run).
 */
import type { Diagnostic } from '../diag/diagnostic';
import type { Plan } from '../plan/types';
import type { IoHost, IoLevel, IoMessage, IoRequest } from './host';

export type { IoHost } from './host';

interface MessageMaker<T> {
  readonly code: string;
  readonly level: IoLevel;
  readonly description: string;
  msg(message: string, data: T): IoMessage<T>;
}

interface RequestMaker<T, R> {
  readonly code: string;
  readonly level: IoLevel;
  readonly description: string;
  req(message: string, data: T, defaultResponse: R): IoRequest<T, R>;
}

function make<T>(level: IoLevel, code: string, description: string): MessageMaker<T> {
  return { code, level, description, msg: (message, data) => ({ time: new Date(), level, code, message, data }) };
}

function request<T, R>(code: string, description: string): RequestMaker<T, R> {
  return { code, level: 'info', description, req: (message, data, defaultResponse) => ({ time: new Date(), level: 'info', code, message, data, defaultResponse }) };
}

export const IO = {
  READ_START: make<{ readonly spec: string }>('info', 'HC_I1001', 'Reading the live state for a spec begins.'),
  READ_ORGANIZATION: make<{ readonly ms: number; readonly servers: number }>('debug', 'HC_I1002', 'The organisation was read.'),
  READ_SERVER: make<{ readonly server: string; readonly index: number; readonly total: number; readonly ms: number }>('debug', 'HC_I1003', 'One server was read.'),
  PLAN_READY: make<{ readonly plan: Plan }>('debug', 'HC_I1004', 'The plan is computed (before it is shown or applied).'),

  APPLY_PLAN: make<{ readonly plan: Plan }>('info', 'HC_I2000', 'The plan about to be carried out, shown before the confirmation.'),
  APPLY_CONFIRM: request<{ readonly plan: Plan; readonly command: 'apply' | 'rollback' }, boolean>('HC_I2001', 'Asks whether to carry out the plan; only yes goes on.'),
  APPLY_ORGANIZATION: make<{ readonly kind: string; readonly address: string; readonly title?: string; readonly attributes: readonly string[] }>(
    'info',
    'HC_I2002',
    'An organisation-wide change was made.',
  ),
  APPLY_SERVER: make<{ readonly server: string; readonly written: readonly string[]; readonly backups: readonly string[] }>('info', 'HC_I2003', "A server's changes were made."),
  APPLY_RESTART_START: make<{ readonly server: string; readonly how: string }>('info', 'HC_I2004', 'A restart begins.'),
  APPLY_RESTART_DONE: make<{ readonly server: string; readonly how: string; readonly healthy?: boolean }>('info', 'HC_I2005', 'A restart (and its health check) finished.'),
  APPLY_FAILED: make<{ readonly step: string; readonly server?: string; readonly diagnostics: readonly Diagnostic[] }>('error', 'HC_E2006', 'A step failed; the run stops.'),
  APPLY_ROLLBACK: make<{ readonly what: string; readonly ok: boolean }>('warn', 'HC_W2007', 'onFailure: rollback put something back (or failed to).'),
  APPLY_CANCELLED: make<{ readonly command: 'apply' | 'rollback' }>('info', 'HC_I2008', 'The confirmation was refused; nothing was changed.'),
  RUN_WARNING: make<{ readonly diagnostic: Diagnostic }>('warn', 'HC_W2009', "A record of the run (journal line, audit line) could not be written; the run's result stands."),

  POWERSHELL_CALL: make<{ readonly script: string; readonly call: string; readonly server?: string; readonly servers?: readonly string[]; readonly shellStarted?: boolean; readonly ms: number; readonly ok: boolean; readonly code?: string }>(
    'trace',
    'HC_I4001',
    'One PowerShell call of the PowerShell target ended (script, server, duration, ok or its error code; never its data).',
  ),

  RUN_ERROR: make<{ readonly diagnostic: Diagnostic }>(
    'error',
    'HC_E5001',
    'An error that ended the run (bad input, an unreachable target, a failed apply, a bug): its code, summary and detail.',
  ),
  RUN_END: make<{ readonly command: string; readonly exitCode: number }>('info', 'HC_I5002', "The run ended: the command's exit code. The last line of each run."),

  LOCK_TAKEN: make<{ readonly runId: string }>('debug', 'HC_I3001', "The organisation's apply lock was taken."),
  UNLOCK_CONFIRM: request<{ readonly holder: string }, boolean>('HC_I3002', 'Asks whether to break the apply lock.'),
  UNLOCK_NOTE: make<{ readonly host: string }>('warn', 'HC_W3003', 'The lock was taken on another host.'),
} as const;

/** Every message maker of the register, for the uniqueness test and for documentation. */
export function allMessages(): readonly { readonly code: string; readonly level: IoLevel; readonly description: string }[] {
  return Object.values(IO);
}

export async function notify<T>(host: IoHost | undefined, maker: MessageMaker<T>, message: string, data: T): Promise<void> {
  if (host) await host.notify(maker.msg(message, data));
}

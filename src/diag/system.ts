/**
 * Errors of the operating system (a full disk, a denied access, a folder where a file should be) are
 * expected failures: each becomes a diagnostic naming the call, the path and the way out, never the
 * "hybridcfg failed unexpectedly" of a bug.
 */
import { DiagnosticError, error, type Diagnostic } from './diagnostic';

const WHY: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EACCES: 'access is denied',
  EPERM: 'the operation is not permitted',
  EISDIR: 'a folder is where a file should be',
  ENOTDIR: 'a file is where a folder should be',
  EEXIST: 'a file is where a folder should be, or a name is taken',
  EROFS: 'the file system is read-only',
  EIO: 'an input/output error occurred',
  EMFILE: 'too many files are open',
  ENAMETOOLONG: 'a path is too long',
  ELOOP: 'a path has too many symbolic links',
  EBUSY: 'a file is busy',
};

/** Whether `err` is an error of the operating system (it has an errno-style code such as ENOSPC). */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException & { code: string } {
  // Not `instanceof Error`: errors of Node's own modules come from another realm under some hosts (jest, vm).
  if (err === null || typeof err !== 'object' || typeof (err as { message?: unknown }).message !== 'string') return false;
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code);
}

/** The diagnostic of a system error during `what` (`reading the lab's journal`). */
export function systemErrorDiagnostic(err: NodeJS.ErrnoException & { code: string }, what: string, code = 'io.failed'): Diagnostic {
  const dest = (err as { dest?: string }).dest;
  const where = err.path ? ` (${err.path}${dest ? ` -> ${dest}` : ''})` : '';
  return error(
    code,
    `${what} failed: ${WHY[err.code] ?? err.message}${where} [${err.code}]`,
    'Every file hybridcfg writes is written whole or not at all: run `hybridcfg plan` to see where things stand. ' +
      'Free the disk, fix the permissions or move the thing in the way, then run again.',
  );
}

/** Rethrows a system error as a DiagnosticError; anything else as it is. */
export function asDiagnosticError(err: unknown, what: string, code?: string): never {
  if (isSystemError(err)) throw new DiagnosticError(systemErrorDiagnostic(err, what, code));
  throw err;
}

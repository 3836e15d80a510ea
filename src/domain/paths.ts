/**
 * The one rule for paths relative to ExchangeInstallPath: the spec loader, the lab and the PowerShell
 * target (and, on the server, Resolve-HcPath in server-common.ps1) all refuse what would leave it.
 */

/** Why `file` is not a path inside ExchangeInstallPath (`is an absolute path`), or undefined when it is one. */
export function outsideInstallPath(file: string): string | undefined {
  if (file === '') return 'is empty';
  if (file.includes('\0')) return 'contains a NUL character';
  if (/^[\\/]{2}/.test(file)) return 'is a UNC path';
  if (/^[\\/]/.test(file)) return 'is an absolute path';
  if (/^[A-Za-z]:/.test(file)) return 'starts with a drive letter';
  if (file.includes(':')) return 'contains `:`';
  if (file.split(/[\\/]/).includes('..')) return 'contains `..`';
  return undefined;
}

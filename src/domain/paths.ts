/**
 * The one rule for paths relative to ExchangeInstallPath: the spec loader, the lab and the PowerShell
 * target (and, on the server, Resolve-HcPath in server-common.ps1) all refuse what would leave it, what
 * would land in hybridcfg's own folder (backups, originals, run state: a spec that wrote there could
 * poison the originals a rollback restores), and what Windows would read as another name than the one
 * written (device names, 8.3 short names, trailing dots and spaces, characters Windows forbids).
 */

/** hybridcfg's own folder under ExchangeInstallPath (backups, originals, temp files, run state). */
export const OWN_FOLDER = 'hybridcfg';

/** Windows device names: `CON`, `NUL.txt`, `COM1` open the device, not a file, in any folder. */
const DEVICE = /^(CON|PRN|AUX|NUL|COM[0-9\u00b9\u00b2\u00b3]|LPT[0-9\u00b9\u00b2\u00b3]|CONIN\$|CONOUT\$|CLOCK\$)(\..*)?$/i;

/**
 * Whether a path segment names hybridcfg's own folder as NTFS compares names (case-insensitively):
 * every case folding JavaScript knows is tried, so that a name some folding makes equal is refused.
 */
export function isOwnFolderName(segment: string): boolean {
  const s = segment.replace(/[. ]+$/, '');
  const forms = [s, s.normalize('NFKC')];
  return forms.some((f) => f.toUpperCase() === OWN_FOLDER.toUpperCase() || f.toLowerCase() === OWN_FOLDER);
}

export interface PathProblem {
  /** `outside`: it would leave ExchangeInstallPath; `own-folder`: it is in hybridcfg's own folder; `windows-name`: Windows would read another name. */
  readonly kind: 'outside' | 'own-folder' | 'windows-name';
  /** `is an absolute path`, `contains \`..\``, ... */
  readonly why: string;
}

/** Why `file` is not a path inside ExchangeInstallPath (`is an absolute path`), or undefined when it is one. */
export function outsideInstallPath(file: string): string | undefined {
  return pathProblem(file)?.why;
}

/** What is wrong with `file` as a path hybridcfg may read and write under ExchangeInstallPath, if anything. */
export function pathProblem(file: string): PathProblem | undefined {
  const outside = (why: string): PathProblem => ({ kind: 'outside', why });
  if (file === '') return outside('is empty');
  if (file.includes('\0')) return outside('contains a NUL character');
  if (/^[\\/]{2}/.test(file)) return outside('is a UNC path');
  if (/^[\\/]/.test(file)) return outside('is an absolute path');
  if (/^[A-Za-z]:/.test(file)) return outside('starts with a drive letter');
  if (file.includes(':')) return outside('contains `:`');
  if (file.split(/[\\/]/).includes('..')) return outside('contains `..`');
  return notAWindowsFileName(file);
}

/** The Windows-name and own-folder part of the rule, for a path already known not to leave the folder. */
function notAWindowsFileName(file: string): PathProblem | undefined {
  const windows = (why: string): PathProblem => ({ kind: 'windows-name', why });
  // eslint-disable-next-line no-control-regex
  const bad = /[<>"|?*\u0001-\u001f]/.exec(file);
  if (bad) return windows(`contains ${bad[0] < ' ' ? `the control character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}` : `\`${bad[0]}\``}, which Windows file names may not`);
  const segments = file.split(/[\\/]/).filter((s) => s !== '' && s !== '.');
  if (segments.length > 0 && isOwnFolderName(segments[0])) return { kind: 'own-folder', why: `is inside hybridcfg's own folder (${OWN_FOLDER}\\: backups, originals, run state), which a spec may not change` };
  for (const s of segments) {
    if (/[. ]$/.test(s)) return windows(`has the segment "${s}" ending in a dot or a space, which Windows drops (it would name "${s.replace(/[. ]+$/, '')}")`);
    if (DEVICE.test(s.replace(/[. ]+$/, ''))) return windows(`has the segment "${s}", a Windows device name, not a file`);
    if (/~\d/.test(s)) return windows(`has the segment "${s}", which Windows may read as the 8.3 short name of another file or folder`);
  }
  return undefined;
}

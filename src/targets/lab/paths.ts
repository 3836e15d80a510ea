/** Paths inside a lab server's folder (its ExchangeInstallPath). */
import * as path from 'node:path';
import { fail } from '../../diag/diagnostic';
import { isOwnFolderName, pathProblem } from '../../domain/paths';

/**
 * A path relative to the server folder, refused when it would leave it (`..`, absolute, drive letter),
 * when it lands in hybridcfg's own folder (any case) or when Windows would read another name: the spec
 * loader rejects those already, and the lab refuses them again because it writes files.
 */
export function resolveInServer(folder: string, file: string): string {
  const abs = path.resolve(folder, ...file.replace(/\\/g, '/').split('/'));
  const found = pathProblem(file);
  const first = path.relative(folder, abs).split(path.sep)[0] ?? '';
  if (found !== undefined || !abs.startsWith(folder + path.sep) || isOwnFolderName(first)) {
    fail(
      'target.path-outside-install',
      `"${file}" ${found?.why ?? (isOwnFolderName(first) ? "is inside hybridcfg's own folder" : "is outside the server's ExchangeInstallPath")}`,
      'Give web.config paths relative to ExchangeInstallPath, without ".." and not absolute, outside hybridcfg\\, e.g. FrontEnd/HttpProxy/rest/web.config. Nothing was read or written.',
    );
  }
  return abs;
}

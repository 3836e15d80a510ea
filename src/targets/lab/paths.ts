/** Paths inside a lab server's folder (its ExchangeInstallPath). */
import * as path from 'node:path';
import { fail } from '../../diag/diagnostic';
import { outsideInstallPath } from '../../domain/paths';

/**
 * A path relative to the server folder, refused when it would leave it (`..`, absolute, drive letter):
 * the spec loader rejects those already, and the lab refuses them again because it writes files.
 */
export function resolveInServer(folder: string, file: string): string {
  const abs = path.resolve(folder, ...file.replace(/\\/g, '/').split('/'));
  if (outsideInstallPath(file) !== undefined || !abs.startsWith(folder + path.sep)) {
    fail(
      'target.path-outside-install',
      `"${file}" is outside the server's ExchangeInstallPath`,
      'Give web.config paths relative to ExchangeInstallPath, without ".." and not absolute, e.g. FrontEnd/HttpProxy/rest/web.config.',
    );
  }
  return abs;
}

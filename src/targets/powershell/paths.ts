/** Paths sent to a server: the same rule as the lab (src/domain/paths.ts), checked before any call. */
import { fail } from '../../diag/diagnostic';
import { outsideInstallPath } from '../../domain/paths';
import type { ExchangeServer } from '../types';

export function checkRelativePath(file: string, server: ExchangeServer | undefined): void {
  if (outsideInstallPath(file) !== undefined) {
    fail(
      'target.path-outside-install',
      `${file} is not a path inside ExchangeInstallPath of ${server?.Name ?? 'the server'}`,
      'File paths in the spec are relative to ExchangeInstallPath, e.g. FrontEnd/HttpProxy/rest/web.config.',
    );
  }
}

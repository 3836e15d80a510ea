/** Paths sent to a server: the same rule as the lab (src/domain/paths.ts), checked before any call. */
import { fail } from '../../diag/diagnostic';
import { pathProblem } from '../../domain/paths';
import type { ExchangeServer } from '../types';

export function checkRelativePath(file: string, server: ExchangeServer | undefined): void {
  const found = pathProblem(file);
  if (found !== undefined) {
    fail(
      'target.path-outside-install',
      `${file} is not a path hybridcfg may change in ExchangeInstallPath of ${server?.Name ?? 'the server'}: it ${found.why}`,
      'File paths in the spec are relative to ExchangeInstallPath and outside hybridcfg\\, e.g. FrontEnd/HttpProxy/rest/web.config. Nothing was read or written.',
    );
  }
}

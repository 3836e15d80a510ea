/**
 * Finds pwsh for the tests that run real PowerShell. Missing pwsh fails those tests (never skips them):
 * on CI with a message naming what to install, locally with the same message.
 */
import { findShell } from '../../src/targets/powershell/shell';
import { DiagnosticError } from '../../src/diag/diagnostic';

export function requirePwsh(): string {
  try {
    return findShell(process.env.HYBRIDCFG_PWSH ?? 'pwsh');
  } catch (err) {
    const why = err instanceof DiagnosticError ? err.diagnostics[0]!.summary : String(err);
    throw new Error(
      `${why}. These tests need PowerShell 7 (pwsh): \`dotnet tool install --global PowerShell --version 7.6.9\`` +
        (process.env.CI ? ' in the CI image.' : ', or set HYBRIDCFG_PWSH to its path.'),
    );
  }
}

/**
 * Finds the PowerShell executable before node-powershell is asked to start it: node-powershell crashes
 * Node with an unhandled rejection when the executable is missing (STACK.md), so a missing shell must be
 * a diagnostic here instead.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fail } from '../../diag/diagnostic';

export interface ShellLookup {
  readonly env: NodeJS.ProcessEnv;
  readonly platform: NodeJS.Platform;
  readonly home: string;
}

const defaultLookup = (): ShellLookup => ({ env: process.env, platform: process.platform, home: os.homedir() });

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, lookup: ShellLookup): string | undefined {
  const dirs = (lookup.env.PATH ?? lookup.env.Path ?? '').split(lookup.platform === 'win32' ? ';' : ':').filter(Boolean);
  const names = lookup.platform === 'win32' ? [`${name}.exe`, name] : [name];
  for (const dir of dirs) {
    for (const n of names) {
      const candidate = path.join(dir, n);
      if (isFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * Resolves the shell: `shell` from the spec ('pwsh', 'powershell' or a path), then HYBRIDCFG_PWSH, then
 * PATH (powershell first on Windows, where the Exchange snap-in needs 5.1; pwsh elsewhere), then
 * ~/.dotnet/tools/pwsh (the .NET global tool). Throws `target.shell-missing` naming everything it tried.
 */
export function findShell(shell: string | undefined, lookup: ShellLookup = defaultLookup()): string {
  const tried: string[] = [];
  const tryPath = (p: string): string | undefined => {
    tried.push(p);
    return isFile(p) ? p : undefined;
  };
  const tryName = (name: string): string | undefined => {
    tried.push(`${name} on PATH`);
    return onPath(name, lookup);
  };
  const dotnetPwsh = () => tryPath(path.join(lookup.home, '.dotnet', 'tools', lookup.platform === 'win32' ? 'pwsh.exe' : 'pwsh'));

  // node-powershell runs $NODE_POWERSHELL instead of what it is given, so that one must exist too.
  const override = lookup.env.NODE_POWERSHELL;
  if (override) {
    return (
      tryPath(override) ??
      fail('target.shell-missing', `PowerShell not found: NODE_POWERSHELL names ${override}, which does not exist`, 'Unset NODE_POWERSHELL or point it at pwsh / powershell.exe.')
    );
  }

  let found: string | undefined;
  if (shell !== undefined && shell !== '') {
    if (shell === 'pwsh') found = tryName('pwsh') ?? dotnetPwsh();
    else if (shell === 'powershell') found = tryName('powershell');
    else found = tryPath(path.resolve(shell));
  } else {
    const fromEnv = lookup.env.HYBRIDCFG_PWSH;
    if (fromEnv) found = tryPath(fromEnv);
    if (!found) {
      for (const name of lookup.platform === 'win32' ? ['powershell', 'pwsh'] : ['pwsh']) {
        found = tryName(name);
        if (found) break;
      }
    }
    found ??= dotnetPwsh();
  }
  if (found) return found;
  return fail(
    'target.shell-missing',
    `PowerShell not found (looked for: ${tried.join(', ')})`,
    'Install PowerShell (Windows PowerShell 5.1 on an Exchange server; elsewhere `dotnet tool install --global PowerShell`), ' +
      'or set target.powershell.shell to its path, or set HYBRIDCFG_PWSH.',
  );
}

/** `hybridcfg validate [SPEC] [--json]`: check a spec without touching any server. */
import { COMMAND_OPTIONS } from '../options';
import * as nodePath from 'node:path';
import { parseArgs } from 'node:util';
import { DiagnosticError, type Diagnostic } from '../../diag/diagnostic';
import { loadSpec } from '../../session/session';
import type { Spec } from '../../spec/types';
import { renderDiagnostics } from '../../views/diagnostics';
import { VALIDATE_USAGE } from '../help';
import type { CliIo } from '../io';
import { EXIT, endedWith, out } from '../io';


export async function run(argv: string[], io: CliIo): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...COMMAND_OPTIONS.validate, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    throw new DiagnosticError({
      severity: 'error',
      code: 'cli.usage',
      summary: (err as Error).message,
      detail: 'Run "hybridcfg validate --help" for the options.',
    });
  }
  if (args.values.help) {
    out(io, VALIDATE_USAGE);
    return EXIT.ok;
  }
  if (args.positionals.length > 1) {
    throw new DiagnosticError({
      severity: 'error',
      code: 'cli.usage',
      summary: `validate takes one spec file, got ${args.positionals.length}: ${args.positionals.join(' ')}`,
      detail: 'Run hybridcfg validate once per spec.',
    });
  }
  const given = args.positionals[0] ?? 'hybridcfg.yaml';
  const file = nodePath.resolve(io.cwd, given);

  if (args.values.json) {
    let diagnostics: readonly Diagnostic[];
    try {
      diagnostics = (await loadSpec(file)).warnings ?? [];
    } catch (err) {
      if (!(err instanceof DiagnosticError)) throw err;
      out(io, JSON.stringify({ valid: false, diagnostics: err.diagnostics }, null, 2));
      return endedWith(io, err.diagnostics, EXIT.error);
    }
    out(io, JSON.stringify({ valid: true, diagnostics }, null, 2));
    return EXIT.ok;
  }

  const loaded = await loadSpec(file);
  if (loaded.warnings && loaded.warnings.length > 0 && !io.quiet) {
    io.stderr.write(renderDiagnostics(loaded.warnings, { color: io.color && io.stderr.isTTY === true }));
  }
  out(io, `${given}: valid (${summary(loaded.spec)})`);
  return EXIT.ok;
}

function summary(spec: Spec): string {
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const apps = Array.isArray(spec.partnerApplications) ? spec.partnerApplications.length : 0;
  const files = Array.isArray(spec.webConfigs) ? spec.webConfigs.length : 0;
  const servers = spec.servers === 'all' ? 'all' : spec.servers.join(', ');
  return `${count(apps, 'partner application', 'partner applications')}, ${count(files, 'web.config', 'web.configs')}, servers: ${servers}`;
}

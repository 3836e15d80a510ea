/** hybridcfg export [SPEC]: a spec for the live state of the managed resources, on stdout. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND_OPTIONS } from '../options';
import { stringify } from 'yaml';
import { exportModeline } from '../../spec/modeline';
import { exportSpec } from '../../session/export';
import { specPath } from '../../session/session';
import { EXPORT_SEPARATOR_NOTE } from '../../views/export';
import { parallelismOption, parseCommandArgs } from '../args';
import { EXPORT_USAGE } from '../help';
import { cliHost } from '../host';
import { EXIT, out, type CliIo } from '../io';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs('export', argv, COMMAND_OPTIONS.export, 1);
  if (args.help) {
    io.stdout.write(EXPORT_USAGE);
    return EXIT.ok;
  }
  const parallelism = parallelismOption(args.values.parallelism, 'export');
  // Relative paths in the export are written relative to the current folder, where it is redirected.
  const { doc, target } = await exportSpec(specPath(args.positionals[0], io.cwd), {
    host: cliHost(io),
    outDir: io.cwd,
    all: args.values.all === true,
    ...(parallelism !== undefined ? { parallelism } : {}),
  });
  // Deterministic (no time: the same organisation exports the same bytes), and the input's schema
  // modeline kept, re-anchored at the current folder where the output is redirected.
  const input = specPath(args.positionals[0], io.cwd);
  const firstLine = (() => {
    try {
      return readFileSync(input, 'utf8').split(/\r?\n/, 1)[0] ?? '';
    } catch {
      return '';
    }
  })();
  out(
    io,
    `${exportModeline({ outputFile: join(io.cwd, 'export.yaml'), input: { file: input, firstLine } })}\n` +
      `# Exported by hybridcfg from ${target}.\n${EXPORT_SEPARATOR_NOTE}\n` +
      stringify(doc, { lineWidth: 0 }),
  );
  return EXIT.ok;
}

/** hybridcfg export [SPEC]: a spec for the live state of the managed resources, on stdout. */
import { COMMAND_OPTIONS } from '../options';
import { stringify } from 'yaml';
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
  out(
    io,
    `# yaml-language-server: $schema=https://hybridcfg.dev/schemas/hybridcfg.schema.json\n` +
      `# Exported by hybridcfg from ${target} on ${new Date().toISOString()}.\n${EXPORT_SEPARATOR_NOTE}\n` +
      stringify(doc, { lineWidth: 0 }),
  );
  return EXIT.ok;
}

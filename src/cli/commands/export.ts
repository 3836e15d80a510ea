/** hybridcfg export [SPEC]: a spec for the live state of the managed resources, on stdout. */
import { EXIT, note, out, type CliIo } from '../io';
import { parallelismOption, parseCommandArgs } from '../args';

const USAGE = `Usage: hybridcfg export [SPEC] [options] > live.yaml

Writes a spec that describes the live state of the resources SPEC manages: the same partner
application properties and appSettings, with the values read now (servers whose values differ get
entries of their own). Planning the exported spec against the same organisation shows no changes.

Options:
  --parallelism N        Servers read at the same time (default 10)

Example:
  hybridcfg export hybridcfg.yaml > live.yaml
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs('export', argv, { parallelism: { type: 'string' } }, 1);
  if (args.help) {
    io.stdout.write(USAGE);
    return EXIT.ok;
  }
  const { specPath } = require('../../engine/session') as typeof import('../../engine/session');
  const { loadSpec } = require('../../spec/load') as typeof import('../../spec/load');
  const { openTarget } = require('../../targets') as typeof import('../../targets');
  const { readLive } = require('../../engine/live') as typeof import('../../engine/live');
  const { exportSpec, EXPORT_SEPARATOR_NOTE } = require('../../export/export') as typeof import('../../export/export');
  const { stringify } = require('yaml') as typeof import('yaml');
  const file = specPath(args.positionals[0], io.cwd);
  const loaded = await loadSpec(file);
  const parallelism = parallelismOption(args.values.parallelism, 'export');
  const target = await openTarget(loaded.spec, { specDir: loaded.dir, ...(parallelism !== undefined ? { parallelism } : {}) });
  try {
    note(io, `Reading the live state for ${file} ...`);
    const live = await readLive(loaded, target, { parallelism });
    // Relative paths in the export are written relative to the current folder, where it is redirected.
    const doc = exportSpec(loaded, live, io.cwd);
    out(
      io,
      `# yaml-language-server: $schema=https://hybridcfg.dev/schemas/hybridcfg.schema.json\n` +
        `# Exported by hybridcfg from ${target.description} on ${new Date().toISOString()}.\n${EXPORT_SEPARATOR_NOTE}\n` +
        stringify(doc, { lineWidth: 0 }),
    );
  } finally {
    await target.close();
  }
  return EXIT.ok;
}

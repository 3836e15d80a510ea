/**
 * hybridcfg schema: prints the JSON Schema of the spec that this installed hybridcfg reads (the
 * package's schemas/hybridcfg.schema.json), for editors and linters that want it without a clone.
 */
import { COMMAND_OPTIONS } from '../options';
import { readFileSync } from 'node:fs';
import { fail } from '../../diag/diagnostic';
import { PACKAGE_SCHEMA_FILE } from '../../spec/modeline';
import { parseCommandArgs } from '../args';
import { SCHEMA_USAGE } from '../help';
import { EXIT, type CliIo } from '../io';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs('schema', argv, COMMAND_OPTIONS.schema, 0);
  if (args.help) {
    io.stdout.write(SCHEMA_USAGE);
    return EXIT.ok;
  }
  if (args.values.path === true) {
    io.stdout.write(PACKAGE_SCHEMA_FILE + '\n');
    return EXIT.ok;
  }
  let text: string;
  try {
    text = readFileSync(PACKAGE_SCHEMA_FILE, 'utf8');
  } catch (err) {
    return fail('cli.schema-missing', `The schema of this hybridcfg is missing: ${PACKAGE_SCHEMA_FILE} (${(err as NodeJS.ErrnoException).code})`, 'Reinstall the package; in a clone, run "npm run schema".');
  }
  io.stdout.write(text.endsWith('\n') ? text : text + '\n');
  return EXIT.ok;
}

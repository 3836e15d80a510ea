/** hybridcfg verify [SPEC] [--json]: prove app-only Graph access to each mailbox, and say why not. */
import { COMMAND_OPTIONS } from '../options';
import { resolve } from 'node:path';
import { loadSpec } from '../../session/session';
import { verifySpec } from '../../session/verify';
import { renderVerifyJson, renderVerifyText } from '../../views/verify';
import { parseCommandArgs } from '../args';
import { VERIFY_USAGE } from '../help';
import { EXIT, out, type CliIo } from '../io';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs('verify', argv, COMMAND_OPTIONS.verify, 1);
  if (args.help) {
    io.stdout.write(VERIFY_USAGE);
    return EXIT.ok;
  }
  const loaded = await loadSpec(resolve(io.cwd, args.positionals[0] ?? 'hybridcfg.yaml'));
  const report = await verifySpec(loaded, { env: io.env, cwd: io.cwd });
  out(io, args.values.json ? renderVerifyJson(report) : renderVerifyText(report, { color: io.color }));
  return report.ok ? EXIT.ok : EXIT.error;
}

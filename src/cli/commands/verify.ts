/** hybridcfg verify [SPEC] [--json]: prove app-only Graph access to each mailbox, and say why not. */
import type { LoadedSpec } from '../../spec/types';
import { DiagnosticError, error } from '../../diag/diagnostic';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadSpec } from '../../session/session';
import { renderVerifyJson, renderVerifyText, runVerify } from '../../verify';
import { parseCommandArgs } from '../args';
import { VERIFY_USAGE } from '../help';
import { EXIT, out, type CliIo } from '../io';


async function caCerts(io: CliIo): Promise<string | undefined> {
  const file = io.env.HYBRIDCFG_CA_FILE;
  if (file === undefined || file === '') return undefined;
  const path = resolve(io.cwd, file);
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new DiagnosticError(
      error('verify.ca-unreadable', `Cannot read HYBRIDCFG_CA_FILE ${path}: ${(err as Error).message}`, 'Point HYBRIDCFG_CA_FILE at a PEM file of CA certificates, or unset it.'),
    );
  }
}

/** verify on an already loaded spec: used by this command and by `apply --verify`. */
export async function runVerifyCommand(
  loaded: LoadedSpec,
  io: CliIo,
  opts: { readonly json: boolean; readonly wrap?: (report: unknown) => Record<string, unknown> },
): Promise<number> {
  const ca = await caCerts(io);
  const report = await runVerify(loaded, { env: io.env, ...(ca !== undefined ? { caCerts: ca } : {}) });
  const json = () => (opts.wrap ? JSON.stringify(opts.wrap(JSON.parse(renderVerifyJson(report))), null, 2) : renderVerifyJson(report));
  out(io, opts.json ? json() : renderVerifyText(report, { color: io.color }));
  return report.ok ? EXIT.ok : EXIT.error;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs('verify', argv, { json: { type: 'boolean' } }, 1);
  if (args.help) {
    io.stdout.write(VERIFY_USAGE);
    return EXIT.ok;
  }
  const loaded = await loadSpec(resolve(io.cwd, args.positionals[0] ?? 'hybridcfg.yaml'));
  return runVerifyCommand(loaded, io, { json: args.values.json === true });
}

/** hybridcfg verify [SPEC] [--json]: prove app-only Graph access to each mailbox, and say why not. */
import type { LoadedSpec } from '../../spec/types';
import { DiagnosticError, error } from '../../diag/diagnostic';
import { parseCommandArgs } from '../args';
import { EXIT, out, type CliIo } from '../io';

const USAGE = `Usage: hybridcfg verify [SPEC] [options]

Signs in as the app of the spec's verify section with the client credentials flow (a client secret
from the environment variable named in clientSecretEnv, or a certificate and key), then reads one
message id from each listed mailbox through Microsoft Graph. For each mailbox it shows what was
answered, why, and what to change in the spec. Changes nothing.

SPEC defaults to hybridcfg.yaml in the current folder.

Options:
  --json        Print the report as JSON (format: docs/verify.md)

Environment:
  HYBRIDCFG_CA_FILE   PEM file of extra CA certificates to trust for the identity provider and Graph

Exit status: 0 only when every mailbox read succeeded; 1 otherwise.

Examples:
  HYBRIDCFG_CLIENT_SECRET=... hybridcfg verify
  hybridcfg verify prod.yaml --json > verify.json
`;

async function caCerts(io: CliIo): Promise<string | undefined> {
  const file = io.env.HYBRIDCFG_CA_FILE;
  if (file === undefined || file === '') return undefined;
  const { readFile } = require('node:fs/promises') as typeof import('node:fs/promises');
  const { resolve } = require('node:path') as typeof import('node:path');
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
  const { runVerify, renderVerifyJson, renderVerifyText } = require('../../verify') as typeof import('../../verify');
  const ca = await caCerts(io);
  const report = await runVerify(loaded, { env: io.env, ...(ca !== undefined ? { caCerts: ca } : {}) });
  const json = () => (opts.wrap ? JSON.stringify(opts.wrap(JSON.parse(renderVerifyJson(report))), null, 2) : renderVerifyJson(report));
  out(io, opts.json ? json() : renderVerifyText(report, { color: io.color }));
  return report.ok ? EXIT.ok : EXIT.error;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs('verify', argv, { json: { type: 'boolean' } }, 1);
  if (args.help) {
    io.stdout.write(USAGE);
    return EXIT.ok;
  }
  const { resolve } = require('node:path') as typeof import('node:path');
  const { loadSpec } = require('../../spec/load') as typeof import('../../spec/load');
  const loaded = await loadSpec(resolve(io.cwd, args.positionals[0] ?? 'hybridcfg.yaml'));
  return runVerifyCommand(loaded, io, { json: args.values.json === true });
}

/** Argument parsing shared by the commands (node:util parseArgs), with usage errors as diagnostics. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DiagnosticError, error } from '../diag/diagnostic';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
  readonly help: boolean;
}

export function parseCommandArgs(command: string, argv: string[], options: Options, maxPositionals: number): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new DiagnosticError(
      error('cli.usage', `hybridcfg ${command}: ${(err as Error).message.replace(/^.*?: /, '')}`, `Run "hybridcfg ${command} --help" for its options.`),
    );
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new DiagnosticError(
      error('cli.usage', `hybridcfg ${command}: unexpected argument "${parsed.positionals[maxPositionals]}".`, `Run "hybridcfg ${command} --help" for its usage.`),
    );
  }
  return { values: parsed.values as Parsed['values'], positionals: parsed.positionals, help: parsed.values.help === true };
}

export function parallelismOption(value: string | boolean | string[] | undefined, command: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new DiagnosticError(
      error('cli.usage', `hybridcfg ${command}: --parallelism must be a whole number from 1 to 1000, not "${String(value)}".`),
    );
  }
  return n;
}

/** Argument parsing shared by the commands (node:util parseArgs), with usage errors as diagnostics. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DiagnosticError, error } from '../diag/diagnostic';
import { suggest } from '../domain/tokens';

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
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec((err as Error).message);
    if (unknown) {
      // Mistyped flags get the same help as mistyped commands: the nearest option, if one is near.
      const names = [...Object.keys(options), 'help'].map((n) => `--${n}`);
      const guess = suggest(unknown[1].replace(/=.*$/, ''), names);
      throw new DiagnosticError(
        error(
          'cli.usage',
          `hybridcfg ${command}: unknown option ${unknown[1]}.${guess ? ` Did you mean ${guess}?` : ''}`,
          `Run "hybridcfg ${command} --help" for its options (${names.join(', ')}).`,
        ),
      );
    }
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

/** `--servers A,B`: server names, comma-separated (repeatable); undefined when not given. */
export function serversOption(value: string | boolean | string[] | undefined, command: string): string[] | undefined {
  if (value === undefined) return undefined;
  const names = (Array.isArray(value) ? value : [String(value)]).flatMap((v) => v.split(',')).map((n) => n.trim());
  if (names.length === 0 || names.some((n) => n === '')) {
    throw new DiagnosticError(
      error('cli.usage', `hybridcfg ${command}: --servers needs server names separated by commas, not "${String(value)}".`, `Example: hybridcfg ${command} --servers EX01,EX02`),
    );
  }
  return [...new Set(names.map((n) => n.toUpperCase()))].map((u) => names.find((n) => n.toUpperCase() === u)!);
}

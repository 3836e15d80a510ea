#!/usr/bin/env node
/**
 * The CLI entry. Thin: it finds the command, loads only that command's module (so that `--version`
 * and `--help` load nothing heavy; commands import what they need statically), and is the one place
 * that maps failures to exit codes. Help texts live in help.ts, apart from the commands' code.
 */
import type { Diagnostic } from '../diag/diagnostic';
import { COMMAND_SUMMARIES, commandHelp } from './help';
import type { CliIo } from './io';
import type { LogFile } from './log';

type CommandModule = { run(argv: string[], io: CliIo): Promise<number> };

/** The one lazy step of the CLI: a command's module is loaded only when that command runs. */
const COMMANDS: Readonly<Record<string, () => CommandModule>> = {
  validate: () => require('./commands/validate'),
  plan: () => require('./commands/plan'),
  apply: () => require('./commands/apply'),
  export: () => require('./commands/export'),
  verify: () => require('./commands/verify'),
  rollback: () => require('./commands/rollback'),
  'force-unlock': () => require('./commands/force-unlock'),
  lab: () => require('./commands/lab'),
  schema: () => require('./commands/schema'),
  completion: () => require('./commands/completion'),
};

function version(): string {
  // package.json sits one level above dist/ and src/.
  return (require('../../package.json') as { version: string }).version;
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.keys(COMMANDS).map((name) => `  ${name.padEnd(width)}  ${COMMAND_SUMMARIES[name]}`);
  return [
    'hybridcfg: desired-state configuration for hybrid Exchange OAuth',
    '',
    'Usage: hybridcfg <command> [SPEC] [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Global options:',
    '  --help, -h      Help for hybridcfg or for a command (hybridcfg plan --help, hybridcfg help plan)',
    '  --version       Print the version',
    '  --no-color      No colour (also NO_COLOR=1); colour is used only on a terminal',
    '  --quiet, -q     Nothing on stderr but errors',
    '  --verbose, -v   Also each server read and each PowerShell call on stderr',
    '  --log-file FILE Append every message as a JSON line (time, level, code, message, data; secrets redacted)',
    '',
    'Examples:',
    '  hybridcfg lab init ./lab --servers EX01,EX02',
    '  hybridcfg plan hybridcfg.yaml --detailed-exitcode',
    '  hybridcfg apply hybridcfg.yaml --yes',
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  // `hybridcfg help plan` is `hybridcfg plan --help`, as git and npm read it.
  if (command === 'help' && rest.length > 0) return main([...rest, '--help'], io);
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(usage());
    return command === undefined ? 1 : 0;
  }
  if (command === '--version' || command === '-V') {
    io.stdout.write(version() + '\n');
    return 0;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    const { suggest } = require('../domain/tokens') as typeof import('../domain/tokens');
    const guess = suggest(command, Object.keys(COMMANDS));
    io.stderr.write(
      `Error: unknown command "${command}".${guess ? ` Did you mean "${guess}"?` : ''}\n` +
        `Run "hybridcfg --help" for the list of commands.\n`,
    );
    return 1;
  }
  // Help is answered here, from help.ts: a command's module (and all it imports) is not loaded for it.
  const help = commandHelp(command, rest);
  if (help !== undefined) {
    io.stdout.write(help);
    return 0;
  }
  const { runCommand } = require('./run') as typeof import('./run');
  // -v/--verbose and --log-file FILE are for every command: taken out before the command parses its own.
  const args: string[] = [];
  let verbose = false;
  let logFile: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '-v' || a === '--verbose') verbose = true;
    else if (a === '--log-file') logFile = rest[++i] ?? '';
    else if (a.startsWith('--log-file=')) logFile = a.slice('--log-file='.length);
    else args.push(a);
  }
  // The errors that end the run, thrown or reported by the command itself, and its exit code are the log's
  // last lines: a run that fails is the one whose log is read.
  const ended: Diagnostic[] = [];
  let log: LogFile | undefined;
  try {
    const code = await runCommand(
      async () => {
        if (logFile === '') {
          const { DiagnosticError, error } = require('../diag/diagnostic') as typeof import('../diag/diagnostic');
          throw new DiagnosticError(error('cli.usage', `hybridcfg ${command}: --log-file needs a file name.`, `Example: hybridcfg ${command} --log-file run.jsonl`));
        }
        if (logFile === undefined) return entry().run(args, verbose ? { ...io, verbose } : io);
        const { openLogFile } = require('./log') as typeof import('./log');
        const { resolve } = require('node:path') as typeof import('node:path');
        const opened = openLogFile(resolve(io.cwd, logFile), io.env);
        log = opened;
        return await entry().run(args, { ...io, verbose, log: (m) => opened.write(m), ended: (d) => void ended.push(...d) });
      },
      io,
      { command, json: rest.includes('--json'), failed: (d) => void ended.push(...d) },
    );
    if (log !== undefined) {
      const { IO } = require('../io/messages') as typeof import('../io/messages');
      try {
        for (const d of ended.filter((x) => x.severity === 'error')) log.write(IO.RUN_ERROR.msg(d.summary, { diagnostic: d }));
        log.write(IO.RUN_END.msg(`hybridcfg ${command} ended with exit code ${code}`, { command, exitCode: code }));
      } catch (err) {
        // The run is over and its result stands; the log only lacks its end, which people are told.
        io.stderr.write(`Warning: the log file ${logFile} could not take the end of the run: ${(err as Error).message}\n`);
      }
    }
    return code;
  } finally {
    log?.close();
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const noColor = argv.includes('--no-color') || (process.env.NO_COLOR ?? '') !== '';
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    color: !noColor && process.stdout.isTTY === true,
    quiet: argv.includes('--quiet') || argv.includes('-q'),
  };
  main(
    argv.filter((a) => a !== '--no-color' && a !== '--quiet' && a !== '-q'),
    io,
  ).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`hybridcfg: internal error: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

/** hybridcfg completion bash|zsh|pwsh: print a shell completion script made from the CLI's own tables. */
import { DiagnosticError, error } from '../../diag/diagnostic';
import { suggest } from '../../domain/tokens';
import { parseCommandArgs } from '../args';
import { completionScript, SHELLS, type Shell } from '../completion';
import { COMPLETION_USAGE } from '../help';
import { EXIT, type CliIo } from '../io';
import { COMMAND_OPTIONS } from '../options';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs('completion', argv, COMMAND_OPTIONS.completion, 1);
  if (args.help) {
    io.stdout.write(COMPLETION_USAGE);
    return EXIT.ok;
  }
  const shell = args.positionals[0];
  if (shell === undefined || !(SHELLS as readonly string[]).includes(shell)) {
    const guess = shell === undefined ? undefined : suggest(shell, SHELLS);
    throw new DiagnosticError(
      error(
        'cli.usage',
        shell === undefined ? 'hybridcfg completion: name the shell.' : `hybridcfg completion: unknown shell "${shell}".${guess ? ` Did you mean "${guess}"?` : ''}`,
        `Run "hybridcfg completion bash", "hybridcfg completion zsh" or "hybridcfg completion pwsh".`,
      ),
    );
  }
  io.stdout.write(completionScript(shell as Shell));
  return EXIT.ok;
}

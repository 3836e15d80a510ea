/**
 * `hybridcfg completion bash|zsh|pwsh` (issue 14): the scripts are generated from the CLI's option
 * tables, and real shells load them. bash completes through its own `complete`/`compgen`; pwsh parses
 * the script and completes through TabExpansion2. zsh is not installed on this machine: for it the test
 * checks only that the script is generated from the same tables (no zsh runs it).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMAND_SUMMARIES } from '../../src/cli/help';
import { COMMAND_OPTIONS } from '../../src/cli/options';
import { runCli } from '../helpers/cli';
import { requirePwsh } from '../helpers/pwsh';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-completion-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function script(shell: string): Promise<string> {
  const r = await runCli(['completion', shell], { cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

/** What bash offers for the command line `words`, the last word being completed. */
function bashComplete(file: string, words: string[]): string[] {
  const line = words.map((w) => `'${w}'`).join(' ');
  const out = execFileSync(
    'bash',
    [
      '-c',
      `source "$1"; spec=$(complete -p hybridcfg) || exit 3; fn=$(sed -E 's/.* -F ([^ ]+) .*/\\1/' <<<"$spec");` +
        ` COMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; "$fn"; printf '%s\\n' "\${COMPREPLY[@]}"`,
      'bash',
      file,
    ],
    { encoding: 'utf8' },
  );
  return out.split('\n').filter(Boolean);
}

describe('bash', () => {
  let file: string;
  beforeAll(async () => {
    file = join(dir, 'hybridcfg.bash');
    writeFileSync(file, await script('bash'));
  });

  it('registers a completion for hybridcfg that bash accepts', () => {
    const spec = execFileSync('bash', ['-c', 'source "$1" && complete -p hybridcfg', 'bash', file], { encoding: 'utf8' });
    expect(spec.trim()).toBe('complete -o default -F _hybridcfg hybridcfg');
  });

  it('completes every command, and a prefix to its command', () => {
    expect(bashComplete(file, ['hybridcfg', ''])).toEqual(expect.arrayContaining(Object.keys(COMMAND_SUMMARIES)));
    expect(bashComplete(file, ['hybridcfg', 'pl'])).toEqual(['plan']);
    expect(bashComplete(file, ['hybridcfg', 'comp'])).toEqual(['completion']);
  });

  it("completes a command's options, including the newest ones", () => {
    expect(bashComplete(file, ['hybridcfg', 'plan', '--se'])).toEqual(['--servers']);
    expect(bashComplete(file, ['hybridcfg', 'apply', 'x.yaml', '--au'])).toEqual(['--audit-log']);
    expect(bashComplete(file, ['hybridcfg', 'plan', '--'])).toEqual(expect.arrayContaining(Object.keys(COMMAND_OPTIONS.plan).map((o) => `--${o}`)));
    // Options of one command are not offered for another.
    expect(bashComplete(file, ['hybridcfg', 'verify', '--'])).not.toContain('--servers');
  });

  it("completes the lab's subcommands and their options, and the shells of completion", () => {
    expect(bashComplete(file, ['hybridcfg', 'lab', ''])).toEqual(['init', 'events', 'fault']);
    expect(bashComplete(file, ['hybridcfg', 'lab', 'init', './lab', '--app'])).toEqual(['--app-only-exposed']);
    expect(bashComplete(file, ['hybridcfg', 'completion', 'p'])).toEqual(['pwsh']);
  });
});

describe('pwsh', () => {
  it('parses the script and completes commands and options through TabExpansion2', async () => {
    const pwsh = requirePwsh();
    const file = join(dir, 'hybridcfg.ps1');
    writeFileSync(file, await script('pwsh'));
    const probe = [
      `$text = Get-Content -Raw -LiteralPath '${file.replace(/'/g, "''")}'`,
      '$null = [scriptblock]::Create($text)',
      '. ([scriptblock]::Create($text))',
      "foreach ($line in @('hybridcfg pl', 'hybridcfg plan --se', 'hybridcfg lab init ./lab --app')) {",
      '  $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length',
      "  Write-Output ($line + ' => ' + (($r.CompletionMatches | ForEach-Object CompletionText) -join ','))",
      '}',
    ].join('\n');
    const out = execFileSync(pwsh, ['-NoProfile', '-NonInteractive', '-Command', probe], { encoding: 'utf8', timeout: 60_000 });
    expect(out).toContain('hybridcfg pl => plan');
    expect(out).toContain('hybridcfg plan --se => --servers');
    expect(out).toContain('hybridcfg lab init ./lab --app => --app-only-exposed');
  });
});

describe('zsh (not installed here: generated only)', () => {
  it('declares #compdef and every command and its options from the tables', async () => {
    const text = await script('zsh');
    expect(text.startsWith('#compdef hybridcfg\n')).toBe(true);
    for (const cmd of Object.keys(COMMAND_SUMMARIES)) expect(text).toContain(`'${cmd}:`);
    expect(text).toMatch(/plan\) opts=\([^)]*--servers/);
  });
});

it('refuses an unknown shell with a did-you-mean', async () => {
  const r = await runCli(['completion', 'bsh'], { cwd: dir });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('unknown shell "bsh". Did you mean "bash"?');
});
